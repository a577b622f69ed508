package sqsengine

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/rs/zerolog"
)

// LeaseAPI is the part of the SQS client a Lease uses; *sqs.Client is the
// real one.
type LeaseAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	AttributesAPI
}

var _ LeaseAPI = (*sqs.Client)(nil)

// Lease defaults.
const (
	// DefaultVisibility is the visibility timeout messages are received with
	// and extended to when Lease.Visibility is 0.
	DefaultVisibility = 60 * time.Second
	// releaseTimeout bounds the release of held messages by End.
	releaseTimeout = 30 * time.Second
)

// Lease receives messages from a queue and holds them: every message it
// received stays invisible, its visibility extended from Start to End, until
// it is deleted, released or forgotten through the lease. A message that is
// held is handed out once: received again (its lease lapsed), it comes back
// as "again" and the lease holds it under its new receipt handle. A Lease is
// safe for concurrent use.
type Lease struct {
	SQS      LeaseAPI
	QueueURL string
	// Visibility is the visibility timeout of received messages and of each
	// extension (default DefaultVisibility; whole seconds, rounded up).
	Visibility time.Duration
	// WaitTime is Drain's long-poll wait (default DefaultWaitTime, whole
	// seconds). Below a second: short polling, pausing WaitTime after an
	// empty receive.
	WaitTime time.Duration
	// EmptyReceives: Drain's, default DefaultEmptyReceives.
	EmptyReceives int
	// ReceiveCountOnly asks for the ApproximateReceiveCount alone (the
	// worker logs it), instead of every message and system attribute (the
	// dead-letter tools forward and inspect them).
	ReceiveCountOnly bool
	Log              zerolog.Logger

	mu    sync.Mutex
	held  map[string]*hold // by message id
	stats LeaseStats

	stop    chan struct{}
	stopped chan struct{}
}

// hold is one held message.
type hold struct {
	handle   string
	deadline time.Time // when its visibility ends
}

// LeaseStats count what a lease did.
type LeaseStats struct {
	Received int `json:"received"` // distinct messages
	// ReceivedAgain counts receipts of a message already held (its lease had
	// lapsed): it was not handed out twice.
	ReceivedAgain int `json:"receivedAgain"`
	Deleted       int `json:"deleted"`
	DeleteFailed  int `json:"deleteFailed"`
	Extended      int `json:"extended"`
	ExtendFailed  int `json:"extendFailed"`
	Released      int `json:"released"`
	ReleaseFailed int `json:"releaseFailed"`
}

func (l *Lease) visibility() time.Duration {
	if l.Visibility <= 0 {
		return DefaultVisibility
	}
	return l.Visibility
}

func (l *Lease) visibilitySeconds() int32 {
	return int32(max(1, (l.visibility()+time.Second-1)/time.Second))
}

// Start begins extending the visibility of held messages: every sixth of
// the visibility timeout, the messages with less than half of it left are
// extended to the whole timeout again. The extensions go on after ctx is
// cancelled, until End.
func (l *Lease) Start(ctx context.Context) {
	l.stop, l.stopped = make(chan struct{}), make(chan struct{})
	work := context.WithoutCancel(ctx)
	go func() {
		defer close(l.stopped)
		tick := time.NewTicker(max(100*time.Millisecond, l.visibility()/6))
		defer tick.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-tick.C:
				l.extend(work)
			}
		}
	}()
}

// End stops the extensions and releases every message still held, on a
// context of its own (bounded by 30 s) so that it also runs on the way out
// of an interrupted run.
func (l *Lease) End(ctx context.Context) {
	if l.stop != nil {
		close(l.stop)
		<-l.stopped
		l.stop = nil
	}
	rel, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	l.Release(rel, l.HeldIDs())
}

// Held returns how many messages the lease holds.
func (l *Lease) Held() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.held)
}

// HeldIDs returns the message ids the lease holds.
func (l *Lease) HeldIDs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]string, 0, len(l.held))
	for id := range l.held {
		ids = append(ids, id)
	}
	return ids
}

// Stats returns the counters.
func (l *Lease) Stats() LeaseStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Receive asks for up to n messages (at most MaxBatchEntries), with every
// message and system attribute (or ReceiveCountOnly), waiting up to wait
// (whole seconds; 0: short polling). It returns the messages received for the first time by this
// lease (fresh) and those received again while held (again); it holds all
// of them.
func (l *Lease) Receive(ctx context.Context, n int, wait time.Duration) (fresh, again []types.Message, err error) {
	in := &sqs.ReceiveMessageInput{
		QueueUrl:                    &l.QueueURL,
		MaxNumberOfMessages:         int32(min(max(n, 1), MaxBatchEntries)),
		VisibilityTimeout:           l.visibilitySeconds(),
		WaitTimeSeconds:             int32(wait / time.Second),
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		// The deprecated name too: SQS still accepts it ("supported for
		// backward compatibility") and local-aws-sqs honours only it.
		//lint:ignore SA1019 local-aws-sqs honours only the deprecated AttributeNames; SQS accepts both (see docs/DESIGN.md)
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll},
	}
	if l.ReceiveCountOnly {
		in.MessageAttributeNames = nil
		in.MessageSystemAttributeNames = []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}
		//lint:ignore SA1019 local-aws-sqs honours only the deprecated AttributeNames; SQS accepts both (see docs/DESIGN.md)
		in.AttributeNames = []types.QueueAttributeName{types.QueueAttributeName(types.MessageSystemAttributeNameApproximateReceiveCount)}
	}
	out, err := l.SQS.ReceiveMessage(ctx, in)
	if err != nil {
		return nil, nil, fmt.Errorf("receive from %s: %w", l.QueueURL, err)
	}
	deadline := time.Now().Add(l.visibility())
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		l.held = map[string]*hold{}
	}
	for _, m := range out.Messages {
		id := aws.ToString(m.MessageId)
		if h, ok := l.held[id]; ok {
			h.handle, h.deadline = aws.ToString(m.ReceiptHandle), deadline
			l.stats.ReceivedAgain++
			again = append(again, m)
			continue
		}
		l.held[id] = &hold{handle: aws.ToString(m.ReceiptHandle), deadline: deadline}
		l.stats.Received++
		fresh = append(fresh, m)
	}
	return fresh, again, nil
}

// entry is a held message in a batch call.
type entry struct{ id, handle string }

// entries returns the held messages among ids; the others go to notHeld.
func (l *Lease) entries(ids []string, notHeld map[string]string) []entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	es := make([]entry, 0, len(ids))
	for _, id := range ids {
		if h, ok := l.held[id]; ok {
			es = append(es, entry{id, h.handle})
		} else {
			notHeld[id] = "not held by this run"
		}
	}
	return es
}

// Delete deletes the held messages ids from the queue and stops holding
// those SQS confirmed. It returns the ids deleted and, for the others, why
// not; those stay held (Forget or Release them).
func (l *Lease) Delete(ctx context.Context, ids []string) (deleted []string, failed map[string]string) {
	failed = map[string]string{}
	for _, part := range chunks(ids) {
		es := l.entries(part, failed)
		ok, bad := batchCall(ctx, len(es), true, func(ctx context.Context, idx []int) (answer, error) {
			in := &sqs.DeleteMessageBatchInput{QueueUrl: &l.QueueURL}
			for _, i := range idx {
				in.Entries = append(in.Entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(es[i].handle)})
			}
			out, err := l.SQS.DeleteMessageBatch(ctx, in)
			if err != nil {
				return answer{}, err
			}
			return answerOf(out.Successful, func(e types.DeleteMessageBatchResultEntry) *string { return e.Id }, out.Failed), nil
		})
		l.mu.Lock()
		for _, i := range ok {
			delete(l.held, es[i].id)
			deleted = append(deleted, es[i].id)
		}
		for i, why := range bad {
			failed[es[i].id] = why
		}
		l.stats.Deleted += len(ok)
		l.stats.DeleteFailed += len(bad)
		l.mu.Unlock()
	}
	return deleted, failed
}

// Forget stops holding ids without a call to SQS: they become visible when
// their visibility timeout ends (a failed message's retry delay).
func (l *Lease) Forget(ids ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		delete(l.held, id)
	}
}

// Release makes the held messages ids visible again (visibility 0) and
// stops holding them. A message whose release fails becomes visible when
// its visibility timeout ends.
func (l *Lease) Release(ctx context.Context, ids []string) { l.Postpone(ctx, ids, 0) }

// Postpone hides the held messages ids for after (whole seconds, rounded up,
// at most SQS's 12 hours) and stops holding them: a failed message's retry
// delay. Released counts them. A message whose change fails becomes visible
// when its visibility timeout ends.
func (l *Lease) Postpone(ctx context.Context, ids []string, after time.Duration) {
	seconds := int32(min((after+time.Second-1)/time.Second, 12*60*60))
	for _, part := range chunks(ids) {
		bad := map[string]string{}
		es := l.entries(part, bad)
		ok, failed := l.changeVisibility(ctx, es, seconds)
		for i, why := range failed {
			bad[es[i].id] = why
		}
		l.Forget(part...)
		l.mu.Lock()
		l.stats.Released += len(ok)
		l.stats.ReleaseFailed += len(bad)
		l.mu.Unlock()
		for id, why := range bad {
			l.Log.Warn().Str("messageId", id).Str("error", why).Dur("visibleWithin", l.visibility()).
				Msg("release failed; the message becomes visible when its lease ends")
		}
	}
}

// changeVisibility sets the visibility timeout of es to seconds.
func (l *Lease) changeVisibility(ctx context.Context, es []entry, seconds int32) (ok []int, failed map[int]string) {
	cs := make([]VisibilityChange, len(es))
	for i, e := range es {
		cs[i] = VisibilityChange{Handle: e.handle, Seconds: seconds}
	}
	return ChangeVisibility(ctx, l.SQS, l.QueueURL, cs)
}

// extend pushes back the visibility of held messages with less than half of
// it left.
func (l *Lease) extend(ctx context.Context) {
	vis := l.visibility()
	now := time.Now()
	var due []entry
	l.mu.Lock()
	for id, h := range l.held {
		if h.deadline.Sub(now) < vis/2 {
			due = append(due, entry{id, h.handle})
		}
	}
	l.mu.Unlock()
	for _, part := range chunks(due) {
		ok, bad := l.changeVisibility(ctx, part, l.visibilitySeconds())
		l.mu.Lock()
		for _, i := range ok {
			if h, found := l.held[part[i].id]; found {
				h.deadline = now.Add(vis)
				l.stats.Extended++
			}
		}
		for i, why := range bad {
			if _, still := l.held[part[i].id]; !still {
				continue // deleted or forgotten meanwhile
			}
			l.stats.ExtendFailed++
			l.Log.Warn().Str("messageId", part[i].id).Str("error", why).Msg("extending the lease failed; retrying")
		}
		l.mu.Unlock()
	}
}
