package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/lookup"
)

// cliResult is the outcome of one run of the CLI.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs the CLI with args as main would and returns its output and
// exit status (exitCode writes the error to stderr, as main does).
func runCLI(t *testing.T, getenv func(string) string, args ...string) cliResult {
	t.Helper()
	return runCLIWithStdin(t, getenv, strings.NewReader(""), args...)
}

func runCLIWithStdin(t *testing.T, getenv func(string) string, stdin io.Reader, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, args, getenv, stdin, &stdout, &stderr)
	code := exitCode(err, &stderr)
	return cliResult{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// noEnv is an empty environment: the commands below fail before any AWS
// call, or make none.
func noEnv(string) string { return "" }

// allCommands is every command of the tree (the root, the groups, help and
// completion included), by its path without "phonelookup".
func allCommands() []*cobra.Command {
	var all []*cobra.Command
	walk(newRoot(proc{getenv: noEnv}), func(c *cobra.Command) {
		if !c.Hidden {
			all = append(all, c)
		}
	})
	return all
}

// words is c's path as arguments: "dlq inspect" -> [dlq inspect].
func words(c *cobra.Command) []string {
	return strings.Fields(strings.TrimPrefix(c.CommandPath(), "phonelookup"))
}

var update = flag.Bool("update", false, "rewrite the golden files (testdata/commands.tsv, docs/CLI.md)")

// missingArgs is, for a command with a required argument, its command line
// without it; a command that has none gets its first flag that takes a
// value, without the value.
func missingArgs(c *cobra.Command) ([]string, bool) {
	switch c.CommandPath() {
	case "phonelookup find":
		return []string{"--json"}, true
	case "phonelookup phones", "phonelookup forget":
		return []string{"--caller", "ops"}, true
	case "phonelookup unlink":
		return []string{"--user", "eu-west-1:7f1c2a9e-4b3d-4c8e-9f10-2b6d7e8a1c01"}, true
	case "phonelookup dlq export":
		return []string{"--queue", "q"}, true
	}
	if c.HasSubCommands() {
		return nil, true
	}
	var flagName string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if flagName == "" && f.NoOptDefVal == "" && f.Value.Type() != "bool" {
			flagName = f.Name
		}
	})
	if flagName == "" {
		return nil, false
	}
	return []string{"--" + flagName}, true
}

// row is one line of a golden table of command lines: the command, the case,
// the exit status, the stream written (stdout, stderr or both) and its first
// line.
func row(command, name string, r cliResult) string {
	stream, out := "stdout", r.stdout
	switch {
	case r.stdout == "" && r.stderr == "":
		stream = "none"
	case r.stdout == "":
		stream, out = "stderr", r.stderr
	case r.stderr != "":
		stream = "both"
	}
	first, _, _ := strings.Cut(out, "\n")
	return fmt.Sprintf("%s\t%s\t%d\t%s\t%s", command, name, r.code, stream, first)
}

// golden compares got with the file, or rewrites it with -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(file)
	require.NoError(t, err, "run go test -run %s -update to write it", t.Name())
	assert.Equal(t, string(want), got, "%s is not what the CLI does (go test -run %s -update rewrites it; review the diff)", file, t.Name())
}

// TestCommandLines runs every command with -h, with a bad flag and with a
// missing argument, and holds the stream, the exit status and the first
// line of each in testdata/commands.tsv (the missing table is in
// TestCommandLinesMissingTable, against the emulators). Nothing here reaches
// AWS: every case fails, or ends, before.
func TestCommandLines(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("# command\tcase\texit\tstream\tfirst line\n")
	for _, c := range allCommands() {
		path := c.CommandPath()
		b.WriteString(row(path, "-h", runCLI(t, noEnv, append(words(c), "-h")...)) + "\n")
		b.WriteString(row(path, "bad flag", runCLI(t, noEnv, append(words(c), "--no-such-flag")...)) + "\n")
		if args, ok := missingArgs(c); ok {
			b.WriteString(row(path, "missing argument", runCLI(t, noEnv, append(words(c), args...)...)) + "\n")
		} else {
			b.WriteString(path + "\tmissing argument\t-\t-\t(takes no argument)\n")
		}
	}
	golden(t, "testdata/commands.tsv", b.String())
}

// TestHelpListsOwnFlags: a command's help lists only its own flags: --table
// and --index only where the command uses the table; --filter's footnote
// only where there is a --filter.
func TestHelpListsOwnFlags(t *testing.T) {
	t.Parallel()
	noTable := []string{"publish", "validate", "dlq depth", "dlq inspect", "dlq redrive", "dlq export", "version"}
	for _, name := range noTable {
		r := runCLI(t, noEnv, append(strings.Fields(name), "-h")...)
		assert.Equal(t, 0, r.code, name)
		assert.NotContains(t, r.stdout, "--table", "%s -h lists --table", name)
		assert.NotContains(t, r.stdout, "--index", "%s -h lists --index", name)
	}
	for _, c := range allCommands() {
		r := runCLI(t, noEnv, append(words(c), "-h")...)
		hasFilter := c.Flags().Lookup("filter") != nil
		assert.Equal(t, hasFilter, strings.Contains(r.stdout, "--filter: comma-separated"), "%s -h: the --filter footnote", c.CommandPath())
	}
}

// TestPackageDocListsEveryCommand: the package doc names every command of
// the tree.
func TestPackageDocListsEveryCommand(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	require.NoError(t, err)
	doc := f.Doc.Text()
	for _, c := range newRoot(proc{getenv: noEnv}).Commands() {
		if c.Hidden {
			continue
		}
		assert.Regexp(t, `(?m)^\s*- (\w+ and )?`+c.Name()+`\b`, doc, "the package doc does not list %s", c.Name())
		for _, s := range c.Commands() {
			if c.Name() != "completion" {
				assert.Regexp(t, `\b`+s.Name()+`\b`, doc, "the package doc does not list %s %s", c.Name(), s.Name())
			}
		}
	}
}

// TestUsageErrors: command lines the CLI cannot run exit 2 with one line
// saying why and pointing at -h, before any AWS call; numeric flags are
// checked as numbers; a huge or hostile argument is not echoed back.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("9", 1<<20)
	cases := []struct {
		args []string
		want string // stderr, whole
	}{
		{[]string{"frobnicate"}, `phonelookup: unknown command "frobnicate" (one of `},
		{[]string{"fnd"}, `phonelookup: unknown command "fnd" (did you mean "find"?); see 'phonelookup -h'`},
		{[]string{"dlq", "frobnicate"}, `phonelookup dlq: unknown command "frobnicate" (one of depth, export, inspect, redrive, reprocess); see 'phonelookup dlq -h'`},
		{[]string{"dlq"}, `phonelookup dlq: missing command (one of depth, export, inspect, redrive, reprocess); see 'phonelookup dlq -h'`},
		{nil, "phonelookup: missing command (one of "},
		{[]string{"find"}, "phonelookup find: want one PHONE, got 0 arguments (quote a number with spaces); see 'phonelookup find -h'"},
		{[]string{"find", "--region", "UK", "07946 0958"}, `phonelookup find: --region "UK" is not a region`},
		{[]string{"phones", "--user", "not an id"}, `phonelookup phones: --user "not an id" is not a Cognito id`},
		{[]string{"version", "extra"}, `phonelookup version: unexpected argument "extra": phonelookup version takes none`},
		{[]string{"dlq", "inspect", "--max", "-1"}, `invalid argument "-1" for "--max" flag: want 0 to`},
		{[]string{"dlq", "export", "--max", "ten", "--out", "-"}, `invalid argument "ten" for "--max" flag: want an integer`},
		{[]string{"dlq", "reprocess", "--concurrency", "1001"}, `"--concurrency" flag: want 0 to 1000`},
		{[]string{"process", "--concurrency", "-3"}, `"--concurrency" flag: want 0 to 1000`},
		{[]string{"setup", "--max-receives", "0"}, `"--max-receives" flag: want 1 to 1000`},
		{[]string{"setup", "--visibility-timeout", "43201"}, `"--visibility-timeout" flag: want 1 to 43200`},
		{[]string{"consume", "--wait", "21s"}, `phonelookup consume: --wait 21s: want 0s to 20s`},
		{[]string{"dlq", "export"}, "phonelookup dlq export: --out FILE.jsonl is required; see 'phonelookup dlq export -h'"},
		{[]string{"dlq", "redrive", "--filter", "colour=red"}, `unknown key "colour"`},
		{[]string{"dlq", "inspect", "extra"}, `unexpected argument "extra"`},
		{[]string{"find", huge}, "phonelookup: argument 2 is 1048576 bytes long, more than 4096"},
		{[]string{"dlq", "inspect", "--max", huge}, "argument 4 is 1048576 bytes long"},
		{[]string{"\x1b[2J\x1b]0;pwned\a"}, `unknown command "\x1b[2J\x1b]0;pwned\a"`},
		{[]string{"find", "--\x1b[2J"}, `unknown flag: --\x1b[2J`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, noEnv, tc.args...)
			assert.Equal(t, 2, r.code, "phonelookup %.40q: exit %d, want 2\n%s", tc.args, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want, "phonelookup %.40q stderr", tc.args)
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "phonelookup %.40q: one line on stderr", tc.args)
			assert.Contains(t, r.stderr, " -h'\n", "phonelookup %.40q: points at -h", tc.args)
			assert.Empty(t, r.stdout, "phonelookup %.40q stdout", tc.args)
			assert.NotContains(t, r.stderr, "\x1b", "phonelookup %.40q prints a raw ESC", tc.args)
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"-h"}, {"help", "find"}, {"help", "dlq"}, {"dlq", "help"}, {"dlq", "-h"}, {"help", "dlq", "redrive"}, {"find", "-h"}, {"version", "-h"}} {
		r := runCLI(t, noEnv, args...)
		assert.Equal(t, 0, r.code, "phonelookup %q: exit %d\n%s", args, r.code, r.stderr)
		assert.Contains(t, r.stdout, "Usage:\n  phonelookup", "phonelookup %q: help on stdout", args)
		assert.Empty(t, r.stderr, "phonelookup %q: stderr", args)
	}
	r := runCLI(t, noEnv, "help", "frobnicate")
	assert.Equal(t, 2, r.code, "help of an unknown command")
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := runCLI(t, noEnv, args...)
		assert.Equal(t, 0, r.code, "phonelookup %q: exit %d", args, r.code)
		assert.Equal(t, "phonelookup dev\n", r.stdout, "phonelookup %q", args)
	}
}

// TestCompletion: the binary writes the completion script of each shell.
func TestCompletion(t *testing.T) {
	t.Parallel()
	for shell, want := range map[string]string{
		"bash": "# bash completion V2 for phonelookup", "zsh": "#compdef phonelookup",
		"fish": "# fish completion for phonelookup", "powershell": "# powershell completion for phonelookup",
	} {
		r := runCLI(t, noEnv, "completion", shell)
		assert.Equal(t, 0, r.code, shell)
		assert.True(t, strings.HasPrefix(r.stdout, want), "completion %s starts %.60q", shell, r.stdout)
	}
	// Completion of a command name through the hidden __complete command.
	r := runCLI(t, noEnv, "__complete", "dlq", "re")
	assert.Contains(t, r.stdout, "redrive\t")
	assert.Contains(t, r.stdout, "reprocess\t")
}

// TestValidate runs validate on testdata/validate.jsonl: no AWS, one line per
// invalid line with its number, the field and the reason, never the
// content, a summary, exit 1.
func TestValidate(t *testing.T) {
	t.Parallel()
	const file = "testdata/validate.jsonl"
	r := runCLI(t, noEnv, "validate", file)
	assert.Equal(t, 1, r.code, "validate exit")
	assert.Equal(t, `{"lines":5,"valid":2,"invalid":3}`+"\n", r.stdout, "validate summary")
	want := file + ":2: invalid: eventId: missing\n" +
		file + ":5: invalid: order.id: missing\n" +
		file + ":6: invalid: body is not valid JSON\n" +
		"phonelookup validate: 3 of 5 lines invalid\n"
	assert.Equal(t, want, r.stderr, "validate stderr")
	for _, secret := range []string{"7946", "secret-customer-id", "not json"} {
		assert.NotContains(t, r.stderr, secret, "validate prints content")
	}

	ok := runCLIWithStdin(t, noEnv, strings.NewReader(validLine+"\n"+validLine), "validate")
	assert.Equal(t, 0, ok.code, "validate of valid stdin: %s", ok.stderr)
	assert.Equal(t, `{"lines":2,"valid":2,"invalid":0}`+"\n", ok.stdout)
}

const validLine = `{"eventId":"e1","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"2026-11-01T09:05:00Z","order":{"id":"o1","fulfillmentType":"collection"}}`

// TestValidateLongLine: a line over 1 MiB is one invalid line; the lines
// after it, and the files after it, are still read.
func TestValidateLongLine(t *testing.T) {
	t.Parallel()
	in := validLine + "\n" + `{"eventId":"` + strings.Repeat("x", 2<<20) + `"}` + "\n" + validLine + "\n"
	r := runCLIWithStdin(t, noEnv, strings.NewReader(in), "validate", "-", "testdata/validate.jsonl")
	assert.Equal(t, 1, r.code)
	assert.Equal(t, `{"lines":8,"valid":4,"invalid":4}`+"\n", r.stdout, "validate summary; stderr:\n%s", r.stderr)
	assert.Contains(t, r.stderr, "stdin:2: invalid: line of 2097166 bytes, longer than 1048576\n")
}

// processFile holds at most about chunkBytes of lines at a time: the live
// heap, measured after a GC at each link, stays far below the 40 MiB of the
// file. Before the byte budget, the 200 lines were all held (one batch of up
// to 500): a live heap of over 40 MiB. Not parallel: it reads the heap.
func TestProcessFileBoundedMemory(t *testing.T) {
	const lines, pad = 200, 200 << 10
	var file bytes.Buffer
	for i := range lines {
		body := consumertest.DeliveryBody(consumertest.OrderN(i), "eu-west-1:7f1c2a9e-4b3d-4c8e-9f10-2b6d7e8a1c01", "+44 20 7946 0958")
		file.WriteString(body[:len(body)-1] + `,"pad":"` + strings.Repeat("x", pad) + `"}` + "\n")
	}
	r := bytes.NewReader(file.Bytes())
	file = bytes.Buffer{}
	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	var peak uint64
	linker := &consumertest.FakeLinker{LinkFn: func(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapAlloc)
		return lookup.Linked, nil
	}}
	var sum consumer.Summary
	var stderr bytes.Buffer
	err := processFile(context.Background(), proc{stdin: r, stderr: &stderr}, consumertest.NewBatch(t, linker, 1), "-", &sum)
	require.NoError(t, err)
	require.Equal(t, consumer.Summary{Events: lines, Linked: lines}, sum, "summary; stderr:\n%s", stderr.String())
	grown := int64(peak) - int64(base.HeapAlloc)
	assert.Less(t, grown, int64(24<<20), "live heap grew by %d bytes while processing %d lines of %d bytes", grown, lines, pad)
	t.Logf("live heap grew by at most %d bytes", grown)
}

// An error never echoes a long value whole: every value is clipped to
// maxEcho bytes. Before, only arguments over 4096 bytes were refused:
// `process --concurrency <4000 digits>` printed a 4,071-byte error line and
// `dlq redrive --filter "<4000 Z>=1"` 8,109 bytes.
func TestUsageErrorsClipLongValues(t *testing.T) {
	t.Parallel()
	long := func(c string) string { return strings.Repeat(c, 4000) }
	tests := [][]string{
		{"process", "--concurrency", long("1")},
		{"process", "--concurrency=" + long("1")},
		{"consume", "--progress", long("9")},
		{"find", "--json=" + long("t"), "+442079460958"},
		{"find", "--" + long("n"), "+442079460958"},
		{"dlq", "redrive", "--filter", long("Z") + "=1"},
		{"dlq", "redrive", "--filter", "eventId=" + long("Z") + "*x"},
		{"dlq", "redrive", "--rate", long("5")},
		{"dlq", "inspect", long("x")},
		{"serve", "--addr", long("9")},
		{long("c")},
	}
	for _, args := range tests {
		r := runCLI(t, func(string) string { return "" }, args...)
		assert.Equal(t, 2, r.code, "%.80q: exit status; stderr:\n%.300s", args, r.stderr)
		for _, l := range strings.Split(r.stderr, "\n") {
			assert.LessOrEqual(t, len(l), 300, "%.80q: stderr line of %d bytes: %.300s", args, len(l), l)
		}
		assert.NotContains(t, r.stderr, strings.Repeat(args[len(args)-1][10:11], maxEcho+1), "%.80q: stderr echoes the value", args)
	}
}

// TestProcessDryRun: process --dry-run needs no table and writes nothing;
// one verdict line per event (inspect's words, the phone masked, never the
// content), a summary, exit 1 when a line is invalid.
func TestProcessDryRun(t *testing.T) {
	t.Parallel()
	const file = "testdata/validate.jsonl"
	r := runCLI(t, noEnv, "process", "--dry-run", file)
	assert.Equal(t, 1, r.code, "stderr: %s", r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 6, "5 verdicts and the summary:\n%s", r.stdout)
	assert.True(t, strings.HasPrefix(lines[0], file+":1: valid: would link eventId=\"evt-v1\""), lines[0])
	assert.True(t, strings.HasPrefix(lines[1], file+":2: invalid: eventId "), lines[1])
	assert.True(t, strings.HasPrefix(lines[4], file+":6: invalid: body "), lines[4])
	assert.Equal(t, `{"events":5,"valid":2,"invalid":3}`, lines[5])
	assert.Equal(t, "phonelookup process: 3 of 5 events invalid (dry run: nothing written)\n", r.stderr)
	for _, secret := range []string{"7946 0958", "+442079460958", "secret-customer-id", "not json"} {
		assert.NotContains(t, r.stdout, secret, "process --dry-run prints content")
	}
}

// TestConsoleHost: serve sends the browser to a loopback address when it
// listens on every interface.
func TestConsoleHost(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"127.0.0.1:8080", "127.0.0.1:8080"},
		{"0.0.0.0:8080", "127.0.0.1:8080"},
		{"[::]:9000", "127.0.0.1:9000"},
		{"[::1]:8080", "[::1]:8080"},
	} {
		a, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := consoleHost(a); got != tt.want {
			t.Errorf("consoleHost(%s) = %s, want %s", tt.addr, got, tt.want)
		}
	}
}
