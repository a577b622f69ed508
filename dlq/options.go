package dlq

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// Options are what every tool shares: the lease's timing, the logger and
// the progress display.
type Options struct {
	// Lease is the visibility timeout received messages are held with
	// (default sqsengine.DefaultVisibility, 60 s). The CLI never goes below
	// the default; tests do.
	Lease time.Duration
	// WaitTime is the long-poll wait (default sqsengine.DefaultWaitTime).
	WaitTime time.Duration
	// EmptyReceives ends a run after this many receives in a row brought
	// nothing new, confirmed by the queue's counts (default
	// sqsengine.DefaultEmptyReceives).
	EmptyReceives int
	Log           zerolog.Logger
	// Progress, if set, is updated as messages are handled.
	Progress Progress
}

// Progress shows how a long run goes; the CLI's is a progress bar. Update
// may be called often: an implementation throttles.
type Progress interface {
	// Update says done messages were handled so far; detail is a short
	// summary of the counts.
	Update(done int, detail string)
	// Finish ends the display.
	Finish(done int, detail string)
}

// nopProgress shows nothing.
type nopProgress struct{}

func (nopProgress) Update(int, string) {}
func (nopProgress) Finish(int, string) {}

// tool is what one tool does with the messages a drain hands it.
type tool struct {
	// want is how many messages to ask for next (0: enough).
	want func() int
	// handle handles what one receive brought (see sqsengine.Lease.Drain);
	// whatever it does not delete through lease is released at the end.
	handle func(lease *sqsengine.Lease, fresh, again []types.Message)
	// detail summarises the counts for the progress display.
	detail func() string
	// err, if set, is the tool's own error (an audit or output write).
	err func() error
}

// Drained is how a tool's drain of the queue went; the summaries embed it.
type Drained struct {
	Received int `json:"received"` // distinct messages
	// ReceivedAgain counts receipts of a message already handled in this
	// run (its lease had lapsed): it is not handled twice.
	ReceivedAgain int                `json:"receivedAgain"`
	End           sqsengine.DrainEnd `json:"end"`
	After         *sqsengine.Counts  `json:"after,omitempty"` // the queue's counts at the end
}

// drain is the skeleton of every tool: it holds the queue at url under a
// lease, drains it through t with progress, releases what is still held
// (also when ctx is cancelled) and reads the queue's counts. The error is
// the drain's (receives failing) or else the tool's own.
func (o Options) drain(ctx context.Context, c SQS, url string, t tool) (Drained, error) {
	lease := &sqsengine.Lease{SQS: c, QueueURL: url, Visibility: o.Lease, WaitTime: o.WaitTime, EmptyReceives: o.EmptyReceives, Log: o.Log}
	progress := o.Progress
	if progress == nil {
		progress = nopProgress{}
	}
	lease.Start(ctx)
	end, err := lease.Drain(ctx, t.want, func(fresh, again []types.Message) {
		t.handle(lease, fresh, again)
		progress.Update(lease.Stats().Received, t.detail())
	})
	lease.End(ctx)
	stats := lease.Stats()
	d := Drained{Received: stats.Received, ReceivedAgain: stats.ReceivedAgain, End: end}
	progress.Finish(d.Received, t.detail())
	if c, cerr := sqsengine.QueueCounts(context.WithoutCancel(ctx), c, url); cerr == nil {
		d.After = &c
	}
	if err == nil && t.err != nil {
		err = t.err()
	}
	return d, err
}

// upTo is a tool's want when it handles at most limit messages (0: no
// limit) and has handled done.
func upTo(limit, done int) int {
	if limit <= 0 {
		return sqsengine.MaxBatchEntries
	}
	return limit - done
}
