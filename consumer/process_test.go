package consumer_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/lookup"
)

// deliveryAt is a valid delivery event committed at at.
func deliveryAt(at string) string {
	return `{"eventId":"evt-at","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"` + at +
		`","order":{"id":"ord-at","fulfillmentType":"delivery","countryCode":"GB",` +
		`"delivery":{"dropoff":{"phoneNumber":"+44 20 7946 0958"}}},"user":{"cognitoId":"user-at"}}`
}

// newProcessor returns a processor on the real normaliser and a linker that
// links everything.
func newProcessor(t *testing.T) (*consumer.Processor, *consumertest.FakeLinker) {
	t.Helper()
	phones, err := lookup.NewNormalizer("", 0)
	require.NoError(t, err)
	linker := &consumertest.FakeLinker{LinkFn: consumertest.LinkOK}
	return &consumer.Processor{Linker: linker, Phones: phones}, linker
}

// An event dated ahead of the consumer's clock by more than the allowed skew
// is invalid (field occurredAt) and never written: it would take the link
// over (lastSeenAt, lastOrderId, brand) until its date. Old events (a
// backfill) are not bounded. The processor here has the default clock and
// skew.
func TestProcessOccurredAtAhead(t *testing.T) {
	now := time.Now().UTC()
	tests := []struct {
		name       string
		at         string
		want       consumer.Outcome
		wantReason string
	}{
		{"year 2999: a producer's broken clock", "2999-12-31T23:59:59.999Z", consumer.Invalid, "occurredAt"},
		{"one day ahead", now.Add(24 * time.Hour).Format(lookup.TimeLayout), consumer.Invalid, "occurredAt"},
		{"ten minutes ahead", now.Add(10 * time.Minute).Format(lookup.TimeLayout), consumer.Invalid, "occurredAt"},
		{"one day ahead, written with an offset", now.Add(24 * time.Hour).In(time.FixedZone("", -5*3600)).Format(time.RFC3339Nano),
			consumer.Invalid, "occurredAt"},
		{"one minute ahead: within the skew", now.Add(time.Minute).Format(lookup.TimeLayout), consumer.Linked, ""},
		{"now", now.Format(lookup.TimeLayout), consumer.Linked, ""},
		{"25 years ago: a backfill", "2001-02-03T04:05:06.789Z", consumer.Linked, ""},
		{"year 1900 in UTC", "1900-01-01T00:00:00Z", consumer.Linked, ""},
		{"1900-01-01T00:30:00+01:00 is 1899 in UTC", "1900-01-01T00:30:00+01:00", consumer.Invalid, "occurredAt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, linker := newProcessor(t)
			r := p.Process(context.Background(), []byte(deliveryAt(tt.at)))
			assert.Equal(t, tt.want, r.Outcome, "Process(occurredAt %s) = %+v, want %s", tt.at, r, tt.want)
			assert.Equal(t, tt.wantReason, r.Reason, "Process(occurredAt %s) Reason", tt.at)
			if tt.want == consumer.Invalid {
				assert.Zero(t, linker.Calls(), "Process(occurredAt %s) wrote an invalid event", tt.at)
				assert.Equal(t, "evt-at", r.EventID, "Process(occurredAt %s) EventID", tt.at)
				require.Error(t, r.Err, "Process(occurredAt %s) Err", tt.at)
				assert.Contains(t, r.Err.Error(), "occurredAt", "Process(occurredAt %s) Err names the field", tt.at)
			}
		})
	}
}

// The log line (and the Lambda's error) of an invalid message carries the
// eventId and order id whenever the body has readable ones.
func TestProcessInvalidKeepsReadableIDs(t *testing.T) {
	const noOrderID = `{"eventId":"evt-bad","eventType":"OrderCommitted","version":1,"source":"graphql",` +
		`"occurredAt":"2026-11-02T10:15:30Z","order":{"fulfillmentType":"collection"}}`
	const badSource = `{"eventId":"evt-src","eventType":"OrderCommitted","version":1,"source":"pos",` +
		`"occurredAt":"2026-11-02T10:15:30Z","order":{"id":"ord-src","fulfillmentType":"collection"}}`
	eb := func(detail string) string {
		return `{"version":"0","id":"eb-1","detail-type":"OrderCommitted","source":"intl.whitelabel.graphql",` +
			`"account":"123456789012","time":"2026-11-02T10:15:30Z","region":"eu-west-1","resources":[],"detail":` + detail + `}`
	}
	tests := []struct {
		name        string
		body        string
		wantReason  string // "": not checked
		wantEventID string
		wantOrderID string
	}{
		{"missing order.id", noOrderID, "order.id", "evt-bad", ""},
		{"unknown source", badSource, "source", "evt-src", "ord-src"},
		{"in an EventBridge envelope", eb(badSource), "source", "evt-src", "ord-src"},
		{"eventId not a string", `{"eventId":7,"order":{"id":"ord-7"}}`, "eventId", "", "ord-7"},
		{"eventId with a control character", "{\"eventId\":\"evt\\u001b[2J\",\"order\":{\"id\":\"o\"}}", "eventId", "", "o"},
		{"eventId longer than 128", fmt.Sprintf(`{"eventId":"%0129d"}`, 0), "eventId", "", ""},
		{"eventId key in another case", `{"EventId":"evt-case"}`, "eventId", "", ""},
		{"not JSON", `{"eventId":"evt-cut",`, consumer.ReasonBody, "", ""},
		{"not an object", `["evt-arr"]`, consumer.ReasonBody, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newProcessor(t)
			r := p.Process(context.Background(), []byte(tt.body))
			assert.Equal(t, consumer.Invalid, r.Outcome, "Process(%s) = %+v, want invalid", tt.body, r)
			if tt.wantReason != "" {
				assert.Equal(t, tt.wantReason, r.Reason, "Process(%s) Reason", tt.body)
			}
			assert.Equal(t, tt.wantEventID, r.EventID, "Process(%s) EventID", tt.body)
			assert.Equal(t, tt.wantOrderID, r.OrderID, "Process(%s) OrderID", tt.body)
		})
	}
}

// The skew and the clock are the processor's: an event is judged against
// Now, and is accepted once its time has come (a replay from the DLQ).
func TestProcessClockSkewInjected(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	at := now.Add(90 * time.Second).Format(lookup.TimeLayout)
	tests := []struct {
		name  string
		skew  time.Duration
		clock time.Time
		want  consumer.Outcome
	}{
		{"90 s ahead, skew 1 min", time.Minute, now, consumer.Invalid},
		{"90 s ahead, skew 2 min", 2 * time.Minute, now, consumer.Linked},
		{"90 s ahead, default skew", 0, now, consumer.Linked},
		{"replayed a minute later, skew 1 min", time.Minute, now.Add(time.Minute), consumer.Linked},
		{"exactly at the bound", 90 * time.Second, now, consumer.Linked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newProcessor(t)
			p.MaxClockSkew, p.Now = tt.skew, func() time.Time { return tt.clock }
			r := p.Process(context.Background(), []byte(deliveryAt(at)))
			assert.Equal(t, tt.want, r.Outcome, "Process(occurredAt %s, now %s, skew %s) = %+v", at, tt.clock, tt.skew, r)
			if tt.want == consumer.Invalid {
				assert.Equal(t, "invalid event: occurredAt: must be at most 1m0s ahead of the consumer's clock (now 2026-11-02T10:00:00.000Z)",
					r.Err.Error())
			}
		})
	}
}

// Decide is Process short of writing: the same result for every kind of
// message, and the Linker is never called.
func TestDecideIsProcessWithoutTheWrite(t *testing.T) {
	bodies := map[string]string{
		"linked":        consumertest.DeliveryBody("ord-1", "user-1", "+44 20 7946 0958"),
		"invalid-phone": consumertest.DeliveryBody("ord-1", "user-1", "+44 12"),
		"guest":         consumertest.DeliveryBody("ord-1", "", "+44 20 7946 0958"),
		"no-dropoff": `{"eventId":"e","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"2026-11-02T10:15:30Z",` +
			`"order":{"id":"o","fulfillmentType":"delivery"},"user":{"cognitoId":"u","details":{"phoneNumber":"+44 20 7946 0001"}}}`,
		"no-phone": `{"eventId":"e","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"2026-11-02T10:15:30Z",` +
			`"order":{"id":"o","fulfillmentType":"delivery"},"user":{"cognitoId":"u"}}`,
		"future":  deliveryAt("2999-12-31T23:59:59.999Z"),
		"invalid": `{"eventId":"evt-bad"}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			p, linker := newProcessor(t)
			now := time.Now()
			p.Now = func() time.Time { return now } // the error text holds the clock's time
			d := p.Decide([]byte(body))
			assert.Zero(t, linker.Calls(), "Decide(%s) called the linker", name)
			r := p.Process(context.Background(), []byte(body))
			if d.Sighting != nil {
				assert.Empty(t, d.Result.Outcome, "Decide(%s) outcome with a sighting", name)
				assert.Equal(t, int64(1), linker.Calls(), "Process(%s) link calls", name)
				d.Result.Outcome = r.Outcome // what the write added
			}
			assert.Equal(t, r, d.Result, "Decide(%s).Result differs from Process", name)
		})
	}
}

func TestInvalidReason(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&events.InvalidError{Field: "order.id", Reason: "missing"}, "order.id"},
		{fmt.Errorf("decode: %w", &events.InvalidError{Field: "occurredAt", Reason: "x"}), "occurredAt"},
		{&events.InvalidError{Reason: "body is not a JSON object"}, consumer.ReasonBody},
		{fmt.Errorf("%w: source", lookup.ErrInvalidSighting), consumer.ReasonSighting},
		{errors.New("anything else"), consumer.ReasonBody},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, consumer.InvalidReason(tt.err), "InvalidReason(%v)", tt.err)
	}
}

// The missing-dropoff warning is the rule's Fallback, also when nothing is
// linked.
func TestProcessWarnsOnMissingDropoff(t *testing.T) {
	const at = `"occurredAt":"2026-11-02T10:15:30Z"`
	tests := []struct {
		name, order, user string
		want              consumer.Outcome
		wantWarning       string
	}{
		{"account phone used", `{"id":"o","fulfillmentType":"delivery"}`, `{"cognitoId":"u","details":{"phoneNumber":"+44 20 7946 0001"}}`,
			consumer.Linked, consumer.WarnNoDropoff},
		{"nothing to link", `{"id":"o","fulfillmentType":"delivery"}`, `{"cognitoId":"u"}`, consumer.Skipped, consumer.WarnNoDropoff},
		{"guest", `{"id":"o","fulfillmentType":"delivery"}`, `{}`, consumer.Skipped, ""},
		{"collection", `{"id":"o","fulfillmentType":"collection"}`, `{"cognitoId":"u","details":{"phoneNumber":"+44 20 7946 0001"}}`,
			consumer.Linked, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newProcessor(t)
			body := `{"eventId":"e","eventType":"OrderCommitted","version":1,"source":"graphql",` + at +
				`,"order":` + tt.order + `,"user":` + tt.user + `}`
			r := p.Process(context.Background(), []byte(body))
			assert.Equal(t, tt.want, r.Outcome, "Process(%s) = %+v", tt.name, r)
			assert.Equal(t, tt.wantWarning, r.Warning, "Process(%s) Warning", tt.name)
		})
	}
}

// TestStoreFailureReasons: a store failure is classified once: throttled and
// unavailable are transient (the message comes back later), any other store
// error is not.
func TestStoreFailureReasons(t *testing.T) {
	tests := []struct {
		err       error
		reason    string
		transient bool
	}{
		{fmt.Errorf("link: %w", lookup.ErrBusy), consumer.ReasonThrottled, true},
		{fmt.Errorf("link: %w", lookup.ErrUnavailable), consumer.ReasonUnavailable, true},
		{fmt.Errorf("link: %w", context.DeadlineExceeded), consumer.ReasonUnavailable, true},
		{errors.New("AccessDeniedException"), consumer.ReasonStore, false},
	}
	for _, tt := range tests {
		p, linker := newProcessor(t)
		linker.LinkFn = func(context.Context, lookup.Sighting) (lookup.Outcome, error) { return "", tt.err }
		r := p.Process(context.Background(), []byte(consumertest.DeliveryBody("ord-1", "user-1", "+44 20 7946 0958")))
		require.Equal(t, consumer.Failed, r.Outcome, "Process with %v", tt.err)
		assert.Equal(t, tt.reason, r.Reason, "Process with %v: Reason", tt.err)
		assert.Equal(t, tt.transient, r.Transient(), "Process with %v: Transient", tt.err)
	}
}
