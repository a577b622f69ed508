//go:build integration

package sqsengine_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

func client() *sqs.Client { return emu.SQSClient(emulator.Config()) }

// newQueue creates a queue with attrs (FIFO if the name ends in .fifo).
func newQueue(t *testing.T, fifo bool, attrs map[string]string) string {
	t.Helper()
	name := emulator.UniqueName("engine")
	if fifo {
		name += ".fifo"
		if attrs == nil {
			attrs = map[string]string{}
		}
		attrs[string(types.QueueAttributeNameFifoQueue)] = "true"
	}
	out, err := client().CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
	require.NoError(t, err)
	return aws.ToString(out.QueueUrl)
}

// put sends n bodies b-0, b-1, ... one SendMessage each and returns their
// message ids.
func put(t *testing.T, url string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		out, err := client().SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("b-" + strconv.Itoa(i))})
		require.NoError(t, err)
		ids = append(ids, aws.ToString(out.MessageId))
	}
	return ids
}

func counts(t *testing.T, url string) sqsengine.Counts {
	t.Helper()
	c, err := sqsengine.QueueCounts(context.Background(), client(), url)
	require.NoError(t, err)
	return c
}

// requireReleased waits (at most a second) until nothing is in flight:
// local-aws-sqs applies a visibility change to 0 on a timer, a moment after
// answering.
func requireReleased(t *testing.T, url string) {
	t.Helper()
	require.Eventually(t, func() bool { return counts(t, url).InFlight == 0 }, time.Second, 10*time.Millisecond, "messages still in flight")
}

// receiveAll receives (and deletes) what the queue hands out now, with
// short polls until two come back empty, and returns the bodies, sorted.
func receiveAll(t *testing.T, url string) []string {
	t.Helper()
	var bodies []string
	for empty := 0; empty < 2; {
		out, err := client().ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, VisibilityTimeout: 30})
		require.NoError(t, err)
		if len(out.Messages) == 0 {
			empty++
			time.Sleep(50 * time.Millisecond)
			continue
		}
		empty = 0
		for _, m := range out.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
			_, err := client().DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle})
			require.NoError(t, err)
		}
	}
	sort.Strings(bodies)
	return bodies
}

func logger(t *testing.T) zerolog.Logger {
	var buf consumertest.SyncBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", buf.String())
		}
	})
	return zerolog.New(&buf)
}

func ids(msgs []types.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, aws.ToString(m.MessageId))
	}
	sort.Strings(out)
	return out
}

// receiveN receives until the lease holds n messages.
func receiveN(t *testing.T, l *sqsengine.Lease, n int) []types.Message {
	t.Helper()
	var got []types.Message
	for deadline := time.Now().Add(5 * time.Second); len(got) < n; {
		require.True(t, time.Now().Before(deadline), "received %d of %d", len(got), n)
		fresh, again, err := l.Receive(context.Background(), n-len(got), 0)
		require.NoError(t, err)
		require.Empty(t, again)
		got = append(got, fresh...)
	}
	return got
}

// A started lease keeps what it holds invisible for several times its
// visibility timeout; without the extensions the messages come back, and a
// message received again is handed out as "again", not twice.
func TestLeaseExtendsVisibility(t *testing.T) {
	t.Parallel()
	url := newQueue(t, false, nil)
	sent := sorted(put(t, url, 3))

	l := &sqsengine.Lease{SQS: client(), QueueURL: url, Visibility: 2 * time.Second, Log: logger(t)}
	l.Start(context.Background())
	assert.Equal(t, sent, ids(receiveN(t, l, 3)))
	time.Sleep(5 * time.Second) // 2.5 leases
	fresh, again, err := l.Receive(context.Background(), 10, 0)
	require.NoError(t, err)
	assert.Empty(t, fresh, "a held message was handed out again")
	assert.Empty(t, again, "a held message reappeared: its visibility was not extended")
	assert.Positive(t, l.Stats().Extended, "extensions")
	assert.Equal(t, 3, l.Held())
	l.End(context.Background())
	requireReleased(t, url)
	assert.Equal(t, sqsengine.Counts{Visible: 3}, counts(t, url), "released at once by End")
	assert.Equal(t, 3, l.Stats().Released)

	// Not started: nothing extends the lease, the messages come back.
	l2 := &sqsengine.Lease{SQS: client(), QueueURL: url, Visibility: time.Second, Log: logger(t)}
	receiveN(t, l2, 3)
	time.Sleep(1500 * time.Millisecond)
	var back []types.Message
	for deadline := time.Now().Add(3 * time.Second); len(back) < 3 && time.Now().Before(deadline); {
		fresh, again, err := l2.Receive(context.Background(), 10, 0)
		require.NoError(t, err)
		assert.Empty(t, fresh, "a message received again was handed out as new")
		back = append(back, again...)
	}
	assert.Equal(t, sent, ids(back), "received again")
	assert.Equal(t, sqsengine.LeaseStats{Received: 3, ReceivedAgain: 3}, l2.Stats())
	l2.End(context.Background())
	requireReleased(t, url)
}

func sorted(s []string) []string { sort.Strings(s); return s }

// Delete deletes exactly the messages asked for and confirmed; a message
// not held, or whose delete fails on SQS's side on every attempt, is
// reported and stays (held, then released by End).
func TestLeaseDeletesExactlyConfirmed(t *testing.T) {
	t.Parallel()
	url := newQueue(t, false, nil)
	sent := put(t, url, 6)
	flaky := &failDeleteSQS{Client: client(), failHandleOf: map[string]bool{}}
	l := &sqsengine.Lease{SQS: flaky, QueueURL: url, Visibility: 20 * time.Second, Log: logger(t)}
	l.Start(context.Background())
	msgs := receiveN(t, l, 6)
	byID := map[string]types.Message{}
	for _, m := range msgs {
		byID[aws.ToString(m.MessageId)] = m
	}
	flaky.fail(aws.ToString(byID[sent[1]].ReceiptHandle))

	deleted, failed := l.Delete(context.Background(), []string{sent[0], sent[1], sent[2], "not-a-held-id"})
	assert.ElementsMatch(t, []string{sent[0], sent[2]}, deleted)
	assert.Equal(t, map[string]string{sent[1]: "InternalError: injected", "not-a-held-id": "not held by this run"}, failed)
	assert.Equal(t, sqsengine.Attempts, flaky.attempts(), "a failure on SQS's side is tried Attempts times")
	assert.Equal(t, 4, l.Held(), "the failed one stays held with the three not asked for")

	l.End(context.Background())
	requireReleased(t, url)
	assert.Equal(t, []string{"b-1", "b-3", "b-4", "b-5"}, receiveAll(t, url), "what the queue still holds")
}

// End releases what is held also when the run's context was cancelled.
func TestLeaseEndReleasesAfterCancel(t *testing.T) {
	t.Parallel()
	url := newQueue(t, false, nil)
	put(t, url, 12)
	ctx, cancel := context.WithCancel(context.Background())
	l := &sqsengine.Lease{SQS: client(), QueueURL: url, Visibility: 20 * time.Second, Log: logger(t)}
	l.Start(ctx)
	receiveN(t, l, 12)
	cancel()
	l.End(ctx)
	requireReleased(t, url)
	assert.Equal(t, 12, counts(t, url).Visible)
	assert.Equal(t, 12, l.Stats().Released)
	assert.Zero(t, l.Held())
}

// Drain hands out every message once and ends drained; with a maximum it
// ends at it; cancelled, it ends interrupted.
func TestDrainEnds(t *testing.T) {
	t.Parallel()
	url := newQueue(t, false, nil)
	sent := put(t, url, 23)
	lease := func() *sqsengine.Lease {
		return &sqsengine.Lease{SQS: client(), QueueURL: url, Visibility: 20 * time.Second, WaitTime: 50 * time.Millisecond, EmptyReceives: 3, Log: logger(t)}
	}

	l := lease()
	l.Start(context.Background())
	var got []types.Message
	end, err := l.Drain(context.Background(), func() int { return 10 }, func(fresh, again []types.Message) {
		got = append(got, fresh...)
		assert.Empty(t, again)
	})
	require.NoError(t, err)
	assert.Equal(t, sqsengine.EndDrained, end)
	assert.Equal(t, sorted(sent), ids(got), "each message once")
	l.End(context.Background())
	requireReleased(t, url)

	l = lease()
	l.Start(context.Background())
	n := 0
	end, err = l.Drain(context.Background(), func() int { return 7 - n }, func(fresh, _ []types.Message) { n += len(fresh) })
	require.NoError(t, err)
	assert.Equal(t, sqsengine.EndMax, end)
	assert.Equal(t, 7, n)
	l.End(context.Background())
	requireReleased(t, url)

	ctx, cancel := context.WithCancel(context.Background())
	l = lease()
	l.Start(ctx)
	end, err = l.Drain(ctx, func() int { return 10 }, func([]types.Message, []types.Message) { cancel() })
	require.NoError(t, err)
	assert.Equal(t, sqsengine.EndInterrupted, end)
	l.End(ctx)
	requireReleased(t, url)
	assert.Equal(t, 23, counts(t, url).Visible)

	_, err = lease().Drain(context.Background(), func() int { return 10 }, nil)
	assert.Error(t, err, "a drain of a lease not started")
}

// failDeleteSQS fails, on SQS's side, every delete of the receipt handles
// it is told to.
type failDeleteSQS struct {
	*sqs.Client
	mu           sync.Mutex
	failHandleOf map[string]bool
	tries        int
}

func (s *failDeleteSQS) fail(handle string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failHandleOf[handle] = true
}

func (s *failDeleteSQS) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tries
}

func (s *failDeleteSQS) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	fwd := *in
	fwd.Entries = nil
	var failed []types.BatchResultErrorEntry
	s.mu.Lock()
	for _, e := range in.Entries {
		if s.failHandleOf[aws.ToString(e.ReceiptHandle)] {
			s.tries++
			failed = append(failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), Message: aws.String("injected")})
			continue
		}
		fwd.Entries = append(fwd.Entries, e)
	}
	s.mu.Unlock()
	out := &sqs.DeleteMessageBatchOutput{}
	if len(fwd.Entries) > 0 {
		var err error
		if out, err = s.Client.DeleteMessageBatch(ctx, &fwd, optFns...); err != nil {
			return nil, fmt.Errorf("forward: %w", err)
		}
	}
	out.Failed = append(out.Failed, failed...)
	return out, nil
}

// A receive brings every message and system attribute (local-aws-sqs
// honours only the deprecated AttributeNames, which is sent too), or with
// ReceiveCountOnly the receive count alone.
func TestLeaseReceiveAttributes(t *testing.T) {
	t.Parallel()
	url := newQueue(t, false, nil)
	_, err := client().SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("b"),
		MessageAttributes: map[string]types.MessageAttributeValue{"trace": {DataType: aws.String("String"), StringValue: aws.String("t-1")}}})
	require.NoError(t, err)

	l := &sqsengine.Lease{SQS: client(), QueueURL: url, Visibility: time.Second, ReceiveCountOnly: true, Log: logger(t)}
	m := receiveN(t, l, 1)[0]
	assert.Equal(t, "1", m.Attributes["ApproximateReceiveCount"])
	assert.NotContains(t, m.Attributes, "SentTimestamp")
	assert.Empty(t, m.MessageAttributes)
	l.End(context.Background())
	requireReleased(t, url)

	l = &sqsengine.Lease{SQS: client(), QueueURL: url, Visibility: time.Second, Log: logger(t)}
	m = receiveN(t, l, 1)[0]
	assert.NotEmpty(t, m.Attributes["ApproximateReceiveCount"]) // local-aws-sqs counts the release as a receive too
	assert.Contains(t, m.Attributes, "SentTimestamp")
	assert.Equal(t, "t-1", aws.ToString(m.MessageAttributes["trace"].StringValue))
	l.End(context.Background())
}
