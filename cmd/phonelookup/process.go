package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/spf13/cobra"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/dlq"
	"github.com/phonelookup/phonelookup/internal/termtext"
)

func newProcessCmd(e proc) *cobra.Command {
	var c tableFlags
	var conc *int
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "process [FILE|-]...",
		Short: "run events (JSON lines, any envelope) through the pipeline",
		Long: `process runs every JSON line of the files (standard input by default) through
the pipeline, as consume runs a message: for backfills, and to replay a
'dlq export' file (a line of it is run as its body). One stderr line per
invalid or failed line (its number and the reason, never the content); a
JSON summary on stdout. Exit 0 when no line was invalid or failed, else 1.

--dry-run writes nothing and needs no table: one line on stdout per event
with the processor's verdict, the one dlq inspect groups by ("valid: would
link", "valid: would skip (reason)", "invalid: field"), then a JSON summary;
exit 1 if any line is invalid.`,
		RunE: func(cmd *cobra.Command, files []string) error {
			if dryRun {
				return runDryRun(cmd.Context(), e, c, files)
			}
			return runProcess(cmd.Context(), e, c, *conc, files)
		},
	}
	addTableFlags(cmd.Flags(), &c)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the processor's verdict of each line (as dlq inspect gives it); write nothing")
	conc = intFlag(cmd.Flags(), "concurrency", 0, 0, 1000, "events processed at once (default $CONSUMER_CONCURRENCY or 10)")
	return cmd
}

func runProcess(ctx context.Context, e proc, c tableFlags, conc int, files []string) error {
	if len(files) == 0 {
		files = []string{"-"}
	}
	a, err := buildTable(ctx, e, c)
	if err != nil {
		return err
	}
	if conc > 0 {
		a.Config.Concurrency = conc
	}
	b := a.Batch(a.Config.Logger(e.stderr))
	var sum consumer.Summary
	for _, name := range files {
		if err := processFile(ctx, e, b, name, &sum); err != nil {
			return err
		}
	}
	out, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, string(out))
	if !sum.OK() {
		return fmt.Errorf("%d invalid, %d failed of %d events", sum.Invalid, sum.Failed, sum.Events)
	}
	return nil
}

// processFile runs the JSON lines of name ("-": standard input) through b
// (dlq.Replay), adding to sum and printing one line per invalid or failed
// event (the line number and the reason, never the content).
func processFile(ctx context.Context, e proc, b *consumer.Batch, name string, sum *consumer.Summary) error {
	return withInput(e, name, func(r io.Reader, label string) error {
		label = termtext.Escape(label)
		return dlq.Replay(ctx, r, b, func(n int, res consumer.Result) {
			sum.Add(res.Outcome)
			switch {
			case !res.Outcome.OK():
				fmt.Fprintf(e.stderr, "%s:%d: %s: %s\n", label, n, res.Outcome, termtext.Escape(fmt.Sprint(res.Err)))
			case res.Warning == consumer.WarnNoDropoff && res.Outcome == consumer.Skipped:
				fmt.Fprintf(e.stderr, "%s:%d: warning: delivery order %s has no dropoff phone and no usable account phone; nothing linked\n", label, n, termtext.Escape(res.OrderID))
			case res.Warning == consumer.WarnNoDropoff:
				fmt.Fprintf(e.stderr, "%s:%d: warning: delivery order %s has no dropoff phone; linked the account phone\n", label, n, termtext.Escape(res.OrderID))
			}
		})
	})
}

// dryRunStats is the summary of process --dry-run.
type dryRunStats struct {
	Events  int `json:"events"`
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
}

// runDryRun prints the verdict of each line, as dlq inspect gives it
// (dlq.Describe, dlq.Info.Verdict), writing nothing.
func runDryRun(ctx context.Context, e proc, c tableFlags, files []string) error {
	if len(files) == 0 {
		files = []string{"-"}
	}
	a, err := build(ctx, e, c)
	if err != nil {
		return err
	}
	var st dryRunStats
	for _, name := range files {
		err := eachLine(e, name, func(label string, n int, line []byte, lineErr error) {
			st.Events++
			if lineErr == nil {
				line, lineErr = dlq.LineBody(line)
			}
			if lineErr != nil {
				st.Invalid++
				fmt.Fprintf(e.stdout, "%s:%d: invalid: %s\n", termtext.Escape(label), n, termtext.Escape(lineErr.Error()))
				return
			}
			info := dlq.Describe(a.Processor, types.Message{MessageId: aws.String(fmt.Sprint(n)), Body: aws.String(string(line))})
			verdict, phone := info.Verdict()
			if info.Valid() {
				st.Valid++
			} else {
				st.Invalid++
			}
			fmt.Fprintf(e.stdout, "%s:%d: %s%s\n", termtext.Escape(label), n, termtext.Escape(verdict), dryRunIDs(info, phone))
		})
		if err != nil {
			return err
		}
	}
	if err := printJSON(e.stdout, st); err != nil {
		return err
	}
	if st.Invalid > 0 {
		return fmt.Errorf("%d of %d events invalid (dry run: nothing written)", st.Invalid, st.Events)
	}
	return nil
}

// dryRunIDs are the identifiers of a verdict line: eventId, orderId, the
// masked phone and the error (which never quotes personal data), quoted.
func dryRunIDs(info dlq.Info, phone string) string {
	var b strings.Builder
	for _, kv := range [][2]string{{"eventId", info.EventID}, {"orderId", info.OrderID}, {"phone", phone}, {"error", info.Error}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " %s=%s", kv[0], termtext.Escape(strconv.Quote(kv[1])))
		}
	}
	return b.String()
}
