package dlq

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/events"
)

// CheckLine holds an event line, and an export line by its body, against
// the contract.
func TestCheckLine(t *testing.T) {
	t.Parallel()
	const event = `{"eventId":"evt-v1","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"2026-11-01T09:05:00.001Z",` +
		`"brand":"pizzaland","order":{"id":"ord-v1","fulfillmentType":"delivery","countryCode":"GB","delivery":{"dropoff":{"phoneNumber":"020 7946 0958"}}},` +
		`"user":{"cognitoId":"eu-west-1:7f1c2a9e-4b3d-4c8e-9f10-2b6d7e8a1c01"}}`
	export := func(body string) string {
		b, err := json.Marshal(ExportLine{Export: ExportVersion, MessageID: "m-1", Body: body})
		require.NoError(t, err)
		return string(b)
	}
	for _, tc := range []struct {
		name, line string
		field      string // of the *events.InvalidError; "-" for another error
		ok         bool
	}{
		{name: "an event", line: event, ok: true},
		{name: "an export line of an event", line: export(event), ok: true},
		{name: "an export line of a broken event", line: export(`{"eventType":"OrderCommitted"}`), field: "eventId"},
		{name: "an export line of another version", line: `{"phonelookupExport":2,"body":"{}"}`, field: "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckLine([]byte(tc.line))
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			var inv *events.InvalidError
			if tc.field == "-" {
				assert.False(t, errors.As(err, &inv), "not a contract error: %v", err)
				return
			}
			require.ErrorAs(t, err, &inv)
			assert.Equal(t, tc.field, inv.Field, "CheckLine(%s) = %v", tc.line, err)
		})
	}
}
