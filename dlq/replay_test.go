package dlq

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
)

// echo is a Pipeline that links every message, naming it by its body, and
// records the size of each chunk it is given.
type echo struct{ chunks []int }

func (p *echo) Run(_ context.Context, msgs []consumer.Message) []consumer.Result {
	p.chunks = append(p.chunks, len(msgs))
	out := make([]consumer.Result, len(msgs))
	for i, m := range msgs {
		out[i] = consumer.Result{Outcome: consumer.Linked, EventID: string(m.Body)}
	}
	return out
}

// Replay runs ReplayChunk lines at a time, an export line as its body, and
// reports a broken export line as invalid at once, by its line number.
func TestReplay(t *testing.T) {
	t.Parallel()
	var in strings.Builder
	for i := 1; i <= ReplayChunk+2; i++ {
		switch i {
		case 2:
			in.WriteString(`{"phonelookupExport":1,"messageId":"m","body":"{\"exported\":2}"}` + "\n")
		case 3:
			in.WriteString(`{"phonelookupExport":9,"messageId":"m","body":"{}"}` + "\n")
		default:
			fmt.Fprintf(&in, "{\"line\":%d}\n", i)
		}
	}
	p := &echo{}
	var got []string
	err := Replay(t.Context(), strings.NewReader(in.String()), p, func(n int, res consumer.Result) {
		got = append(got, fmt.Sprintf("%d %s %s %v", n, res.Outcome, res.EventID, res.Err))
	})
	require.NoError(t, err)
	assert.Equal(t, []int{ReplayChunk, 1}, p.chunks, "chunks of ReplayChunk lines, the broken line left out")
	require.Len(t, got, ReplayChunk+2)
	assert.Equal(t, "3 invalid  export line: phonelookupExport: want 1", got[0], "a broken export line at once")
	assert.Equal(t, `1 linked {"line":1} <nil>`, got[1])
	assert.Equal(t, `2 linked {"exported":2} <nil>`, got[2], "an export line runs as its body")
	assert.Equal(t, fmt.Sprintf(`%d linked {"line":%[1]d} <nil>`, ReplayChunk+2), got[ReplayChunk+1], "in line order")
}

// Replay holds at most ReplayChunkBytes of bodies before it runs them.
func TestReplayChunkBytes(t *testing.T) {
	t.Parallel()
	line := `{"pad":"` + strings.Repeat("x", 512<<10) + `"}` + "\n" // 512 KiB
	p := &echo{}
	err := Replay(t.Context(), strings.NewReader(strings.Repeat(line, 20)), p, func(int, consumer.Result) {})
	require.NoError(t, err)
	assert.Equal(t, []int{16, 4}, p.chunks, "8 MiB at most held")
}
