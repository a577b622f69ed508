package events_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/events"
)

// bodyReasons are the reasons of errors about the body itself, the only
// errors with an empty Field.
var bodyReasons = map[string]bool{
	"body is not valid JSON":            true,
	"body is not a JSON object":         true,
	"envelopes nested more than 3 deep": true,
}

func TestDecodeValidFile(t *testing.T) {
	for _, l := range readJSONL(t, "valid.jsonl") {
		t.Run(l.Name, func(t *testing.T) {
			e, env, err := events.Decode(l.Data)
			require.NoError(t, err, "Decode(%q) (%s)", l.Data, l.Why)
			assert.NotEmpty(t, env, "Decode(%q) envelope", l.Data)
			assert.Equal(t, 1, e.Version, "Decode(%q).Version", l.Data)
			assert.Equal(t, events.EventTypeOrderCommitted, e.EventType, "Decode(%q).EventType", l.Data)
			if l.Want == "" {
				return
			}
			var wantID, wantEnv string
			_, err = fmt.Sscanf(l.Want, "eventId %s envelope %s", &wantID, &wantEnv)
			require.NoError(t, err, "%s: // want %q, want the form \"eventId ID, envelope ENV\"", l.Name, l.Want)
			wantID = strings.TrimSuffix(wantID, ",")
			assert.Equal(t, wantID, e.EventID, "Decode(%q).EventID = %q, want %q", l.Data, e.EventID, wantID)
			assert.Equal(t, events.Envelope(wantEnv), env, "Decode(%q) envelope = %v, want %v", l.Data, env, wantEnv)
		})
	}
}

func TestDecodeInvalidFile(t *testing.T) {
	for _, l := range readJSONL(t, "invalid.jsonl") {
		t.Run(l.Name, func(t *testing.T) {
			e, _, err := events.Decode(l.Data)
			require.Error(t, err, "Decode(%q) (%s) = %+v, want an error", l.Data, l.Why, e)
			assert.Nil(t, e, "Decode(%q) event on error", l.Data)
			var ie *events.InvalidError
			require.True(t, errors.As(err, &ie), "Decode(%q) error %T, want *events.InvalidError", l.Data, err)
			if bodyReasons[ie.Reason] {
				assert.Empty(t, ie.Field, "Decode(%q) Field", l.Data)
			} else {
				assert.NotEmpty(t, ie.Field, "Decode(%q) = %v, want a Field", l.Data, err)
			}
			require.NotEmpty(t, l.Want, "%s: no // want comment", l.Name)
			got := strings.TrimPrefix(err.Error(), "invalid event: ")
			assert.Equal(t, l.Want, got, "Decode(%q) = %v, want %v", l.Data, got, l.Want)
		})
	}
}

func TestDecodeSamplesFile(t *testing.T) {
	// samples.jsonl ends with exactly three invalid events.
	lines := readJSONL(t, "samples.jsonl")
	var failed []string
	for _, l := range lines {
		if _, _, err := events.Decode(l.Data); err != nil {
			failed = append(failed, err.Error())
		}
	}
	want := []string{
		"invalid event: order.id: missing",
		"invalid event: source: must be one of graphql, fulfillment",
		"invalid event: version: unsupported version 2",
	}
	assert.Equal(t, want, failed, "Decode errors of samples.jsonl")
}

func TestDecode(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		return tm
	}
	const (
		minimal = `{"eventId":"evt-1","eventType":"OrderCommitted","version":1,"source":"graphql",` +
			`"occurredAt":"2026-11-02T10:15:30.123Z","order":{"id":"ord-1","fulfillmentType":"collection"}}`
		full = `{"eventId":"evt-2","eventType":"OrderCommitted","version":1.0,"source":"fulfillment",` +
			`"occurredAt":"2026-11-02T11:15:30.123456+01:00","brand":"pizzaplace",` +
			`"order":{"id":"ord-2","fulfillmentType":"delivery","countryCode":"gb",` +
			`"delivery":{"dropoff":{"phoneNumber":"020 7946 0958"}}},` +
			`"user":{"cognitoId":"eu-west-1:7f1c2a9e","details":{"phoneNumber":"+1 650 253 0042","countryCode":"us"}}}`
	)
	tests := []struct {
		name string
		body string
		want *events.OrderCommitted
		env  events.Envelope
	}{
		{
			name: "minimal guest collection",
			body: minimal,
			want: &events.OrderCommitted{
				EventID: "evt-1", EventType: "OrderCommitted", Version: 1, Source: events.SourceGraphQL,
				OccurredAt: at("2026-11-02T10:15:30.123Z"),
				Order:      events.Order{ID: "ord-1", FulfillmentType: "collection"},
			},
			env: events.EnvelopeNone,
		},
		{
			name: "full delivery, country codes upper-cased",
			body: full,
			want: &events.OrderCommitted{
				EventID: "evt-2", EventType: "OrderCommitted", Version: 1, Source: events.SourceFulfillment,
				OccurredAt: at("2026-11-02T11:15:30.123456+01:00"),
				Brand:      "pizzaplace",
				Order:      events.Order{ID: "ord-2", FulfillmentType: "delivery", CountryCode: "GB", DropoffPhone: "020 7946 0958"},
				User:       events.User{CognitoID: "eu-west-1:7f1c2a9e", Phone: "+1 650 253 0042", CountryCode: "US"},
			},
			env: events.EnvelopeNone,
		},
		{
			name: "EventBridge",
			body: `{"version":"0","detail-type":"OrderCommitted","source":"intl.whitelabel.graphql","detail":` + minimal + `}`,
			want: &events.OrderCommitted{
				EventID: "evt-1", EventType: "OrderCommitted", Version: 1, Source: events.SourceGraphQL,
				OccurredAt: at("2026-11-02T10:15:30.123Z"),
				Order:      events.Order{ID: "ord-1", FulfillmentType: "collection"},
			},
			env: events.EnvelopeEventBridge,
		},
		{
			name: "SNS",
			body: `{"Type":"Notification","MessageId":"m-1","Message":` + quote(minimal) + `}`,
			want: &events.OrderCommitted{
				EventID: "evt-1", EventType: "OrderCommitted", Version: 1, Source: events.SourceGraphQL,
				OccurredAt: at("2026-11-02T10:15:30.123Z"),
				Order:      events.Order{ID: "ord-1", FulfillmentType: "collection"},
			},
			env: events.EnvelopeSNS,
		},
		{
			name: "SNS wrapping EventBridge reports SNS",
			body: `{"Type":"Notification","Message":` +
				quote(`{"detail-type":"OrderCommitted","detail":`+full+`}`) + `}`,
			want: &events.OrderCommitted{
				EventID: "evt-2", EventType: "OrderCommitted", Version: 1, Source: events.SourceFulfillment,
				OccurredAt: at("2026-11-02T11:15:30.123456+01:00"),
				Brand:      "pizzaplace",
				Order:      events.Order{ID: "ord-2", FulfillmentType: "delivery", CountryCode: "GB", DropoffPhone: "020 7946 0958"},
				User:       events.User{CognitoID: "eu-west-1:7f1c2a9e", Phone: "+1 650 253 0042", CountryCode: "US"},
			},
			env: events.EnvelopeSNS,
		},
		{
			name: "nulls are absent",
			body: `{"eventId":"evt-3","eventType":"OrderCommitted","version":1,"source":"graphql",` +
				`"occurredAt":"2026-11-02T10:15:30Z","brand":null,` +
				`"order":{"id":"ord-3","fulfillmentType":"delivery","countryCode":null,"delivery":{"dropoff":null}},` +
				`"user":{"cognitoId":null,"details":{"phoneNumber":null,"countryCode":null}}}`,
			want: &events.OrderCommitted{
				EventID: "evt-3", EventType: "OrderCommitted", Version: 1, Source: events.SourceGraphQL,
				OccurredAt: at("2026-11-02T10:15:30Z"),
				Order:      events.Order{ID: "ord-3", FulfillmentType: "delivery"},
			},
			env: events.EnvelopeNone,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, env, err := events.Decode([]byte(tt.body))
			require.NoError(t, err, "Decode(%q)", tt.body)
			assert.Equal(t, tt.env, env, "Decode(%q) envelope = %v, want %v", tt.body, env, tt.env)
			assert.True(t, tt.want.OccurredAt.Equal(got.OccurredAt),
				"Decode(%q).OccurredAt = %v, want %v", tt.body, got.OccurredAt, tt.want.OccurredAt)
			got.OccurredAt, tt.want.OccurredAt = time.Time{}, time.Time{}
			assert.Equal(t, tt.want, got, "Decode(%q) = %+v, want %+v", tt.body, got, tt.want)
		})
	}
}

func TestDecodeOccurredAtPrecision(t *testing.T) {
	tests := []struct {
		in         string
		wantNanos  int
		wantOffset int
	}{
		{"2026-11-02T10:15:30.123Z", 123000000, 0},
		{"2026-11-02T10:15:30.000001Z", 1000, 0},
		{"2026-11-02T10:15:30.123456789-05:30", 123456789, -(5*3600 + 30*60)},
		{"2026-11-02T10:15:30Z", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			body := `{"eventId":"e","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"` +
				tt.in + `","order":{"id":"o","fulfillmentType":"delivery"}}`
			e, _, err := events.Decode([]byte(body))
			require.NoError(t, err, "Decode(%q)", body)
			assert.Equal(t, tt.wantNanos, e.OccurredAt.Nanosecond(), "Decode(%q).OccurredAt nanoseconds", body)
			_, offset := e.OccurredAt.Zone()
			assert.Equal(t, tt.wantOffset, offset, "Decode(%q).OccurredAt offset", body)
		})
	}
}

func TestDecodeErrorField(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantField string
		wantEnv   events.Envelope
	}{
		{"missing order.id", `{"eventId":"e","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"2026-11-02T10:15:30Z","order":{"fulfillmentType":"delivery"}}`, "order.id", events.EnvelopeNone},
		{"bad dropoff", `{"eventId":"e","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"2026-11-02T10:15:30Z","order":{"id":"o","fulfillmentType":"delivery","delivery":{"dropoff":{"phoneNumber":7}}}}`, "order.delivery.dropoff.phoneNumber", events.EnvelopeNone},
		{"first error wins", `{"eventType":"x","version":2}`, "eventId", events.EnvelopeNone},
		{"array body", `[{"eventId":"e"}]`, "", events.EnvelopeNone},
		{"empty body", ``, "", events.EnvelopeNone},
		{"EventBridge detail-type", `{"detail-type":"OrderCancelled","detail":{}}`, "detail-type", events.EnvelopeEventBridge},
		{"EventBridge detail", `{"detail-type":"OrderCommitted","detail":[]}`, "detail", events.EnvelopeEventBridge},
		{"SNS Message", `{"Type":"Notification","Message":{}}`, "Message", events.EnvelopeSNS},
		{"SNS Message not JSON", `{"Type":"Notification","Message":"{"}`, "Message", events.EnvelopeSNS},
		{"event inside EventBridge", `{"detail-type":"OrderCommitted","detail":{"eventId":""}}`, "eventId", events.EnvelopeEventBridge},
		{"Lambda destination payload", `{"requestContext":{},"requestPayload":"x"}`, "requestPayload", events.EnvelopeLambdaDestination},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, env, err := events.Decode([]byte(tt.body))
			var ie *events.InvalidError
			require.True(t, errors.As(err, &ie), "Decode(%q) = %v, want *events.InvalidError", tt.body, err)
			assert.Equal(t, tt.wantField, ie.Field, "Decode(%q) Field = %q, want %q", tt.body, ie.Field, tt.wantField)
			assert.Equal(t, tt.wantEnv, env, "Decode(%q) envelope = %v, want %v", tt.body, env, tt.wantEnv)
		})
	}
}

func TestDecodeReasonHasNoPersonalData(t *testing.T) {
	secrets := []string{"user alice#7", "+44 20 7946 0958"}
	bodies := []string{
		`{"eventId":"e","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"2026-11-02T10:15:30Z","order":{"id":"o","fulfillmentType":"delivery"},"user":{"cognitoId":"user alice#7"}}`,
		`{"eventId":"e","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"2026-11-02T10:15:30Z","order":{"id":"o","fulfillmentType":"delivery","countryCode":"+44 20 7946 0958"}}`,
	}
	for _, body := range bodies {
		t.Run(body, func(t *testing.T) {
			_, _, err := events.Decode([]byte(body))
			require.Error(t, err, "Decode(%q)", body)
			for _, s := range secrets {
				assert.NotContains(t, err.Error(), s, "Decode(%q) = %v, leaks personal data", body, err)
			}
		})
	}
}

func TestOrderCommittedPredicates(t *testing.T) {
	tests := []struct {
		name         string
		e            events.OrderCommitted
		wantDelivery bool
		wantGuest    bool
	}{
		{"guest delivery", events.OrderCommitted{Order: events.Order{FulfillmentType: "delivery"}}, true, true},
		{"account collection", events.OrderCommitted{Order: events.Order{FulfillmentType: "collection"}, User: events.User{CognitoID: "user-alice"}}, false, false},
		{"case matters", events.OrderCommitted{Order: events.Order{FulfillmentType: "Delivery"}, User: events.User{CognitoID: "u"}}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.wantDelivery, tt.e.IsDelivery(), "IsDelivery() = %v, want %v", tt.e.IsDelivery(), tt.wantDelivery)
			assert.Equal(t, tt.wantGuest, tt.e.IsGuest(), "IsGuest() = %v, want %v", tt.e.IsGuest(), tt.wantGuest)
		})
	}
}

func TestInvalidErrorError(t *testing.T) {
	tests := []struct {
		err  *events.InvalidError
		want string
	}{
		{&events.InvalidError{Field: "order.id", Reason: "missing"}, "invalid event: order.id: missing"},
		{&events.InvalidError{Reason: "body is not a JSON object"}, "invalid event: body is not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error(), "%#v.Error() = %q, want %q", tt.err, tt.err.Error(), tt.want)
		})
	}
}
