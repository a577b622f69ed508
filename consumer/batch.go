package consumer

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/events"
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
}

// Run processes msgs and returns one result per message, in order. A record
// that panics, is not started before the deadline margin, or is still running
// when the batch must answer, is Failed; none is lost.
func (b *Batch) Run(ctx context.Context, msgs []Message) []Result {
	conc, startMargin, returnMargin := b.settings()
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
					set(i, Recovered(p, m.Body))
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
			results[i] = unfinished(msgs[i], FailDeadline,
				fmt.Errorf("not finished before the deadline: %w", context.DeadlineExceeded))
		}
	}
	mu.Unlock()
	return results
}

// settings returns the concurrency and margins, defaults applied.
func (b *Batch) settings() (conc int, startMargin, returnMargin time.Duration) {
	conc, startMargin, returnMargin = b.Concurrency, b.StartMargin, b.ReturnMargin
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	if startMargin <= 0 {
		startMargin = DefaultStartMargin
	}
	if returnMargin <= 0 {
		returnMargin = DefaultReturnMargin
	}
	return conc, startMargin, returnMargin
}

// unfinished is the Failed result of a message the processor gave no result
// for, with the eventId and order id when the body has readable ones.
func unfinished(m Message, class string, err error) Result {
	r := Result{Outcome: Failed, Reason: class, Err: err}
	ids := events.ReadIDs(m.Body)
	r.EventID, r.OrderID = ids.EventID, ids.OrderID
	return r
}
