// Command phonelookup is the ops CLI of the phone lookup service. Its
// commands (root.go builds the tree; the help, docs/CLI.md and the shell
// completion all come from it):
//
//   - setup: create the table and its index, and with --queues the queue and
//     its dead-letter queue, if absent (never changes what exists without --update);
//   - process: run events (JSON lines, any envelope) through the pipeline
//     without a queue, for backfills (--dry-run: the verdicts only);
//   - validate: check events against the contract (decoder and schema), with
//     no AWS, for a producer's CI;
//   - find: the customers linked to a phone number;
//   - phones: the phone numbers of a customer;
//   - unlink: hide the link between a customer and a phone number;
//   - publish: send events to a queue;
//   - consume: the long-poll queue worker;
//   - dlq: look at and replay a dead-letter queue (depth, inspect, redrive,
//     reprocess, export);
//   - forget: erase a customer (every link; a tombstone keeps later events out);
//   - import-legacy: link the legacy lookup records of the shared table;
//   - report: reports for ops (shared: the numbers linked to the most customers);
//   - serve: the find-by-phone HTTP API on loopback, for local work;
//   - completion: the shell completion script (bash, zsh, fish, powershell);
//   - version and help.
//
// Configuration comes from the environment (LOOKUP_TABLE, LOOKUP_INDEX,
// PHONE_DEFAULT_REGION, CONSUMER_CONCURRENCY, CONSUMER_MAX_CLOCK_SKEW,
// IGNORE_PHONES, LINK_RETENTION, LINK_TTL_ATTRIBUTE, API_SEARCH_MAX_READ,
// LOG_LEVEL and the AWS SDK's own variables); flags override it.
//
// Exit status: 0 all done, 1 something failed and was left for a retry, 2 a
// usage error, 3 the configuration, the table or a queue is not there.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

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

// Exit statuses: one meaning each, for every command.
const (
	exitOK     = 0 // all done
	exitFailed = 1 // something failed and was left for a retry
	exitUsage  = 2 // the command line cannot be run
	exitSetup  = 3 // the configuration, the table or a queue is not there
)

// cmdError is the error of a command, with the command's path
// ("phonelookup dlq inspect") for the message.
type cmdError struct {
	path string
	err  error
}

func (e *cmdError) Error() string { return e.path + ": " + e.err.Error() }

func (e *cmdError) Unwrap() error { return e.err }

// exitCode prints err, escaped for the terminal, on one line (a usage error
// points at the command's -h) and returns the exit status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	code, msg := exitFailed, err.Error()
	var ue *usageError
	var se *setupError
	var noTable *ddbtypes.ResourceNotFoundException
	var noQueue *sqstypes.QueueDoesNotExist
	switch {
	case errors.As(err, &ue):
		code = exitUsage
		msg += fmt.Sprintf("; see '%s -h'", ue.path)
	case errors.As(err, &se), errors.As(err, &noTable), errors.As(err, &noQueue):
		code = exitSetup
	}
	fmt.Fprintln(stderr, termtext.Escape(msg))
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
	path := "phonelookup"
	err := checkArgs(args)
	if err == nil {
		root := newRoot(e)
		root.SetArgs(args)
		var c interface{ CommandPath() string }
		c, err = root.ExecuteContextC(ctx)
		if c != nil {
			path = c.CommandPath()
		}
	}
	if err == nil {
		return nil
	}
	if ue := (*usageError)(nil); errors.As(err, &ue) {
		ue.err = errors.New(clipEcho(ue.err.Error(), args)) // a value typed can be long, wherever it is quoted
		ue.path = path
	}
	return &cmdError{path: path, err: err}
}

// config reads the configuration with the table flags over it: exit 3 when
// the environment is wrong.
func config(e proc, c tableFlags) (app.Config, error) {
	cfg, err := app.FromEnv(e.getenv)
	if err != nil {
		return cfg, &setupError{err: fmt.Errorf("configuration: %w", err)}
	}
	if c.table != "" {
		cfg.Table = c.table
	}
	if c.index != "" {
		cfg.Index = c.index
	}
	return cfg, nil
}

// build wires the app from the environment and the table flags, with the
// CLI's retries; it makes no AWS call (see needTable).
func build(ctx context.Context, e proc, c tableFlags) (*app.App, error) {
	return buildFor(ctx, e, c, app.FaceCLI)
}

// buildFor is build for the face of a command that serves like another
// binary (consume as the worker, serve as the API).
func buildFor(ctx context.Context, e proc, c tableFlags, face app.Face) (*app.App, error) {
	cfg, err := config(e, c)
	if err != nil {
		return nil, err
	}
	cfg.Face = face
	a, err := app.Build(ctx, cfg)
	if err != nil {
		return nil, &setupError{err: fmt.Errorf("configuration: %w", err)}
	}
	return a, nil
}

// buildTable is build for a command that needs the table: it checks that
// the table is there first (exit 3 if not).
func buildTable(ctx context.Context, e proc, c tableFlags) (*app.App, error) {
	return buildTableFor(ctx, e, c, app.FaceCLI)
}

// buildTableFor is buildTable for the face of a command that serves like
// another binary.
func buildTableFor(ctx context.Context, e proc, c tableFlags, face app.Face) (*app.App, error) {
	a, err := buildFor(ctx, e, c, face)
	if err != nil {
		return nil, err
	}
	return a, needTable(ctx, a)
}

// needTable checks that the configured table exists.
// A role without dynamodb:DescribeTable (a least-privilege support role
// has only the reads and writes it needs) cannot check: the command goes on
// and its own calls tell.
func needTable(ctx context.Context, a *app.App) error {
	_, err := a.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &a.Config.Table})
	var nf *ddbtypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return &setupError{err: fmt.Errorf("table %s does not exist: create it with 'phonelookup setup', or name another with --table or LOOKUP_TABLE", a.Config.Table)}
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "AccessDeniedException" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("table %s: %w", a.Config.Table, err)
	}
	return nil
}

// isDash reports whether name is "-": standard input for a file to read,
// standard output for one to write.
func isDash(name string) bool { return strings.TrimSpace(name) == "-" }
