package sqsengine

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Drain defaults.
const (
	// DefaultWaitTime is the long-poll wait of a receive.
	DefaultWaitTime = 2 * time.Second
	// DefaultEmptyReceives is how many receives in a row must bring nothing
	// new before the queue's counts are asked whether it is drained.
	DefaultEmptyReceives = 3
	// maxConfirmations is how many times empty receives may be contradicted
	// by the queue's counts before a drain ends anyway (with a warning).
	maxConfirmations = 3
	// maxReceiveErrors is how many failed receives in a row end a drain.
	maxReceiveErrors = 5
)

// DrainEnd says why Drain stopped.
type DrainEnd string

// The ends of a drain.
const (
	// EndDrained: several empty receives in a row, confirmed by the counts.
	EndDrained DrainEnd = "drained"
	// EndMax: want returned 0 (the caller's maximum was reached).
	EndMax DrainEnd = "max"
	// EndInterrupted: the context was cancelled.
	EndInterrupted DrainEnd = "interrupted"
	// EndUnconfirmed: receives kept coming back empty while the counts
	// still showed visible messages (see the README on local-aws-sqs).
	EndUnconfirmed DrainEnd = "unconfirmed"
	// EndInFlightLimit: SQS refused to hand out more in-flight messages.
	EndInFlightLimit DrainEnd = "in-flight-limit"
)

// Drain receives until want returns 0, ctx is cancelled, or the queue is
// drained: EmptyReceives receives in a row brought no new message and the
// queue's counts show nothing visible beyond what the lease holds. want says
// how many messages to ask for next. handle gets what each receive brought
// (fresh and again, as Receive returns them); it all stays held until
// deleted, released or forgotten. The lease must be started. The error is
// for a drain that could not go on (receives failing, counts unreadable).
func (l *Lease) Drain(ctx context.Context, want func() int, handle func(fresh, again []types.Message)) (DrainEnd, error) {
	if l.stop == nil {
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
			return EndMax, nil
		}
		fresh, again, err := l.Receive(ctx, n, wait)
		if err != nil {
			if end, stop := l.receiveFailed(ctx, err, &errs); stop {
				return end, nil
			}
			if errs >= maxReceiveErrors {
				return "", err
			}
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
			_ = Sleep(ctx, wait)
		}
		if empties < emptyLimit {
			continue
		}
		if end, err := l.confirmDrained(ctx, &confirmations); end != "" || err != nil {
			return end, err
		}
		empties = 0
	}
}

// confirmDrained reads the queue's counts after Drain's empty receives: it
// ends the drain (EndDrained) when they show nothing beyond what the lease
// holds, or (EndUnconfirmed) after maxConfirmations reads that do not;
// otherwise it returns "" and the drain goes on.
func (l *Lease) confirmDrained(ctx context.Context, confirmations *int) (DrainEnd, error) {
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
	if *confirmations++; *confirmations >= maxConfirmations {
		l.Log.Warn().Int("visible", c.Visible).Int("inFlight", c.InFlight).Int("delayed", c.Delayed).Int("held", l.Held()).
			Msg("receives come back empty but the queue still counts messages; stopping here, run again for the rest")
		return EndUnconfirmed, nil
	}
	return "", nil
}

// receiveFailed handles a failed receive of Drain: it ends the drain when
// ctx is cancelled or SQS's in-flight limit is reached; otherwise it counts
// the error in errs and, below maxReceiveErrors, waits a little longer each
// time.
func (l *Lease) receiveFailed(ctx context.Context, err error, errs *int) (DrainEnd, bool) {
	if ctx.Err() != nil {
		return EndInterrupted, true
	}
	var over *types.OverLimit
	if errors.As(err, &over) {
		l.Log.Warn().Err(err).Int("held", l.Held()).Msg("SQS in-flight limit reached; stopping here, run again for the rest")
		return EndInFlightLimit, true
	}
	*errs++
	if *errs < maxReceiveErrors {
		l.Log.Warn().Err(err).Msg("receive failed; retrying")
		_ = Sleep(ctx, time.Duration(*errs)*time.Second)
	}
	return "", false
}

// drained reads the counts after empty receives. On SQS,
// ApproximateNumberOfMessages counts visible messages only: drained when it
// is 0. local-aws-sqs counts in-flight messages in it too: there, drained
// when every message it counts is in flight and held by this lease.
func drained(c Counts, held int) bool {
	return c.Visible == 0 || c.Visible == c.InFlight && c.InFlight <= held
}
