package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/consumer/sqsworker"
)

func cmdConsume(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs := newFlags("consume", e, &c)
	queue := fs.String("queue", defaultQueue, "queue NAME or URL")
	conc := intFlag(fs, "concurrency", 0, 0, 1000, "messages processed at once (default $CONSUMER_CONCURRENCY or 10)")
	untilEmpty := fs.Bool("until-empty", false, "exit once the queue is empty and nothing is in flight")
	progress := fs.Duration("progress", 5*time.Second, "interval of the progress lines on stderr")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("consume takes no arguments")
	}
	a, err := buildFor(ctx, e, c, app.FaceWorker)
	if err != nil {
		return err
	}
	if *conc > 0 {
		a.Config.Concurrency = *conc
	}
	url, err := queueURL(ctx, a.SQS, *queue)
	if err != nil {
		return err
	}
	w := &sqsworker.Worker{
		SQS: a.SQS, QueueURL: url, Processor: a.Processor, Concurrency: a.Config.Concurrency,
		UntilEmpty: *untilEmpty, Log: a.Config.Logger(e.stderr), Progress: e.stderr, ProgressEvery: *progress,
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
