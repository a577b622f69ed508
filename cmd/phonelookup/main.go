// Command phonelookup is the ops CLI of the phone lookup service: create the
// table, process events without a queue (backfills), find the customers of a
// phone number, and unlink a customer from a number.
//
// Configuration comes from the environment (LOOKUP_TABLE, LOOKUP_INDEX,
// PHONE_DEFAULT_REGION, CONSUMER_CONCURRENCY, LOG_LEVEL and the AWS SDK's
// own variables); flags override it.
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
)

const usage = `usage: phonelookup COMMAND [flags] [args]

commands:
  setup [--queues] [--queue NAME] [--dlq NAME] [--max-receives N] [--visibility-timeout S]
                                 create the table and its index (and the queue and its
                                 dead-letter queue) if absent (idempotent)
  process [FILE|-]...            run events (JSON lines, any envelope) through the pipeline
  find PHONE [--region CC] [--json]
                                 the customers linked to PHONE, most recently seen first
  unlink --user ID --phone PHONE [--region CC]
                                 hide the link from searches; older events do not bring it back
  publish [FILE|-]... --queue NAME|URL
                                 send JSON lines as SQS messages (SendMessageBatch)
  consume --queue NAME|URL [--concurrency N] [--until-empty] [--progress 5s]
                                 long-poll worker: process, delete what succeeded
  dlq depth --queue NAME|URL     the number of messages in a (dead-letter) queue
  dlq inspect --queue DLQ [--max N] [--json]
                                 read without consuming: counts by failure reason, source,
                                 envelope and error attributes, with samples
  dlq redrive --queue DLQ [--to original|NAME|URL] [--mode auto|native|client] [--max N]
              [--rate N/s] [--filter EXPR] [--dry-run] [--audit FILE]
                                 move messages back; a message is never lost (at least once)
  dlq reprocess --queue DLQ [--filter EXPR] [--concurrency N] [--max N] [--audit FILE]
                                 run messages through the pipeline, delete those that succeed
  dlq export --queue DLQ --out FILE.jsonl [--max N]
                                 copy bodies and attributes without consuming; process reads it

  serve [--addr 127.0.0.1:8080] [--allow-non-loopback]
                                 serve the find-by-phone HTTP API locally (no IAM: loopback only)

  version                        print the build version

Every command takes --table and --index (default $LOOKUP_TABLE, $LOOKUP_INDEX).
Run 'phonelookup COMMAND -h' for its flags.
`

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

// exitError carries the process exit status of a failed command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError is exit status 2.
func usageError(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

// exitCode prints err (if it says something) and returns the exit status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(stderr, "phonelookup:", ee.err)
		}
		return ee.code
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "phonelookup:", err)
	return 1
}

// env is what a command needs from its caller.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// run runs the command in args; it is main without the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 1 && (args[0] == "version" || args[0] == "--version") {
		fmt.Fprintln(stdout, "phonelookup", version)
		return nil
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return &exitError{code: 2, err: errors.New("")}
		}
		return nil
	}
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	cmds := map[string]func(context.Context, env, []string) error{
		"setup":   cmdSetup,
		"process": cmdProcess,
		"find":    cmdFind,
		"unlink":  cmdUnlink,
		"publish": cmdPublish,
		"consume": cmdConsume,
		"dlq":     cmdDLQ,
		"serve":   cmdServe,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprint(stderr, usage)
		return usageError("unknown command %q", args[0])
	}
	return cmd(ctx, e, args[1:])
}

// common holds the flags every command has.
type common struct {
	table, index string
}

// newFlags returns a flag set for command name with the common flags.
func newFlags(name string, e env, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet("phonelookup "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&c.table, "table", "", "DynamoDB table (default $LOOKUP_TABLE or phone-lookup)")
	fs.StringVar(&c.index, "index", "", "GSI on pk2/sk2 (default $LOOKUP_INDEX or brand-index-2)")
	return fs
}

// parse parses args allowing flags after positional arguments
// ("find PHONE --json") and returns the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &exitError{code: 2, err: errors.New("")}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// build wires the app from the environment and the common flags.
func build(ctx context.Context, e env, c common) (*app.App, error) {
	cfg, err := app.FromEnv(e.getenv)
	if err != nil {
		return nil, err
	}
	if c.table != "" {
		cfg.Table = c.table
	}
	if c.index != "" {
		cfg.Index = c.index
	}
	return app.Build(ctx, cfg)
}

// isStdin reports whether name means standard input.
func isStdin(name string) bool { return strings.TrimSpace(name) == "-" }
