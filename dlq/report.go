package dlq

import (
	"strings"

	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// RedriveReport is the one shape of a redrive's result, in both modes: the
// same fields, and null for what a mode cannot know (a native move task
// does not report failures or filter; a client run has no task status).
// Queues are URLs in both modes.
type RedriveReport struct {
	Mode  string `json:"mode"`  // native or client
	Queue string `json:"queue"` // the dead-letter queue as the caller named it
	// Source is the dead-letter queue's URL; Destination the URL moved to,
	// null when each message goes back to its own source queue.
	Source      string  `json:"source"`
	Destination *string `json:"destination"`
	// Status: completed, failed, cancelled, interrupted or stopped (a client
	// run that could not confirm the queue was drained).
	Status        string            `json:"status"`
	DryRun        bool              `json:"dryRun"`
	Moved         int64             `json:"moved"`
	ToMove        *int64            `json:"toMove"`    // native: what the task had left to move
	Failed        *int              `json:"failed"`    // client
	InBoth        *int              `json:"inBoth"`    // client: failed, in both queues
	Filtered      *int              `json:"filtered"`  // client: not matching the filter
	WouldMove     *int              `json:"wouldMove"` // client dry run
	Left          *int              `json:"left"`      // client: not attempted (interrupted)
	Received      *int              `json:"received"`  // client: distinct messages received
	End           *string           `json:"end"`       // client: how the drain ended
	After         *sqsengine.Counts `json:"after"`     // client: the queue's counts at the end
	FailureReason *string           `json:"failureReason"`
}

// Report is the redrive report of a native move task from the dead-letter
// queue named queue at URL src to the queue at URL dest ("": each message's
// source queue).
func (r NativeResult) Report(queue, src, dest string) RedriveReport {
	status := strings.ToLower(r.Status)
	if r.Interrupted {
		status = "interrupted"
	}
	out := RedriveReport{Mode: ModeNative, Queue: queue, Source: src, Status: status, Moved: r.Moved, ToMove: &r.ToMove}
	if dest != "" {
		out.Destination = &dest
	}
	if r.FailureReason != "" {
		out.FailureReason = &r.FailureReason
	}
	return out
}

// Report is the redrive report of a client run from the dead-letter queue
// named queue.
func (s RedriveSummary) Report(queue string) RedriveReport {
	status := "completed"
	switch {
	case s.End == sqsengine.EndInterrupted:
		status = "interrupted"
	case s.Failed > 0:
		status = "failed"
	case s.End == sqsengine.EndUnconfirmed || s.End == sqsengine.EndInFlightLimit:
		status = "stopped"
	}
	end := string(s.End)
	return RedriveReport{
		Mode: s.Mode, Queue: queue, Source: s.Source, Destination: &s.Destination, Status: status, DryRun: s.DryRun,
		Moved: int64(s.Moved), Failed: &s.Failed, InBoth: &s.InBoth, Filtered: &s.Filtered, WouldMove: &s.WouldMove,
		Left: &s.Left, Received: &s.Received, End: &end, After: s.After,
	}
}
