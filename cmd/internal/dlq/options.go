package dlq

import (
	"time"

	"github.com/rs/zerolog"
)

// Options are what every tool shares: the lease's timing, the logger and
// the progress display.
type Options struct {
	// Lease is the visibility timeout received messages are held with
	// (default DefaultLease). The CLI never goes below the default; tests do.
	Lease time.Duration
	// WaitTime is the long-poll wait (default DefaultWaitTime).
	WaitTime time.Duration
	// EmptyReceives ends a run after this many receives in a row brought
	// nothing new, confirmed by the queue's counts (default
	// DefaultEmptyReceives).
	EmptyReceives int
	Log           zerolog.Logger
	// Progress, if set, is updated as messages are handled.
	Progress Progress
}

func (o Options) lease(c SQS, url string) *Lease {
	return &Lease{SQS: c, QueueURL: url, Visibility: o.Lease, WaitTime: o.WaitTime, EmptyReceives: o.EmptyReceives, Log: o.Log}
}

func (o Options) progress() Progress {
	if o.Progress == nil {
		return NopProgress{}
	}
	return o.Progress
}
