package events_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/events"
)

// quote returns s as a JSON string literal.
func quote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestUnwrap(t *testing.T) {
	const event = `{"eventId":"e","order":{"id":"o"}}`
	tests := []struct {
		name    string
		body    string
		want    string
		wantEnv events.Envelope
	}{
		{"plain", event, event, events.EnvelopeNone},
		{"EventBridge", `{"detail-type":"OrderCommitted","detail":` + event + `}`, event, events.EnvelopeEventBridge},
		{"SNS", `{"Type":"Notification","Message":` + quote(event) + `}`, event, events.EnvelopeSNS},
		{"SNS of EventBridge", `{"Type":"Notification","Message":` + quote(`{"detail-type":"OrderCommitted","detail":`+event+`}`) + `}`, event, events.EnvelopeSNS},
		{
			"three deep",
			`{"detail-type":"OrderCommitted","detail":{"Type":"Notification","Message":` +
				quote(`{"detail-type":"OrderCommitted","detail":`+event+`}`) + `}}`,
			event, events.EnvelopeEventBridge,
		},
		{"Type not Notification", `{"Type":"SubscriptionConfirmation","Message":"hi"}`, `{"Type":"SubscriptionConfirmation","Message":"hi"}`, events.EnvelopeNone},
		{"Type not a string", `{"Type":1,"Message":"hi"}`, `{"Type":1,"Message":"hi"}`, events.EnvelopeNone},
		{"detail without detail-type", `{"detail":{}}`, `{"detail":{}}`, events.EnvelopeNone},
		{
			"Lambda on-failure destination of an EventBridge event",
			`{"version":"1.0","timestamp":"2026-11-02T10:15:31.000Z","requestContext":{"requestId":"r","functionArn":"arn:aws:lambda:eu-west-1:123456789012:function:c:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3},` +
				`"requestPayload":{"detail-type":"OrderCommitted","detail":` + event + `},"responseContext":{"statusCode":200,"functionError":"Unhandled"},"responsePayload":{"errorMessage":"x"}}`,
			event, events.EnvelopeLambdaDestination,
		},
		{"requestPayload without requestContext", `{"requestPayload":{}}`, `{"requestPayload":{}}`, events.EnvelopeNone},
		{"eventId beside EventBridge keys", `{"eventId":"x","detail-type":"OrderCommitted","detail":` + event + `}`, `{"eventId":"x","detail-type":"OrderCommitted","detail":` + event + `}`, events.EnvelopeNone},
		{"eventType beside SNS keys", `{"eventType":null,"Type":"Notification","Message":"{}"}`, `{"eventType":null,"Type":"Notification","Message":"{}"}`, events.EnvelopeNone},
		{"eventId beside a bad detail-type", `{"eventId":"x","detail-type":"OrderCancelled","detail":{}}`, `{"eventId":"x","detail-type":"OrderCancelled","detail":{}}`, events.EnvelopeNone},
		{"eventId inside the detail", `{"detail-type":"OrderCommitted","detail":{"eventId":"x","Type":"Notification","Message":"[]"}}`, `{"eventId":"x","Type":"Notification","Message":"[]"}`, events.EnvelopeEventBridge},
		{"EventId is not eventId", `{"EventId":"x","detail-type":"OrderCommitted","detail":` + event + `}`, event, events.EnvelopeEventBridge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner, env, err := events.Unwrap([]byte(tt.body))
			require.NoError(t, err, "Unwrap(%q)", tt.body)
			assert.JSONEq(t, tt.want, string(inner), "Unwrap(%q) = %s, want %s", tt.body, inner, tt.want)
			assert.Equal(t, tt.wantEnv, env, "Unwrap(%q) envelope = %v, want %v", tt.body, env, tt.wantEnv)
		})
	}
}

func TestUnwrapErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"not JSON", `{`, "invalid event: body is not valid JSON"},
		{"empty", ``, "invalid event: body is not valid JSON"},
		{"array", `[]`, "invalid event: body is not a JSON object"},
		{"number", `1`, "invalid event: body is not a JSON object"},
		{"detail-type", `{"detail-type":"OrderCancelled","detail":{}}`, `invalid event: detail-type: must be "OrderCommitted"`},
		{"detail-type number", `{"detail-type":1,"detail":{}}`, `invalid event: detail-type: must be "OrderCommitted"`},
		{"detail string", `{"detail-type":"OrderCommitted","detail":"{}"}`, "invalid event: detail: must be an object"},
		{"Message object", `{"Type":"Notification","Message":{}}`, "invalid event: Message: must be a string"},
		{"Message null", `{"Type":"Notification","Message":null}`, "invalid event: Message: must be a string"},
		{"Message not JSON", `{"Type":"Notification","Message":"hello"}`, "invalid event: Message: is not valid JSON"},
		{"Message array", `{"Type":"Notification","Message":"[1]"}`, "invalid event: Message: is not a JSON object"},
		{
			"four deep",
			`{"detail-type":"OrderCommitted","detail":{"detail-type":"OrderCommitted","detail":` +
				`{"detail-type":"OrderCommitted","detail":{"detail-type":"OrderCommitted","detail":{}}}}}`,
			"invalid event: envelopes nested more than 3 deep",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner, _, err := events.Unwrap([]byte(tt.body))
			require.Error(t, err, "Unwrap(%q) = %s, want an error", tt.body, inner)
			var ie *events.InvalidError
			require.ErrorAs(t, err, &ie, "Unwrap(%q) error type", tt.body)
			assert.Equal(t, tt.want, err.Error(), "Unwrap(%q) = %v, want %v", tt.body, err, tt.want)
		})
	}
}
