package main

import (
	"cmp"
	"context"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/dlq"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

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
	switch err = dlqReport(e.stdout, res.Report(queue, src, destURL), err); {
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
	if err = dlqReport(e.stdout, s.Report(queue), err, closeAudit); err != nil {
		return err
	}
	if s.Failed > 0 {
		return fmt.Errorf("%d messages failed (%d of them are in both queues); moved %d", s.Failed, s.InBoth, s.Moved)
	}
	return stopped(s.End, fmt.Sprintf("interrupted after moving %d; the rest is still in the dead-letter queue", s.Moved),
		fmt.Sprintf(" after moving %d; messages may be left in the dead-letter queue", s.Moved))
}
