//go:build integration

package dlq_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/dlq"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
	"github.com/phonelookup/phonelookup/lookup"
)

func groupCounts(gs []dlq.Group) map[string]int {
	m := map[string]int{}
	for _, g := range gs {
		m[g.Key] = g.Count
	}
	return m
}

// Inspect groups by failure reason (with the would-link verdict of valid
// events), source, envelope, error attributes and origin, masks phones,
// and leaves the counts as they were: every message visible again at once.
func TestInspect(t *testing.T) {
	t.Parallel()
	src, _ := newQueue(t, "insp-dlq", nil)
	msgs := mixedDLQ(t)
	send(t, src, msgs)
	before := counts(t, src)

	phones, err := lookup.NewNormalizer("", lookup.DefaultCacheSize)
	require.NoError(t, err)
	var logs logBuffer
	opts := options(t, &logs)
	opts.Lease = 20 * time.Second
	rep, err := (&dlq.Inspect{SQS: client(), QueueURL: src, Processor: &consumer.Processor{Phones: phones}, Options: opts}).Run(context.Background())
	require.NoError(t, err)
	requireReleased(t, src)
	assert.Equal(t, before, counts(t, src), "counts after inspect")
	assert.Equal(t, len(msgs), rep.Inspected)
	assert.Equal(t, sqsengine.EndDrained, rep.End)
	assert.Equal(t, src, rep.Queue, "named by its URL when no Queue is given")

	assert.Equal(t, map[string]int{
		"valid: would link":         6, // bare, EventBridge, SNS, EventBridge DLQ, Lambda DLQ, Lambda destination
		"valid: would skip (guest)": 1,
		"invalid: order.id":         1,
		"invalid: body":             1,
	}, groupCounts(rep.ByReason))
	// Bare: five events (the plain one, the guest, the invalid one, and the
	// EventBridge and Lambda dead-letter messages, whose body is the event)
	// and the body that is not JSON.
	assert.Equal(t, map[string]int{"event": 6, "eventbridge": 1, "sns": 1, "lambda-destination": 1}, groupCounts(rep.ByEnvelope))
	errs := groupCounts(rep.ByError)
	assert.Equal(t, 1, errs["ERROR_CODE=SDK_CLIENT_ERROR"])
	assert.Equal(t, 1, errs["RULE_ARN=arn:aws:events:eu-west-1:123456789012:rule/order-committed"])
	assert.Equal(t, 1, errs["ErrorCode=200"])
	assert.Equal(t, 1, errs["ErrorMessage=invalid event: order.id: missing"])
	assert.Equal(t, 1, errs["condition=RetriesExhausted"])
	assert.Equal(t, 1, errs["errorType=Runtime.ExitError"])
	assert.Equal(t, 6, errs["(none)"])
	origins := groupCounts(rep.ByOrigin)
	assert.Equal(t, 1, origins["eventbridge rule arn:aws:events:eu-west-1:123456789012:rule/order-committed"])
	assert.Equal(t, 1, origins["lambda asynchronous invocation"])
	assert.Equal(t, 1, origins["lambda destination arn:aws:lambda:eu-west-1:123456789012:function:phonelookup:$LATEST"])
	assert.Equal(t, map[string]int{"graphql": 8, "(unknown)": 1}, groupCounts(rep.BySource))

	for _, g := range rep.ByReason {
		if g.Key == "valid: would link" {
			require.NotEmpty(t, g.Samples)
			assert.Equal(t, "+44********58", g.Samples[0].Phone, "masked phone")
		}
	}
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	assertNoPersonalData(t, string(b), "report")
	assertNoPersonalData(t, logs.String(), "logs")
	assert.Contains(t, string(b), `"invalid: order.id"`)
	assert.Equal(t, snapsOf(msgs), snapsOfMessages(drain(t, src)), "everything still there, visible")
}

// Export writes body and attributes of every message, byte for byte, and
// leaves the queue as it was.
func TestExport(t *testing.T) {
	t.Parallel()
	src, _ := newQueue(t, "exp-dlq", nil)
	msgs := append(mixedDLQ(t), generated(t, "exp", 15)...)
	ids := send(t, src, msgs)
	before := counts(t, src)

	var out bytes.Buffer
	var logs logBuffer
	s, err := (&dlq.Export{SQS: client(), QueueURL: src, Out: &out, Options: options(t, &logs)}).Run(context.Background())
	require.NoError(t, err)
	assert.Equal(t, len(msgs), s.Exported)
	requireReleased(t, src)
	assert.Equal(t, before, counts(t, src), "counts after export")

	var got []snapshot
	var gotIDs []string
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l dlq.ExportLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		attrs := map[string]types.MessageAttributeValue{}
		for k, v := range l.MessageAttributes {
			attrs[k] = v.MessageAttributeValue()
		}
		got = append(got, snap(l.Body, attrs))
		gotIDs = append(gotIDs, l.MessageID)
		assert.NotEmpty(t, l.Attributes["SentTimestamp"], "system attributes exported")
	}
	assert.Equal(t, snapsOf(msgs), sortSnaps(got))
	assert.ElementsMatch(t, ids, gotIDs)
	assert.Equal(t, snapsOf(msgs), snapsOfMessages(drain(t, src)))
}

// failingLinker fails the writes of one order, as a store outage would.
type failingLinker struct {
	consumer.Linker
	order string
}

func (f failingLinker) Link(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
	if s.OrderID == f.order {
		return "", errors.New("injected store failure")
	}
	return f.Linker.Link(ctx, s)
}

// Reprocess deletes exactly the messages that now succeed (linked,
// skipped); invalid ones and failed writes stay in the dead-letter queue.
func TestReprocessDeletesOnlySuccesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := emu.DynamoDBClient(emulator.Config())
	store := dynamo.NewStore(db, emulator.UniqueName("dlq-links"), "")
	_, err := store.CreateTable(ctx, time.Minute)
	require.NoError(t, err)
	phones, err := lookup.NewNormalizer("", lookup.DefaultCacheSize)
	require.NoError(t, err)

	src, _ := newQueue(t, "rep-dlq", nil)
	mixed := mixedDLQ(t)
	gen := generated(t, "rep", 12)
	send(t, src, append(append([]testMsg{}, mixed...), gen...))

	var logs logBuffer
	var audit bytes.Buffer
	proc := &consumer.Processor{Linker: failingLinker{Linker: store, order: "ord-evt-rep-003"}, Phones: phones}
	rp := &dlq.Reprocess{
		SQS: client(), QueueURL: src, Audit: dlq.NewAudit(&audit),
		Processor: proc,
		Batch:     &consumer.Batch{Processor: proc, Concurrency: 4, Log: logs.logger(t)},
		Options:   options(t, &logs),
	}
	s, err := rp.Run(ctx)
	require.NoError(t, err)
	t.Logf("summary: %+v", s)
	// 7 valid in mixed (6 link, 1 guest skip) + 11 generated; kept: 2
	// invalid + 1 failed write.
	assert.Equal(t, 6+1+11, s.Deleted)
	assert.Equal(t, 3, s.Kept)
	assert.Equal(t, 2, s.Invalid)
	assert.Equal(t, 1, s.Failed)
	assert.False(t, s.OK())

	var bodies []string
	for _, m := range drain(t, src) {
		bodies = append(bodies, aws.ToString(m.Body))
	}
	require.Len(t, bodies, 3, "left in the dead-letter queue")
	joined := strings.Join(bodies, "\n")
	assert.Contains(t, joined, "evt-bad1")
	assert.Contains(t, joined, "not json at all")
	assert.Contains(t, joined, "evt-rep-003")

	link, err := store.Get(ctx, testUser, "+442079460958")
	require.NoError(t, err)
	require.NotNil(t, link)
	assert.True(t, link.Active)
	assertNoPersonalData(t, logs.String(), "logs")
	assertNoPersonalData(t, audit.String(), "audit")

	// A filter limits what is processed: nothing else is touched.
	send(t, src, gen[:3])
	f, err := dlq.ParseFilter("eventId=evt-rep-001")
	require.NoError(t, err)
	rp.Filter = f
	s, err = rp.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, s.Deleted)
	assert.Equal(t, 2, s.Filtered)
	assert.Len(t, drain(t, src), 2)
}

// dead-letter puts msgs in the dead-letter queue the way SQS does: received
// maxReceiveCount (1) times from their queue, then moved on the next
// receive.
func deadLetter(t *testing.T, srcURL, dlqURL string, n int) {
	t.Helper()
	c := client()
	ctx := context.Background()
	deadline := time.Now().Add(15 * time.Second)
	for counts(t, dlqURL).Visible < n {
		require.True(t, time.Now().Before(deadline), "messages did not reach the dead-letter queue")
		_, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &srcURL, MaxNumberOfMessages: 10, VisibilityTimeout: 1})
		require.NoError(t, err)
		time.Sleep(300 * time.Millisecond)
	}
}

// The native path: SQS's move task, started, followed and completed against
// local-aws-sqs; auto picks it for a dead-letter queue of an SQS queue with
// no filter. Inspect sees DeadLetterQueueSourceArn.
func TestNativeRedrive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := client()
	srcURL, dlqURL, srcARN, dlqARN := newQueueWithDLQ(t, 1)
	msgs := generated(t, "nat", 5)
	msgs[0].attrs["blob"] = types.MessageAttributeValue{DataType: aws.String("Binary"), BinaryValue: []byte{0, 0xff}}
	send(t, srcURL, msgs)
	deadLetter(t, srcURL, dlqURL, len(msgs))

	var logs logBuffer
	opts := options(t, &logs)
	rep, err := (&dlq.Inspect{SQS: c, QueueURL: dlqURL, Options: opts}).Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"sqs " + srcARN: len(msgs)}, groupCounts(rep.ByOrigin), "DeadLetterQueueSourceArn")

	sources, err := dlq.SourceQueues(ctx, c, dlqURL)
	require.NoError(t, err)
	assert.Equal(t, []string{srcURL}, sources)
	mode, why, err := dlq.ChooseMode(dlq.Plan{Mode: dlq.ModeAuto, Sources: sources})
	require.NoError(t, err)
	assert.Equal(t, dlq.ModeNative, mode, why)

	res, err := (&dlq.Native{SQS: c, SourceARN: dlqARN, Poll: 200 * time.Millisecond, Log: logs.logger(t)}).Run(ctx)
	require.NoError(t, err)
	t.Logf("task: %+v", res)
	assert.True(t, res.OK())
	assert.Equal(t, int64(len(msgs)), res.Moved)
	assert.Equal(t, snapsOf(msgs), snapsOfMessages(drain(t, srcURL)), "back in their queue, attributes kept")
	assert.Empty(t, drain(t, dlqURL))
}

// Cancelling a native redrive (SIGINT) cancels the move task: what moved
// stays moved, the rest stays in the dead-letter queue; nothing is lost.
func TestNativeRedriveCancelled(t *testing.T) {
	t.Parallel()
	srcURL, dlqURL, _, dlqARN := newQueueWithDLQ(t, 1)
	msgs := generated(t, "natc", 6)
	send(t, srcURL, msgs)
	deadLetter(t, srcURL, dlqURL, len(msgs))

	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	var logs logBuffer
	res, err := (&dlq.Native{SQS: client(), SourceARN: dlqARN, DestinationARN: "", Rate: 1, Poll: 200 * time.Millisecond, Log: logs.logger(t)}).Run(ctx)
	require.NoError(t, err)
	t.Logf("task: %+v", res)
	assert.True(t, res.Interrupted)
	assert.False(t, res.OK())
	assert.Equal(t, "CANCELLED", res.Status)
	moved := drain(t, srcURL)
	left := drain(t, dlqURL)
	assert.Less(t, len(moved), len(msgs), "cancelled before the end")
	assert.Equal(t, snapsOf(msgs), union(snapsOfMessages(moved), snapsOfMessages(left)), "nothing lost")
	assert.Empty(t, intersection(snapsOfMessages(moved), snapsOfMessages(left)))
}
