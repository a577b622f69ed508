// Package phonecases reads the phone-number test tables of testdata/phones:
// numbers as people type them, with the region given and the E.164 each
// must normalise to. The tests of lookup, consumer and the CLI share it
// (tests only).
package phonecases

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Case is one line of cases.jsonl or spellings.jsonl.
type Case struct {
	Raw    string `json:"raw"`
	Region string `json:"region"`
	Want   string `json:"want"` // "" when the spelling must be rejected
	// Why says what the case is about (cases.jsonl); for spellings.jsonl,
	// which example and spelling it is: region/type/spelling.
	Why string `json:"why"`
}

// Read decodes every non-blank line of file that does not start with //
// into a T, strictly (unknown fields are an error).
func Read[T any](file string) ([]T, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []T
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		var v T
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, i+1, err)
		}
		out = append(out, v)
	}
	return out, nil
}
