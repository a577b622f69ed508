package events

import (
	"bytes"
	_ "embed"
)

//go:embed ordercommitted.schema.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) of the version-1
// OrderCommitted event, the contents of ordercommitted.schema.json. It
// describes the bare event: it accepts a body exactly when Decode accepts it
// as an event sent as-is (EnvelopeNone), and the inner event of an envelope
// exactly when Decode accepts the envelope. Each call returns a fresh copy.
func Schema() []byte { return bytes.Clone(schemaJSON) }
