package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/phonelookup/phonelookup/internal/termtext"
)

// usageError is a command line the CLI cannot run: exit status 2. An empty
// message means that what is wrong has been printed already (by the flag
// package, or as the usage text).
type usageError struct{ err error }

func (e *usageError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usage error (fmt.Errorf's format, %w included). Quote a
// value from the command line with termtext.Clip: it can be long, or hold
// control characters.
func usagef(format string, a ...any) error {
	return &usageError{err: fmt.Errorf(format, a...)}
}

// maxEcho is the most bytes of one value from the command line that an
// error quotes (termtext.Clip), and maxUsageError the most bytes of a usage
// error's message, whatever it quotes.
const (
	maxEcho       = 64
	maxUsageError = 512
)

// clipEcho returns msg with every argument of args longer than maxEcho, and
// the flag name and value in it, clipped to maxEcho wherever msg holds them
// (as typed or quoted with %q), then msg itself clipped to maxUsageError.
func clipEcho(msg string, args []string) string {
	var long []string
	for _, a := range args {
		bare := strings.TrimLeft(a, "-")
		name, value, _ := strings.Cut(bare, "=")
		for _, s := range []string{a, bare, name, value} {
			if len(s) > maxEcho {
				long = append(long, s)
			}
		}
	}
	slices.SortFunc(long, func(a, b string) int { return len(b) - len(a) }) // longest first
	for _, s := range long {
		msg = strings.ReplaceAll(msg, strconv.Quote(s), strconv.Quote(termtext.Clip(s, maxEcho)))
		msg = strings.ReplaceAll(msg, s, termtext.Clip(s, maxEcho))
	}
	return termtext.Clip(msg, maxUsageError)
}

// clipped writes what the flag package prints ("invalid value … for flag
// -concurrency") with clipEcho.
type clipped struct {
	w    io.Writer
	args []string
}

func (c clipped) Write(p []byte) (int, error) {
	if _, err := io.WriteString(c.w, clipEcho(string(p), c.args)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// maxArg is the longest argument the CLI reads: longer ones are refused
// before any flag parsing, so that no error echoes a huge value.
const maxArg = 4096

// tableFlags are the flags of every command that reads or writes the table.
type tableFlags struct {
	table, index string
}

// newFlags returns the flag set of command name ("find", "dlq inspect")
// with the table flags; its -h comes from the command table.
func newFlags(name string, e proc, c *tableFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("phonelookup "+name, flag.ContinueOnError)
	fs.SetOutput(escaped{e.stderr}) // "flag provided but not defined: -NAME" prints NAME as typed
	fs.Usage = func() { writeHelp(fs.Output(), name, fs.PrintDefaults) }
	if c != nil {
		fs.StringVar(&c.table, "table", "", "DynamoDB table (default $LOOKUP_TABLE or phone-lookup)")
		fs.StringVar(&c.index, "index", "", "GSI on pk2/sk2 (default $LOOKUP_INDEX or brand-index-2)")
	}
	return fs
}

// parse parses args allowing flags after positional arguments
// ("find PHONE --json") and returns the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	for i, a := range args {
		if len(a) > maxArg {
			return nil, usagef("%s: argument %d is %d bytes long, more than %d", fs.Name(), i+1, len(a), maxArg)
		}
	}
	fs.SetOutput(clipped{fs.Output(), args})
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{} // the flag package has said what is wrong
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

// intValue is an integer flag checked as a number when it is parsed.
type intValue struct {
	p        *int
	min, max int
}

// intFlag defines an integer flag that must be from min to max.
func intFlag(fs *flag.FlagSet, name string, value, min, max int, usage string) *int {
	p := new(int)
	*p = value
	fs.Var(&intValue{p: p, min: min, max: max}, name, usage)
	return p
}

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return fmt.Errorf("want an integer from %d to %d", v.min, v.max)
	case n < v.min || n > v.max:
		return fmt.Errorf("want %d to %d", v.min, v.max)
	}
	*v.p = n
	return nil
}

func (v *intValue) String() string {
	if v == nil || v.p == nil {
		return "0"
	}
	return strconv.Itoa(*v.p)
}

// escaped writes text of several lines with termtext.Lines.
type escaped struct{ w io.Writer }

func (e escaped) Write(p []byte) (int, error) {
	if _, err := io.WriteString(e.w, termtext.Lines(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
