// Package sqsworker is the consumer's long-running face: it receives
// OrderCommitted messages from an SQS queue under a sqsengine.Lease, runs
// them through a consumer.Processor, deletes the ones that are done and
// keeps the rest visible-time leased until they are.
package sqsworker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// SQS is the part of the SQS client the worker uses: what its lease uses.
type SQS = sqsengine.LeaseAPI

// Worker consumes a queue with long polling: it keeps enough receives in
// flight to feed Concurrency processors, deletes only the messages that
// succeeded, extends the visibility of messages still in progress, and on
// cancellation stops receiving, finishes what it holds and deletes what
// succeeded. Invalid messages and other failures are left alone: they
// reappear after the visibility timeout and, after the queue's
// maxReceiveCount, SQS moves them to the dead-letter queue. A message that
// failed for a transient reason (the store throttled or did not answer) is
// hidden for Backoff's delay, which grows with its receive count, and the
// worker processes and receives fewer messages at once until writes succeed
// again (back-pressure).
type Worker struct {
	SQS         SQS
	QueueURL    string
	Processor   *consumer.Processor
	Concurrency int // default consumer.DefaultConcurrency
	// UntilEmpty stops the worker once a receive comes back empty, nothing
	// is in flight and the queue reports no message, visible or not.
	UntilEmpty bool
	// Receivers is the number of receives kept in flight (default
	// Concurrency/2 + 1).
	Receivers int
	// WaitTime is the long-poll wait (default 20 s, 1 s with UntilEmpty).
	WaitTime time.Duration
	// Visibility is the queue's visibility timeout; 0: read from the queue.
	Visibility time.Duration
	Log        zerolog.Logger
	// MessageTimeout bounds the processing of one message (default 1 min):
	// a hung connection fails the message (it is retried) instead of holding
	// a processor and its visibility forever.
	MessageTimeout time.Duration
	// Progress, if set, gets a progress line every ProgressEvery (default 5 s).
	Progress      io.Writer
	ProgressEvery time.Duration
	// Backoff is the hidden time of a message that failed for a transient
	// reason (zero: consumer.DefaultRetryBackoff).
	Backoff consumer.RetryBackoff
}

// WorkerStats is what a worker did.
type WorkerStats struct {
	consumer.Summary
	Received int `json:"received"` // distinct messages
	// ReceivedAgain counts receipts of a message still held (in progress or
	// being deleted): it was not processed twice.
	ReceivedAgain int `json:"receivedAgain"`
	Deleted       int `json:"deleted"`
	DeleteFailed  int `json:"deleteFailed"`
	Extended      int `json:"extended"`
	ReceiveErrors int `json:"receiveErrors"`
	// Postponed counts failed messages hidden for a backoff.
	Postponed int `json:"postponed"`
	// MinConcurrency is the lowest concurrency back-pressure went down to.
	MinConcurrency int `json:"minConcurrency"`
}

// Run consumes until ctx is cancelled (then it drains and returns nil) or,
// with UntilEmpty, until the queue is empty.
func (w *Worker) Run(ctx context.Context) (WorkerStats, error) {
	r, err := w.newRun(ctx)
	if err != nil {
		return WorkerStats{}, err
	}
	return r.run(ctx), nil
}

// run is one run of a Worker: its settings with the defaults filled in, the
// lease on the messages it holds, the channels between its loops and the
// counters they share.
type run struct {
	Worker // a copy: the caller's Worker is not changed
	lease  *sqsengine.Lease
	// work is the context of processing and deletes: it outlives the run's
	// context, so that a cancelled run finishes what it holds.
	work    context.Context
	jobs    chan types.Message // received, to process
	deletes chan types.Message // processed successfully, to delete
	press   *pressure

	mu    sync.Mutex
	stats WorkerStats // the lease counts what it does; Snapshot merges
}

// newRun fills in the defaults (the visibility timeout from the queue).
func (w *Worker) newRun(ctx context.Context) (*run, error) {
	r := &run{Worker: *w}
	if r.Concurrency <= 0 {
		r.Concurrency = consumer.DefaultConcurrency
	}
	if r.Receivers <= 0 {
		// Enough receives in flight that a batch is always waiting for the
		// processors (on the emulators a receive of 10 takes longer than a
		// round of 10 concurrent writes).
		r.Receivers = r.Concurrency/2 + 1
	}
	if r.Visibility <= 0 {
		v, err := sqsengine.QueueVisibility(ctx, r.SQS, r.QueueURL)
		if err != nil {
			return nil, err
		}
		r.Visibility = v
	}
	if r.Visibility < time.Second {
		return nil, fmt.Errorf("visibility timeout %s: want at least 1s", r.Visibility)
	}
	r.Backoff.Min = max(r.Backoff.Min, r.Visibility) // a backoff never shortens the queue's own wait
	if r.WaitTime <= 0 {
		r.WaitTime = 20 * time.Second
		if r.UntilEmpty {
			r.WaitTime = time.Second
		}
	}
	if r.MessageTimeout <= 0 {
		r.MessageTimeout = time.Minute
	}
	if r.ProgressEvery <= 0 {
		r.ProgressEvery = 5 * time.Second
	}
	r.lease = &sqsengine.Lease{SQS: r.SQS, QueueURL: r.QueueURL, Visibility: r.Visibility, ReceiveCountOnly: true, Log: r.Log}
	r.jobs = make(chan types.Message, r.Concurrency)
	r.deletes = make(chan types.Message, r.Concurrency)
	r.press = newPressure(r.Concurrency)
	return r, nil
}

// run starts the loops (receivers, processors, the deleter, progress) and
// waits until the deleter has deleted the last success.
func (r *run) run(ctx context.Context) WorkerStats {
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	r.work = work
	r.lease.Start(ctx)
	receiving, stopReceiving := context.WithCancel(ctx)
	defer stopReceiving()

	var receivers, processors sync.WaitGroup
	for i := range r.Receivers {
		receivers.Go(func() { r.receive(receiving, stopReceiving, i) })
	}
	go func() { receivers.Wait(); close(r.jobs) }()
	for range r.Concurrency {
		processors.Go(r.process)
	}
	go func() { processors.Wait(); close(r.deletes) }()
	deleted := make(chan struct{})
	go func() { defer close(deleted); r.deleteSucceeded() }()
	if r.Progress != nil {
		var progress sync.WaitGroup
		progress.Go(func() { r.report(deleted) })
		defer progress.Wait()
	}
	<-deleted
	r.lease.End(ctx) // holds nothing by now; releases anything left all the same
	return r.snapshot()
}

// receive hands fresh messages to the processors until ctx is cancelled or,
// with UntilEmpty, the queue is empty (then it calls stop). A message
// received again while held is not handed out twice. Receiver number i
// waits while back-pressure has lowered the concurrency below what needs
// it, and receives no more messages than the concurrency.
func (r *run) receive(ctx context.Context, stop context.CancelFunc, i int) {
	for ctx.Err() == nil {
		limit, _ := r.press.Limit()
		if i > 0 && i >= limit*r.Receivers/r.Concurrency {
			_ = sqsengine.Sleep(ctx, 100*time.Millisecond)
			continue
		}
		fresh, again, err := r.lease.Receive(ctx, min(limit, sqsengine.MaxBatchEntries), r.WaitTime)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			r.mu.Lock()
			r.stats.ReceiveErrors++
			r.mu.Unlock()
			r.Log.Error().Err(err).Msg("receive failed; retrying")
			_ = sqsengine.Sleep(ctx, time.Second)
			continue
		}
		if len(fresh)+len(again) == 0 {
			if r.UntilEmpty && r.lease.Held() == 0 && r.queueEmpty(ctx) {
				stop()
				return
			}
			if r.WaitTime < time.Second {
				_ = sqsengine.Sleep(ctx, 50*time.Millisecond) // short polling: do not spin on an empty queue
			}
			continue
		}
		for _, m := range fresh {
			r.jobs <- m // blocks while the processors are busy
		}
	}
}

// process runs each job through the processor, within MessageTimeout and
// under back-pressure: successes go to the deleter; a message that failed
// for a transient reason is hidden for a backoff that grows with its
// receive count; any other failure, and an invalid message, is let go, to
// reappear when its visibility timeout ends.
func (r *run) process() {
	for m := range r.jobs {
		round := r.press.acquire()
		ctx, cancel := context.WithTimeout(r.work, r.MessageTimeout)
		res := r.processOne(ctx, m)
		cancel()
		r.press.release(round, res.Transient() && res.Reason != consumer.ReasonCanceled)
		r.mu.Lock()
		r.stats.Add(res.Outcome)
		r.mu.Unlock()
		id := aws.ToString(m.MessageId)
		if res.Outcome.OK() {
			res.Log(r.Log, id)
			r.deletes <- m
			continue
		}
		count := m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)]
		res.Log(r.Log.With().Str("receiveCount", count).Logger(), id)
		if !res.Transient() {
			r.lease.Forget(id)
			continue
		}
		n, _ := strconv.Atoi(count)
		r.lease.Postpone(r.work, []string{id}, r.Backoff.Delay(n))
		r.mu.Lock()
		r.stats.Postponed++
		r.mu.Unlock()
	}
}

// processOne runs one message through the processor, turning a panic into
// a failed result.
func (r *run) processOne(ctx context.Context, m types.Message) (res consumer.Result) {
	defer func() {
		if p := recover(); p != nil {
			res = consumer.Recovered(p, []byte(aws.ToString(m.Body)))
		}
	}()
	return r.Processor.Process(ctx, []byte(aws.ToString(m.Body)))
}

// deleteSucceeded deletes the successes in batches of whatever succeeded
// meanwhile, up to 10, each flushed as soon as no more is waiting (batches
// fill up under load, a lone message is not held back). A message whose
// delete failed is let go: it is received again and processed again,
// harmlessly.
func (r *run) deleteSucceeded() {
	batch := make([]string, 0, sqsengine.MaxBatchEntries)
	for m := range r.deletes {
		batch = append(batch[:0], aws.ToString(m.MessageId))
	fill:
		for len(batch) < sqsengine.MaxBatchEntries {
			select {
			case m, ok := <-r.deletes:
				if !ok {
					break fill
				}
				batch = append(batch, aws.ToString(m.MessageId))
			default:
				break fill
			}
		}
		_, failed := r.lease.Delete(r.work, batch)
		for id, why := range failed {
			r.Log.Error().Str("messageId", id).Str("error", why).Msg("delete failed; the message will be received again")
			r.lease.Forget(id)
		}
	}
}

// report writes a progress line every ProgressEvery until done is closed.
func (r *run) report(done <-chan struct{}) {
	start := time.Now()
	tick := time.NewTicker(r.ProgressEvery)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			s := r.snapshot()
			limit, _ := r.press.Limit()
			fmt.Fprintf(r.Progress, "consume: %d received, %d done (%d linked, %d refreshed, %d unchanged, %d skipped, %d invalid, %d failed), %d deleted, %d postponed, concurrency %d/%d, %.0f/s\n",
				s.Received, s.Events, s.Linked, s.Refreshed, s.Unchanged, s.Skipped, s.Invalid, s.Failed, s.Deleted, s.Postponed, limit, r.Concurrency, float64(s.Events)/time.Since(start).Seconds())
		}
	}
}

// snapshot returns the run's counters with the lease's.
func (r *run) snapshot() WorkerStats {
	l := r.lease.Stats()
	r.mu.Lock()
	s := r.stats
	r.mu.Unlock()
	s.Received, s.ReceivedAgain, s.Deleted, s.DeleteFailed, s.Extended = l.Received, l.ReceivedAgain, l.Deleted, l.DeleteFailed, l.Extended
	_, s.MinConcurrency = r.press.Limit()
	return s
}

// queueEmpty reports whether the queue holds no message, visible, in flight
// or delayed (approximate counts on AWS).
func (r *run) queueEmpty(ctx context.Context) bool {
	c, err := sqsengine.QueueCounts(ctx, r.SQS, r.QueueURL)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			r.Log.Warn().Err(err).Msg("queue attributes")
		}
		return false
	}
	return c.Empty()
}
