// Package consumertest holds the test doubles and fixtures that the tests of
// consumer and of its faces (lambdahandler, sqsworker) share. Only tests
// import it.
package consumertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/internal/syncbuf"
	"github.com/phonelookup/phonelookup/lookup"
)

// FakeLinker is a consumer.Linker whose behaviour is the function LinkFn; it
// counts its calls.
type FakeLinker struct {
	LinkFn func(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error)
	calls  atomic.Int64
}

// Link calls LinkFn.
func (f *FakeLinker) Link(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
	f.calls.Add(1)
	return f.LinkFn(ctx, s)
}

// Calls is the number of Link calls so far.
func (f *FakeLinker) Calls() int64 { return f.calls.Load() }

// LinkOK links everything.
func LinkOK(context.Context, lookup.Sighting) (lookup.Outcome, error) { return lookup.Linked, nil }

// NewBatch returns a batch on linker with the real normaliser (no default
// region, no cache) and a silent logger.
func NewBatch(t testing.TB, linker consumer.Linker, conc int) *consumer.Batch {
	t.Helper()
	phones, err := lookup.NewNormalizer("", 0)
	require.NoError(t, err)
	return &consumer.Batch{
		Processor:   &consumer.Processor{Linker: linker, Phones: phones},
		Concurrency: conc,
		Log:         zerolog.Nop(),
	}
}

// DeliveryBody is a valid delivery event of order orderID by user whose
// dropoff phone is phone (GB region).
func DeliveryBody(orderID, user, phone string) string {
	return fmt.Sprintf(`{"eventId":"evt-%s","eventType":"OrderCommitted","version":1,"source":"graphql",`+
		`"occurredAt":"2026-11-02T10:15:30.123Z","order":{"id":%q,"fulfillmentType":"delivery","countryCode":"GB",`+
		`"delivery":{"dropoff":{"phoneNumber":%q}}},"user":{"cognitoId":%q}}`, orderID, orderID, phone, user)
}

// OrderN is the order id of message i of DeliveryMessages.
func OrderN(i int) string { return fmt.Sprintf("ord-%d", i) }

// DeliveryMessages returns n valid messages; message i has ID msg-i and order
// id ord-i.
func DeliveryMessages(n int) []consumer.Message {
	msgs := make([]consumer.Message, n)
	for i := range msgs {
		msgs[i] = consumer.Message{
			ID:   fmt.Sprintf("msg-%d", i),
			Body: []byte(DeliveryBody(OrderN(i), fmt.Sprintf("user-%d", i), "+44 20 7946 0958")),
		}
	}
	return msgs
}

// SQSEvent wraps bodies into an SQS event with the given message ids.
func SQSEvent(ids []string, bodies []string) lambdaevents.SQSEvent {
	var ev lambdaevents.SQSEvent
	for i, id := range ids {
		ev.Records = append(ev.Records, lambdaevents.SQSMessage{
			MessageId: id, Body: bodies[i], EventSource: "aws:sqs", AWSRegion: "eu-west-1",
		})
	}
	return ev
}

// FailureIDs returns the item identifiers of resp.
func FailureIDs(resp lambdaevents.SQSEventResponse) []string {
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// SyncBuffer is a buffer concurrent writers may share.
type SyncBuffer = syncbuf.Buffer

// LogLines decodes the JSON lines of a zerolog output.
func LogLines(t testing.TB, out string) []map[string]any {
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
