package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/phonelookup/phonelookup/internal/termtext"
)

// usageError is a command line the CLI cannot run: exit status 2. run names
// the command (path) so that the message can point at its -h.
type usageError struct {
	err  error
	path string // "phonelookup find"
}

func (e *usageError) Error() string { return e.err.Error() }

func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usage error (fmt.Errorf's format, %w included).
func usagef(format string, a ...any) error {
	return &usageError{err: fmt.Errorf(format, a...)}
}

// setupError is what is not there to run a command: the configuration, the
// table or a queue (exit status 3). Its message says what to do.
type setupError struct{ err error }

func (e *setupError) Error() string { return e.err.Error() }

func (e *setupError) Unwrap() error { return e.err }

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

// maxArg is the longest argument the CLI reads: longer ones are refused
// before any flag parsing, so that no error echoes a huge value.
const maxArg = 4096

// checkArgs refuses an argument longer than maxArg.
func checkArgs(args []string) error {
	for i, a := range args {
		if len(a) > maxArg {
			return usagef("argument %d is %d bytes long, more than %d", i+1, len(a), maxArg)
		}
	}
	return nil
}

// tableFlags are the flags of every command that reads or writes the table.
type tableFlags struct {
	table, index string
}

// addTableFlags defines --table and --index on fs.
func addTableFlags(fs *pflag.FlagSet, c *tableFlags) {
	fs.StringVar(&c.table, "table", "", "DynamoDB table (default $LOOKUP_TABLE or phone-lookup)")
	fs.StringVar(&c.index, "index", "", "GSI on pk2/sk2 (default $LOOKUP_INDEX or brand-index-2)")
}

// intValue is an integer flag checked as a number when it is parsed.
type intValue struct {
	p        *int
	min, max int
}

// intFlag defines an integer flag that must be from min to max.
func intFlag(fs *pflag.FlagSet, name string, value, min, max int, usage string) *int {
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

func (v *intValue) Type() string { return "int" }

func (v *intValue) String() string {
	if v == nil || v.p == nil {
		return "0"
	}
	return strconv.Itoa(*v.p)
}
