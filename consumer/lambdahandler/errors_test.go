package lambdahandler_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/consumer/lambdahandler"
	"github.com/phonelookup/phonelookup/lookup"
)

// lambdaErrorType is the errorType aws-lambda-go answers for a returned
// error: the name of its Go type (lambda/errors.go, lambdaErrorResponse).
func lambdaErrorType(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// A failed direct invocation answers an errorType that says what failed and
// an errorMessage with the eventId when the event has a readable one.
func TestInvokeErrorTypes(t *testing.T) {
	const noOrderID = `{"eventId":"evt-x","eventType":"OrderCommitted","version":1,"source":"graphql",` +
		`"occurredAt":"2026-11-02T10:15:30Z","order":{"fulfillmentType":"collection"}}`
	panicky := `{"eventId":"evt-boom","eventType":"OrderCommitted","version":1,"source":"graphql",` +
		`"occurredAt":"2026-11-02T10:15:30Z","order":{"id":"ord-boom","fulfillmentType":"collection"},` +
		`"user":{"cognitoId":"user-1","details":{"phoneNumber":"+44 20 7946 0958"}}}`
	expired := func() (context.Context, context.CancelFunc) {
		return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	}
	background := func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }
	tests := []struct {
		name     string
		ctx      func() (context.Context, context.CancelFunc)
		payload  string
		wantType string
		wantIn   []string // substrings of the message
	}{
		{"invalid event", background, ebEnvelope(noOrderID), "InvalidEventError", []string{"evt-x", "order.id"}},
		{"invalid event without an eventId", background, ebEnvelope(`{"eventType":"OrderCommitted"}`),
			"InvalidEventError", []string{"eventId: missing"}},
		{"dated in year 2999", background, ebEnvelope(strings.Replace(consumertest.DeliveryBody("ord-1", "user-1", "+44 20 7946 0958"),
			"2026-11-02T10:15:30.123Z", "2999-12-31T23:59:59.999Z", 1)), "InvalidEventError", []string{"evt-ord-1", "occurredAt"}},
		{"store failure", background, ebEnvelope(consumertest.DeliveryBody("ord-fail", "user-1", "+44 20 7946 0958")),
			"StoreError", []string{"evt-ord-fail", "throttled"}},
		{"deadline", expired, ebEnvelope(consumertest.DeliveryBody("ord-late", "user-1", "+44 20 7946 0958")),
			"DeadlineError", []string{"evt-ord-late", "deadline"}},
		{"panic", background, ebEnvelope(panicky), "InternalError", []string{"evt-boom", "panic"}},
		{"unsupported payload", background, `{"foo":1}`, "UnsupportedPayloadError", []string{"neither"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			linker := &consumertest.FakeLinker{LinkFn: func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
				switch s.OrderID {
				case "ord-fail":
					return "", errors.New("dynamodb: throttled")
				case "ord-boom":
					panic("boom")
				}
				return lookup.Linked, nil
			}}
			h := &lambdahandler.Handler{Batch: consumertest.NewBatch(t, linker, 2)}
			ctx, cancel := tt.ctx()
			defer cancel()
			_, err := h.Invoke(ctx, json.RawMessage(tt.payload))
			require.Error(t, err, "Invoke(%s)", tt.name)
			t.Logf("errorType %s, errorMessage %q", lambdaErrorType(err), err)
			assert.Equal(t, tt.wantType, lambdaErrorType(err), "Invoke(%s) errorType; error %v", tt.name, err)
			for _, s := range tt.wantIn {
				assert.Contains(t, err.Error(), s, "Invoke(%s) errorMessage", tt.name)
			}
			assert.NotContains(t, err.Error(), "  ", "Invoke(%s) errorMessage has an empty field", tt.name)
			assert.NotContains(t, err.Error(), "7946", "Invoke(%s) errorMessage holds a phone number", tt.name)
		})
	}
}

// The typed errors unwrap to their cause and keep the eventId and reason.
func TestInvokeErrorUnwraps(t *testing.T) {
	throttled := errors.New("dynamodb: throttled")
	linker := &consumertest.FakeLinker{LinkFn: func(context.Context, lookup.Sighting) (lookup.Outcome, error) { return "", throttled }}
	h := &lambdahandler.Handler{Batch: consumertest.NewBatch(t, linker, 2)}

	_, err := h.Invoke(context.Background(), json.RawMessage(ebEnvelope(consumertest.DeliveryBody("ord-1", "user-1", "+44 20 7946 0958"))))
	var se *lambdahandler.StoreError
	require.ErrorAs(t, err, &se, "Invoke(store failure) = %v", err)
	assert.ErrorIs(t, err, throttled, "Invoke(store failure) cause")
	assert.Equal(t, "evt-ord-1", se.EventID)
	assert.Equal(t, consumer.ReasonStore, se.Reason)

	_, err = h.Invoke(context.Background(), json.RawMessage(`{"foo":1}`))
	var ue *lambdahandler.UnsupportedPayloadError
	require.ErrorAs(t, err, &ue, "Invoke(unsupported) = %v", err)
	assert.ErrorIs(t, err, lambdahandler.ErrUnsupportedPayload)
}

// The log line of an invalid message carries the eventId and order id when
// the body has readable ones, also behind an envelope.
func TestHandleSQSInvalidLogLineHasEventID(t *testing.T) {
	const noOrderID = `{"eventId":"evt-x","eventType":"OrderCommitted","version":1,"source":"graphql",` +
		`"occurredAt":"2026-11-02T10:15:30Z","order":{"fulfillmentType":"collection"}}`
	const badSource = `{"eventId":"evt-s","eventType":"OrderCommitted","version":1,"source":"pos",` +
		`"occurredAt":"2026-11-02T10:15:30Z","order":{"id":"ord-s","fulfillmentType":"collection"}}`
	b := consumertest.NewBatch(t, &consumertest.FakeLinker{LinkFn: consumertest.LinkOK}, 2)
	var out consumertest.SyncBuffer
	b.Log = zerolog.New(&out)
	ids := []string{"m-1", "m-2", "m-3"}
	(&lambdahandler.Handler{Batch: b}).HandleSQS(context.Background(),
		consumertest.SQSEvent(ids, []string{noOrderID, ebEnvelope(badSource), `not json`}))
	want := map[string][2]string{"m-1": {"evt-x", ""}, "m-2": {"evt-s", "ord-s"}, "m-3": {"", ""}}
	seen := 0
	for _, l := range consumertest.LogLines(t, out.String()) {
		if l["outcome"] != string(consumer.Invalid) {
			continue
		}
		seen++
		id, _ := l["messageId"].(string)
		assert.Equal(t, want[id][0], l["eventId"], "log line of %s: eventId", id)
		assert.Equal(t, want[id][1], l["orderId"], "log line of %s: orderId", id)
	}
	assert.Equal(t, len(ids), seen, "invalid log lines:\n%s", out.String())
}
