package events_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/events/contract"
)

// TestCheck: on every testdata line, Check accepts exactly what Decode
// accepts, and refuses with Decode's own *InvalidError (the schema agrees,
// TestSchemaAgreesWithDecode).
func TestCheck(t *testing.T) {
	for _, l := range allJSONL(t) {
		t.Run(l.Name, func(t *testing.T) {
			_, _, decodeErr := events.Decode(l.Data)
			err := contract.Check(l.Data)
			if decodeErr == nil {
				assert.NoError(t, err, "Check(%q) (%s)", l.Data, l.Why)
				return
			}
			var want, got *events.InvalidError
			require.True(t, errors.As(decodeErr, &want))
			require.True(t, errors.As(err, &got), "Check(%q) = %v, want *InvalidError", l.Data, err)
			assert.Equal(t, *want, *got, "Check(%q) (%s)", l.Data, l.Why)
		})
	}
}
