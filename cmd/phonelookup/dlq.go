package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/dlq"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
	"github.com/phonelookup/phonelookup/internal/termtext"
)

const filterHelp = `--filter: comma-separated key=value terms, all must match; keys eventId, orderId,
source, eventType, reason (the invalid field, like order.id, or "valid", or "body");
a value ending in * matches by prefix.`

func newDLQCmd(e proc) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq COMMAND",
		Short: "look at and replay a dead-letter queue",
	}
	cmd.AddCommand(newDLQDepthCmd(e), newDLQInspectCmd(e), newDLQRedriveCmd(e), newDLQReprocessCmd(e), newDLQExportCmd(e))
	return cmd
}

// dlqCommand is a `dlq` command with --queue (the dead-letter queue); run
// gets the app and the queue's URL.
func dlqCommand(e proc, use, short, long string, c *tableFlags, check func() error,
	run func(ctx context.Context, a *app.App, url string) error) (*cobra.Command, *string) {
	queue := new(string)
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := noArgs(cmd, args); err != nil || check == nil {
				return err
			}
			return check()
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			a, url, err := dlqApp(ctx, e, c, *queue)
			if err != nil {
				return err
			}
			return run(ctx, a, url)
		},
	}
	cmd.Flags().StringVar(queue, "queue", defaultQueue+dlqSuffix, "dead-letter queue NAME or URL")
	if c != nil {
		addTableFlags(cmd.Flags(), c)
	}
	return cmd, queue
}

// dlqApp builds the app (checking the table when c is not nil: the command
// writes to it) and resolves the queue.
func dlqApp(ctx context.Context, e proc, c *tableFlags, queue string) (*app.App, string, error) {
	var a *app.App
	var err error
	if c != nil {
		a, err = buildTable(ctx, e, *c)
	} else {
		a, err = build(ctx, e, tableFlags{})
	}
	if err != nil {
		return nil, "", err
	}
	url, err := queueURL(ctx, a.SQS, queue)
	if err != nil {
		return nil, "", err
	}
	return a, url, nil
}

func newDLQDepthCmd(e proc) *cobra.Command {
	var queue *string
	cmd, queue := dlqCommand(e, "depth", "the number of messages visible and in flight in a (dead-letter) queue", "", nil, nil,
		func(ctx context.Context, a *app.App, url string) error {
			n, err := sqsengine.QueueCounts(ctx, a.SQS, url)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: %d messages visible, %d in flight\n", *queue, n.Visible, n.InFlight)
			return nil
		})
	return cmd
}

func newDLQInspectCmd(e proc) *cobra.Command {
	var maxN *int
	var asJSON bool
	var queue *string
	cmd, queue := dlqCommand(e, "inspect", "read without consuming: counts by failure reason, source, envelope and error attributes, with samples",
		`inspect reads the dead-letter queue without consuming it (each message is
received and let go) and counts the messages by the processor's verdict (the
same as process --dry-run), source, envelope and error attributes, with
samples.`, nil, nil,
		func(ctx context.Context, a *app.App, url string) error {
			return dlqInspect(ctx, e, a, *queue, url, *maxN, asJSON)
		})
	maxN = intFlag(cmd.Flags(), "max", 0, 0, math.MaxInt32, "read at most N messages (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func dlqInspect(ctx context.Context, e proc, a *app.App, queue, url string, maxN int, asJSON bool) error {
	opts := dlqOptions(ctx, e, a, "inspect", url, maxN)
	rep, err := (&dlq.Inspect{SQS: a.SQS, QueueURL: url, Queue: queue, Max: maxN, Processor: a.Processor, Options: opts}).Run(ctx)
	if err != nil {
		return fmt.Errorf("inspect %s: %w", queue, err)
	}
	if asJSON {
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

// redriveOptions are the flags of dlq redrive.
type redriveOptions struct {
	to, mode, rate, filter, audit string
	max                           *int
	dryRun                        bool
}

func newDLQRedriveCmd(e proc) *cobra.Command {
	var o redriveOptions
	var filter dlq.Filter
	var rate float64
	var queue *string
	check := func() (err error) {
		if filter, err = dlq.ParseFilter(o.filter); err != nil {
			return usagef("--filter: %v", err)
		}
		if rate, err = dlq.ParseRate(o.rate); err != nil {
			return usagef("--rate: %v", err)
		}
		return nil
	}
	cmd, queue := dlqCommand(e, "redrive", "move messages back (or elsewhere); a message is never lost (at least once)",
		"redrive moves the messages of the dead-letter queue back to their queue (or --to\nanother); a message is never in neither queue.\n\n"+filterHelp, nil, check,
		func(ctx context.Context, a *app.App, src string) error {
			return dlqRedrive(ctx, e, a, *queue, src, o, filter, rate)
		})
	fs := cmd.Flags()
	fs.StringVar(&o.to, "to", "original", "destination: original (the queue that redrives to the DLQ), or a queue NAME or URL")
	fs.StringVar(&o.mode, "mode", dlq.ModeAuto, "auto, native (SQS's move task) or client")
	o.max = intFlag(fs, "max", 0, 0, math.MaxInt32, "move at most N messages matching the filter (0: all)")
	fs.StringVar(&o.rate, "rate", "", "at most N messages per second, as N/s (default: no limit)")
	fs.StringVar(&o.filter, "filter", "", "only messages matching EXPR (key=value[,key=value...])")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print what would move; move nothing")
	fs.StringVar(&o.audit, "audit", "", "append one JSON line per message handled to FILE")
	return cmd
}

func dlqRedrive(ctx context.Context, e proc, a *app.App, queue, src string, o redriveOptions, filter dlq.Filter, rate float64) error {
	sources, err := dlq.SourceQueues(ctx, a.SQS, src)
	if err != nil {
		return err
	}
	chosen, why, err := dlq.ChooseMode(dlq.Plan{
		Mode: o.mode, Sources: sources, Filter: filter, DryRun: o.dryRun, Max: *o.max, Audit: o.audit != "", Rate: rate,
	})
	if err != nil {
		return usagef("%v", err)
	}
	destURL, destARN, err := redriveDestination(ctx, a, src, o.to, chosen == dlq.ModeNative && len(sources) > 1)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "redrive: %s mode (%s): %s -> %s\n", chosen, why, src, cmp.Or(destURL, "each message's source queue"))
	if chosen == dlq.ModeNative {
		return redriveNative(ctx, e, a, queue, src, destURL, destARN, int32(rate))
	}
	r := &dlq.Redrive{
		SQS: a.SQS, Source: src, Destination: destURL, Filter: filter, Max: *o.max, Rate: rate,
		DryRun: o.dryRun, DryRunOut: e.stdout, Processor: a.Processor, Options: dlqOptions(ctx, e, a, "redrive", src, *o.max),
	}
	return redriveClient(ctx, e, r, queue, o.audit)
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

func newDLQReprocessCmd(e proc) *cobra.Command {
	var c tableFlags
	var filterFlag, auditPath string
	var maxN, conc *int
	var filter dlq.Filter
	check := func() (err error) {
		if filter, err = dlq.ParseFilter(filterFlag); err != nil {
			return usagef("--filter: %v", err)
		}
		return nil
	}
	cmd, _ := dlqCommand(e, "reprocess", "run messages through the pipeline, delete those that succeed",
		"reprocess runs the messages of the dead-letter queue through the pipeline and\ndeletes those that succeed; exit 1 when any stays.\n\n"+filterHelp, &c, check,
		func(ctx context.Context, a *app.App, url string) error {
			if *conc > 0 {
				a.Config.Concurrency = *conc
			}
			return dlqReprocess(ctx, e, a, url, filter, *maxN, auditPath)
		})
	fs := cmd.Flags()
	fs.StringVar(&filterFlag, "filter", "", "only messages matching EXPR (key=value[,key=value...])")
	maxN = intFlag(fs, "max", 0, 0, math.MaxInt32, "process at most N messages matching the filter (0: all)")
	fs.StringVar(&auditPath, "audit", "", "append one JSON line per message handled to FILE")
	conc = intFlag(fs, "concurrency", 0, 0, 1000, "messages processed at once (default $CONSUMER_CONCURRENCY or 10)")
	return cmd
}

func dlqReprocess(ctx context.Context, e proc, a *app.App, url string, filter dlq.Filter, maxN int, auditPath string) error {
	audit, closeAudit, err := openAudit(auditPath)
	if err != nil {
		return err
	}
	log := a.Config.Logger(e.stderr)
	opts := dlqOptions(ctx, e, a, "reprocess", url, maxN)
	rp := &dlq.Reprocess{SQS: a.SQS, QueueURL: url, Filter: filter, Max: maxN, Processor: a.Processor, Batch: a.Batch(log), Audit: audit, Options: opts}
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

func newDLQExportCmd(e proc) *cobra.Command {
	var out string
	var maxN *int
	check := func() error {
		if out == "" {
			return usagef("--out FILE.jsonl is required")
		}
		return nil
	}
	cmd, _ := dlqCommand(e, "export", "copy bodies and attributes without consuming; process and validate read the file",
		"", nil, check, func(ctx context.Context, a *app.App, url string) error {
			return dlqExport(ctx, e, a, url, out, *maxN)
		})
	cmd.Flags().StringVar(&out, "out", "", "write to FILE.jsonl (must not exist; - for standard output)")
	maxN = intFlag(cmd.Flags(), "max", 0, 0, math.MaxInt32, "export at most N messages (0: all)")
	return cmd
}

func dlqExport(ctx context.Context, e proc, a *app.App, url, out string, maxN int) error {
	w, summaryTo, closeFile := e.stdout, e.stderr, func() error { return nil }
	if !isDash(out) {
		// The file holds bodies, personal data included: owner only, and
		// never over an earlier export.
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		w, summaryTo, closeFile = f, e.stdout, func() error { return syncClose(f, "export") }
	}
	s, err := (&dlq.Export{SQS: a.SQS, QueueURL: url, Out: w, Max: maxN, Options: dlqOptions(ctx, e, a, "export", url, maxN)}).Run(ctx)
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
	return newProgress(e.stderr, label, "messages", total)
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

// endWords says how a read of a queue ended, for a person.
var endWords = map[sqsengine.DrainEnd]string{
	sqsengine.EndDrained:       "every message read; none consumed",
	sqsengine.EndMax:           "--max reached; none consumed",
	sqsengine.EndInterrupted:   "interrupted; none consumed",
	sqsengine.EndUnconfirmed:   "stopped: the queue's counts did not confirm every message was read",
	sqsengine.EndInFlightLimit: "stopped: SQS's limit of messages in flight",
}

// writeInspectText writes an inspect report for a person: the sections
// that have something.
func writeInspectText(w io.Writer, r dlq.Report) {
	fmt.Fprintf(w, "%s: %d messages inspected (%s); before: %d visible, %d in flight",
		termtext.Escape(r.Queue), r.Inspected, cmp.Or(endWords[r.End], string(r.End)), r.Before.Visible, r.Before.InFlight)
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
		if len(sec.groups) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", sec.title)
		for _, g := range sec.groups {
			writeGroup(w, g)
		}
	}
}

// writeGroup writes one line of an inspect section: the count, the key and
// samples.
func writeGroup(w io.Writer, g dlq.Group) {
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
