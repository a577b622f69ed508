package consumer

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"
)

// Defaults of a Batch.
const (
	DefaultConcurrency = 10
	// DefaultStartMargin: records not started when less than this is left
	// before the deadline are failed (retried later) instead of started.
	DefaultStartMargin = 2 * time.Second
	// DefaultReturnMargin: the batch answers this long before the deadline,
	// failing the records still running, so Lambda gets the answer in time.
	DefaultReturnMargin = 500 * time.Millisecond
)

// Message is one message of a batch.
type Message struct {
	ID   string // the SQS messageId (or any id unique in the batch)
	Body []byte
}

// Batch processes messages concurrently within the context's deadline. The
// zero value of every field but Processor has a default. It has no mutable
// state: one Batch may serve concurrent invocations.
type Batch struct {
	Processor    *Processor
	Concurrency  int
	StartMargin  time.Duration
	ReturnMargin time.Duration
	Log          zerolog.Logger
	Metrics      *Metrics // nil: no metrics
}

// Run processes msgs and returns one result per message, in order. A record
// that panics, is not started before the deadline margin, or is still running
// when the batch must answer, is Failed; none is lost.
func (b *Batch) Run(ctx context.Context, msgs []Message) []Result {
	conc := b.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	startMargin, returnMargin := b.StartMargin, b.ReturnMargin
	if startMargin <= 0 {
		startMargin = DefaultStartMargin
	}
	if returnMargin <= 0 {
		returnMargin = DefaultReturnMargin
	}

	results := make([]Result, len(msgs))
	done := make([]bool, len(msgs))
	var mu sync.Mutex // guards results, done and closed
	closed := false
	set := func(i int, r Result) {
		mu.Lock()
		defer mu.Unlock()
		if !closed {
			results[i], done[i] = r, true
		}
	}

	deadline, hasDeadline := ctx.Deadline()
	workCtx, cancel := ctx, context.CancelFunc(func() {})
	if hasDeadline {
		workCtx, cancel = context.WithDeadline(ctx, deadline.Add(-returnMargin))
	}
	defer cancel()

	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	tooLate := func() bool { return hasDeadline && time.Until(deadline) < startMargin || workCtx.Err() != nil }
	for i, m := range msgs {
		if tooLate() {
			break // the rest is failed below, never started
		}
		acquired := false
		select {
		case sem <- struct{}{}:
			acquired = true
		case <-workCtx.Done():
		}
		if tooLate() { // waiting for a slot may have taken us inside the margin
			if acquired {
				<-sem
			}
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer func() {
				if p := recover(); p != nil {
					set(i, Result{Outcome: Failed, Reason: "panic",
						Err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())})
				}
			}()
			set(i, b.Processor.Process(workCtx, m.Body))
		}()
	}

	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-workCtx.Done():
		// Give calls that honour the context a moment to return their own error.
		select {
		case <-finished:
		case <-time.After(returnMargin / 2):
		}
	}
	mu.Lock()
	closed = true
	for i := range results {
		if !done[i] {
			results[i] = Result{Outcome: Failed, Reason: "deadline",
				Err: fmt.Errorf("not finished before the deadline: %w", context.DeadlineExceeded)}
		}
	}
	mu.Unlock()
	return results
}

// HandleSQS processes an SQS batch and answers with the messages that failed
// (Invalid or Failed), each once, so that Lambda deletes the others. It logs
// one line per failed message and one summary line.
func (b *Batch) HandleSQS(ctx context.Context, ev lambdaevents.SQSEvent) lambdaevents.SQSEventResponse {
	start := time.Now()
	msgs := make([]Message, len(ev.Records))
	for i, r := range ev.Records {
		msgs[i] = Message{ID: r.MessageId, Body: []byte(r.Body)}
	}
	results := b.Run(ctx, msgs)
	resp := lambdaevents.SQSEventResponse{BatchItemFailures: []lambdaevents.SQSBatchItemFailure{}}
	seen := make(map[string]bool)
	var sum Summary
	for i, r := range results {
		sum.Add(r.Outcome)
		r.Log(b.Log, msgs[i].ID)
		if !r.Outcome.OK() && !seen[msgs[i].ID] {
			seen[msgs[i].ID] = true
			resp.BatchItemFailures = append(resp.BatchItemFailures,
				lambdaevents.SQSBatchItemFailure{ItemIdentifier: msgs[i].ID})
		}
	}
	if err := b.Metrics.Batch(results, time.Since(start)); err != nil {
		b.Log.Warn().Err(err).Msg("metrics not written")
	}
	b.Log.Info().Int("events", sum.Events).Int("linked", sum.Linked).Int("refreshed", sum.Refreshed).
		Int("unchanged", sum.Unchanged).Int("skipped", sum.Skipped).Int("invalid", sum.Invalid).
		Int("failed", sum.Failed).Dur("elapsed", time.Since(start)).Msg("batch done")
	return resp
}
