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
	c := &collector{results: make([]Result, len(msgs)), done: make([]bool, len(msgs))}
	deadline, hasDeadline := ctx.Deadline()
	workCtx, cancel := ctx, context.CancelFunc(func() {})
	if hasDeadline {
		workCtx, cancel = context.WithDeadline(ctx, deadline.Add(-returnMargin))
	}
	defer cancel()
	tooLate := func() bool { return hasDeadline && time.Until(deadline) < startMargin || workCtx.Err() != nil }
	var wg sync.WaitGroup
	b.startAll(workCtx, msgs, conc, tooLate, &wg, c)

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
	return c.close(msgs)
}

// startAll starts a goroutine per message, at most conc at a time, until
// tooLate; the messages not started get no result.
func (b *Batch) startAll(ctx context.Context, msgs []Message, conc int, tooLate func() bool, wg *sync.WaitGroup, c *collector) {
	sem := make(chan struct{}, conc)
	for i, m := range msgs {
		if tooLate() {
			return // the rest is failed by close, never started
		}
		acquired := false
		select {
		case sem <- struct{}{}:
			acquired = true
		case <-ctx.Done():
		}
		if tooLate() { // waiting for a slot may have taken us inside the margin
			if acquired {
				<-sem
			}
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer func() {
				if p := recover(); p != nil {
					c.set(i, Recovered(p, m.Body))
				}
			}()
			c.set(i, b.Processor.Process(ctx, m.Body))
		}()
	}
}

// collector holds a batch's results; once closed, a late result is dropped.
type collector struct {
	mu      sync.Mutex // guards results, done and closed
	results []Result
	done    []bool
	closed  bool
}

func (c *collector) set(i int, r Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.results[i], c.done[i] = r, true
	}
}

// close ends the collection: a message without a result is failed, not
// finished before the deadline.
func (c *collector) close(msgs []Message) []Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for i := range c.results {
		if !c.done[i] {
			c.results[i] = unfinished(msgs[i], ReasonDeadline,
				fmt.Errorf("not finished before the deadline: %w", context.DeadlineExceeded))
		}
	}
	return c.results
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
