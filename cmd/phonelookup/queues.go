package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// Queue defaults.
const (
	defaultQueue       = "order-committed"
	dlqSuffix          = "-dlq"
	defaultMaxReceives = 5
)

// setupQueues runs sqsengine.EnsureQueues and prints on w what it found and
// did: each queue created or found, and each attribute that differs.
func setupQueues(ctx context.Context, client sqsengine.SetupAPI, s sqsengine.QueueSpec, w io.Writer) error {
	results, err := sqsengine.EnsureQueues(ctx, client, s)
	for _, r := range results {
		if r.Created {
			fmt.Fprintf(w, "queue %s: created\n", r.Name)
			continue
		}
		if r.URL == "" { // not found: the error says why
			continue
		}
		fmt.Fprintf(w, "queue %s: exists\n", r.Name)
		for _, d := range r.Differences {
			fmt.Fprintf(w, "queue %s: %s is %s; setup sets %s\n", r.Name, d.Attribute, d.Have, d.Want)
		}
		switch {
		case r.Updated:
			fmt.Fprintf(w, "queue %s: updated %d attribute(s)\n", r.Name, len(r.Differences))
		case len(r.Differences) > 0 && !s.Update:
			fmt.Fprintf(w, "queue %s: left as it is (--update sets the values above)\n", r.Name)
		}
	}
	return err
}

// queueURL resolves a queue given by name or URL and checks that it exists:
// a missing queue is exit 3, with what to do.
func queueURL(ctx context.Context, client sqsengine.URLAPI, nameOrURL string) (string, error) {
	url, err := sqsengine.QueueURL(ctx, client, nameOrURL)
	if missing := (*types.QueueDoesNotExist)(nil); errors.As(err, &missing) {
		return "", &setupError{err: fmt.Errorf("queue %s does not exist: create it with 'phonelookup setup --queues', or name another with --queue", nameOrURL)}
	}
	return url, err
}
