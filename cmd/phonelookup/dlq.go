package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/dlq"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
	"github.com/phonelookup/phonelookup/internal/termtext"
)

// dlqFlags is a flag set for `dlq name` with --queue.
func dlqFlags(name string, e proc, c *tableFlags) (*flag.FlagSet, *string) {
	fs := newFlags("dlq "+name, e, c)
	queue := fs.String("queue", defaultQueue+dlqSuffix, "dead-letter queue NAME or URL")
	return fs, queue
}

// dlqSetup parses the flags (no positional arguments), builds the app and
// resolves the queue.
func dlqSetup(ctx context.Context, e proc, fs *flag.FlagSet, c *tableFlags, queue *string, args []string, check func() error) (*app.App, string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, "", err
	}
	if len(pos) > 0 {
		return nil, "", usagef("%s: unexpected argument %q", fs.Name(), pos[0])
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, "", err
		}
	}
	a, err := build(ctx, e, *c)
	if err != nil {
		return nil, "", err
	}
	url, err := queueURL(ctx, a.SQS, *queue)
	if err != nil {
		return nil, "", err
	}
	return a, url, nil
}

func dlqDepth(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs, queue := dlqFlags("depth", e, &c)
	a, url, err := dlqSetup(ctx, e, fs, &c, queue, args, nil)
	if err != nil {
		return err
	}
	n, err := sqsengine.QueueCounts(ctx, a.SQS, url)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d messages visible, %d in flight\n", *queue, n.Visible, n.InFlight)
	return nil
}

func dlqInspect(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs, queue := dlqFlags("inspect", e, &c)
	maxN := intFlag(fs, "max", 0, 0, math.MaxInt32, "read at most N messages (0: all)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	a, url, err := dlqSetup(ctx, e, fs, &c, queue, args, nil)
	if err != nil {
		return err
	}
	opts := dlqOptions(ctx, e, a, "inspect", url, *maxN)
	rep, err := (&dlq.Inspect{SQS: a.SQS, QueueURL: url, Max: *maxN, Processor: a.Processor, Options: opts}).Run(ctx)
	if err != nil {
		return fmt.Errorf("inspect %s: %w", *queue, err)
	}
	if *asJSON {
		err = printJSON(e.stdout, rep)
	} else {
		writeInspectText(e.stdout, rep)
	}
	if err != nil {
		return err
	}
	return stopped(rep.End, "interrupted: the report covers only the messages read so far", ": the report may not cover the whole queue")
}

// stopped is the error of a run that may not have seen the whole queue (or
// its --max): interrupted, or stopped before the queue's counts confirmed it
// was drained. Such a run exits 1; interrupted and early say why.
func stopped(end sqsengine.DrainEnd, interrupted, early string) error {
	switch end {
	case sqsengine.EndInterrupted:
		return errors.New(interrupted)
	case sqsengine.EndUnconfirmed, sqsengine.EndInFlightLimit:
		return fmt.Errorf("stopped early (end %s)%s", end, early)
	}
	return nil
}

// dlqReport ends a run: it closes what the run wrote (in order), prints the
// summary v as JSON on w, and returns the first error of the run, the
// closing and the printing.
func dlqReport(w io.Writer, v any, err error, closers ...func() error) error {
	for _, closeFn := range closers {
		if cerr := closeFn(); cerr != nil && err == nil {
			err = cerr
		}
	}
	if perr := printJSON(w, v); perr != nil && err == nil {
		err = perr
	}
	return err
}

func dlqRedrive(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs, queue := dlqFlags("redrive", e, &c)
	to := fs.String("to", "original", "destination: original (the queue that redrives to the DLQ), or a queue NAME or URL")
	mode := fs.String("mode", dlq.ModeAuto, "auto, native (SQS's move task) or client")
	maxN := intFlag(fs, "max", 0, 0, math.MaxInt32, "move at most N messages matching the filter (0: all)")
	rateFlag := fs.String("rate", "", "at most N messages per second, as N/s (default: no limit)")
	filterFlag := fs.String("filter", "", "only messages matching EXPR (key=value[,key=value...])")
	dryRun := fs.Bool("dry-run", false, "print what would move; move nothing")
	auditPath := fs.String("audit", "", "append one JSON line per message handled to FILE")
	var filter dlq.Filter
	var rate float64
	a, src, err := dlqSetup(ctx, e, fs, &c, queue, args, func() (err error) {
		if filter, err = dlq.ParseFilter(*filterFlag); err != nil {
			return usagef("--filter: %v", err)
		}
		if rate, err = dlq.ParseRate(*rateFlag); err != nil {
			return usagef("--rate: %v", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sources, err := dlq.SourceQueues(ctx, a.SQS, src)
	if err != nil {
		return err
	}
	chosen, why, err := dlq.ChooseMode(dlq.Plan{
		Mode: *mode, Sources: sources, Filter: filter, DryRun: *dryRun, Max: *maxN, Audit: *auditPath != "", Rate: rate,
	})
	if err != nil {
		return usagef("%v", err)
	}
	destURL, destARN, err := redriveDestination(ctx, a, src, *to, chosen == dlq.ModeNative && len(sources) > 1)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "redrive: %s mode (%s): %s -> %s\n", chosen, why, src, cmp.Or(destURL, "each message's source queue"))
	if chosen == dlq.ModeNative {
		return redriveNative(ctx, e, a, src, destARN, int32(rate))
	}
	r := &dlq.Redrive{
		SQS: a.SQS, Source: src, Destination: destURL, Filter: filter, Max: *maxN, Rate: rate,
		DryRun: *dryRun, DryRunOut: e.stdout, Processor: a.Processor, Options: dlqOptions(ctx, e, a, "redrive", src, *maxN),
	}
	return redriveClient(ctx, e, r, *auditPath)
}

// redriveDestination resolves --to: "original" is the one queue that
// redrives to the dead-letter queue src, or, with each set (a native move
// from a dead-letter queue of several queues), each message's own source
// queue (no URL, no ARN). A destination that is src itself is refused.
func redriveDestination(ctx context.Context, a *app.App, src, to string, each bool) (url, arn string, err error) {
	switch {
	case to == "original" && each:
		return "", "", nil
	case to == "original":
		if url, err = dlq.OriginalQueue(ctx, a.SQS, src); errors.Is(err, dlq.ErrNoOriginal) {
			return "", "", usagef("%v", err)
		}
	default:
		url, err = queueURL(ctx, a.SQS, to)
	}
	if err != nil {
		return "", "", err
	}
	if arn, err = dlq.CheckDistinct(ctx, a.SQS, src, url); err != nil {
		return "", "", usagef("%v", err)
	}
	return url, arn, nil
}

// redriveNative runs SQS's move task from src to destARN ("": each
// message's source queue) and reports its last state.
func redriveNative(ctx context.Context, e proc, a *app.App, src, destARN string, rate int32) error {
	srcARN, err := sqsengine.QueueARN(ctx, a.SQS, src)
	if err != nil {
		return err
	}
	n := &dlq.Native{
		SQS: a.SQS, SourceARN: srcARN, DestinationARN: destARN, Rate: rate,
		Log: a.Config.Logger(e.stderr), Progress: dlqProgress(ctx, e, a, "redrive", src, 0),
	}
	res, err := n.Run(ctx)
	switch err = dlqReport(e.stdout, res, err); {
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
func redriveClient(ctx context.Context, e proc, r *dlq.Redrive, auditPath string) error {
	audit, closeAudit, err := openAudit(auditPath)
	if err != nil {
		return err
	}
	r.Audit = audit
	s, err := r.Run(ctx)
	if err = dlqReport(e.stdout, s, err, closeAudit); err != nil {
		return err
	}
	if s.Failed > 0 {
		return fmt.Errorf("%d messages failed (%d of them are in both queues); moved %d", s.Failed, s.InBoth, s.Moved)
	}
	return stopped(s.End, fmt.Sprintf("interrupted after moving %d; the rest is still in the dead-letter queue", s.Moved),
		fmt.Sprintf(" after moving %d; messages may be left in the dead-letter queue", s.Moved))
}

func dlqReprocess(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs, queue := dlqFlags("reprocess", e, &c)
	filterFlag := fs.String("filter", "", "only messages matching EXPR (key=value[,key=value...])")
	maxN := intFlag(fs, "max", 0, 0, math.MaxInt32, "process at most N messages matching the filter (0: all)")
	auditPath := fs.String("audit", "", "append one JSON line per message handled to FILE")
	conc := intFlag(fs, "concurrency", 0, 0, 1000, "messages processed at once (default $CONSUMER_CONCURRENCY or 10)")
	var filter dlq.Filter
	a, url, err := dlqSetup(ctx, e, fs, &c, queue, args, func() (err error) {
		if filter, err = dlq.ParseFilter(*filterFlag); err != nil {
			return usagef("--filter: %v", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if *conc > 0 {
		a.Config.Concurrency = *conc
	}
	audit, closeAudit, err := openAudit(*auditPath)
	if err != nil {
		return err
	}
	log := a.Config.Logger(e.stderr)
	opts := dlqOptions(ctx, e, a, "reprocess", url, *maxN)
	rp := &dlq.Reprocess{SQS: a.SQS, QueueURL: url, Filter: filter, Max: *maxN, Processor: a.Processor, Batch: a.Batch(log), Audit: audit, Options: opts}
	s, err := rp.Run(ctx)
	switch err = dlqReport(e.stdout, s, err, closeAudit); {
	case err != nil:
		return err
	case s.End == sqsengine.EndInterrupted:
		return fmt.Errorf("interrupted after deleting %d; %d invalid, %d failed", s.Deleted, s.Invalid, s.Failed)
	case !s.OK():
		return fmt.Errorf("%d messages stay in the dead-letter queue (%d invalid, %d failed, %d not deleted)",
			s.Kept+s.DeleteFailed, s.Invalid, s.Failed, s.DeleteFailed)
	}
	return nil
}

func dlqExport(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs, queue := dlqFlags("export", e, &c)
	out := fs.String("out", "", "write to FILE.jsonl (must not exist; - for standard output)")
	maxN := intFlag(fs, "max", 0, 0, math.MaxInt32, "export at most N messages (0: all)")
	a, url, err := dlqSetup(ctx, e, fs, &c, queue, args, func() error {
		if *out == "" {
			return usagef("dlq export: --out FILE.jsonl is required")
		}
		return nil
	})
	if err != nil {
		return err
	}
	w, summaryTo, closeFile := e.stdout, e.stderr, func() error { return nil }
	if !isDash(*out) {
		// The file holds bodies, personal data included: owner only, and
		// never over an earlier export.
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		w, summaryTo, closeFile = f, e.stdout, func() error { return syncClose(f, "export") }
	}
	s, err := (&dlq.Export{SQS: a.SQS, QueueURL: url, Out: w, Max: *maxN, Options: dlqOptions(ctx, e, a, "export", url, *maxN)}).Run(ctx)
	if err = dlqReport(summaryTo, s, err, closeFile); err != nil {
		return err
	}
	return stopped(s.End, fmt.Sprintf("interrupted after exporting %d messages", s.Exported),
		fmt.Sprintf(" after exporting %d messages: the export may be partial", s.Exported))
}

// dlqOptions are the lease options of the CLI (the default 60 s lease), its
// logger and the progress display on stderr.
func dlqOptions(ctx context.Context, e proc, a *app.App, label, url string, maxN int) dlq.Options {
	return dlq.Options{Log: a.Config.Logger(e.stderr), Progress: dlqProgress(ctx, e, a, label, url, maxN)}
}

// dlqProgress is a progress bar when stderr is a terminal, else a line every
// few seconds; the expected total is the queue's count (or --max).
func dlqProgress(ctx context.Context, e proc, a *app.App, label, url string, maxN int) dlq.Progress {
	total := 0
	if c, err := sqsengine.QueueCounts(ctx, a.SQS, url); err == nil {
		total = c.Visible
	}
	if maxN > 0 && (total == 0 || maxN < total) {
		total = maxN
	}
	return newProgress(e.stderr, label, total)
}

// openAudit opens path for appending audit lines ("" : no audit).
func openAudit(path string) (*dlq.Audit, func() error, error) {
	if path == "" {
		return nil, func() error { return nil }, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: %w", err)
	}
	return dlq.NewAudit(f), func() error { return syncClose(f, "audit") }, nil
}

// syncClose syncs and closes f, naming what in the error.
func syncClose(f *os.File, what string) error {
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func printJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

// writeInspectText writes an inspect report for a person.
func writeInspectText(w io.Writer, r dlq.Report) {
	fmt.Fprintf(w, "%s: %d messages inspected (%s); before: %d visible, %d in flight",
		termtext.Escape(r.Queue), r.Inspected, r.End, r.Before.Visible, r.Before.InFlight)
	if r.After != nil {
		fmt.Fprintf(w, "; after: %d visible, %d in flight", r.After.Visible, r.After.InFlight)
	}
	fmt.Fprintln(w)
	for _, sec := range []struct {
		title  string
		groups []dlq.Group
	}{
		{"by reason", r.ByReason}, {"by source", r.BySource}, {"by envelope", r.ByEnvelope},
		{"by error", r.ByError}, {"by origin", r.ByOrigin},
	} {
		fmt.Fprintf(w, "\n%s:\n", sec.title)
		for _, g := range sec.groups {
			var ss []string
			for _, s := range g.Samples {
				x := cmp.Or(s.EventID, "messageId "+s.MessageID)
				if s.Phone != "" {
					x += " " + s.Phone
				}
				ss = append(ss, x)
			}
			fmt.Fprintf(w, "  %6d  %s", g.Count, termtext.Escape(g.Key))
			if len(ss) > 0 {
				fmt.Fprintf(w, "  (e.g. %s)", termtext.Escape(strings.Join(ss, ", ")))
			}
			fmt.Fprintln(w)
		}
	}
}
