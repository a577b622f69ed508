package dlq

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/lookup"
)

// inspectEvent is an event committed at at, with the given order and user.
func inspectEvent(at, order, user string) string {
	return `{"eventId":"evt-i","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"` + at +
		`","order":` + order + `,"user":` + user + `}`
}

// The verdict of inspect is the processor's own dry run: what the consumer
// would do with the message now, short of writing.
func TestInspectVerdict(t *testing.T) {
	const (
		past     = "2026-11-02T10:15:30.123Z"
		dropoff  = `{"id":"o","fulfillmentType":"delivery","countryCode":"GB","delivery":{"dropoff":{"phoneNumber":"+44 20 7946 0958"}}}`
		noDrop   = `{"id":"o","fulfillmentType":"delivery","countryCode":"GB"}`
		badPhone = `{"id":"o","fulfillmentType":"delivery","countryCode":"GB","delivery":{"dropoff":{"phoneNumber":"+44 12"}}}`
		user     = `{"cognitoId":"user-i","details":{"phoneNumber":"+44 20 7946 0001"}}`
		bare     = `{"cognitoId":"user-i"}`
		guest    = `{}`
	)
	tests := []struct {
		name, body, want, wantPhone string
	}{
		{"links the dropoff phone", inspectEvent(past, dropoff, user), "valid: would link", "+44********58"},
		{"falls back to the account phone", inspectEvent(past, noDrop, user),
			"valid: would link (account phone: delivery without dropoff)", "+44********01"},
		{"guest", inspectEvent(past, dropoff, guest), "valid: would skip (guest)", ""},
		{"no phone", inspectEvent(past, noDrop, bare), "valid: would skip (no-phone)", ""},
		{"phone that does not normalise", inspectEvent(past, badPhone, user), "valid: would skip (invalid-phone)", "***"},
		{"dated in year 2999", inspectEvent("2999-12-31T23:59:59.999Z", dropoff, user), "invalid: occurredAt", ""},
		{"dated a day ahead", inspectEvent(time.Now().Add(24*time.Hour).UTC().Format(lookup.TimeLayout), dropoff, user),
			"invalid: occurredAt", ""},
		{"1899 in UTC", inspectEvent("1900-01-01T00:30:00+01:00", dropoff, user), "invalid: occurredAt", ""},
		{"missing order.id", inspectEvent(past, `{"fulfillmentType":"delivery"}`, user), "invalid: order.id", ""},
		{"not JSON", `{"eventId":`, "invalid: body", ""},
	}
	phones, err := lookup.NewNormalizer("", 0)
	require.NoError(t, err)
	p := &consumer.Processor{Phones: phones}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := Describe(p, types.Message{MessageId: aws.String("m-1"), Body: aws.String(tt.body)})
			got, phone := info.Verdict()
			assert.Equal(t, tt.want, got, "Verdict(%s)", tt.body)
			assert.Equal(t, tt.wantPhone, phone, "Verdict(%s) phone", tt.body)
		})
	}
}
