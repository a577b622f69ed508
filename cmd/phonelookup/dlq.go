package main

import (
	"context"
	"fmt"
)

// cmdDLQ is the start of the dead-letter tools: `dlq depth`.
func cmdDLQ(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "depth" {
		return usageError("usage: phonelookup dlq depth --queue NAME|URL")
	}
	var c common
	fs := newFlags("dlq depth", e, &c)
	queue := fs.String("queue", defaultQueue+dlqSuffix, "queue NAME or URL")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	a, err := build(ctx, e, c)
	if err != nil {
		return err
	}
	url, err := queueURL(ctx, a.SQS, *queue)
	if err != nil {
		return err
	}
	visible, inFlight, err := queueDepth(ctx, a.SQS, url)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d messages visible, %d in flight\n", *queue, visible, inFlight)
	return nil
}
