package events

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// The decoder reads a body in one pass: jsontext (encoding/json/v2's
// syntactic layer) validates the JSON as encoding/json does (json.Valid
// accepts what scan accepts: duplicate names and invalid UTF-8 allowed) and
// scan records, on a flat tape, the members of every object near the top
// (where the event and its envelopes live) with the offsets of their raw
// values. Everything after that reads the tape; nothing parses the bytes
// again, except the string Message of an SNS notification, which holds a
// JSON document of its own. Keys are compared exactly (after unescaping),
// unlike encoding/json's case-insensitive struct fields, so the decoder
// agrees with the schema; of duplicate keys the last wins (member).

// maxNestingDepth is encoding/json's limit on nested arrays and objects
// (jsontext's too): a deeper document is not valid JSON to json.Valid, nor
// to scan.
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

// tape is a scanned document, with the reader that scanned it.
type tape struct {
	data  []byte
	nodes []node
	in    bytes.Buffer // data, read in place by dec
	dec   jsontext.Decoder
}

// scanOptions are encoding/json's leniencies, which json.Valid and the
// schema validator share: duplicate names (the last wins) and invalid UTF-8
// (read as U+FFFD).
var scanOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// tapes recycles tapes between calls of Decode and Unwrap.
var tapes = sync.Pool{New: func() any { return &tape{nodes: make([]node, 0, 64)} }}

func getTape() *tape  { return tapes.Get().(*tape) }
func putTape(t *tape) { t.data = nil; t.in = bytes.Buffer{}; tapes.Put(t) }

// scan validates data as one JSON value, with optional white space around
// it, and records its objects on t, the root value as node 0. It reports
// whether data is valid JSON.
func (t *tape) scan(data []byte) bool {
	t.data, t.nodes = data, t.nodes[:0]
	if len(data) > 1<<31-1 {
		return false
	}
	t.in = *bytes.NewBuffer(data)
	t.dec.Reset(&t.in, scanOptions...)
	t.nodes = append(t.nodes, node{next: noNode, first: noNode})
	if t.value(0, 0) != nil {
		return false
	}
	_, err := t.dec.ReadValue()
	return err == io.EOF
}

// value reads the next value into node n (noNode: not recorded); level is
// the number of objects around it.
func (t *tape) value(n int32, level int) error {
	if n != noNode && level <= maxRecordDepth && t.dec.PeekKind() == '{' {
		return t.object(n, level)
	}
	v, err := t.dec.ReadValue()
	if err != nil || n == noNode {
		return err
	}
	end := int32(t.dec.InputOffset())
	t.nodes[n].start, t.nodes[n].end = end-int32(len(v)), end
	t.nodes[n].escaped = v.Kind() == '"' && needsUnquote(v)
	return nil
}

// object reads an object into node n, recording its members.
func (t *tape) object(n int32, level int) error {
	if _, err := t.dec.ReadToken(); err != nil { // {
		return err
	}
	t.nodes[n].start = int32(t.dec.InputOffset()) - 1
	last := int32(noNode)
	for t.dec.PeekKind() != '}' {
		name, err := t.dec.ReadValue()
		if err != nil {
			return err
		}
		end := int32(t.dec.InputOffset())
		m := int32(len(t.nodes))
		t.nodes = append(t.nodes, node{
			keyStart: end - int32(len(name)) + 1, keyEnd: end - 1,
			next: noNode, first: noNode, keyEscaped: hasBackslash(name),
		})
		if last == noNode {
			t.nodes[n].first = m
		} else {
			t.nodes[last].next = m
		}
		last = m
		if err := t.value(m, level+1); err != nil {
			return err
		}
	}
	if _, err := t.dec.ReadToken(); err != nil { // }
		return err
	}
	t.nodes[n].end = int32(t.dec.InputOffset())
	return nil
}

// needsUnquote reports whether the raw string s holds an escape or a byte
// outside ASCII, after which its raw bytes are not its value.
func needsUnquote(s []byte) bool {
	for _, c := range s {
		if c == '\\' || c >= utf8.RuneSelf {
			return true
		}
	}
	return false
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
