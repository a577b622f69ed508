package events

import (
	"bytes"
	_ "embed"
)

//go:embed ordercommitted.schema.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) of the version-1
// OrderCommitted event, the contents of ordercommitted.schema.json. It accepts
// exactly the events Decode accepts once the envelope has been removed with
// Unwrap. Each call returns a fresh copy.
func Schema() []byte { return bytes.Clone(schemaJSON) }
