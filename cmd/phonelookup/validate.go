package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/internal/termtext"
)

// validateStats is validate's summary.
type validateStats struct {
	Lines   int `json:"lines"`
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
}

// cmdValidate checks every line against the contract, the decoder and the
// schema both, with no AWS: a producer's CI runs it on the events its code
// builds.
func cmdValidate(_ context.Context, e proc, args []string) error {
	fs := newFlags("validate", e, nil)
	files, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	var st validateStats
	for _, name := range files {
		err := eachLine(e, name, func(label string, n int, line []byte, lineErr error) {
			st.Lines++
			field, reason := lineProblem(line, lineErr)
			switch {
			case reason == "":
				st.Valid++
				return
			case field != "":
				reason = field + ": " + reason
			}
			st.Invalid++
			fmt.Fprintf(e.stderr, "%s:%d: invalid: %s\n", termtext.Escape(label), n, termtext.Escape(reason))
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

// lineProblem returns the field ("" for the body) and the reason of the
// first problem of line (events.Check), or reason "" when the contract
// holds.
func lineProblem(line []byte, lineErr error) (field, reason string) {
	if lineErr != nil {
		return "", lineErr.Error()
	}
	var inv *events.InvalidError
	if err := events.Check(line); errors.As(err, &inv) {
		return inv.Field, inv.Reason
	} else if err != nil {
		return "", err.Error()
	}
	return "", ""
}
