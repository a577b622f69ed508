package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/dlq"
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

// TestRedriveReportOneShape: both modes print the same keys; what a mode
// cannot know is null. Before, native printed an ARN as source and
// status/toMove, client a URL and end/after.
func TestRedriveReportOneShape(t *testing.T) {
	t.Parallel()
	const url = "http://localhost/000000000000/q-dlq"
	native := nativeReport("q-dlq", url, "", dlq.NativeResult{Mode: dlq.ModeNative, Status: "COMPLETED", Moved: 3, ToMove: 0})
	client := clientReport("q-dlq", dlq.RedriveSummary{Mode: dlq.ModeClient, Source: url, Destination: "http://localhost/000000000000/q", Moved: 3,
		Drained: dlq.Drained{Received: 3, End: sqsengine.EndDrained}})
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

// TestInspectTextWords: an empty queue is one line, no empty headings, and
// the end says that nothing was consumed.
func TestInspectTextWords(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	writeInspectText(&b, dlq.Report{Queue: "q-dlq", End: sqsengine.EndDrained})
	assert.Equal(t, "q-dlq: 0 messages inspected (every message read; none consumed); before: 0 visible, 0 in flight\n", b.String())
	b.Reset()
	writeInspectText(&b, dlq.Report{Queue: "q-dlq", Inspected: 1, End: sqsengine.EndMax, ByReason: []dlq.Group{{Key: "invalid: order.id", Count: 1}}})
	assert.Equal(t, 1, strings.Count(b.String(), ":\n"), "one section:\n%s", b.String())
	assert.NotContains(t, b.String(), "drained")
}
