package events

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of the version-1 OrderCommitted
// event, the contents of ordercommitted.schema.json. It accepts exactly the
// events Decode accepts once the envelope has been removed with Unwrap.
//
//go:embed ordercommitted.schema.json
var Schema []byte
