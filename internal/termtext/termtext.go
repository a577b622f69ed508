// Package termtext makes text from events safe to print for a person: an id
// or a brand can hold a terminal escape sequence (ESC [2J clears the screen,
// ESC ]0;… BEL retitles the window) or a bidirectional override that makes a
// line read differently from what it holds.
//
// Escape writes such characters the way Go source writes them (\x1b,
// \u202e); printable text, accented letters and other scripts included, is
// unchanged. A backslash stays as it is, so escaping twice changes nothing
// more (text quoted with %q, which escapes the same characters, can go
// through Escape again), at the price of ambiguity: a printed \x1b may have
// been typed as such.
// Use it on every field that came from an event or a message before printing
// it in a table or a line of text; JSON output needs nothing more than
// encoding/json.
package termtext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s with control characters (C0, DEL, C1), the Unicode line
// and paragraph separators, bidirectional formatting characters and invalid
// UTF-8 escaped. It returns s itself when there is nothing
// to escape.
func Escape(s string) string { return escape(s, false) }

// Lines is Escape that keeps newlines and tabs: for text of several lines,
// like a usage message that quotes what was typed.
func Lines(s string) string { return escape(s, true) }

func escape(s string, layout bool) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if needsEscape(r, size, layout) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case needsEscape(r, size, layout):
			q := strconv.QuoteRuneToASCII(r) // '\x1b', '\u202e', '\n'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Clip returns at most the first n bytes of s (cut at a character
// boundary), followed by "…" when s was longer: for echoing a value a
// person typed, or a field of a message, in an error. Print the result with
// %q or Escape.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// needsEscape reports whether the rune r, of size bytes, is not to be
// printed as it is; layout keeps newlines and tabs.
func needsEscape(r rune, size int, layout bool) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case layout && (r == '\n' || r == '\t'):
		return false
	case r < utf8.RuneSelf:
		return r < 0x20 || r == 0x7f
	}
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&0xf]})
}
