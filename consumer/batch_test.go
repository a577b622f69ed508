package consumer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/lookup"
)

// fakeLinker is a consumer.Linker whose behaviour is the function link; it
// counts its calls.
type fakeLinker struct {
	link  func(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error)
	calls atomic.Int64
}

func (f *fakeLinker) Link(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
	f.calls.Add(1)
	return f.link(ctx, s)
}

// linkOK links everything.
func linkOK(context.Context, lookup.Sighting) (lookup.Outcome, error) { return lookup.Linked, nil }

// newTestBatch returns a batch on linker with the real normaliser (no
// default region, no cache) and a silent logger.
func newTestBatch(t *testing.T, linker consumer.Linker, conc int) *consumer.Batch {
	t.Helper()
	phones, err := lookup.NewNormalizer("", 0)
	require.NoError(t, err)
	return &consumer.Batch{
		Processor:   &consumer.Processor{Linker: linker, Phones: phones},
		Concurrency: conc,
		Log:         zerolog.Nop(),
	}
}

// deliveryBody is a valid delivery event of order orderID by user whose
// dropoff phone is phone (GB region).
func deliveryBody(orderID, user, phone string) string {
	return fmt.Sprintf(`{"eventId":"evt-%s","eventType":"OrderCommitted","version":1,"source":"graphql",`+
		`"occurredAt":"2026-11-02T10:15:30.123Z","order":{"id":%q,"fulfillmentType":"delivery","countryCode":"GB",`+
		`"delivery":{"dropoff":{"phoneNumber":%q}}},"user":{"cognitoId":%q}}`, orderID, orderID, phone, user)
}

// orderN is the order id of message i in the batches below.
func orderN(i int) string { return fmt.Sprintf("ord-%d", i) }

// deliveryMessages returns n valid messages; message i has ID msg-i and order
// id ord-i.
func deliveryMessages(n int) []consumer.Message {
	msgs := make([]consumer.Message, n)
	for i := range msgs {
		msgs[i] = consumer.Message{
			ID:   fmt.Sprintf("msg-%d", i),
			Body: []byte(deliveryBody(orderN(i), fmt.Sprintf("user-%d", i), "+44 20 7946 0958")),
		}
	}
	return msgs
}

// sqsEvent wraps bodies into an SQS event with the given message ids.
func sqsEvent(ids []string, bodies []string) lambdaevents.SQSEvent {
	var ev lambdaevents.SQSEvent
	for i, id := range ids {
		ev.Records = append(ev.Records, lambdaevents.SQSMessage{
			MessageId: id, Body: bodies[i], EventSource: "aws:sqs", AWSRegion: "eu-west-1",
		})
	}
	return ev
}

// failureIDs returns the item identifiers of resp.
func failureIDs(resp lambdaevents.SQSEventResponse) []string {
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func TestBatchConcurrencyBound(t *testing.T) {
	tests := []struct {
		conc    int
		wantMax int // the bound
		wantMin int // at least this many at once (proves concurrency is used)
	}{
		{conc: 1, wantMax: 1, wantMin: 1},
		{conc: 3, wantMax: 3, wantMin: 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("concurrency %d", tt.conc), func(t *testing.T) {
			var active, maxActive atomic.Int64
			linker := &fakeLinker{link: func(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
				n := active.Add(1)
				defer active.Add(-1)
				for {
					m := maxActive.Load()
					if n <= m || maxActive.CompareAndSwap(m, n) {
						break
					}
				}
				// Stay busy long enough for the others to start if they may.
				time.Sleep(10 * time.Millisecond)
				return lookup.Linked, nil
			}}
			b := newTestBatch(t, linker, tt.conc)
			msgs := deliveryMessages(20)
			results := b.Run(context.Background(), msgs)

			require.Len(t, results, len(msgs), "Run(20 messages) results")
			for i, r := range results {
				assert.Equal(t, consumer.Linked, r.Outcome, "Run result %d = %+v, want linked", i, r)
			}
			assert.EqualValues(t, 20, linker.calls.Load(), "Link calls = %d, want 20", linker.calls.Load())
			got := maxActive.Load()
			assert.LessOrEqual(t, got, int64(tt.wantMax), "max concurrent Link calls = %d, want <= %d", got, tt.wantMax)
			assert.GreaterOrEqual(t, got, int64(tt.wantMin), "max concurrent Link calls = %d, want >= %d", got, tt.wantMin)
		})
	}
}

func TestBatchResultsInOrder(t *testing.T) {
	linker := &fakeLinker{link: func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
		// Finish in an order unrelated to the input order.
		var i int
		_, _ = fmt.Sscanf(s.OrderID, "ord-%d", &i)
		time.Sleep(time.Duration(10-i%10) * time.Millisecond)
		return lookup.Linked, nil
	}}
	b := newTestBatch(t, linker, 10)
	msgs := deliveryMessages(15)
	results := b.Run(context.Background(), msgs)
	require.Len(t, results, len(msgs))
	for i, r := range results {
		assert.Equal(t, orderN(i), r.OrderID, "Run result %d OrderID = %q, want %q", i, r.OrderID, orderN(i))
	}
}

func TestBatchPanicFailsOnlyItsMessage(t *testing.T) {
	const bad = 3
	linker := &fakeLinker{link: func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
		if s.OrderID == orderN(bad) {
			panic("linker exploded")
		}
		return lookup.Linked, nil
	}}
	b := newTestBatch(t, linker, 4)
	msgs := deliveryMessages(8)

	results := b.Run(context.Background(), msgs)
	require.Len(t, results, len(msgs))
	for i, r := range results {
		if i == bad {
			assert.Equal(t, consumer.Failed, r.Outcome, "Run result %d (panics) = %+v, want failed", i, r)
			assert.Equal(t, "panic", r.Reason, "Run result %d (panics) Reason = %q, want panic", i, r.Reason)
			require.Error(t, r.Err, "Run result %d (panics) Err", i)
			assert.Contains(t, r.Err.Error(), "linker exploded", "Run result %d Err = %v, want the panic value", i, r.Err)
			continue
		}
		assert.Equal(t, consumer.Linked, r.Outcome, "Run result %d = %+v, want linked", i, r)
	}

	// Through HandleSQS: exactly the panicking message is retried.
	ids, bodies := make([]string, len(msgs)), make([]string, len(msgs))
	for i, m := range msgs {
		ids[i], bodies[i] = m.ID, string(m.Body)
	}
	resp := b.HandleSQS(context.Background(), sqsEvent(ids, bodies))
	assert.Equal(t, []string{msgs[bad].ID}, failureIDs(resp), "HandleSQS failures = %v, want [%s]", failureIDs(resp), msgs[bad].ID)
}

func TestBatchDeadline(t *testing.T) {
	t.Run("a running record is failed and the batch answers before the deadline", func(t *testing.T) {
		tests := []struct {
			name string
			// block is how message 1's Link waits: for ctx, or for nothing it
			// is told about (a call that ignores its context).
			honoursContext bool
		}{
			{"Link honours its context", true},
			{"Link ignores its context", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				release := make(chan struct{})
				t.Cleanup(func() { close(release) })
				linker := &fakeLinker{link: func(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
					if s.OrderID != orderN(1) {
						return lookup.Linked, nil
					}
					if tt.honoursContext {
						<-ctx.Done()
						return "", fmt.Errorf("link: %w", ctx.Err())
					}
					<-release
					return lookup.Linked, nil
				}}
				b := newTestBatch(t, linker, 3)
				b.StartMargin, b.ReturnMargin = 2*time.Second, 100*time.Millisecond
				deadline := time.Now().Add(2200 * time.Millisecond)
				ctx, cancel := context.WithDeadline(context.Background(), deadline)
				defer cancel()

				msgs := deliveryMessages(3)
				results := b.Run(ctx, msgs)
				returned := time.Now()

				assert.True(t, returned.Before(deadline), "Run returned at %v, after its deadline %v",
					returned.Format(time.StampMilli), deadline.Format(time.StampMilli))
				require.Len(t, results, len(msgs))
				assert.Equal(t, consumer.Failed, results[1].Outcome, "Run result 1 (blocked) = %+v, want failed", results[1])
				assert.Equal(t, "deadline", results[1].Reason, "Run result 1 (blocked) Reason = %q, want deadline", results[1].Reason)
				assert.Error(t, results[1].Err, "Run result 1 (blocked) Err")
				for _, i := range []int{0, 2} {
					assert.Equal(t, consumer.Linked, results[i].Outcome, "Run result %d = %+v, want linked", i, results[i])
				}
			})
		}
	})

	t.Run("nothing starts when less than the start margin is left", func(t *testing.T) {
		tests := []struct {
			name string
			ctx  func() (context.Context, context.CancelFunc)
		}{
			{"deadline within the start margin", func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), time.Second)
			}},
			{"deadline already passed", func() (context.Context, context.CancelFunc) {
				return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
			}},
			{"context already canceled", func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				linker := &fakeLinker{link: linkOK}
				b := newTestBatch(t, linker, 3)
				b.StartMargin, b.ReturnMargin = 2*time.Second, 100*time.Millisecond
				ctx, cancel := tt.ctx()
				defer cancel()

				msgs := deliveryMessages(5)
				results := b.Run(ctx, msgs)
				require.Len(t, results, len(msgs))
				assert.Zero(t, linker.calls.Load(), "Link calls = %d, want 0 (none started)", linker.calls.Load())
				for i, r := range results {
					assert.Equal(t, consumer.Failed, r.Outcome, "Run result %d = %+v, want failed", i, r)
					assert.False(t, r.Outcome.OK(), "Run result %d OK() = true, want false", i)
				}
			})
		}
	})

	t.Run("a record waiting for a slot does not start inside the start margin", func(t *testing.T) {
		var started sync.Map
		linker := &fakeLinker{link: func(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
			started.Store(s.OrderID, true)
			if s.OrderID == orderN(0) {
				// Hold the only slot until less than StartMargin is left.
				select {
				case <-time.After(time.Second):
				case <-ctx.Done():
				}
			}
			return lookup.Linked, nil
		}}
		b := newTestBatch(t, linker, 1)
		b.StartMargin, b.ReturnMargin = 2*time.Second, 100*time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
		defer cancel()

		results := b.Run(ctx, deliveryMessages(2))
		_, ok := started.Load(orderN(1))
		assert.False(t, ok, "message 1 was started with less than StartMargin left")
		assert.Equal(t, consumer.Failed, results[1].Outcome, "Run result 1 = %+v, want failed (not started)", results[1])
	})
}

func TestHandleSQSResponse(t *testing.T) {
	valid := func(i int) string { return deliveryBody(orderN(i), fmt.Sprintf("user-%d", i), "+44 20 7946 0958") }
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
	failing := deliveryBody("ord-fail-1", "user-f", "+44 20 7946 0958")

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
			b := newTestBatch(t, &fakeLinker{link: link}, 3)
			resp := b.HandleSQS(context.Background(), sqsEvent(tt.ids, tt.bodies))
			require.NotNil(t, resp.BatchItemFailures, "HandleSQS(%s).BatchItemFailures is nil, want a list", tt.name)
			got := failureIDs(resp)
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
	return `{"version":"0","id":"eb-1","detail-type":"OrderCommitted","source":"phonelookup.orders",` +
		`"account":"123456789012","time":"2026-11-02T10:15:30Z","region":"eu-west-1","resources":[],"detail":` + detail + `}`
}

func TestHandlerInvoke(t *testing.T) {
	const noOrderID = `{"eventId":"evt-x","eventType":"OrderCommitted","version":1,"source":"graphql",` +
		`"occurredAt":"2026-11-02T10:15:30Z","order":{"fulfillmentType":"collection"}}`
	sqsPayload, err := json.Marshal(sqsEvent(
		[]string{"s1", "s2"},
		[]string{deliveryBody("ord-1", "user-1", "+44 20 7946 0958"), "not json"}))
	require.NoError(t, err)

	tests := []struct {
		name    string
		payload string
		wantErr error // nil: no error; errAny: any error
		check   func(t *testing.T, out any)
	}{
		{name: "EventBridge valid", payload: ebEnvelope(deliveryBody("ord-1", "user-1", "+44 20 7946 0958")),
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
		{name: "EventBridge store failure", payload: ebEnvelope(deliveryBody("ord-fail", "user-1", "+44 20 7946 0958")), wantErr: errAny},
		{name: "EventBridge of another detail-type", payload: `{"detail-type":"OrderCancelled","detail":{}}`, wantErr: errAny},
		{name: "unsupported object", payload: `{"foo":1}`, wantErr: consumer.ErrUnsupportedPayload},
		{name: "not JSON", payload: `not json`, wantErr: consumer.ErrUnsupportedPayload},
		{name: "JSON array", payload: `[1,2]`, wantErr: consumer.ErrUnsupportedPayload},
		{name: "records of another source", payload: `{"Records":[{"eventSource":"aws:kinesis"}]}`, wantErr: consumer.ErrUnsupportedPayload},
		{name: "SQS batch", payload: string(sqsPayload),
			check: func(t *testing.T, out any) {
				resp, ok := out.(lambdaevents.SQSEventResponse)
				require.True(t, ok, "Invoke(SQS) = %T, want events.SQSEventResponse", out)
				assert.Equal(t, []string{"s2"}, failureIDs(resp), "Invoke(SQS) failures = %v, want [s2]", failureIDs(resp))
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
			linker := &fakeLinker{link: func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
				if s.OrderID == "ord-fail" {
					return "", errors.New("dynamodb: throttled")
				}
				return lookup.Linked, nil
			}}
			h := &consumer.Handler{Batch: newTestBatch(t, linker, 2)}
			out, err := h.Invoke(context.Background(), json.RawMessage(tt.payload))
			switch {
			case tt.wantErr == nil:
				require.NoError(t, err, "Invoke(%s)", tt.payload)
			case tt.wantErr == errAny:
				require.Error(t, err, "Invoke(%s) = %v, want an error", tt.payload, out)
				assert.NotErrorIs(t, err, consumer.ErrUnsupportedPayload, "Invoke(%s) = %v, want an event error", tt.payload, err)
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
		h := &consumer.Handler{Batch: newTestBatch(t, &fakeLinker{link: linkOK}, 2)}
		_, err := h.Invoke(context.Background(), json.RawMessage(ebEnvelope(noOrderID)))
		var inv *events.InvalidError
		require.ErrorAs(t, err, &inv, "Invoke(EventBridge without order.id) = %v, want an *events.InvalidError", err)
		assert.Equal(t, "order.id", inv.Field, "Invoke(EventBridge without order.id) field = %q, want order.id", inv.Field)
	})
}

// errAny stands for "some error that is not ErrUnsupportedPayload" in
// TestHandlerInvoke.
var errAny = errors.New("any error")

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLines decodes the JSON lines of a zerolog output.
func logLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), "log line is not JSON: %s", l)
		lines = append(lines, m)
	}
	return lines
}

func TestHandleSQSLogsNoPersonalData(t *testing.T) {
	event := func(order, user string) string {
		return `{"eventId":"evt-l","eventType":"OrderCommitted","version":1,"source":"graphql",` +
			`"occurredAt":"2026-11-02T10:15:30Z","order":` + order + `,"user":` + user + `}`
	}
	ids := []string{"m-linked", "m-invalid-dropoff", "m-not-a-phone", "m-not-json", "m-number-phone", "m-failed", "m-bad-country"}
	bodies := []string{
		// valid, linked
		deliveryBody("ord-1", "user-1", "+44 20 7946 0958"),
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
		deliveryBody("ord-fail", "user-6", "7946 0958"),
		// invalid: a phone where a country code belongs
		event(`{"id":"ord-7","fulfillmentType":"delivery","countryCode":"+44 20 7946 0958"}`, `{"cognitoId":"user-7"}`),
	}
	linker := &fakeLinker{link: func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
		if s.OrderID == "ord-fail" {
			return "", errors.New("dynamodb: throttled")
		}
		return lookup.Linked, nil
	}}
	b := newTestBatch(t, linker, 3)
	var out syncBuffer
	b.Log = zerolog.New(&out).Level(zerolog.DebugLevel)

	resp := b.HandleSQS(context.Background(), sqsEvent(ids, bodies))
	logged := out.String()
	require.NotEmpty(t, logged, "HandleSQS logged nothing")

	wantFailed := []string{"m-invalid-dropoff", "m-not-json", "m-number-phone", "m-failed", "m-bad-country"}
	assert.ElementsMatch(t, wantFailed, failureIDs(resp), "HandleSQS failures = %v, want %v", failureIDs(resp), wantFailed)

	for _, s := range []string{
		"+442079460958", "442079460958", "2079460958", "20 7946 0958", "7946 0958", "79460958",
		"not a phone", `"eventType"`, `\"eventType\"`, "OrderCommitted",
	} {
		assert.NotContains(t, logged, s, "HandleSQS log contains %q:\n%s", s, logged)
	}

	lines := logLines(t, logged)
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

func TestProcessOutcomes(t *testing.T) {
	body := []byte(deliveryBody("ord-1", "user-1", "+44 20 7946 0958"))
	canceled := func() (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx, cancel
	}
	expired := func() (context.Context, context.CancelFunc) {
		return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	}
	background := func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }
	ctxErr := func(ctx context.Context, _ lookup.Sighting) (lookup.Outcome, error) {
		return "", fmt.Errorf("link: %w", ctx.Err())
	}
	tests := []struct {
		name        string
		ctx         func() (context.Context, context.CancelFunc)
		link        func(context.Context, lookup.Sighting) (lookup.Outcome, error)
		wantOutcome consumer.Outcome
		wantReason  string
	}{
		{"linked", background, linkOK, consumer.Linked, ""},
		{"refreshed", background, func(context.Context, lookup.Sighting) (lookup.Outcome, error) { return lookup.Refreshed, nil },
			consumer.Refreshed, ""},
		{"unchanged", background, func(context.Context, lookup.Sighting) (lookup.Outcome, error) { return lookup.Unchanged, nil },
			consumer.Unchanged, ""},
		{"store error", background, func(context.Context, lookup.Sighting) (lookup.Outcome, error) {
			return "", errors.New("dynamodb: throttled")
		}, consumer.Failed, "store"},
		{"invalid sighting", background, func(context.Context, lookup.Sighting) (lookup.Outcome, error) {
			return "", fmt.Errorf("%w: source", lookup.ErrInvalidSighting)
		}, consumer.Invalid, "sighting"},
		{"deadline exceeded", expired, ctxErr, consumer.Failed, "deadline"},
		{"context canceled", canceled, ctxErr, consumer.Failed, "canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			phones, err := lookup.NewNormalizer("", 0)
			require.NoError(t, err)
			p := &consumer.Processor{Linker: &fakeLinker{link: tt.link}, Phones: phones}
			ctx, cancel := tt.ctx()
			defer cancel()
			r := p.Process(ctx, body)
			assert.Equal(t, tt.wantOutcome, r.Outcome, "Process(%s) = %+v, want outcome %s", tt.name, r, tt.wantOutcome)
			assert.Equal(t, tt.wantReason, r.Reason, "Process(%s) Reason = %q, want %q", tt.name, r.Reason, tt.wantReason)
			assert.Equal(t, tt.wantOutcome.OK(), r.Err == nil, "Process(%s) Err = %v", tt.name, r.Err)
		})
	}
}
