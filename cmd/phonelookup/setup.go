package main

import (
	"context"
	"fmt"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
)

func cmdSetup(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs := newFlags("setup", e, &c)
	queues := fs.Bool("queues", false, "also create the queue and its dead-letter queue")
	var q queueOptions
	fs.StringVar(&q.name, "queue", defaultQueue, "queue name (with --queues)")
	fs.StringVar(&q.dlq, "dlq", "", "dead-letter queue name (default QUEUE-dlq)")
	maxReceives := intFlag(fs, "max-receives", defaultMaxReceives, 1, 1000, "receives before SQS moves a message to the dead-letter queue")
	visibility := intFlag(fs, "visibility-timeout", 30, 1, 43200, "queue visibility timeout in seconds (at least 6x the Lambda timeout on AWS)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("setup takes no arguments")
	}
	q.maxReceives, q.visibility = *maxReceives, *visibility
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
