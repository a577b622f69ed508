// Package sqsworker is the consumer's long-running face: it receives
// OrderCommitted messages from an SQS queue, runs them through a
// consumer.Processor, deletes the ones that are done and keeps the rest
// visible-time leased until they are.
package sqsworker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/consumer"
)

// SQS is the part of the SQS client the worker uses.
type SQS interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// Worker consumes a queue with long polling: it keeps enough receives in
// flight to feed Concurrency processors, deletes only the messages that
// succeeded, extends the visibility of messages still in progress, and on
// cancellation stops receiving, finishes what it holds and deletes what
// succeeded. Failed and invalid messages are left alone: they reappear after
// the visibility timeout and, after the queue's maxReceiveCount, SQS moves
// them to the dead-letter queue.
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
}

// WorkerStats is what a worker did.
type WorkerStats struct {
	consumer.Summary
	Received      int `json:"received"`
	Deleted       int `json:"deleted"`
	DeleteFailed  int `json:"deleteFailed"`
	Extended      int `json:"extended"`
	ReceiveErrors int `json:"receiveErrors"`
}

// inflight is a received message being processed.
type inflight struct {
	msg      types.Message
	deadline time.Time // when its visibility ends
}

// Run consumes until ctx is cancelled (then it drains and returns nil) or,
// with UntilEmpty, until the queue is empty.
func (w *Worker) Run(ctx context.Context) (WorkerStats, error) {
	cfg := *w // defaults are filled in on a copy: the caller's Worker is not changed
	w = &cfg
	conc := w.Concurrency
	if conc <= 0 {
		conc = consumer.DefaultConcurrency
	}
	if w.Visibility <= 0 {
		v, err := w.queueVisibility(ctx)
		if err != nil {
			return WorkerStats{}, err
		}
		w.Visibility = v
	}
	if w.Visibility < time.Second {
		return WorkerStats{}, fmt.Errorf("visibility timeout %s: want at least 1s", w.Visibility)
	}
	wait := w.WaitTime
	if wait <= 0 {
		wait = 20 * time.Second
		if w.UntilEmpty {
			wait = time.Second
		}
	}

	// Work goes on after ctx is cancelled (drain), on its own context.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	recvCtx, stopReceiving := context.WithCancel(ctx)
	defer stopReceiving()

	var (
		mu    sync.Mutex
		stats WorkerStats
		held  = map[string]*inflight{} // by receipt handle
	)
	var pending atomic.Int64 // received and not yet finished
	jobs := make(chan types.Message, conc)
	deletes := make(chan types.Message, conc)

	// Receivers: enough receives in flight that a batch is always waiting for
	// the processors (on the emulators a receive of 10 takes longer than a
	// round of 10 concurrent writes).
	receivers := w.Receivers
	if receivers <= 0 {
		receivers = conc/2 + 1
	}
	var recvWG sync.WaitGroup
	for range receivers {
		recvWG.Go(func() {
			for recvCtx.Err() == nil {
				out, err := w.SQS.ReceiveMessage(recvCtx, &sqs.ReceiveMessageInput{
					QueueUrl:                    &w.QueueURL,
					MaxNumberOfMessages:         10,
					WaitTimeSeconds:             int32(wait / time.Second),
					MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
				})
				if err != nil {
					if recvCtx.Err() != nil {
						return
					}
					mu.Lock()
					stats.ReceiveErrors++
					mu.Unlock()
					w.Log.Error().Err(err).Msg("receive failed; retrying")
					sleep(recvCtx, time.Second)
					continue
				}
				if len(out.Messages) == 0 {
					if w.UntilEmpty && pending.Load() == 0 && w.queueEmpty(recvCtx) {
						stopReceiving()
						return
					}
					if wait < time.Second {
						sleep(recvCtx, 50*time.Millisecond) // short polling: do not spin on an empty queue
					}
					continue
				}
				now := time.Now()
				mu.Lock()
				stats.Received += len(out.Messages)
				for _, m := range out.Messages {
					held[aws.ToString(m.ReceiptHandle)] = &inflight{msg: m, deadline: now.Add(w.Visibility)}
				}
				mu.Unlock()
				pending.Add(int64(len(out.Messages)))
				for _, m := range out.Messages {
					jobs <- m // blocks while the processors are busy
				}
			}
		})
	}
	go func() { recvWG.Wait(); close(jobs) }()

	// Processors.
	var procWG sync.WaitGroup
	for range conc {
		procWG.Go(func() {
			for m := range jobs {
				mctx, cancel := context.WithTimeout(work, w.messageTimeout())
				r := w.process(mctx, m)
				cancel()
				mu.Lock()
				stats.Add(r.Outcome)
				mu.Unlock()
				if r.Outcome.OK() {
					r.Log(w.Log, aws.ToString(m.MessageId))
					deletes <- m
					continue
				}
				r.Log(w.Log.With().Str("receiveCount", m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)]).Logger(), aws.ToString(m.MessageId))
				mu.Lock()
				delete(held, aws.ToString(m.ReceiptHandle))
				mu.Unlock()
				pending.Add(-1)
			}
		})
	}
	go func() { procWG.Wait(); close(deletes) }()

	// Deleter: a batch of whatever succeeded meanwhile, up to 10, flushed as
	// soon as no more is waiting (batches fill up under load, a lone message
	// is not held back).
	delDone := make(chan struct{})
	go func() {
		defer close(delDone)
		batch := make([]types.Message, 0, 10)
		for m := range deletes {
			batch = append(batch[:0], m)
		fill:
			for len(batch) < 10 {
				select {
				case m, ok := <-deletes:
					if !ok {
						break fill
					}
					batch = append(batch, m)
				default:
					break fill
				}
			}
			dctx, cancel := context.WithTimeout(work, callTimeout)
			ok, failed := w.deleteBatch(dctx, batch)
			cancel()
			mu.Lock()
			stats.Deleted += ok
			stats.DeleteFailed += failed
			for _, m := range batch {
				delete(held, aws.ToString(m.ReceiptHandle))
			}
			mu.Unlock()
			pending.Add(-int64(len(batch)))
		}
	}()

	// Visibility extender and progress, each on its own ticker.
	extDone := make(chan struct{})
	go func() {
		defer close(extDone)
		every := w.ProgressEvery
		if every <= 0 {
			every = 5 * time.Second
		}
		start := time.Now()
		extTick := time.NewTicker(w.Visibility / 6)
		defer extTick.Stop()
		progTick := time.NewTicker(every)
		defer progTick.Stop()
		for {
			select {
			case <-delDone:
				return
			case <-extTick.C:
				ectx, cancel := context.WithTimeout(work, callTimeout)
				w.extend(ectx, &mu, held, &stats)
				cancel()
			case <-progTick.C:
				if w.Progress == nil {
					continue
				}
				mu.Lock()
				s := stats
				mu.Unlock()
				el := time.Since(start).Seconds()
				fmt.Fprintf(w.Progress, "consume: %d received, %d done (%d linked, %d refreshed, %d unchanged, %d skipped, %d invalid, %d failed), %d deleted, %.0f/s\n",
					s.Received, s.Events, s.Linked, s.Refreshed, s.Unchanged, s.Skipped, s.Invalid, s.Failed, s.Deleted, float64(s.Events)/el)
			}
		}
	}()

	<-delDone
	<-extDone
	mu.Lock()
	defer mu.Unlock()
	return stats, nil
}

// callTimeout bounds a delete or visibility call made while draining.
const callTimeout = 30 * time.Second

func (w *Worker) messageTimeout() time.Duration {
	if w.MessageTimeout > 0 {
		return w.MessageTimeout
	}
	return time.Minute
}

// process runs one message through the processor, turning a panic into a
// failed result.
func (w *Worker) process(ctx context.Context, m types.Message) (r consumer.Result) {
	defer func() {
		if p := recover(); p != nil {
			r = consumer.Result{Outcome: consumer.Failed, Reason: "panic", Err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
		}
	}()
	return w.Processor.Process(ctx, []byte(aws.ToString(m.Body)))
}

// deleteBatch deletes msgs (at most 10) and checks every entry.
func (w *Worker) deleteBatch(ctx context.Context, msgs []types.Message) (ok, failed int) {
	entries := make([]types.DeleteMessageBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	out, err := w.SQS.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &w.QueueURL, Entries: entries})
	if err != nil {
		// Not deleted: the messages reappear and are processed again, harmlessly.
		w.Log.Error().Err(err).Int("messages", len(msgs)).Msg("delete batch failed; the messages will be received again")
		return 0, len(msgs)
	}
	for _, f := range out.Failed {
		i, _ := strconv.Atoi(aws.ToString(f.Id))
		if i >= 0 && i < len(msgs) {
			w.Log.Error().Str("messageId", aws.ToString(msgs[i].MessageId)).Str("code", aws.ToString(f.Code)).
				Msg("delete failed; the message will be received again")
		}
	}
	return len(out.Successful), len(out.Failed)
}

// extend pushes back the visibility of held messages whose timeout ends
// within a third of the visibility timeout.
func (w *Worker) extend(ctx context.Context, mu *sync.Mutex, held map[string]*inflight, stats *WorkerStats) {
	now := time.Now()
	var due []*inflight
	mu.Lock()
	for _, f := range held {
		if f.deadline.Sub(now) < w.Visibility/3 {
			due = append(due, f)
		}
	}
	mu.Unlock()
	for len(due) > 0 {
		n := min(10, len(due))
		part := due[:n]
		due = due[n:]
		entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, n)
		for i, f := range part {
			entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{
				Id: aws.String(strconv.Itoa(i)), ReceiptHandle: f.msg.ReceiptHandle,
				VisibilityTimeout: int32(w.Visibility / time.Second),
			}
		}
		out, err := w.SQS.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &w.QueueURL, Entries: entries})
		if err != nil {
			w.Log.Warn().Err(err).Msg("extend visibility failed")
			continue
		}
		mu.Lock()
		for _, s := range out.Successful {
			if i, err := strconv.Atoi(aws.ToString(s.Id)); err == nil && i < n {
				part[i].deadline = now.Add(w.Visibility)
				stats.Extended++
			}
		}
		mu.Unlock()
	}
}

// queueVisibility reads the queue's visibility timeout.
func (w *Worker) queueVisibility(ctx context.Context) (time.Duration, error) {
	out, err := w.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: &w.QueueURL, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameVisibilityTimeout},
	})
	if err != nil {
		return 0, fmt.Errorf("queue %s: %w", w.QueueURL, err)
	}
	secs, err := strconv.Atoi(out.Attributes[string(types.QueueAttributeNameVisibilityTimeout)])
	if err != nil || secs <= 0 {
		return 0, fmt.Errorf("queue %s: visibility timeout %q: want at least 1 s", w.QueueURL, out.Attributes[string(types.QueueAttributeNameVisibilityTimeout)])
	}
	return time.Duration(secs) * time.Second, nil
}

// queueEmpty reports whether the queue holds no message, visible, in flight
// or delayed (approximate counts on AWS).
func (w *Worker) queueEmpty(ctx context.Context) bool {
	out, err := w.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: &w.QueueURL,
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
			types.QueueAttributeNameApproximateNumberOfMessagesDelayed,
		},
	})
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			w.Log.Warn().Err(err).Msg("queue attributes")
		}
		return false
	}
	for _, v := range out.Attributes {
		if v != "0" {
			return false
		}
	}
	return true
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
