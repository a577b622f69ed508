package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/phonelookup/phonelookup/dlq"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// The text report names every section that has groups, each group's count and key, and
// samples by eventId (else messageId) with the masked phone; text from the
// queue is escaped for the terminal.
func TestWriteInspectText(t *testing.T) {
	rep := dlq.Report{
		Queue: "q-dlq", Inspected: 3, End: sqsengine.EndDrained, Before: sqsengine.Counts{Visible: 3},
		After: &sqsengine.Counts{Visible: 3},
		ByReason: []dlq.Group{
			{Key: "invalid: order.id", Count: 2, Samples: []dlq.Sample{{MessageID: "m1", EventID: "evt-1"}, {MessageID: "m2"}}},
			{Key: "valid: would link", Count: 1, Samples: []dlq.Sample{{MessageID: "m3", EventID: "evt-3", Phone: "+44********58"}}},
		},
		BySource: []dlq.Group{{Key: "graph\x1b[2Jql", Count: 3}},
	}
	var b bytes.Buffer
	writeInspectText(&b, rep)
	text := b.String()
	for _, want := range []string{
		"q-dlq: 3 messages inspected (every message read; none consumed); before: 3 visible, 0 in flight; after: 3 visible, 0 in flight\n",
		"\nby reason:\n",
		"     2  invalid: order.id  (e.g. evt-1, messageId m2)\n",
		"     1  valid: would link  (e.g. evt-3 +44********58)\n",
	} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "\nby origin:\n", "an empty section is left out")
	assert.NotContains(t, text, "\x1b", "escaped")
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
