package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/phonelookup/phonelookup/dlq"
	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/internal/termtext"
)

// validateStats is validate's summary.
type validateStats struct {
	Lines   int `json:"lines"`
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
}

func newValidateCmd(e proc) *cobra.Command {
	return &cobra.Command{
		Use:   "validate [FILE|-]...",
		Short: "check events (JSON lines) against the contract without AWS: one line per invalid line, exit 1 if any",
		Long: `validate checks every line of the files (standard input by default) against
the contract, the decoder and the JSON Schema both, with no AWS: a producer's
CI runs it on the events its code builds. A 'dlq export' line is checked as
its body, as process reads it. One stderr line per invalid line (its number,
the field and the reason, never the content), a summary on stdout, exit 1 if
any line is invalid.`,
		RunE: func(_ *cobra.Command, files []string) error { return cmdValidate(e, files) },
	}
}

// cmdValidate checks every line against the contract, the decoder and the
// schema both, with no AWS.
func cmdValidate(e proc, files []string) error {
	if len(files) == 0 {
		files = []string{"-"}
	}
	var st validateStats
	for _, name := range files {
		err := eachLine(e, name, func(label string, n int, line []byte, lineErr error) {
			st.Lines++
			if lineErr == nil {
				lineErr = dlq.CheckLine(line)
			}
			if lineErr == nil {
				st.Valid++
				return
			}
			st.Invalid++
			fmt.Fprintf(e.stderr, "%s:%d: invalid: %s\n", termtext.Escape(label), n, termtext.Escape(problem(lineErr)))
		})
		if err != nil {
			return err
		}
	}
	if err := printJSON(e.stdout, st); err != nil {
		return err
	}
	if st.Invalid > 0 {
		return fmt.Errorf("%d of %d lines invalid", st.Invalid, st.Lines)
	}
	return nil
}

// problem is what validate says of a line that breaks the contract: the
// field and the reason of an *events.InvalidError ("order.id: ..."), else
// the error.
func problem(err error) string {
	var inv *events.InvalidError
	switch {
	case !errors.As(err, &inv):
		return err.Error()
	case inv.Field == "":
		return inv.Reason
	}
	return inv.Field + ": " + inv.Reason
}
