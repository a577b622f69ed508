package dlq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/rs/zerolog"
)

// Lease defaults.
const (
	// DefaultLease is the visibility timeout messages are received with and
	// extended to: long enough for a send and a delete with the SDK's
	// retries, and it is extended while the run lasts anyway.
	DefaultLease = 60 * time.Second
	// DefaultWaitTime is the long-poll wait of a receive.
	DefaultWaitTime = 2 * time.Second
	// DefaultEmptyReceives is how many receives in a row must bring nothing
	// new before the queue's counts are asked whether it is drained.
	DefaultEmptyReceives = 3
	// releaseTimeout bounds the release of held messages on the way out.
	releaseTimeout = 30 * time.Second
	// maxConfirmations is how many times empty receives may be contradicted
	// by the queue's counts before a run ends anyway (with a warning).
	maxConfirmations = 3
	// maxReceiveErrors is how many failed receives in a row end a run.
	maxReceiveErrors = 5
)

// Lease receives messages from a queue and holds them: every message it
// received stays invisible, its visibility extended while the run lasts,
// until it is deleted through the lease or released by End. Messages that
// are held are never received twice by the run, so "several empty receives
// in a row" means the queue has nothing more to give.
type Lease struct {
	SQS      SQS
	QueueURL string
	// Visibility is the lease: the visibility timeout of received messages
	// and of each extension (default DefaultLease; whole seconds). Only tests
	// go below DefaultLease.
	Visibility time.Duration
	// WaitTime is the long-poll wait (default DefaultWaitTime, whole
	// seconds). Below a second: short polling, pausing WaitTime after an
	// empty receive.
	WaitTime time.Duration
	// EmptyReceives: default DefaultEmptyReceives.
	EmptyReceives int
	Log           zerolog.Logger

	mu    sync.Mutex
	held  map[string]*hold // by message id
	stats LeaseStats

	stop    chan struct{}
	stopped chan struct{}
}

// hold is one held message.
type hold struct {
	handle   string
	deadline time.Time
}

// LeaseStats count what a lease did.
type LeaseStats struct {
	Received      int `json:"received"`      // distinct messages
	Again         int `json:"receivedAgain"` // receipts of a message already held (its lease had lapsed)
	Extended      int `json:"extended"`
	ExtendFailed  int `json:"extendFailed"`
	Released      int `json:"released"`
	ReleaseFailed int `json:"releaseFailed"`
}

// DrainEnd says why Drain stopped.
type DrainEnd string

// The ends of a drain.
const (
	// EndDrained: several empty receives in a row, confirmed by the counts.
	EndDrained DrainEnd = "drained"
	// EndEnough: want returned 0 (--max reached).
	EndEnough DrainEnd = "max"
	// EndInterrupted: the context was cancelled.
	EndInterrupted DrainEnd = "interrupted"
	// EndUnconfirmed: receives kept coming back empty while the counts
	// still showed visible messages (see the README on local-aws-sqs).
	EndUnconfirmed DrainEnd = "unconfirmed"
	// EndInFlightLimit: SQS refused to hand out more in-flight messages.
	EndInFlightLimit DrainEnd = "in-flight-limit"
)

func (l *Lease) visibility() time.Duration {
	if l.Visibility <= 0 {
		return DefaultLease
	}
	return l.Visibility
}

func (l *Lease) visibilitySeconds() int32 {
	return int32(max(1, (l.visibility()+time.Second-1)/time.Second))
}

// Start begins extending the visibility of held messages. The extensions go
// on after ctx is cancelled, until End.
func (l *Lease) Start(ctx context.Context) {
	l.mu.Lock()
	if l.held == nil {
		l.held = map[string]*hold{}
	}
	l.mu.Unlock()
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

// End stops the extensions and releases every message still held
// (visibility 0, every entry checked), on a context of its own so that it
// also runs on the way out of an interrupted run.
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

// Drain receives until want returns 0, ctx is cancelled, or the queue is
// drained: EmptyReceives receives in a row brought no new message and the
// queue's counts show nothing visible beyond what the lease holds. want says
// how many messages to ask for next (at most 10 are asked for). handle gets
// the messages received for the first time in this run (fresh) and those
// received again after their lease lapsed (again: the lease now holds them
// under their new receipt handle). All of them stay held until deleted or
// released.
func (l *Lease) Drain(ctx context.Context, want func() int, handle func(fresh, again []types.Message)) (DrainEnd, error) {
	if l.held == nil {
		return "", errors.New("lease not started")
	}
	emptyLimit := l.EmptyReceives
	if emptyLimit <= 0 {
		emptyLimit = DefaultEmptyReceives
	}
	wait := l.WaitTime
	if wait <= 0 {
		wait = DefaultWaitTime
	}
	empties, confirmations, errs := 0, 0, 0
	for {
		if ctx.Err() != nil {
			return EndInterrupted, nil
		}
		n := want()
		if n <= 0 {
			return EndEnough, nil
		}
		fresh, again, err := l.receive(ctx, min(n, MaxBatchEntries), wait)
		if err != nil {
			if ctx.Err() != nil {
				return EndInterrupted, nil
			}
			var over *types.OverLimit
			if errors.As(err, &over) {
				l.Log.Warn().Err(err).Int("held", l.Held()).Msg("SQS in-flight limit reached; stopping here, run again for the rest")
				return EndInFlightLimit, nil
			}
			errs++
			if errs >= maxReceiveErrors {
				return "", err
			}
			l.Log.Warn().Err(err).Msg("receive failed; retrying")
			sleep(ctx, time.Duration(errs)*time.Second)
			continue
		}
		errs = 0
		if len(fresh)+len(again) > 0 {
			handle(fresh, again)
		}
		if len(fresh) > 0 {
			empties = 0
			continue
		}
		empties++
		if wait < time.Second {
			sleep(ctx, wait)
		}
		if empties < emptyLimit {
			continue
		}
		c, err := QueueCounts(ctx, l.SQS, l.QueueURL)
		if err != nil {
			if ctx.Err() != nil {
				return EndInterrupted, nil
			}
			return "", err
		}
		if c.Delayed == 0 && drained(c, l.Held()) {
			return EndDrained, nil
		}
		confirmations++
		if confirmations >= maxConfirmations {
			l.Log.Warn().Int("visible", c.Visible).Int("inFlight", c.InFlight).Int("delayed", c.Delayed).Int("held", l.Held()).
				Msg("receives come back empty but the queue still counts messages; stopping here, run again for the rest")
			return EndUnconfirmed, nil
		}
		empties = 0
	}
}

// drained reads the counts after empty receives. On SQS,
// ApproximateNumberOfMessages counts visible messages only: drained when it
// is 0. local-aws-sqs counts in-flight messages in it too: there, drained
// when every message it counts is in flight and held by this lease.
func drained(c Counts, held int) bool {
	return c.Visible == 0 || c.Visible == c.InFlight && c.InFlight <= held
}

// receive asks for up to n messages with every message and system attribute.
func (l *Lease) receive(ctx context.Context, n int, wait time.Duration) (fresh, again []types.Message, err error) {
	out, err := l.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:              &l.QueueURL,
		MaxNumberOfMessages:   int32(n),
		VisibilityTimeout:     l.visibilitySeconds(),
		WaitTimeSeconds:       int32(wait / time.Second),
		MessageAttributeNames: []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{
			types.MessageSystemAttributeNameAll,
		},
		// The deprecated name too: SQS still accepts it ("supported for
		// backward compatibility") and local-aws-sqs honours only it.
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("receive from %s: %w", l.QueueURL, err)
	}
	deadline := time.Now().Add(l.visibility())
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range out.Messages {
		id := aws.ToString(m.MessageId)
		if h, ok := l.held[id]; ok {
			h.handle, h.deadline = aws.ToString(m.ReceiptHandle), deadline
			l.stats.Again++
			again = append(again, m)
			continue
		}
		l.held[id] = &hold{handle: aws.ToString(m.ReceiptHandle), deadline: deadline}
		l.stats.Received++
		fresh = append(fresh, m)
	}
	return fresh, again, nil
}

// Delete deletes the held messages ids from the queue (DeleteMessageBatch,
// every entry checked; an entry failing on SQS's side is tried once more).
// It returns the ids deleted and, for the others, why not; those stay held.
func (l *Lease) Delete(ctx context.Context, ids []string) (deleted []string, failed map[string]string) {
	failed = map[string]string{}
	for start := 0; start < len(ids); start += MaxBatchEntries {
		part := ids[start:min(start+MaxBatchEntries, len(ids))]
		for attempt := 1; len(part) > 0; attempt++ {
			var retry []string
			ok, bad := l.deleteBatch(ctx, part)
			deleted = append(deleted, ok...)
			for id, f := range bad {
				if !f.senderFault && attempt < 2 && ctx.Err() == nil {
					retry = append(retry, id)
					continue
				}
				failed[id] = f.why
			}
			part = retry
		}
	}
	return deleted, failed
}

type batchFailure struct {
	why         string
	senderFault bool
}

func (l *Lease) deleteBatch(ctx context.Context, ids []string) (ok []string, bad map[string]batchFailure) {
	bad = map[string]batchFailure{}
	entries, idx := l.entries(ids, bad)
	if len(entries) == 0 {
		return nil, bad
	}
	out, err := l.SQS.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{
		QueueUrl: &l.QueueURL,
		Entries:  deleteEntries(entries),
	})
	if err != nil {
		for _, id := range idx {
			bad[id] = batchFailure{why: err.Error()}
		}
		return nil, bad
	}
	answered := map[string]bool{}
	for _, s := range out.Successful {
		id, found := idx[aws.ToString(s.Id)]
		if !found {
			continue
		}
		answered[id] = true
		ok = append(ok, id)
	}
	for _, f := range out.Failed {
		id, found := idx[aws.ToString(f.Id)]
		if !found {
			continue
		}
		answered[id] = true
		bad[id] = batchFailure{why: aws.ToString(f.Code) + ": " + aws.ToString(f.Message), senderFault: f.SenderFault}
	}
	for _, id := range idx {
		if !answered[id] {
			bad[id] = batchFailure{why: "no answer for this entry"}
		}
	}
	l.mu.Lock()
	for _, id := range ok {
		delete(l.held, id)
	}
	l.mu.Unlock()
	return ok, bad
}

// entry is a batch entry: its entry id and receipt handle.
type entry struct{ id, handle string }

// entries maps held ids to batch entries; ids not held go to bad.
func (l *Lease) entries(ids []string, bad map[string]batchFailure) ([]entry, map[string]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var es []entry
	idx := map[string]string{}
	for i, id := range ids {
		h, ok := l.held[id]
		if !ok {
			bad[id] = batchFailure{why: "not held by this run", senderFault: true}
			continue
		}
		eid := strconv.Itoa(i)
		es = append(es, entry{eid, h.handle})
		idx[eid] = id
	}
	return es, idx
}

func deleteEntries(es []entry) []types.DeleteMessageBatchRequestEntry {
	out := make([]types.DeleteMessageBatchRequestEntry, len(es))
	for i, e := range es {
		out[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(e.id), ReceiptHandle: aws.String(e.handle)}
	}
	return out
}

func visibilityEntries(es []entry, seconds int32) []types.ChangeMessageVisibilityBatchRequestEntry {
	out := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(es))
	for i, e := range es {
		out[i] = types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(e.id), ReceiptHandle: aws.String(e.handle), VisibilityTimeout: seconds}
	}
	return out
}

// Release makes the held messages ids visible again (visibility 0, every
// entry checked) and stops holding them. A message whose release fails
// becomes visible when its lease runs out.
func (l *Lease) Release(ctx context.Context, ids []string) {
	for start := 0; start < len(ids); start += MaxBatchEntries {
		part := ids[start:min(start+MaxBatchEntries, len(ids))]
		ok, bad := l.changeVisibility(ctx, part, 0)
		l.mu.Lock()
		for _, id := range part {
			delete(l.held, id)
		}
		l.stats.Released += len(ok)
		l.stats.ReleaseFailed += len(bad)
		l.mu.Unlock()
		for id, why := range bad {
			l.Log.Warn().Str("messageId", id).Str("error", why).Dur("visibleWithin", l.visibility()).
				Msg("release failed; the message becomes visible when its lease ends")
		}
	}
}

// changeVisibility sets the visibility of the held ids (at most 10).
func (l *Lease) changeVisibility(ctx context.Context, ids []string, seconds int32) (ok []string, bad map[string]string) {
	failures := map[string]batchFailure{}
	entries, idx := l.entries(ids, failures)
	bad = map[string]string{}
	for id, f := range failures {
		bad[id] = f.why
	}
	if len(entries) == 0 {
		return nil, bad
	}
	out, err := l.SQS.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{
		QueueUrl: &l.QueueURL, Entries: visibilityEntries(entries, seconds),
	})
	if err != nil {
		for _, id := range idx {
			bad[id] = err.Error()
		}
		return nil, bad
	}
	answered := map[string]bool{}
	for _, s := range out.Successful {
		if id, found := idx[aws.ToString(s.Id)]; found {
			answered[id] = true
			ok = append(ok, id)
		}
	}
	for _, f := range out.Failed {
		if id, found := idx[aws.ToString(f.Id)]; found {
			answered[id] = true
			bad[id] = aws.ToString(f.Code) + ": " + aws.ToString(f.Message)
		}
	}
	for _, id := range idx {
		if !answered[id] {
			bad[id] = "no answer for this entry"
		}
	}
	return ok, bad
}

// extend pushes back the visibility of held messages whose lease ends within
// half of it.
func (l *Lease) extend(ctx context.Context) {
	vis := l.visibility()
	now := time.Now()
	var due []string
	l.mu.Lock()
	for id, h := range l.held {
		if h.deadline.Sub(now) < vis/2 {
			due = append(due, id)
		}
	}
	l.mu.Unlock()
	for start := 0; start < len(due); start += MaxBatchEntries {
		part := due[start:min(start+MaxBatchEntries, len(due))]
		ok, bad := l.changeVisibility(ctx, part, l.visibilitySeconds())
		l.mu.Lock()
		for _, id := range ok {
			if h, found := l.held[id]; found {
				h.deadline = now.Add(vis)
			}
		}
		l.stats.Extended += len(ok)
		for id, why := range bad {
			if _, still := l.held[id]; !still {
				continue // deleted meanwhile
			}
			l.stats.ExtendFailed++
			l.Log.Warn().Str("messageId", id).Str("error", why).Msg("extending the lease failed; retrying")
		}
		l.mu.Unlock()
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
