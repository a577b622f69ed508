package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

func newSetupCmd(e proc) *cobra.Command {
	var c tableFlags
	var q sqsengine.QueueSpec
	var queues bool
	var maxReceives, visibility *int
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "create the table and its index (and the queues) where missing; never change what exists without --update",
		Long: `setup creates the table and its index, and with --queues the queue and its
dead-letter queue, where they are missing. An existing table is checked (its
keys and index). An existing queue is left as it is: each attribute that
differs from what setup would set is printed, and --update sets them (after
printing them).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if q.DLQ == "" {
				q.DLQ = q.Name + dlqSuffix
			}
			q.MaxReceives, q.Visibility = *maxReceives, time.Duration(*visibility)*time.Second
			return runSetup(cmd, e, c, queues, q)
		},
	}
	fs := cmd.Flags()
	addTableFlags(fs, &c)
	fs.BoolVar(&queues, "queues", false, "also create the queue and its dead-letter queue")
	fs.StringVar(&q.Name, "queue", defaultQueue, "queue name (with --queues)")
	fs.StringVar(&q.DLQ, "dlq", "", "dead-letter queue name (default QUEUE-dlq)")
	maxReceives = intFlag(fs, "max-receives", defaultMaxReceives, 1, 1000, "receives before SQS moves a message to the dead-letter queue")
	visibility = intFlag(fs, "visibility-timeout", 30, 1, 43200, "queue visibility timeout in seconds (at least 6x the Lambda timeout on AWS)")
	fs.BoolVar(&q.Update, "update", false, "set the attributes of existing queues that differ (printed first)")
	return cmd
}

func runSetup(cmd *cobra.Command, e proc, c tableFlags, queues bool, q sqsengine.QueueSpec) error {
	ctx := cmd.Context()
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
	if !queues {
		return nil
	}
	return setupQueues(ctx, a.SQS, q, e.stdout)
}
