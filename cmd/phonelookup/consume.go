package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/consumer/sqsworker"
)

// consumeOptions are consume's flags.
type consumeOptions struct {
	table       tableFlags
	queue       string
	concurrency *int
	untilEmpty  bool
	progress    time.Duration
	wait        time.Duration
}

// maxWait is the longest receive wait SQS takes.
const maxWait = 20 * time.Second

func newConsumeCmd(e proc) *cobra.Command {
	var o consumeOptions
	cmd := &cobra.Command{
		Use:   "consume",
		Short: "long-poll worker: process, delete what succeeded",
		Long: `consume receives messages from the queue, runs them through the pipeline and
deletes those that succeeded; a failed or invalid message is left for SQS to
deliver again (and, after maxReceiveCount, to move to the dead-letter
queue). It checks that the table and the queue exist before it receives
anything (exit 3 if not). SIGINT or SIGTERM: stop receiving, finish what is
in flight, delete what succeeded, exit 0. With --until-empty it exits once
the queue is empty: 0 when every message was deleted, 1 when any failed or
was left in the queue.

--wait is the receive's long-poll wait: 20s as on AWS, where a receive
returns as soon as a message is there. An emulator may hold the receive
until it has 10 messages or the wait ends: use a short wait (1s) locally.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConsume(cmd, e, o, cmd.Flags().Changed("wait"))
		},
	}
	fs := cmd.Flags()
	addTableFlags(fs, &o.table)
	fs.StringVar(&o.queue, "queue", defaultQueue, "queue NAME or URL")
	o.concurrency = intFlag(fs, "concurrency", 0, 0, 1000, "messages processed at once (default $CONSUMER_CONCURRENCY or 10)")
	fs.BoolVar(&o.untilEmpty, "until-empty", false, "exit once the queue is empty and nothing is in flight")
	fs.DurationVar(&o.progress, "progress", 5*time.Second, "interval of the progress lines on stderr")
	fs.DurationVar(&o.wait, "wait", maxWait, "receive wait, 0s to 20s; 0s: short polling; 1s when --until-empty is given without --wait")
	return cmd
}

func runConsume(cmd *cobra.Command, e proc, o consumeOptions, waitSet bool) error {
	ctx := cmd.Context()
	if o.wait < 0 || o.wait > maxWait {
		return usagef("--wait %s: want 0s to 20s", o.wait)
	}
	a, err := buildTableFor(ctx, e, o.table, app.FaceWorker)
	if err != nil {
		return err
	}
	if *o.concurrency > 0 {
		a.Config.Concurrency = *o.concurrency
	}
	url, err := queueURL(ctx, a.SQS, o.queue)
	if err != nil {
		return err
	}
	w := &sqsworker.Worker{
		SQS: a.SQS, QueueURL: url, Processor: a.Processor, Concurrency: a.Config.Concurrency,
		UntilEmpty: o.untilEmpty, Log: a.Config.Logger(e.stderr), Progress: e.stderr, ProgressEvery: o.progress,
	}
	if waitSet || !o.untilEmpty {
		w.WaitTime = max(o.wait, time.Millisecond) // under 1s: short polling
	}
	start := time.Now()
	stats, err := w.Run(ctx)
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(e.stderr, "consume: done in %s: %d received, %d deleted, %d delete failures, %d visibility extensions, %.0f events/s\n",
		el.Round(time.Millisecond), stats.Received, stats.Deleted, stats.DeleteFailed, stats.Extended, float64(stats.Events)/el.Seconds())
	reportThrottled(e, "consume", a.ThrottledRetries(),
		fmt.Sprintf(", %d messages postponed, concurrency down to %d", stats.Postponed, stats.MinConcurrency))
	out, err := json.Marshal(stats.Summary)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, string(out))
	if o.untilEmpty && (!stats.Summary.OK() || stats.DeleteFailed > 0) {
		return fmt.Errorf("%d invalid, %d failed, %d not deleted of %d messages: left in the queue for a retry (or the dead-letter queue)",
			stats.Invalid, stats.Failed, stats.DeleteFailed, stats.Received)
	}
	return nil
}

// reportThrottled tells on stderr how much throttling a command rode
// through (nothing when there was none): n DynamoDB attempts throttled and
// retried, then more.
func reportThrottled(e proc, name string, n int64, more string) {
	if n > 0 {
		fmt.Fprintf(e.stderr, "%s: %d throttled requests retried%s\n", name, n, more)
	}
}
