package dlq

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// keys returns the JSON keys of v and those whose value is null.
func keys(t *testing.T, v any) (all, null []string) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for k, x := range m {
		if x == nil {
			null = append(null, k)
		}
	}
	slices.Sort(null)
	return slices.Sorted(maps.Keys(m)), null
}

// TestRedriveReportOneShape: both modes give the same keys; what a mode
// cannot know is null. Before, native printed an ARN as source and
// status/toMove, client a URL and end/after.
func TestRedriveReportOneShape(t *testing.T) {
	t.Parallel()
	const url = "http://localhost/000000000000/q-dlq"
	native := NativeResult{Mode: ModeNative, Status: "COMPLETED", Moved: 3, ToMove: 0}.Report("q-dlq", url, "")
	client := RedriveSummary{Mode: ModeClient, Source: url, Destination: "http://localhost/000000000000/q", Moved: 3,
		Drained: Drained{Received: 3, End: sqsengine.EndDrained}}.Report("q-dlq")
	nk, nn := keys(t, native)
	ck, cn := keys(t, client)
	assert.Equal(t, nk, ck, "the same keys in both modes")
	assert.Equal(t, []string{"after", "destination", "end", "failed", "failureReason", "filtered", "inBoth", "left", "received", "wouldMove"}, nn,
		"native: null for what a move task does not report (destination: each message's source queue)")
	assert.Equal(t, []string{"after", "failureReason", "toMove"}, cn, "client: null for what only a move task reports")
	assert.Equal(t, "completed", native.Status)
	assert.Equal(t, "completed", client.Status)
	assert.Equal(t, url, native.Source, "a URL in both modes")
}

// The status of a redrive says how it ended, in both modes.
func TestRedriveReportStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		got  RedriveReport
		want string
	}{
		{"native failed", NativeResult{Status: "FAILED", FailureReason: "AccessDenied"}.Report("q", "u", "d"), "failed"},
		{"native interrupted", NativeResult{Status: "CANCELLED", Interrupted: true}.Report("q", "u", "d"), "interrupted"},
		{"client failed", RedriveSummary{Failed: 1, Drained: Drained{End: sqsengine.EndDrained}}.Report("q"), "failed"},
		{"client interrupted", RedriveSummary{Failed: 1, Drained: Drained{End: sqsengine.EndInterrupted}}.Report("q"), "interrupted"},
		{"client unconfirmed", RedriveSummary{Drained: Drained{End: sqsengine.EndUnconfirmed}}.Report("q"), "stopped"},
		{"client at max", RedriveSummary{Drained: Drained{End: sqsengine.EndMax}}.Report("q"), "completed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.got.Status)
		})
	}
}
