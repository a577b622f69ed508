package events

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaID is the $id of ordercommitted.schema.json.
const schemaID = "https://phonelookup.example/schemas/ordercommitted-v1.json"

// ContractSchema returns Schema compiled (draft 2020-12) with format
// assertion on, so that date-time is checked: the one compiled schema that
// Check and the tests use. It is compiled once.
var ContractSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
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
// validate`): nil when both accept it, else an *InvalidError for the first
// problem. Neither says anything of the content: the decoder's reasons are
// fixed texts, and of a schema error only the location (Field) and the
// keyword are kept.
func Check(body []byte) error {
	if _, _, err := Decode(body); err != nil {
		var inv *InvalidError
		if errors.As(err, &inv) {
			return inv
		}
		return invalid("", "cannot be decoded")
	}
	inner, _, err := Unwrap(body)
	if err != nil { // Decode unwraps first: cannot happen
		return invalid("", "cannot be unwrapped")
	}
	sch, err := ContractSchema()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(inner))
	if err != nil {
		return invalidBody("", reasonNotJSON)
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
