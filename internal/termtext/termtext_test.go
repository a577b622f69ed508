package termtext_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/phonelookup/phonelookup/internal/termtext"
)

func TestEscape(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"ord-1001", "ord-1001"},
		{"", ""},
		{"Café Zürich 東京 🍕", "Café Zürich 東京 🍕"},
		{"\x1b[2J\x1b]0;pwned\a", `\x1b[2J\x1b]0;pwned\a`},
		{"a\nb\rc\td", `a\nb\rc\td`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"csi\u009b31m", `csi\u009b31m`},
		{"abc\u202edcba", `abc\u202edcba`},
		{"line\u2028sep", `line\u2028sep`},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`},
		{`back\slash`, `back\slash`},
	}
	for _, tc := range cases {
		got := termtext.Escape(tc.in)
		assert.Equal(t, tc.want, got, "Escape(%q) = %q, want %q", tc.in, got, tc.want)
		assert.False(t, strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r == 0x7f }), "Escape(%q) = %q keeps a control character", tc.in, got)
		assert.True(t, utf8.ValidString(got), "Escape(%q) = %q is not UTF-8", tc.in, got)
		assert.Equal(t, got, termtext.Escape(got), "Escape(Escape(%q)) != Escape(%q)", tc.in, tc.in)
		if q := strconv.Quote(tc.in); utf8.ValidString(tc.in) {
			assert.Equal(t, q, termtext.Escape(q), "Escape(strconv.Quote(%q)) changes it", tc.in)
		}
	}
}

func TestEscapeAllocatesNothingForCleanText(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() { _ = termtext.Escape("eu-west-1:7f1c2a9e-4b3d-4c8e-9f10-2b6d7e8a1c01") })
	assert.Zero(t, allocs, "Escape of clean text allocates")
}

func TestClip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{strings.Repeat("9", 1<<20), 8, "99999999…"},
		{"ééééé", 3, "é…"}, // never half a character
		{"\x1b[2Jxxxxxxxx", 4, "\x1b[2J…"},
	}
	for _, tc := range cases {
		got := termtext.Clip(tc.in, tc.n)
		assert.Equal(t, tc.want, got, "Clip(%.20q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
	}
}

func TestLines(t *testing.T) {
	t.Parallel()
	in := "usage:\n\t-max N\x1b[2J\r\n"
	want := "usage:\n\t-max N\\x1b[2J\\r\n"
	got := termtext.Lines(in)
	assert.Equal(t, want, got, "Lines(%q) = %q, want %q", in, got, want)
}
