package events

import (
	"encoding/json"
	"sync"
	"unicode/utf8"
)

// The decoder reads a body in one pass: scan validates the JSON exactly as
// encoding/json does (json.Valid accepts what scan accepts) and records, on
// a flat tape, the members of every object near the top (where the event and
// its envelopes live) with the raw bytes of their values. Everything after
// that reads the tape; nothing parses the bytes again, except the string
// Message of an SNS notification, which holds a JSON document of its own.
// Keys are compared exactly (after unescaping), unlike encoding/json's
// case-insensitive struct fields, so the decoder agrees with the schema.

// maxNestingDepth is encoding/json's limit on nested arrays and objects: a
// deeper document is not valid JSON to json.Valid, nor to scan.
const maxNestingDepth = 10000

// maxRecordDepth is how deep objects have their members recorded on the
// tape: the event at most maxEnvelopeDepth objects down (inside EventBridge
// details and Lambda request payloads), then order.delivery.dropoff. Deeper
// objects are validated and skipped.
const maxRecordDepth = maxEnvelopeDepth + 3

// A node is a member of a recorded object, or the body's root value (node
// 0). start and end delimit the raw value in the document; for a string
// they include the quotes.
type node struct {
	keyStart, keyEnd int32 // the key without its quotes
	start, end       int32
	next             int32 // the next member of the same object, or -1
	first            int32 // the first member of a recorded object, or -1
	keyEscaped       bool  // the key holds a backslash escape
	escaped          bool  // a string value holds an escape or a non-ASCII byte
}

// noNode stands for an absent member.
const noNode = -1

// tape is a scanned document.
type tape struct {
	data  []byte
	nodes []node
}

// tapes recycles tapes between calls of Decode and Unwrap.
var tapes = sync.Pool{New: func() any { return &tape{nodes: make([]node, 0, 64)} }}

func getTape() *tape  { return tapes.Get().(*tape) }
func putTape(t *tape) { t.data = nil; tapes.Put(t) }

// scanner validates a document and fills a tape.
type scanner struct {
	t     *tape
	data  []byte
	i     int
	depth int
}

// scan validates data as one JSON value, with optional white space around
// it, and records its objects on t, the root value as node 0. It reports
// whether data is valid JSON.
func (t *tape) scan(data []byte) bool {
	t.data, t.nodes = data, t.nodes[:0]
	if len(data) > 1<<31-1 {
		return false
	}
	s := scanner{t: t, data: data}
	t.nodes = append(t.nodes, node{next: noNode, first: noNode})
	s.ws()
	start := s.i
	if !s.value(0, 0) {
		return false
	}
	t.nodes[0].start, t.nodes[0].end = int32(start), int32(s.i)
	s.ws()
	return s.i == len(data)
}

// ws skips JSON white space.
func (s *scanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value scans the value at s.i into node n; level is the number of objects
// around it.
func (s *scanner) value(n int32, level int) bool {
	if s.i >= len(s.data) {
		return false
	}
	switch c := s.data[s.i]; {
	case c == '{':
		return s.object(n, level)
	case c == '[':
		return s.array(level)
	case c == '"':
		esc, ok := s.str()
		if n != noNode {
			s.t.nodes[n].escaped = esc
		}
		return ok
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	return false
}

// push enters an array or object.
func (s *scanner) push() bool {
	s.depth++
	return s.depth <= maxNestingDepth
}

// object scans an object; its members are recorded under node n unless n is
// noNode or the object is deeper than maxRecordDepth.
func (s *scanner) object(n int32, level int) bool {
	if !s.push() {
		return false
	}
	record := n != noNode && level <= maxRecordDepth
	last := int32(noNode)
	s.i++ // {
	s.ws()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		s.depth--
		return true
	}
	for {
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			return false
		}
		keyStart := s.i + 1
		keyEscaped, ok := s.str()
		if !ok {
			return false
		}
		keyEnd := s.i - 1
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		m := int32(noNode)
		if record {
			m = int32(len(s.t.nodes))
			s.t.nodes = append(s.t.nodes, node{
				keyStart: int32(keyStart), keyEnd: int32(keyEnd), start: int32(s.i),
				next: noNode, first: noNode, keyEscaped: keyEscaped && hasBackslash(s.data[keyStart:keyEnd]),
			})
			if last == noNode {
				s.t.nodes[n].first = m
			} else {
				s.t.nodes[last].next = m
			}
			last = m
		}
		if !s.value(m, level+1) {
			return false
		}
		if m != noNode {
			s.t.nodes[m].end = int32(s.i)
		}
		s.ws()
		if s.i >= len(s.data) {
			return false
		}
		switch s.data[s.i] {
		case ',':
			s.i++
			s.ws()
		case '}':
			s.i++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// array scans an array; nothing inside it is recorded.
func (s *scanner) array(level int) bool {
	if !s.push() {
		return false
	}
	s.i++ // [
	s.ws()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		s.depth--
		return true
	}
	for {
		if !s.value(noNode, level) {
			return false
		}
		s.ws()
		if s.i >= len(s.data) {
			return false
		}
		switch s.data[s.i] {
		case ',':
			s.i++
			s.ws()
		case ']':
			s.i++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// str scans a string; escaped reports a backslash escape or a byte outside
// ASCII, after which the raw bytes are not the string's value.
func (s *scanner) str() (escaped, ok bool) {
	s.i++ // "
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"':
			s.i++
			return escaped, true
		case c < 0x20:
			return false, false
		case c == '\\':
			escaped = true
			s.i++
			if s.i >= len(s.data) {
				return false, false
			}
			switch s.data[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if s.i+4 >= len(s.data) {
					return false, false
				}
				for _, h := range s.data[s.i+1 : s.i+5] {
					if !isHex(h) {
						return false, false
					}
				}
				s.i += 5
			default:
				return false, false
			}
		case c >= utf8.RuneSelf:
			escaped = true
			s.i++
		default:
			s.i++
		}
	}
	return false, false
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *scanner) number() bool {
	if s.data[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.data) && s.data[s.i] == '0':
		s.i++
	case s.i < len(s.data) && '1' <= s.data[s.i] && s.data[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.i < len(s.data) && s.data[s.i] == '.' {
		s.i++
		if !s.digits() {
			return false
		}
	}
	if s.i < len(s.data) && (s.data[s.i] == 'e' || s.data[s.i] == 'E') {
		s.i++
		if s.i < len(s.data) && (s.data[s.i] == '+' || s.data[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits scans [0-9]+.
func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.data) && '0' <= s.data[s.i] && s.data[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// literal scans true, false or null.
func (s *scanner) literal(lit string) bool {
	if len(s.data)-s.i < len(lit) || string(s.data[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hasBackslash(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}

// kind returns the JSON type of node n's value: '"' (string), '{', '[',
// 't' or 'f' (boolean), 'n' (null) or '0' (number).
func (t *tape) kind(n int32) byte {
	switch c := t.data[t.nodes[n].start]; c {
	case '"', '{', '[', 'n':
		return c
	case 't', 'f':
		return 't'
	}
	return '0'
}

// raw returns the raw bytes of node n's value.
func (t *tape) raw(n int32) []byte {
	return t.data[t.nodes[n].start:t.nodes[n].end]
}

// keyIs reports whether the key of member n is key once unescaped.
func (t *tape) keyIs(n int32, key string) bool {
	nd := &t.nodes[n]
	raw := t.data[nd.keyStart:nd.keyEnd]
	if !nd.keyEscaped {
		return string(raw) == key
	}
	u, ok := unquote(raw)
	return ok && string(u) == key
}

// member returns the last member of object o named key (as encoding/json
// and the schema validator, the last of duplicate keys wins), or noNode.
func (t *tape) member(o int32, key string) int32 {
	found := int32(noNode)
	for m := t.nodes[o].first; m != noNode; m = t.nodes[m].next {
		if t.keyIs(m, key) {
			found = m
		}
	}
	return found
}

// text returns the value of the string node n, unescaped as encoding/json
// does (invalid UTF-8 and lone surrogates become U+FFFD). The result shares
// memory with the document when there was nothing to unescape.
func (t *tape) text(n int32) []byte {
	raw := t.raw(n)
	raw = raw[1 : len(raw)-1]
	if !t.nodes[n].escaped {
		return raw
	}
	u, _ := unquote(raw) // scan has validated the string
	return u
}

// unquote unescapes the contents of a valid JSON string (without its
// quotes) with encoding/json's rules: escapes are decoded, a UTF-16
// surrogate pair becomes one rune, and a lone surrogate or a byte that is not
// UTF-8 becomes U+FFFD. It returns s itself when there is nothing to change.
func unquote(s []byte) ([]byte, bool) {
	r := 0
	for r < len(s) {
		c := s[r]
		if c == '\\' || c == '"' || c < ' ' {
			break
		}
		if c < utf8.RuneSelf {
			r++
			continue
		}
		rr, size := utf8.DecodeRune(s[r:])
		if rr == utf8.RuneError && size == 1 {
			break
		}
		r += size
	}
	if r == len(s) {
		return s, true
	}
	// An escape, a control character or invalid UTF-8: rare, so read by
	// encoding/json itself, whose rules the schema validator follows too.
	q := make([]byte, 0, len(s)+2)
	q = append(append(append(q, '"'), s...), '"')
	var out string
	if json.Unmarshal(q, &out) != nil {
		return nil, false
	}
	return []byte(out), true
}
