package consumer_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/lookup"
)

// ruleEvent builds the JSON of a version-1 event from its order and user
// objects (user may be "" for no user at all) and decodes it, so that the rule
// is tested on what Decode really produces.
func ruleEvent(t *testing.T, order, user string) *events.OrderCommitted {
	t.Helper()
	body := `{"eventId":"evt-rule","eventType":"OrderCommitted","version":1,"source":"graphql",` +
		`"occurredAt":"2026-11-02T10:15:30.123Z","order":` + order
	if user != "" {
		body += `,"user":` + user
	}
	body += `}`
	require.True(t, json.Valid([]byte(body)), "test body is not JSON: %s", body)
	ev, _, err := events.Decode([]byte(body))
	require.NoError(t, err, "Decode(%s)", body)
	return ev
}

func TestPick(t *testing.T) {
	const (
		dropoff = "+44 20 7946 0958"
		account = "+1 650 253 0077"
		cognito = "eu-west-1:7f1c2a9e-4b3d-4c8e-9f10-2b6d7e8a1c01"
	)
	// The order and the user have different country codes so that a region
	// taken from the wrong place shows.
	var (
		userWithPhone = `{"cognitoId":"` + cognito + `","details":{"phoneNumber":"` + account + `","countryCode":"us"}}`
		userNoPhone   = `{"cognitoId":"` + cognito + `","details":{"countryCode":"US"}}`
		userBare      = `{"cognitoId":"` + cognito + `"}`
		guestPhone    = `{"details":{"phoneNumber":"` + account + `","countryCode":"US"}}`
		guestEmptyID  = `{"cognitoId":"","details":{"phoneNumber":"` + account + `","countryCode":"US"}}`

		deliveryDropoff   = `{"id":"ord-1","fulfillmentType":"delivery","countryCode":"GB","delivery":{"dropoff":{"phoneNumber":"` + dropoff + `"}}}`
		deliveryDropoffNC = `{"id":"ord-1","fulfillmentType":"delivery","delivery":{"dropoff":{"phoneNumber":"` + dropoff + `"}}}`
		deliveryNoDropoff = `{"id":"ord-1","fulfillmentType":"delivery","countryCode":"GB"}`
		deliveryEmptyDrop = `{"id":"ord-1","fulfillmentType":"delivery","countryCode":"GB","delivery":{"dropoff":{}}}`
		deliveryBlankDrop = `{"id":"ord-1","fulfillmentType":"delivery","countryCode":"GB","delivery":{"dropoff":{"phoneNumber":""}}}`
		collection        = `{"id":"ord-1","fulfillmentType":"collection","countryCode":"GB"}`
		collectionDropoff = `{"id":"ord-1","fulfillmentType":"collection","countryCode":"GB","delivery":{"dropoff":{"phoneNumber":"` + dropoff + `"}}}`
		dineIn            = `{"id":"ord-1","fulfillmentType":"dine_in","countryCode":"GB"}`
		capitalDelivery   = `{"id":"ord-1","fulfillmentType":"Delivery","countryCode":"GB","delivery":{"dropoff":{"phoneNumber":"` + dropoff + `"}}}`
	)
	viaDropoff := consumer.Choice{Phone: dropoff, Region: "GB", Via: lookup.ViaDropoff}
	viaAccount := consumer.Choice{Phone: account, Region: "US", Via: lookup.ViaAccount}
	fallback := viaAccount
	fallback.Fallback = true

	tests := []struct {
		name     string
		order    string
		user     string
		want     consumer.Choice
		wantSkip string
	}{
		{"delivery with dropoff and account phone: dropoff, order region", deliveryDropoff, userWithPhone, viaDropoff, ""},
		{"delivery with dropoff, no account phone", deliveryDropoff, userNoPhone, viaDropoff, ""},
		{"delivery with dropoff, user without details", deliveryDropoff, userBare, viaDropoff, ""},
		{"delivery with dropoff, order without countryCode: empty region, not the user's",
			deliveryDropoffNC, userWithPhone, consumer.Choice{Phone: dropoff, Via: lookup.ViaDropoff}, ""},
		{"delivery without delivery object falls back to account", deliveryNoDropoff, userWithPhone, fallback, ""},
		{"delivery with empty dropoff falls back to account", deliveryEmptyDrop, userWithPhone, fallback, ""},
		{"delivery with empty dropoff phone falls back to account", deliveryBlankDrop, userWithPhone, fallback, ""},
		// The rule says it fell back even when there was nothing to fall back
		// to: the missing-dropoff warning is read from it.
		{"delivery without dropoff nor account phone", deliveryNoDropoff, userNoPhone, consumer.Choice{Fallback: true}, consumer.ReasonNoPhone},
		{"delivery with empty dropoff, user without details", deliveryEmptyDrop, userBare, consumer.Choice{Fallback: true}, consumer.ReasonNoPhone},
		{"collection with account phone: account, user region", collection, userWithPhone, viaAccount, ""},
		{"dine_in with account phone", dineIn, userWithPhone, viaAccount, ""},
		{"fulfillmentType is case-sensitive: Delivery is not delivery", capitalDelivery, userWithPhone, viaAccount, ""},
		{"collection ignores a dropoff phone", collectionDropoff, userWithPhone, viaAccount, ""},
		{"collection without account phone", collection, userNoPhone, consumer.Choice{}, consumer.ReasonNoPhone},
		{"collection with dropoff but no account phone", collectionDropoff, userNoPhone, consumer.Choice{}, consumer.ReasonNoPhone},
		{"collection, user without details", collection, userBare, consumer.Choice{}, consumer.ReasonNoPhone},
		{"guest delivery with dropoff and account phone", deliveryDropoff, guestPhone, consumer.Choice{}, consumer.ReasonGuest},
		{"guest with empty cognitoId", deliveryDropoff, guestEmptyID, consumer.Choice{}, consumer.ReasonGuest},
		{"guest without user", deliveryDropoff, "", consumer.Choice{}, consumer.ReasonGuest},
		{"guest collection with account phone", collection, guestPhone, consumer.Choice{}, consumer.ReasonGuest},
		{"guest delivery without any phone", deliveryNoDropoff, "", consumer.Choice{}, consumer.ReasonGuest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := ruleEvent(t, tt.order, tt.user)
			got, skip := consumer.Pick(ev)
			assert.Equal(t, tt.wantSkip, skip, "Pick(%s) skip = %q, want %q", tt.name, skip, tt.wantSkip)
			assert.Equal(t, tt.want, got, "Pick(%s) = %+v, want %+v", tt.name, got, tt.want)
		})
	}
}

// TestPickStruct runs the rule on events built directly, as a caller of
// DecideEvent (the dead-letter tools) gives them.
func TestPickStruct(t *testing.T) {
	base := func(ft string) *events.OrderCommitted {
		return &events.OrderCommitted{
			EventID: "evt-1", EventType: events.EventTypeOrderCommitted, Version: 1, Source: events.SourceFulfillment,
			OccurredAt: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC),
			Order:      events.Order{ID: "ord-1", FulfillmentType: ft, CountryCode: "FR"},
			User:       events.User{CognitoID: "user-alice", Phone: "06 12 34 56 78", CountryCode: "BE"},
		}
	}
	tests := []struct {
		name     string
		ev       func() *events.OrderCommitted
		want     consumer.Choice
		wantSkip string
	}{
		{"delivery with dropoff", func() *events.OrderCommitted {
			e := base(events.FulfillmentDelivery)
			e.Order.DropoffPhone = "01 23 45 67 89"
			return e
		}, consumer.Choice{Phone: "01 23 45 67 89", Region: "FR", Via: lookup.ViaDropoff}, ""},
		{"delivery without dropoff", func() *events.OrderCommitted {
			return base(events.FulfillmentDelivery)
		}, consumer.Choice{Phone: "06 12 34 56 78", Region: "BE", Via: lookup.ViaAccount, Fallback: true}, ""},
		{"delivery without any phone", func() *events.OrderCommitted {
			e := base(events.FulfillmentDelivery)
			e.User.Phone = ""
			return e
		}, consumer.Choice{Fallback: true}, consumer.ReasonNoPhone},
		{"collection", func() *events.OrderCommitted {
			e := base("collection")
			e.Order.DropoffPhone = "01 23 45 67 89"
			return e
		}, consumer.Choice{Phone: "06 12 34 56 78", Region: "BE", Via: lookup.ViaAccount}, ""},
		{"collection without account phone", func() *events.OrderCommitted {
			e := base("collection")
			e.User.Phone = ""
			return e
		}, consumer.Choice{}, consumer.ReasonNoPhone},
		{"guest", func() *events.OrderCommitted {
			e := base(events.FulfillmentDelivery)
			e.Order.DropoffPhone = "01 23 45 67 89"
			e.User.CognitoID = ""
			return e
		}, consumer.Choice{}, consumer.ReasonGuest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, skip := consumer.Pick(tt.ev())
			assert.Equal(t, tt.wantSkip, skip, "Pick(%s) skip = %q, want %q", tt.name, skip, tt.wantSkip)
			assert.Equal(t, tt.want, got, "Pick(%s) = %+v, want %+v", tt.name, got, tt.want)
		})
	}
}
