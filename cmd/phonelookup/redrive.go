package main

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/dlq"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// redriveReport is what dlq redrive prints on stdout, in both modes: the
// same fields, and null for what a mode cannot know (a native move task
// does not report failures or filter; a client run has no task status).
// Queues are URLs in both modes.
type redriveReport struct {
	Mode  string `json:"mode"`  // native or client
	Queue string `json:"queue"` // the dead-letter queue as given (--queue)
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
	Filtered      *int              `json:"filtered"`  // client: not matching --filter
	WouldMove     *int              `json:"wouldMove"` // client --dry-run
	Left          *int              `json:"left"`      // client: not attempted (interrupted)
	Received      *int              `json:"received"`  // client: distinct messages received
	End           *string           `json:"end"`       // client: how the drain ended
	After         *sqsengine.Counts `json:"after"`     // client: the queue's counts at the end
	FailureReason *string           `json:"failureReason"`
}

// nativeReport is the report of a native move task.
func nativeReport(queue, src, dest string, r dlq.NativeResult) redriveReport {
	status := strings.ToLower(r.Status)
	if r.Interrupted {
		status = "interrupted"
	}
	out := redriveReport{Mode: dlq.ModeNative, Queue: queue, Source: src, Status: status, Moved: r.Moved, ToMove: &r.ToMove}
	if dest != "" {
		out.Destination = &dest
	}
	if r.FailureReason != "" {
		out.FailureReason = &r.FailureReason
	}
	return out
}

// clientReport is the report of a client run.
func clientReport(queue string, s dlq.RedriveSummary) redriveReport {
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
	return redriveReport{
		Mode: s.Mode, Queue: queue, Source: s.Source, Destination: &s.Destination, Status: status, DryRun: s.DryRun,
		Moved: int64(s.Moved), Failed: &s.Failed, InBoth: &s.InBoth, Filtered: &s.Filtered, WouldMove: &s.WouldMove,
		Left: &s.Left, Received: &s.Received, End: &end, After: s.After,
	}
}

// redriveNative runs SQS's move task from src to destARN ("": each
// message's source queue) and reports its last state.
func redriveNative(ctx context.Context, e proc, a *app.App, queue, src, destURL, destARN string, rate int32) error {
	srcARN, err := sqsengine.QueueARN(ctx, a.SQS, src)
	if err != nil {
		return err
	}
	log := a.Config.Logger(e.stderr)
	n := &dlq.Native{
		SQS: a.SQS, SourceARN: srcARN, DestinationARN: destARN, Rate: rate,
		// Warnings only, as in client mode: the start is the text line above.
		Log: log.Level(max(log.GetLevel(), zerolog.WarnLevel)), Progress: dlqProgress(ctx, e, a, "redrive", src, 0),
	}
	res, err := n.Run(ctx)
	switch err = dlqReport(e.stdout, nativeReport(queue, src, destURL, res), err); {
	case err != nil:
		return err
	case res.Interrupted:
		return fmt.Errorf("interrupted: move task %s after moving ~%d; the rest is still in the dead-letter queue", res.Status, res.Moved)
	case !res.OK():
		return fmt.Errorf("move task %s (%s) after moving ~%d", res.Status, cmp.Or(res.FailureReason, "no reason given"), res.Moved)
	}
	return nil
}

// redriveClient runs r (client mode) with its audit file and reports.
func redriveClient(ctx context.Context, e proc, r *dlq.Redrive, queue, auditPath string) error {
	audit, closeAudit, err := openAudit(auditPath)
	if err != nil {
		return err
	}
	r.Audit = audit
	s, err := r.Run(ctx)
	if err = dlqReport(e.stdout, clientReport(queue, s), err, closeAudit); err != nil {
		return err
	}
	if s.Failed > 0 {
		return fmt.Errorf("%d messages failed (%d of them are in both queues); moved %d", s.Failed, s.InBoth, s.Moved)
	}
	return stopped(s.End, fmt.Sprintf("interrupted after moving %d; the rest is still in the dead-letter queue", s.Moved),
		fmt.Sprintf(" after moving %d; messages may be left in the dead-letter queue", s.Moved))
}
