package api

import _ "embed"

//go:embed openapi.yaml
var openAPI []byte

// OpenAPI returns the API's OpenAPI 3.1 document (openapi.yaml), the
// contract the tests hold every response against.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }
