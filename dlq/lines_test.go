package dlq_test

import (
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/dlq"
)

// TestEachLine: line numbers count every line, blank ones included; a line
// over dlq.MaxLine comes as an error and the reading goes on; "\r\n" is one
// line end; the last line needs no newline.
func TestEachLine(t *testing.T) {
	t.Parallel()
	exact := strings.Repeat("y", dlq.MaxLine)
	in := "a\r\n\n  \n" + strings.Repeat("x", dlq.MaxLine+1) + "\n" + exact + "\r\n" + strings.Repeat("z", 3*dlq.MaxLine) + "\r\nlast"
	type got struct {
		n       int
		size    int
		tooLong int
	}
	var lines []got
	err := dlq.EachLine(strings.NewReader(in), func(n int, line []byte, err error) {
		g := got{n: n, size: len(line)}
		if err != nil {
			var tl *dlq.LineTooLongError
			require.ErrorAs(t, err, &tl)
			g.tooLong = tl.Size
		}
		lines = append(lines, g)
	})
	require.NoError(t, err)
	want := []got{{1, 1, 0}, {4, 0, dlq.MaxLine + 1}, {5, dlq.MaxLine, 0}, {6, 0, 3 * dlq.MaxLine}, {7, 4, 0}}
	assert.Equal(t, want, lines)
}

// TestEachLineBoundedMemory reads a 64 MiB line without holding it.
func TestEachLineBoundedMemory(t *testing.T) {
	const size = 64 << 20
	r := io.MultiReader(io.LimitReader(repeatReader('x'), size), strings.NewReader("\nok\n"))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var n int
	err := dlq.EachLine(r, func(_ int, _ []byte, _ error) { n++ })
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "lines seen")
	alloc := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, alloc, uint64(8<<20), "EachLine allocated %d bytes for a %d-byte line", alloc, size)
}

// repeatReader reads c forever.
type repeatReader byte

func (c repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

// LineBody takes a line as an export line only with the marker; the
// marker then requires version 1 and a string body.
func TestLineBody(t *testing.T) {
	t.Parallel()
	tests := []struct{ line, want, err string }{
		{`{"messageId":"m1","body":"{}"}`, `{"messageId":"m1","body":"{}"}`, ""},
		{`{"phonelookupExport":1,"messageId":"m1","body":"{\"a\":1}"}`, `{"a":1}`, ""},
		{`{"phonelookupExport":1,"body":7}`, "", "export line: body: want a string"},
		{`{"phonelookupExport":1,"body":null}`, "", "export line: body: want a string"},
		{`{"phonelookupExport":1}`, "", "export line: body: want a string"},
		{`{"phonelookupExport":2,"body":"{}"}`, "", "export line: phonelookupExport: want 1"},
		{`{"eventId":"e","x":{"phonelookupExport":1,"body":"{}"}}`, `{"eventId":"e","x":{"phonelookupExport":1,"body":"{}"}}`, ""},
		{`{"PhonelookupExport":1,"body":"{}"}`, `{"PhonelookupExport":1,"body":"{}"}`, ""},
	}
	for _, tt := range tests {
		got, err := dlq.LineBody([]byte(tt.line))
		if tt.err != "" {
			assert.EqualError(t, err, tt.err, "dlq.LineBody(%s)", tt.line)
			continue
		}
		require.NoError(t, err, "dlq.LineBody(%s)", tt.line)
		assert.Equal(t, tt.want, string(got), "dlq.LineBody(%s)", tt.line)
	}
}
