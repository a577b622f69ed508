// Command consumer is the Lambda function (bootstrap, provided.al2023) that
// consumes OrderCommitted events from SQS (partial batch responses) or
// directly from EventBridge, and writes phone lookup links.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/consumer"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(1)
	}
}

// run wires the handler from the environment and starts the Lambda runtime
// loop, which does not return.
func run(ctx context.Context, _ []string, getenv func(string) string, _, stderr io.Writer) error {
	h, err := newHandler(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	lambda.StartWithOptions(h.Invoke, lambda.WithContext(ctx))
	return nil
}

// newHandler builds the Lambda handler; logs go to stderr as JSON.
func newHandler(ctx context.Context, getenv func(string) string, stderr io.Writer) (*consumer.Handler, error) {
	cfg, err := app.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	a, err := app.Build(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &consumer.Handler{Batch: a.Batch(cfg.Logger(stderr))}, nil
}
