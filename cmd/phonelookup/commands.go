package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// command is one entry of the CLI: the usage text, each command's -h and the
// dispatch all come from these tables.
type command struct {
	name    string
	args    string // the synopsis after the name (flags: "[--max N]")
	summary string // one sentence; the usage text wraps it
	run     func(ctx context.Context, e proc, args []string) error
	sub     func() []command // a command of commands (dlq)
	footer  string           // more help, after the list of a command of commands
}

// commands is the table of the CLI. Add a command with one entry here, in
// the order of the usage text, and a line in the package doc.
func commands() []command {
	return []command{
		{name: "setup", args: "[--queues] [--queue NAME] [--dlq NAME] [--max-receives N] [--visibility-timeout S]",
			summary: "create the table and its index (and the queue and its dead-letter queue) if absent (idempotent)", run: cmdSetup},
		{name: "process", args: "[FILE|-]... [--concurrency N]",
			summary: "run events (JSON lines, any envelope) through the pipeline", run: cmdProcess},
		{name: "validate", args: "[FILE|-]...",
			summary: "check events (JSON lines) against the contract without AWS: one line per invalid line, exit 1 if any", run: cmdValidate},
		{name: "find", args: "PHONE [--region CC] [--json] [--caller NAME]",
			summary: "the customers linked to PHONE, most recently seen first", run: cmdFind},
		{name: "unlink", args: "--user ID --phone PHONE [--region CC] [--caller NAME]",
			summary: "hide the link from searches; older events do not bring it back", run: cmdUnlink},
		{name: "publish", args: "[FILE|-]... --queue NAME|URL",
			summary: "send JSON lines as SQS messages (SendMessageBatch)", run: cmdPublish},
		{name: "consume", args: "--queue NAME|URL [--concurrency N] [--until-empty] [--progress 5s]",
			summary: "long-poll worker: process, delete what succeeded", run: cmdConsume},
		{name: "dlq", args: "COMMAND --queue NAME|URL [flags]",
			summary: "look at and replay a dead-letter queue", sub: dlqCommands, footer: dlqFooter},
		{name: "forget", args: "--user ID [--caller NAME]",
			summary: "erase a customer: delete every link, keep a tombstone (no phone) so that no later event links them again", run: cmdForget},
		{name: "import-legacy", args: "[--dry-run] [--segments N] [--region CC]",
			summary: "link the legacy lookup records (phone#.../v0_UserPhone) as via legacy; safe to run again", run: cmdImportLegacy},
		{name: "report", args: "COMMAND [flags]", summary: "reports for ops", sub: reportCommands},
		{name: "serve", args: "[--addr 127.0.0.1:8080] [--allow-non-loopback]",
			summary: "serve the find-by-phone HTTP API locally (no IAM: loopback only)", run: cmdServe},
		{name: "version", summary: "print the build version", run: cmdVersion},
		{name: "help", args: "[COMMAND]", summary: "this text, or a command's flags", run: cmdHelp},
	}
}

// dlqCommands is the table of `phonelookup dlq`.
func dlqCommands() []command {
	return []command{
		{name: "depth", args: "--queue NAME|URL",
			summary: "the number of messages visible and in flight in a (dead-letter) queue", run: dlqDepth},
		{name: "inspect", args: "--queue DLQ [--max N] [--json]",
			summary: "read without consuming: counts by failure reason, source, envelope and error attributes, with samples", run: dlqInspect},
		{name: "redrive", args: "--queue DLQ [--to original|NAME|URL] [--mode auto|native|client] [--max N] [--rate N/s] [--filter EXPR] [--dry-run] [--audit FILE]",
			summary: "move messages back (or elsewhere); a message is never lost (at least once)", run: dlqRedrive},
		{name: "reprocess", args: "--queue DLQ [--filter EXPR] [--concurrency N] [--max N] [--audit FILE]",
			summary: "run messages through the pipeline, delete those that succeed", run: dlqReprocess},
		{name: "export", args: "--queue DLQ --out FILE.jsonl [--max N]",
			summary: "copy bodies and attributes without consuming; process reads the file", run: dlqExport},
	}
}

const dlqFooter = `--filter: comma-separated key=value terms, all must match; keys eventId, orderId,
source, eventType, reason (the invalid field, like order.id, or "valid", or "body");
a value ending in * matches by prefix.`

const usageFooter = `Every command but validate, version and help takes --table and --index
(default $LOOKUP_TABLE, $LOOKUP_INDEX). Run 'phonelookup COMMAND -h' for its flags.`

// dispatch runs the command of table named by args[0]; prefix is the
// command of commands it belongs to ("" or "dlq").
func dispatch(ctx context.Context, e proc, prefix string, table []command, args []string) error {
	if len(args) == 0 {
		writeUsage(e.stderr, prefix, table)
		return &usageError{}
	}
	name := args[0]
	if prefix == "" && name == "--version" {
		name = "version"
	}
	if name == "-h" || name == "--help" || (prefix != "" && name == "help") {
		writeUsage(e.stderr, prefix, table)
		return nil
	}
	for _, c := range table {
		switch {
		case c.name != name:
		case c.sub != nil:
			return dispatch(ctx, e, join(prefix, c.name), c.sub(), args[1:])
		default:
			return c.run(ctx, e, args[1:])
		}
	}
	writeUsage(e.stderr, prefix, table)
	return usagef("unknown command %q", join(prefix, name))
}

// lookupCommand finds a command by its full name ("find", "dlq inspect").
func lookupCommand(full string) (command, string, bool) {
	table, prefix := commands(), ""
	words := strings.Fields(full)
	for i, w := range words {
		for _, c := range table {
			if c.name != w {
				continue
			}
			if i == len(words)-1 {
				return c, prefix, true
			}
			if c.sub != nil {
				table, prefix = c.sub(), join(prefix, w)
			}
			break
		}
	}
	return command{}, "", false
}

// writeUsage writes the usage text of table.
func writeUsage(w io.Writer, prefix string, table []command) {
	fmt.Fprintf(w, "usage: phonelookup %s\n\ncommands:\n", join(prefix, "COMMAND [flags] [args]"))
	for _, c := range table {
		if c.sub != nil && prefix == "" {
			for _, s := range c.sub() {
				writeEntry(w, join(c.name, s.name), s)
			}
			continue
		}
		writeEntry(w, c.name, c)
	}
	footer := usageFooter
	if prefix != "" {
		parent, _, _ := lookupCommand(prefix)
		footer = parent.footer
	}
	fmt.Fprintf(w, "\n%s\n", footer)
}

// writeEntry writes one command of the usage text: the synopsis, then the
// summary in a column (or under it, when the synopsis is long).
func writeEntry(w io.Writer, name string, c command) {
	const col = 33
	syn := wrap(join(name, c.args), 90, "  ", "      ")
	sum := wrap(c.summary, 90-col, "", "")
	last := syn[len(syn)-1]
	if len(last) < col-1 && len(syn) == 1 {
		syn[0] = last + strings.Repeat(" ", col-len(last)) + sum[0]
		sum = sum[1:]
	}
	for _, l := range syn {
		fmt.Fprintln(w, l)
	}
	for _, l := range sum {
		fmt.Fprintln(w, strings.Repeat(" ", col)+l)
	}
}

// writeHelp is a command's -h: its synopsis, summary and flags.
func writeHelp(w io.Writer, full string, flags func()) {
	c, prefix, ok := lookupCommand(full)
	if !ok {
		flags()
		return
	}
	fmt.Fprintf(w, "usage: phonelookup %s\n\n%s\n\nflags:\n", join(full, c.args), c.summary)
	flags()
	if prefix != "" {
		if parent, _, _ := lookupCommand(prefix); parent.footer != "" {
			fmt.Fprintf(w, "\n%s\n", parent.footer)
		}
	}
}

// wrap breaks s into lines of at most width bytes (a longer word stays
// whole); the first line starts with first, the others with indent.
func wrap(s string, width int, first, indent string) []string {
	var lines []string
	line := first
	for _, word := range strings.Fields(s) {
		switch {
		case line == first:
			line += word
		case len(line)+1+len(word) > width:
			lines = append(lines, line)
			line = indent + word
		default:
			line += " " + word
		}
	}
	return append(lines, line)
}

func join(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + " " + b
}

func cmdVersion(_ context.Context, e proc, args []string) error {
	if len(args) > 0 {
		return usagef("version takes no arguments")
	}
	fmt.Fprintln(e.stdout, "phonelookup", version)
	return nil
}

// cmdHelp is `help [COMMAND...]`: the usage text, or the command's -h.
func cmdHelp(ctx context.Context, e proc, args []string) error {
	if len(args) == 0 {
		writeUsage(e.stderr, "", commands())
		return nil
	}
	return dispatch(ctx, e, "", commands(), append(args, "-h"))
}
