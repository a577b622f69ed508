// Package contract holds OrderCommitted events against the whole contract,
// the decoder and the JSON Schema both, as a producer's CI does (`phonelookup
// validate`). It is a package of its own so that the consumer and the API,
// which only decode, do not link the schema validator: its package init
// alone cost the Lambda binaries about 11 ms and 21,000 allocations at cold
// start (GODEBUG=inittrace=1).
package contract

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/phonelookup/phonelookup/events"
)

// schemaID is the $id of ordercommitted.schema.json.
const schemaID = "https://phonelookup.example/schemas/ordercommitted-v1.json"

// Schema returns events.Schema compiled (draft 2020-12) with format
// assertion on, so that date-time is checked: the one compiled schema that
// Check and the tests use. It is compiled once.
var Schema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(events.Schema()))
	if err != nil {
		return nil, fmt.Errorf("event schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(schemaID, doc); err != nil {
		return nil, fmt.Errorf("event schema: %w", err)
	}
	sch, err := c.Compile(schemaID)
	if err != nil {
		return nil, fmt.Errorf("event schema: %w", err)
	}
	return sch, nil
})

// Check holds body (any accepted envelope) against the contract, the
// decoder and the schema both, as a producer's CI does (`phonelookup
// validate`): nil when both accept it, else an *events.InvalidError for the first
// problem. Neither says anything of the content: the decoder's reasons are
// fixed texts, and of a schema error only the location (Field) and the
// keyword are kept.
func Check(body []byte) error {
	if _, _, err := events.Decode(body); err != nil {
		var inv *events.InvalidError
		if errors.As(err, &inv) {
			return inv
		}
		return invalid("", "cannot be decoded")
	}
	inner, _, err := events.Unwrap(body)
	if err != nil { // Decode unwraps first: cannot happen
		return invalid("", "cannot be unwrapped")
	}
	sch, err := Schema()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(inner))
	if err != nil {
		return invalid("", "body is not valid JSON")
	}
	var ve *jsonschema.ValidationError
	if err := sch.Validate(inst); errors.As(err, &ve) {
		for len(ve.Causes) > 0 {
			ve = ve.Causes[0]
		}
		return invalid(strings.Join(ve.InstanceLocation, "."), "does not match the schema ("+strings.Join(ve.ErrorKind.KeywordPath(), "/")+")")
	} else if err != nil {
		return invalid("", "does not match the schema")
	}
	return nil
}

func invalid(field, reason string) *events.InvalidError {
	return &events.InvalidError{Field: field, Reason: reason}
}
