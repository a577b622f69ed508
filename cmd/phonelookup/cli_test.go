package main

import (
	"bytes"
	"context"
	"go/parser"
	"go/token"
	"io"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

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

// allCommands is every runnable command of the table by its full name.
func allCommands() []command {
	var all []command
	for _, c := range commands() {
		if c.sub == nil {
			all = append(all, c)
			continue
		}
		for _, s := range c.sub() {
			s.name = c.name + " " + s.name
			all = append(all, s)
		}
	}
	return all
}

var (
	helpFlag     = regexp.MustCompile(`(?m)^  -([a-z][a-z-]*)`)
	synopsisFlag = regexp.MustCompile(`--([a-z][a-z-]*)`)
)

// TestUsageListsEveryFlag: the synopsis of each command in the usage text
// names exactly the flags its flag set defines (the table flags aside). It
// catches the drift of the old hand-written dlq usage, which lacked
// reprocess --concurrency.
func TestUsageListsEveryFlag(t *testing.T) {
	t.Parallel()
	usage := runCLI(t, noEnv, "help").stderr
	for _, c := range allCommands() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, noEnv, append(strings.Fields(c.name), "-h")...)
			if c.name == "version" || c.name == "help" {
				return
			}
			assert.Equal(t, 0, r.code, "%s -h: exit %d\n%s", c.name, r.code, r.stderr)
			var defined []string
			for _, m := range helpFlag.FindAllStringSubmatch(r.stderr, -1) {
				if m[1] != "table" && m[1] != "index" {
					defined = append(defined, m[1])
				}
			}
			var listed []string
			for _, m := range synopsisFlag.FindAllStringSubmatch(c.args, -1) {
				listed = append(listed, m[1])
			}
			slices.Sort(defined)
			slices.Sort(listed)
			assert.Equal(t, defined, listed, "%s: flags defined %v, synopsis %q lists %v", c.name, defined, c.args, listed)
			assert.Contains(t, usage, c.name+" "+strings.Fields(c.args + " x")[0], "usage text lacks %s", c.name)
			assert.Contains(t, r.stderr, "usage: phonelookup "+c.name, "%s -h:\n%s", c.name, r.stderr)
		})
	}
}

// TestPackageDocListsEveryCommand: the package doc names every command of
// the table (the old one named 4 of 7).
func TestPackageDocListsEveryCommand(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	require.NoError(t, err)
	doc := f.Doc.Text()
	for _, c := range commands() {
		assert.Regexp(t, `(?m)^\s*- (\w+ and )?`+c.name+`\b`, doc, "the package doc does not list %s", c.name)
		if c.sub != nil {
			for _, s := range c.sub() {
				assert.Regexp(t, `\b`+s.name+`\b`, doc, "the package doc does not list %s %s", c.name, s.name)
			}
		}
	}
}

// TestUsageErrors: command lines the CLI cannot run exit 2 with one line
// saying why, before any AWS call; numeric flags are checked as numbers; a
// huge or hostile argument is not echoed back.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("9", 1<<20)
	cases := []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"dlq", "frobnicate"}, `unknown command "dlq frobnicate"`},
		{[]string{"dlq"}, "usage: phonelookup dlq COMMAND"},
		{nil, "usage: phonelookup COMMAND"},
		{[]string{"find"}, "find takes one PHONE"},
		{[]string{"version", "extra"}, "version takes no arguments"},
		{[]string{"dlq", "inspect", "--max", "-1"}, `invalid value "-1" for flag -max: want 0 to`},
		{[]string{"dlq", "export", "--max", "ten", "--out", "-"}, `invalid value "ten" for flag -max: want an integer`},
		{[]string{"dlq", "reprocess", "--concurrency", "1001"}, `flag -concurrency: want 0 to 1000`},
		{[]string{"process", "--concurrency", "-3"}, `flag -concurrency: want 0 to 1000`},
		{[]string{"setup", "--max-receives", "0"}, `flag -max-receives: want 1 to 1000`},
		{[]string{"setup", "--visibility-timeout", "43201"}, `flag -visibility-timeout: want 1 to 43200`},
		{[]string{"dlq", "export"}, "--out FILE.jsonl is required"},
		{[]string{"dlq", "redrive", "--filter", "colour=red"}, `unknown key "colour"`},
		{[]string{"dlq", "inspect", "extra"}, `unexpected argument "extra"`},
		{[]string{"find", huge}, "argument 1 is 1048576 bytes long, more than 4096"},
		{[]string{"dlq", "inspect", "--max", huge}, "argument 2 is 1048576 bytes long"},
		{[]string{"\x1b[2J\x1b]0;pwned\a"}, `unknown command "\x1b[2J\x1b]0;pwned\a"`},
		{[]string{"find", "--\x1b[2J"}, `flag provided but not defined: -\x1b[2J`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, noEnv, tc.args...)
			assert.Equal(t, 2, r.code, "phonelookup %.40q: exit %d, want 2\n%s", tc.args, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want, "phonelookup %.40q stderr", tc.args)
			assert.Empty(t, r.stdout, "phonelookup %.40q stdout", tc.args)
			assert.Less(t, len(r.stderr), 8192, "phonelookup %.40q echoes too much: %d bytes", tc.args, len(r.stderr))
			assert.NotContains(t, r.stderr, "\x1b", "phonelookup %.40q prints a raw ESC", tc.args)
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"-h"}, {"help", "find"}, {"help", "dlq"}, {"dlq", "help"}, {"dlq", "-h"}, {"help", "dlq", "redrive"}, {"find", "-h"}} {
		r := runCLI(t, noEnv, args...)
		assert.Equal(t, 0, r.code, "phonelookup %q: exit %d\n%s", args, r.code, r.stderr)
		assert.Contains(t, r.stderr, "usage: phonelookup", "phonelookup %q", args)
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := runCLI(t, noEnv, args...)
		assert.Equal(t, 0, r.code, "phonelookup %q: exit %d", args, r.code)
		assert.Equal(t, "phonelookup dev\n", r.stdout, "phonelookup %q", args)
	}
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
		"phonelookup: 3 of 5 lines invalid\n"
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
