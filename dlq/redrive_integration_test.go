//go:build integration

package dlq_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/dlq"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
	"github.com/phonelookup/phonelookup/lookup"
)

// Body and message attributes arrive byte for byte, batches respect the
// size limit with attributes counted (local-aws-sqs checks it too), system
// attributes are not forwarded, and the dead-letter queue ends empty.
func TestRedriveRoundTripFidelity(t *testing.T) {
	t.Parallel()
	src, _ := newQueue(t, "rt-dlq", nil)
	dst, _ := newQueue(t, "rt-dst", nil)
	msgs := append(mixedDLQ(t), generated(t, "rt", 12)...)
	// Large messages: two fill most of a batch with their attributes.
	for i := range 3 {
		msgs = append(msgs, testMsg{
			body:  jsonString(t, map[string]any{"eventId": "evt-big-" + string(rune('a'+i)), "pad": strings.Repeat("p", 100*1024)}),
			attrs: map[string]types.MessageAttributeValue{"big": str(strings.Repeat("a", 20*1024))},
		})
	}
	send(t, src, msgs)

	var logs logBuffer
	var audit bytes.Buffer
	r := &dlq.Redrive{SQS: client(), Source: src, Destination: dst, Audit: dlq.NewAudit(&audit), Options: options(t, &logs)}
	s, err := r.Run(context.Background())
	require.NoError(t, err)
	t.Logf("summary: %+v", s)
	assert.True(t, s.OK())
	assert.Equal(t, len(msgs), s.Moved)
	assert.Zero(t, s.Failed)
	assert.Equal(t, sqsengine.EndDrained, s.End)

	assert.Equal(t, sqsengine.Counts{}, counts(t, src), "dead-letter queue counts")
	got := drain(t, dst)
	assert.Equal(t, snapsOf(msgs), snapsOfMessages(got), "bodies and attributes at the destination")
	for _, m := range got {
		assert.NotContains(t, m.Attributes, "DeadLetterQueueSourceArn")
		assert.NotContains(t, m.Attributes, "MessageGroupId")
	}
	assert.Empty(t, drain(t, src), "dead-letter queue")

	lines := auditLines(t, &audit)
	assert.Len(t, lines, len(msgs), "one audit line per message")
	for _, l := range lines {
		assert.Equal(t, dlq.ActionMoved, l.Action)
	}
	assertNoPersonalData(t, audit.String(), "audit")
	assertNoPersonalData(t, logs.String(), "logs")
}

// One entry of a batch fails on every attempt: every other message is
// moved, the failed one is not deleted and stays in the dead-letter queue,
// unchanged and visible again; the run reports the failure.
func TestRedriveOneSendFails(t *testing.T) {
	t.Parallel()
	src, _ := newQueue(t, "fail-dlq", nil)
	dst, _ := newQueue(t, "fail-dst", nil)
	msgs := generated(t, "fail", 15)
	send(t, src, msgs)
	bad := msgs[4]

	var logs logBuffer
	var audit bytes.Buffer
	faulty := &failOneSQS{SQS: client(), body: bad.body}
	r := &dlq.Redrive{SQS: faulty, Source: src, Destination: dst, Audit: dlq.NewAudit(&audit), Options: options(t, &logs)}
	s, err := r.Run(context.Background())
	require.NoError(t, err)
	t.Logf("summary: %+v", s)
	assert.False(t, s.OK())
	assert.Equal(t, 1, s.Failed)
	assert.Zero(t, s.InBoth)
	assert.Equal(t, len(msgs)-1, s.Moved)
	assert.Equal(t, 3, faulty.attempts, "a failure on SQS's side is tried three times")

	requireReleased(t, src) // released at once, not at the end of its lease
	assert.Equal(t, 1, counts(t, src).Visible, "the failed message is in the dead-letter queue")
	assert.Equal(t, snapsOf([]testMsg{bad}), snapsOfMessages(drain(t, src)), "dead-letter queue: the failed message only")
	assert.Equal(t, snapsOf(append(append([]testMsg{}, msgs[:4]...), msgs[5:]...)), snapsOfMessages(drain(t, dst)), "destination: all the others")

	actions := map[string]int{}
	for _, l := range auditLines(t, &audit) {
		actions[l.Action]++
		if l.Action == dlq.ActionFailed {
			assert.Equal(t, "evt-fail-004", l.EventID)
			assert.Contains(t, l.Detail, "not sent")
		}
	}
	assert.Equal(t, map[string]int{dlq.ActionMoved: len(msgs) - 1, dlq.ActionFailed: 1}, actions)
}

// Killed between a send and its delete (the context is cancelled and every
// later call fails, as if the process died): once the lease runs out, every
// message is in the dead-letter queue or at the destination, the batch
// that was sent in both; none is lost.
func TestRedriveKilledBetweenSendAndDelete(t *testing.T) {
	t.Parallel()
	src, _ := newQueue(t, "kill-dlq", nil)
	dst, _ := newQueue(t, "kill-dst", nil)
	msgs := generated(t, "kill", 25)
	send(t, src, msgs)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs logBuffer
	killer := &interruptSQS{SQS: client(), cancel: cancel, kill: true}
	r := &dlq.Redrive{SQS: killer, Source: src, Destination: dst, Options: options(t, &logs)}
	s, _ := r.Run(ctx)
	t.Logf("summary: %+v", s)
	require.NotEmpty(t, killer.firstSent)
	assert.False(t, s.OK())
	assert.Equal(t, len(killer.firstSent), s.InBoth, "sent, not deleted")
	assert.Zero(t, s.Moved)

	requireLeaseEnded(t, src) // nothing released the messages: their 2 s lease runs out
	inDLQ, atDest := snapsOfMessages(drain(t, src)), snapsOfMessages(drain(t, dst))
	assert.Equal(t, snapsOf(msgs), union(inDLQ, atDest), "every message somewhere")
	assert.Equal(t, bodiesSnaps(msgs, killer.firstSent), atDest, "the destination has the batch that was sent")
	assert.Equal(t, snapsOf(msgs), inDLQ, "nothing was deleted from the dead-letter queue")
}

// Interrupted (SIGINT) right after a send: the batch already sent is still
// deleted, the rest is released at once; every message is in exactly one
// place.
func TestRedriveInterruptedFinishesBatch(t *testing.T) {
	t.Parallel()
	src, _ := newQueue(t, "int-dlq", nil)
	dst, _ := newQueue(t, "int-dst", nil)
	msgs := generated(t, "int", 25)
	send(t, src, msgs)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs logBuffer
	opts := options(t, &logs)
	opts.Lease = 20 * time.Second // a message not released would stay invisible past the checks
	intr := &interruptSQS{SQS: client(), cancel: cancel}
	r := &dlq.Redrive{SQS: intr, Source: src, Destination: dst, Options: opts}
	s, err := r.Run(ctx)
	require.NoError(t, err)
	t.Logf("summary: %+v", s)
	assert.Equal(t, sqsengine.EndInterrupted, s.End)
	assert.False(t, s.OK())
	assert.Equal(t, len(intr.firstSent), s.Moved)
	assert.Zero(t, s.Failed)

	requireReleased(t, src)
	inDLQ, atDest := snapsOfMessages(drain(t, src)), snapsOfMessages(drain(t, dst))
	assert.Equal(t, bodiesSnaps(msgs, intr.firstSent), atDest)
	assert.Len(t, inDLQ, len(msgs)-len(intr.firstSent))
	assert.Equal(t, snapsOf(msgs), union(inDLQ, atDest))
	assert.Empty(t, intersection(inDLQ, atDest), "no message in both")
}

// A dry run and an inspection leave the dead-letter queue's counts as they
// were and move nothing.
func TestDryRunLeavesCountsUnchanged(t *testing.T) {
	t.Parallel()
	src, _ := newQueue(t, "dry-dlq", nil)
	dst, _ := newQueue(t, "dry-dst", nil)
	msgs := append(mixedDLQ(t), generated(t, "dry", 6)...)
	send(t, src, msgs)
	before := counts(t, src)

	var logs logBuffer
	var out, audit bytes.Buffer
	r := &dlq.Redrive{SQS: client(), Source: src, Destination: dst, DryRun: true, DryRunOut: &out, Audit: dlq.NewAudit(&audit), Options: options(t, &logs)}
	s, err := r.Run(context.Background())
	require.NoError(t, err)
	t.Logf("summary: %+v", s)
	assert.Equal(t, len(msgs), s.WouldMove)
	assert.Zero(t, s.Moved)
	requireReleased(t, src)
	assert.Equal(t, before, counts(t, src), "counts after the dry run")
	assert.Equal(t, sqsengine.Counts{}, counts(t, dst), "destination")
	assert.Equal(t, len(msgs), strings.Count(out.String(), "would move messageId="))
	assertNoPersonalData(t, out.String(), "dry-run output")
	assertNoPersonalData(t, audit.String(), "audit")
	assert.Equal(t, snapsOf(msgs), snapsOfMessages(drain(t, src)), "the dead-letter queue still holds everything")
}

// Messages the filter does not match are released (visible again at once,
// long before their lease would end), never deleted; the matching ones move.
func TestRedriveFilterReleasesNonMatching(t *testing.T) {
	t.Parallel()
	src, _ := newQueue(t, "flt-dlq", nil)
	dst, _ := newQueue(t, "flt-dst", nil)
	mixed := mixedDLQ(t)
	msgs := append(append([]testMsg{}, mixed...), generated(t, "flt", 8)...)
	send(t, src, msgs)

	f, err := dlq.ParseFilter("reason=valid,eventId=evt-flt-*")
	require.NoError(t, err)
	var logs logBuffer
	var audit bytes.Buffer
	opts := options(t, &logs)
	opts.Lease = 20 * time.Second
	r := &dlq.Redrive{SQS: client(), Source: src, Destination: dst, Filter: f, Audit: dlq.NewAudit(&audit), Options: opts}
	s, err := r.Run(context.Background())
	require.NoError(t, err)
	t.Logf("summary: %+v", s)
	assert.True(t, s.OK())
	assert.Equal(t, 8, s.Moved)
	assert.Equal(t, len(mixed), s.Filtered)

	requireReleased(t, src)
	assert.Equal(t, snapsOf(mixed), snapsOfMessages(drain(t, src)), "dead-letter queue: the non-matching messages, unchanged")
	assert.Equal(t, snapsOf(msgs[len(mixed):]), snapsOfMessages(drain(t, dst)))
	n := 0
	for _, l := range auditLines(t, &audit) {
		if l.Action == dlq.ActionFiltered {
			n++
		}
	}
	assert.Equal(t, len(mixed), n, "audit lines of filtered messages")

	// A filter on the failure reason picks the invalid ones.
	f, err = dlq.ParseFilter("reason=order.id")
	require.NoError(t, err)
	send(t, src, mixed)
	r = &dlq.Redrive{SQS: client(), Source: src, Destination: dst, Filter: f, Options: opts}
	s, err = r.Run(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, s.Moved)
	got := drain(t, dst)
	require.Len(t, got, 1)
	assert.Contains(t, aws.ToString(got[0].Body), "evt-bad1")
}

// The destination must not be the dead-letter queue, however it is spelt;
// --to original is the single queue that redrives to it.
func TestDestinationResolution(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := client()
	srcURL, dlqURL, _, _ := newQueueWithDLQ(t, 1)
	orig, err := dlq.OriginalQueue(ctx, c, dlqURL)
	require.NoError(t, err)
	assert.Equal(t, srcURL, orig)

	plain, _ := newQueue(t, "plain", nil)
	_, err = dlq.OriginalQueue(ctx, c, plain)
	assert.ErrorIs(t, err, dlq.ErrNoOriginal, "a queue nothing redrives to (an EventBridge or Lambda dead-letter queue)")

	_, err = dlq.CheckDistinct(ctx, c, dlqURL, dlqURL)
	assert.Error(t, err)
	_, err = dlq.CheckDistinct(ctx, c, dlqURL, strings.ToUpper(dlqURL[:8])+dlqURL[8:]+"/")
	assert.Error(t, err, "same queue, URL spelt differently")
	arn, err := dlq.CheckDistinct(ctx, c, dlqURL, srcURL)
	require.NoError(t, err)
	assert.Contains(t, arn, ":src-")

	var logs logBuffer
	r := &dlq.Redrive{SQS: c, Source: dlqURL, Destination: dlqURL + "/", Options: options(t, &logs)}
	_, err = r.Run(ctx)
	assert.Error(t, err, "redrive to itself")
}

// FIFO: a message from a standard dead-letter queue gets the default group;
// a FIFO dead-letter queue's message keeps its group; the deduplication id
// is the dead-letter message id, so a second run after a kill between send
// and delete does not deliver the sent batch twice.
func TestRedriveFIFO(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var logs logBuffer

	std, _ := newQueue(t, "fifo-std-dlq", nil)
	dst, _ := newQueue(t, "fifo-dst.fifo", nil)
	msgs := generated(t, "fifo-std", 3)
	ids := send(t, std, msgs)
	s, err := (&dlq.Redrive{SQS: client(), Source: std, Destination: dst, Options: options(t, &logs)}).Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, s.Moved)
	got := drain(t, dst)
	assert.Equal(t, snapsOf(msgs), snapsOfMessages(got))
	var dedup []string
	for _, m := range got {
		assert.Equal(t, dlq.DefaultGroupID, m.Attributes["MessageGroupId"])
		dedup = append(dedup, m.Attributes["MessageDeduplicationId"])
	}
	assert.ElementsMatch(t, ids, dedup, "deduplication id = the dead-letter message id")

	fdlq, _ := newQueue(t, "fifo-dlq.fifo", nil)
	dst2, _ := newQueue(t, "fifo-dst2.fifo", nil)
	var grouped []testMsg
	for i, m := range generated(t, "fifo-grp", 24) {
		m.group = []string{"g-a", "g-b", "g-c"}[i%3]
		grouped = append(grouped, m)
	}
	send(t, fdlq, grouped)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	killer := &interruptSQS{SQS: client(), cancel: cancel, kill: true}
	s, _ = (&dlq.Redrive{SQS: killer, Source: fdlq, Destination: dst2, Options: options(t, &logs)}).Run(cctx)
	require.NotEmpty(t, killer.firstSent)
	assert.Equal(t, len(killer.firstSent), s.InBoth)
	requireLeaseEnded(t, fdlq) // the killed run's lease ends

	s, err = (&dlq.Redrive{SQS: client(), Source: fdlq, Destination: dst2, Options: options(t, &logs)}).Run(ctx)
	require.NoError(t, err)
	t.Logf("second run: %+v", s)
	assert.True(t, s.OK())
	assert.Equal(t, len(grouped), s.Moved, "the second run sends everything, the first batch again")
	got = drain(t, dst2)
	assert.Equal(t, snapsOf(grouped), snapsOfMessages(got), "each message once: the re-sent batch was deduplicated")
	groups := map[string]string{}
	for _, m := range grouped {
		groups[m.body] = m.group
	}
	for _, m := range got {
		assert.Equal(t, groups[aws.ToString(m.Body)], m.Attributes["MessageGroupId"], "group kept")
	}
	assert.Empty(t, drain(t, fdlq))
}

// ---------------------------------------------------------------------------

func auditLines(t *testing.T, b *bytes.Buffer) []dlq.AuditRecord {
	t.Helper()
	var out []dlq.AuditRecord
	sc := bufio.NewScanner(bytes.NewReader(b.Bytes()))
	for sc.Scan() {
		var r dlq.AuditRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), sc.Text())
		require.NotEmpty(t, r.MessageID)
		require.False(t, r.Time.IsZero())
		out = append(out, r)
	}
	return out
}

// assertNoPersonalData checks that text holds no phone number of the test
// messages, in any spelling, and no raw body.
func assertNoPersonalData(t *testing.T, text, what string) {
	t.Helper()
	for _, s := range []string{testPhone, "7946 0958", "442079460958", "not json at all", `"phoneNumber"`} {
		assert.NotContains(t, text, s, what)
	}
}

func bodiesSnaps(msgs []testMsg, bodies []string) []snapshot {
	want := map[string]bool{}
	for _, b := range bodies {
		want[b] = true
	}
	var sel []testMsg
	for _, m := range msgs {
		if want[m.body] {
			sel = append(sel, m)
		}
	}
	return snapsOf(sel)
}

func union(a, b []snapshot) []snapshot {
	seen := map[snapshot]bool{}
	var out []snapshot
	for _, s := range append(append([]snapshot{}, a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return sortSnaps(out)
}

func intersection(a, b []snapshot) []snapshot {
	in := map[snapshot]bool{}
	for _, s := range a {
		in[s] = true
	}
	var out []snapshot
	for _, s := range b {
		if in[s] {
			out = append(out, s)
		}
	}
	return out
}

// reason=valid is the processor's verdict, as inspect reports it, not the
// decoder's alone: an event dated ahead of the consumer's clock (it would
// come straight back to the dead-letter queue) and one dated 1899 in UTC
// are not moved; the event the consumer would take is. Inspect groups them
// the same way.
func TestRedriveValidIsTheProcessorsVerdict(t *testing.T) {
	t.Parallel()
	src, _ := newQueue(t, "verdict-dlq", nil)
	dst, _ := newQueue(t, "verdict-dst", nil)
	good := event("evt-verdict-ok", "ord-verdict-ok", testUser, testPhone)
	future := event("evt-verdict-future", "ord-verdict-future", testUser, testPhone)
	future["occurredAt"] = time.Now().Add(24 * time.Hour).UTC().Format(lookup.TimeLayout)
	old := event("evt-verdict-1899", "ord-verdict-1899", testUser, testPhone)
	old["occurredAt"] = "1900-01-01T00:30:00+01:00"
	msgs := []testMsg{{body: jsonString(t, good)}, {body: jsonString(t, future)}, {body: jsonString(t, old)}}
	send(t, src, msgs)

	var logs logBuffer
	opts := options(t, &logs)
	opts.Lease = 20 * time.Second
	rep, err := (&dlq.Inspect{SQS: client(), QueueURL: src, Options: opts}).Run(context.Background())
	require.NoError(t, err)
	byReason := map[string]int{}
	for _, g := range rep.ByReason {
		byReason[g.Key] = g.Count
	}
	assert.Equal(t, map[string]int{"valid: would link": 1, "invalid: occurredAt": 2}, byReason, "inspect by reason")
	requireReleased(t, src)

	f, err := dlq.ParseFilter("reason=valid")
	require.NoError(t, err)
	var audit bytes.Buffer
	r := &dlq.Redrive{SQS: client(), Source: src, Destination: dst, Filter: f, Audit: dlq.NewAudit(&audit), Options: opts}
	s, err := r.Run(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, s.Moved, "moved")
	assert.Equal(t, 2, s.Filtered, "filtered")
	requireReleased(t, src)
	assert.Equal(t, snapsOf(msgs[:1]), snapsOfMessages(drain(t, dst)), "destination: the valid event only")
	assert.Equal(t, snapsOf(msgs[1:]), snapsOfMessages(drain(t, src)), "dead-letter queue: the two the consumer refuses")
	reasons := map[string]string{}
	for _, l := range auditLines(t, &audit) {
		reasons[l.EventID] = l.Action + " " + l.Reason
	}
	assert.Equal(t, map[string]string{
		"evt-verdict-ok":     dlq.ActionMoved + " valid",
		"evt-verdict-future": dlq.ActionFiltered + " occurredAt",
		"evt-verdict-1899":   dlq.ActionFiltered + " occurredAt",
	}, reasons, "audit")
}
