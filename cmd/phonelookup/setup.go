package main

import (
	"context"
	"fmt"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
)

func cmdSetup(ctx context.Context, e env, args []string) error {
	var c common
	fs := newFlags("setup", e, &c)
	queues := fs.Bool("queues", false, "also create the queue and its dead-letter queue")
	var q queueOptions
	fs.StringVar(&q.name, "queue", defaultQueue, "queue name (with --queues)")
	fs.StringVar(&q.dlq, "dlq", "", "dead-letter queue name (default QUEUE-dlq)")
	fs.IntVar(&q.maxReceives, "max-receives", defaultMaxReceives, "receives before SQS moves a message to the dead-letter queue")
	fs.IntVar(&q.visibility, "visibility-timeout", 30, "queue visibility timeout in seconds (at least 6x the Lambda timeout on AWS)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("setup takes no arguments")
	}
	if q.maxReceives < 1 || q.maxReceives > 1000 {
		return usageError("--max-receives must be from 1 to 1000")
	}
	if q.visibility < 1 || q.visibility > 43200 {
		return usageError("--visibility-timeout must be from 1 to 43200 seconds")
	}
	if q.dlq == "" {
		q.dlq = q.name + dlqSuffix
	}
	a, err := build(ctx, e, c)
	if err != nil {
		return err
	}
	created, err := a.Store.CreateTable(ctx, app.SetupTimeout)
	if err != nil {
		return err
	}
	state := "exists"
	if created {
		state = "created"
	}
	fmt.Fprintf(e.stdout, "table %s (index %s): %s\n", a.Config.Table, a.Config.Index, state)
	if !*queues {
		return nil
	}
	url, dlqURL, err := setupQueues(ctx, a.SQS, q)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "queue %s: %s (maxReceiveCount %d, visibility %ds)\n", q.name, url, q.maxReceives, q.visibility)
	fmt.Fprintf(e.stdout, "dead-letter queue %s: %s\n", q.dlq, dlqURL)
	return nil
}
