package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/spf13/cobra"

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
	sch, err := contractSchema()
	if err != nil {
		return err
	}
	var st validateStats
	for _, name := range files {
		err := eachLine(e, name, func(label string, n int, line []byte, lineErr error) {
			st.Lines++
			field, reason := lineProblem(sch, line, lineErr)
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
// first problem of line, or reason "" when the decoder and the schema both
// accept it. Neither
// says anything of the content: the decoder's reasons are fixed texts, and
// of a schema error only the location and the keyword are kept.
func lineProblem(sch *jsonschema.Schema, line []byte, lineErr error) (field, reason string) {
	if lineErr != nil {
		return "", lineErr.Error()
	}
	line, err := exportBody(line)
	if err != nil {
		return "", err.Error()
	}
	_, _, err = events.Decode(line)
	var inv *events.InvalidError
	if errors.As(err, &inv) {
		return inv.Field, inv.Reason
	}
	if err != nil {
		return "", "cannot be decoded"
	}
	inner, _, err := events.Unwrap(line)
	if err != nil { // Decode unwraps first: cannot happen
		return "", "cannot be unwrapped"
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(inner))
	if err != nil {
		return "", "body is not valid JSON"
	}
	var ve *jsonschema.ValidationError
	if err := sch.Validate(inst); errors.As(err, &ve) {
		for len(ve.Causes) > 0 {
			ve = ve.Causes[0]
		}
		return strings.Join(ve.InstanceLocation, "."), "does not match the schema (" + strings.Join(ve.ErrorKind.KeywordPath(), "/") + ")"
	} else if err != nil {
		return "", "does not match the schema"
	}
	return "", ""
}

// contractSchema compiles events.Schema once, with format assertion on (so
// date-time is checked), as the schema tests of package events do.
var contractSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	const id = "https://phonelookup.example/schemas/ordercommitted-v1.json"
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(events.Schema()))
	if err != nil {
		return nil, fmt.Errorf("event schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		return nil, fmt.Errorf("event schema: %w", err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		return nil, fmt.Errorf("event schema: %w", err)
	}
	return sch, nil
})
