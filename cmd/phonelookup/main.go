// Command phonelookup is the ops CLI of the phone lookup service. Its
// commands (commands.go holds the table that the usage text and the help
// come from):
//
//   - setup: create the table and its index, and with --queues the queue and
//     its dead-letter queue;
//   - process: run events (JSON lines, any envelope) through the pipeline
//     without a queue, for backfills;
//   - validate: check events against the contract (decoder and schema), with
//     no AWS, for a producer's CI;
//   - find: the customers linked to a phone number;
//   - unlink: hide the link between a customer and a phone number;
//   - publish: send events to a queue;
//   - consume: the long-poll queue worker;
//   - dlq: look at and replay a dead-letter queue (depth, inspect, redrive,
//     reprocess, export);
//   - forget: erase a customer (every link; a tombstone keeps later events out);
//   - import-legacy: link the legacy lookup records of the shared table;
//   - report: reports for ops (shared: the numbers linked to the most customers);
//   - serve: the find-by-phone HTTP API on loopback, for local work;
//   - version and help.
//
// Configuration comes from the environment (LOOKUP_TABLE, LOOKUP_INDEX,
// PHONE_DEFAULT_REGION, CONSUMER_CONCURRENCY, CONSUMER_MAX_CLOCK_SKEW,
// IGNORE_PHONES, LINK_RETENTION, LINK_TTL_ATTRIBUTE, API_SEARCH_MAX_READ,
// LOG_LEVEL and the AWS SDK's own variables); flags override it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/internal/termtext"
)

// version is stamped by make build (-X main.version=...).
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second SIGINT or SIGTERM ends the process at once
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode prints err (if it says something), escaped for the terminal,
// and returns the exit status: 0 for help, 2 for a usage error, else 1.
func exitCode(err error, stderr io.Writer) int {
	code := 1
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		code = 2
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintln(stderr, "phonelookup:", termtext.Escape(msg))
	}
	return code
}

// proc is what a command gets from the process that runs it: the
// environment (getenv) and the standard streams.
type proc struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// run runs the command in args; it is main without the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := proc{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	err := dispatch(ctx, e, "", commands(), args)
	if ue := (*usageError)(nil); errors.As(err, &ue) && ue.err != nil {
		ue.err = errors.New(clipEcho(ue.err.Error(), args)) // a value typed can be long, wherever it is quoted
	}
	return err
}

// build wires the app from the environment and the table flags, with the
// CLI's retries.
func build(ctx context.Context, e proc, c tableFlags) (*app.App, error) {
	return buildFor(ctx, e, c, app.FaceCLI)
}

// buildFor is build for the face of a command that serves like another
// binary (consume as the worker, serve as the API).
func buildFor(ctx context.Context, e proc, c tableFlags, face app.Face) (*app.App, error) {
	cfg, err := app.FromEnv(e.getenv)
	if err != nil {
		return nil, err
	}
	cfg.Face = face
	if c.table != "" {
		cfg.Table = c.table
	}
	if c.index != "" {
		cfg.Index = c.index
	}
	return app.Build(ctx, cfg)
}

// isDash reports whether name is "-": standard input for a file to read,
// standard output for one to write.
func isDash(name string) bool { return strings.TrimSpace(name) == "-" }
