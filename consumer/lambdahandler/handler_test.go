package lambdahandler_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/consumer/lambdahandler"
	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/lookup"
)

func TestHandleSQSPanicFailsOnlyItsMessage(t *testing.T) {
	const bad = 3
	linker := &consumertest.FakeLinker{LinkFn: func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
		if s.OrderID == consumertest.OrderN(bad) {
			panic("linker exploded")
		}
		return lookup.Linked, nil
	}}
	b := consumertest.NewBatch(t, linker, 4)
	msgs := consumertest.DeliveryMessages(8)
	// Through HandleSQS: exactly the panicking message is retried.
	ids, bodies := make([]string, len(msgs)), make([]string, len(msgs))
	for i, m := range msgs {
		ids[i], bodies[i] = m.ID, string(m.Body)
	}
	resp := (&lambdahandler.Handler{Batch: b}).HandleSQS(context.Background(), consumertest.SQSEvent(ids, bodies))
	assert.Equal(t, []string{msgs[bad].ID}, consumertest.FailureIDs(resp), "HandleSQS failures = %v, want [%s]", consumertest.FailureIDs(resp), msgs[bad].ID)
}

func TestHandleSQSResponse(t *testing.T) {
	valid := func(i int) string {
		return consumertest.DeliveryBody(consumertest.OrderN(i), fmt.Sprintf("user-%d", i), "+44 20 7946 0958")
	}
	const (
		notJSON   = `not json at all`
		noOrderID = `{"eventId":"evt-x","eventType":"OrderCommitted","version":1,"source":"graphql",` +
			`"occurredAt":"2026-11-02T10:15:30Z","order":{"fulfillmentType":"collection"}}`
		guest = `{"eventId":"evt-g","eventType":"OrderCommitted","version":1,"source":"graphql",` +
			`"occurredAt":"2026-11-02T10:15:30Z","order":{"id":"ord-g","fulfillmentType":"collection"}}`
	)
	// The linker fails the orders named ord-fail*.
	storeErr := errors.New("dynamodb: service unavailable")
	link := func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
		if strings.HasPrefix(s.OrderID, "ord-fail") {
			return "", storeErr
		}
		return lookup.Linked, nil
	}
	failing := consumertest.DeliveryBody("ord-fail-1", "user-f", "+44 20 7946 0958")

	tests := []struct {
		name   string
		ids    []string
		bodies []string
		want   []string
	}{
		{"all succeed", []string{"a", "b", "c"}, []string{valid(1), valid(2), guest}, []string{}},
		{"empty batch", []string{}, []string{}, []string{}},
		{"all invalid", []string{"a", "b", "c"}, []string{notJSON, noOrderID, ""}, []string{"a", "b", "c"}},
		{"duplicate ids, both invalid", []string{"a", "a", "b"}, []string{notJSON, noOrderID, notJSON}, []string{"a", "b"}},
		{"duplicate ids, one invalid", []string{"a", "a", "b"}, []string{valid(1), notJSON, valid(2)}, []string{"a"}},
		{"mixed: invalid, store failure, skipped, linked",
			[]string{"m1", "m2", "m3", "m4", "m5", "m6"},
			[]string{valid(1), notJSON, failing, guest, noOrderID, valid(6)},
			[]string{"m2", "m3", "m5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &lambdahandler.Handler{Batch: consumertest.NewBatch(t, &consumertest.FakeLinker{LinkFn: link}, 3)}
			resp := h.HandleSQS(context.Background(), consumertest.SQSEvent(tt.ids, tt.bodies))
			require.NotNil(t, resp.BatchItemFailures, "HandleSQS(%s).BatchItemFailures is nil, want a list", tt.name)
			got := consumertest.FailureIDs(resp)
			assert.ElementsMatch(t, tt.want, got, "HandleSQS(%s) failures = %v, want %v", tt.name, got, tt.want)
			seen := map[string]int{}
			for _, id := range got {
				seen[id]++
				assert.Equal(t, 1, seen[id], "HandleSQS(%s) lists %q %d times, want once", tt.name, id, seen[id])
			}

			// The wire form Lambda reads: an empty list, never null.
			data, err := json.Marshal(resp)
			require.NoError(t, err)
			if len(tt.want) == 0 {
				assert.JSONEq(t, `{"batchItemFailures":[]}`, string(data), "HandleSQS(%s) JSON = %s", tt.name, data)
			}
		})
	}
}

// ebEnvelope wraps an event into a direct EventBridge payload.
func ebEnvelope(detail string) string {
	return `{"version":"0","id":"eb-1","detail-type":"OrderCommitted","source":"intl.whitelabel.graphql",` +
		`"account":"123456789012","time":"2026-11-02T10:15:30Z","region":"eu-west-1","resources":[],"detail":` + detail + `}`
}

func TestHandlerInvoke(t *testing.T) {
	const noOrderID = `{"eventId":"evt-x","eventType":"OrderCommitted","version":1,"source":"graphql",` +
		`"occurredAt":"2026-11-02T10:15:30Z","order":{"fulfillmentType":"collection"}}`
	sqsPayload, err := json.Marshal(consumertest.SQSEvent(
		[]string{"s1", "s2"},
		[]string{consumertest.DeliveryBody("ord-1", "user-1", "+44 20 7946 0958"), "not json"}))
	require.NoError(t, err)

	tests := []struct {
		name    string
		payload string
		wantErr error // nil: no error; errAny: any error
		check   func(t *testing.T, out any)
	}{
		{name: "EventBridge valid", payload: ebEnvelope(consumertest.DeliveryBody("ord-1", "user-1", "+44 20 7946 0958")),
			check: func(t *testing.T, out any) {
				assert.Equal(t, map[string]string{"outcome": "linked"}, out, "Invoke(EventBridge) = %v, want outcome linked", out)
			}},
		{name: "EventBridge guest is skipped, not an error", payload: ebEnvelope(
			`{"eventId":"evt-g","eventType":"OrderCommitted","version":1,"source":"graphql",` +
				`"occurredAt":"2026-11-02T10:15:30Z","order":{"id":"ord-g","fulfillmentType":"collection"}}`),
			check: func(t *testing.T, out any) {
				assert.Equal(t, map[string]string{"outcome": "skipped"}, out, "Invoke(EventBridge guest) = %v, want outcome skipped", out)
			}},
		{name: "EventBridge invalid event", payload: ebEnvelope(noOrderID), wantErr: errAny},
		{name: "EventBridge store failure", payload: ebEnvelope(consumertest.DeliveryBody("ord-fail", "user-1", "+44 20 7946 0958")), wantErr: errAny},
		{name: "EventBridge of another detail-type", payload: `{"detail-type":"OrderCancelled","detail":{}}`, wantErr: errAny},
		{name: "unsupported object", payload: `{"foo":1}`, wantErr: lambdahandler.ErrUnsupportedPayload},
		{name: "not JSON", payload: `not json`, wantErr: lambdahandler.ErrUnsupportedPayload},
		{name: "JSON array", payload: `[1,2]`, wantErr: lambdahandler.ErrUnsupportedPayload},
		{name: "records of another source", payload: `{"Records":[{"eventSource":"aws:kinesis"}]}`, wantErr: lambdahandler.ErrUnsupportedPayload},
		{name: "SQS batch", payload: string(sqsPayload),
			check: func(t *testing.T, out any) {
				resp, ok := out.(lambdaevents.SQSEventResponse)
				require.True(t, ok, "Invoke(SQS) = %T, want events.SQSEventResponse", out)
				assert.Equal(t, []string{"s2"}, consumertest.FailureIDs(resp), "Invoke(SQS) failures = %v, want [s2]", consumertest.FailureIDs(resp))
			}},
		{name: "empty SQS batch", payload: `{"Records":[]}`,
			check: func(t *testing.T, out any) {
				resp, ok := out.(lambdaevents.SQSEventResponse)
				require.True(t, ok, "Invoke(empty SQS) = %T, want events.SQSEventResponse", out)
				assert.NotNil(t, resp.BatchItemFailures, "Invoke(empty SQS).BatchItemFailures is nil")
				assert.Empty(t, resp.BatchItemFailures, "Invoke(empty SQS) failures")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			linker := &consumertest.FakeLinker{LinkFn: func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
				if s.OrderID == "ord-fail" {
					return "", errors.New("dynamodb: throttled")
				}
				return lookup.Linked, nil
			}}
			h := &lambdahandler.Handler{Batch: consumertest.NewBatch(t, linker, 2)}
			out, err := h.Invoke(context.Background(), json.RawMessage(tt.payload))
			switch {
			case tt.wantErr == nil:
				require.NoError(t, err, "Invoke(%s)", tt.payload)
			case tt.wantErr == errAny:
				require.Error(t, err, "Invoke(%s) = %v, want an error", tt.payload, out)
				assert.NotErrorIs(t, err, lambdahandler.ErrUnsupportedPayload, "Invoke(%s) = %v, want an event error", tt.payload, err)
				assert.Nil(t, out, "Invoke(%s) output on error", tt.payload)
			default:
				assert.ErrorIs(t, err, tt.wantErr, "Invoke(%s) = %v, want %v", tt.payload, err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, out)
			}
		})
	}

	t.Run("invalid EventBridge error says why", func(t *testing.T) {
		h := &lambdahandler.Handler{Batch: consumertest.NewBatch(t, &consumertest.FakeLinker{LinkFn: consumertest.LinkOK}, 2)}
		_, err := h.Invoke(context.Background(), json.RawMessage(ebEnvelope(noOrderID)))
		var inv *events.InvalidError
		require.ErrorAs(t, err, &inv, "Invoke(EventBridge without order.id) = %v, want an *events.InvalidError", err)
		assert.Equal(t, "order.id", inv.Field, "Invoke(EventBridge without order.id) field = %q, want order.id", inv.Field)
	})
}

// errAny stands for "some error that is not ErrUnsupportedPayload" in
// TestHandlerInvoke.
var errAny = errors.New("any error")

func TestHandleSQSLogsNoPersonalData(t *testing.T) {
	event := func(order, user string) string {
		return `{"eventId":"evt-l","eventType":"OrderCommitted","version":1,"source":"graphql",` +
			`"occurredAt":"2026-11-02T10:15:30Z","order":` + order + `,"user":` + user + `}`
	}
	ids := []string{"m-linked", "m-invalid-dropoff", "m-not-a-phone", "m-not-json", "m-number-phone", "m-failed", "m-bad-country"}
	bodies := []string{
		// valid, linked
		consumertest.DeliveryBody("ord-1", "user-1", "+44 20 7946 0958"),
		// invalid (no order.id) with a dropoff phone
		event(`{"fulfillmentType":"delivery","countryCode":"GB","delivery":{"dropoff":{"phoneNumber":"020 7946 0958"}}}`,
			`{"cognitoId":"user-2"}`),
		// valid, the account phone does not normalise
		event(`{"id":"ord-3","fulfillmentType":"collection"}`,
			`{"cognitoId":"user-3","details":{"phoneNumber":"not a phone","countryCode":"US"}}`),
		// not JSON, with a phone in it
		`{"eventType":"OrderCommitted","phoneNumber":"+44 20 7946 0958"`,
		// invalid: the phone is a number
		event(`{"id":"ord-5","fulfillmentType":"delivery","delivery":{"dropoff":{"phoneNumber":442079460958}}}`,
			`{"cognitoId":"user-5"}`),
		// valid, the store fails
		consumertest.DeliveryBody("ord-fail", "user-6", "7946 0958"),
		// invalid: a phone where a country code belongs
		event(`{"id":"ord-7","fulfillmentType":"delivery","countryCode":"+44 20 7946 0958"}`, `{"cognitoId":"user-7"}`),
	}
	linker := &consumertest.FakeLinker{LinkFn: func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
		if s.OrderID == "ord-fail" {
			return "", errors.New("dynamodb: throttled")
		}
		return lookup.Linked, nil
	}}
	b := consumertest.NewBatch(t, linker, 3)
	var out consumertest.SyncBuffer
	b.Log = zerolog.New(&out).Level(zerolog.DebugLevel)

	resp := (&lambdahandler.Handler{Batch: b}).HandleSQS(context.Background(), consumertest.SQSEvent(ids, bodies))
	logged := out.String()
	require.NotEmpty(t, logged, "HandleSQS logged nothing")

	wantFailed := []string{"m-invalid-dropoff", "m-not-json", "m-number-phone", "m-failed", "m-bad-country"}
	assert.ElementsMatch(t, wantFailed, consumertest.FailureIDs(resp), "HandleSQS failures = %v, want %v", consumertest.FailureIDs(resp), wantFailed)

	for _, s := range []string{
		"+442079460958", "442079460958", "2079460958", "20 7946 0958", "7946 0958", "79460958",
		"not a phone", `"eventType"`, `\"eventType\"`, "OrderCommitted",
	} {
		assert.NotContains(t, logged, s, "HandleSQS log contains %q:\n%s", s, logged)
	}

	lines := consumertest.LogLines(t, logged)
	var summaries []map[string]any
	failedLines := map[string]bool{}
	for _, l := range lines {
		if l["message"] == "batch done" {
			summaries = append(summaries, l)
			continue
		}
		if l["level"] == "warn" || l["level"] == "error" {
			if o := l["outcome"]; o == string(consumer.Invalid) || o == string(consumer.Failed) {
				id, _ := l["messageId"].(string)
				assert.NotEmpty(t, id, "failed/invalid log line without messageId: %v", l)
				failedLines[id] = true
			}
		}
	}
	require.Len(t, summaries, 1, "HandleSQS summary lines = %d, want 1:\n%s", len(summaries), logged)
	sum := summaries[0]
	assert.EqualValues(t, len(bodies), sum["events"], "summary events = %v, want %d", sum["events"], len(bodies))
	assert.EqualValues(t, 1, sum["linked"], "summary linked = %v, want 1", sum["linked"])
	assert.EqualValues(t, 1, sum["skipped"], "summary skipped = %v, want 1", sum["skipped"])
	assert.EqualValues(t, 4, sum["invalid"], "summary invalid = %v, want 4", sum["invalid"])
	assert.EqualValues(t, 1, sum["failed"], "summary failed = %v, want 1", sum["failed"])
	for _, id := range wantFailed {
		assert.True(t, failedLines[id], "no warn/error log line with messageId %q:\n%s", id, logged)
	}
}
