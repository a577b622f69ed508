// Command consumer is the Lambda function (bootstrap, provided.al2023) that
// consumes OrderCommitted events from SQS (partial batch responses) or
// directly from EventBridge, and writes phone lookup links.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/emf"
	"github.com/phonelookup/phonelookup/consumer/lambdahandler"
)

// version is stamped by make build (-X main.version=...).
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(1)
	}
}

// run wires the handler from the environment and starts the Lambda runtime
// loop, which does not return.
func run(ctx context.Context, _ []string, getenv func(string) string, stdout, stderr io.Writer) error {
	h, err := newHandler(ctx, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	lambda.StartWithOptions(h.Invoke, lambda.WithContext(ctx))
	return nil
}

// newHandler builds the Lambda handler: logs go to stderr as JSON, EMF
// metric lines to stdout; both end in the function's log group.
func newHandler(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) (*lambdahandler.Handler, error) {
	cfg, err := app.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	cfg.Face = app.FaceLambda
	a, err := app.Build(ctx, cfg)
	if err != nil {
		return nil, err
	}
	visibility, err := queueVisibility(getenv)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger(stderr).With().Str("version", version).Logger()
	b := a.Batch(log)
	return &lambdahandler.Handler{Batch: b, SQS: a.SQS, Backoff: consumer.RetryBackoff{Min: visibility},
		Metrics: &emf.Metrics{Namespace: cfg.MetricsNamespace, Dimensions: cfg.MetricsDimensions, W: stdout}}, nil
}

// queueVisibility reads CONSUMER_QUEUE_VISIBILITY (the queue's visibility
// timeout in seconds, set by the template; unset: 0), the floor of the
// backoff of a message that failed for a transient reason: a backoff never
// brings it back sooner than the queue would have.
func queueVisibility(getenv func(string) string) (time.Duration, error) {
	v := getenv("CONSUMER_QUEUE_VISIBILITY")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 43200 {
		return 0, fmt.Errorf("CONSUMER_QUEUE_VISIBILITY=%q: want whole seconds from 0 to 43200", v)
	}
	return time.Duration(n) * time.Second, nil
}
