package events

import (
	"strconv"
	"unicode/utf8"
)

// object is a JSON object being decoded: its node on the tape and its JSON
// path from the event root. An absent optional object has node noNode.
type object struct {
	path string
	n    int32
}

// child returns the JSON path of key inside o.
func (o object) child(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// presence says whether a field must be present.
type presence bool

const (
	required presence = true
	optional presence = false
)

// decoder reads fields from a scanned document and keeps the first error;
// once it has failed every further call is a no-op returning a zero value.
type decoder struct {
	t   *tape
	err error
}

// fail records an error for field unless one was recorded already.
func (d *decoder) fail(field, reason string) {
	if d.err == nil {
		d.err = invalid(field, reason)
	}
}

// check records reason for field when ok is false.
func (d *decoder) check(field string, ok bool, reason string) {
	if !ok {
		d.fail(field, reason)
	}
}

// value returns the node of key in o, or noNode when it is absent or null.
func (d *decoder) value(o object, key string) int32 {
	if o.n == noNode {
		return noNode
	}
	m := d.t.member(o.n, key)
	if m == noNode || d.t.kind(m) == 'n' {
		return noNode
	}
	return m
}

// raw returns the node of key, recording "missing" when a required field is
// absent or null.
func (d *decoder) raw(o object, key string, p presence) int32 {
	if d.err != nil {
		return noNode
	}
	m := d.value(o, key)
	if m == noNode && p == required {
		d.fail(o.child(key), reasonMissing)
	}
	return m
}

// bytes returns the string value of key, unescaped; an absent optional
// field is nil. The result may share memory with the document.
func (d *decoder) bytes(o object, key string, p presence) []byte {
	m := d.raw(o, key, p)
	if m == noNode {
		return nil
	}
	if d.t.kind(m) != '"' {
		d.fail(o.child(key), reasonNotString)
		return nil
	}
	return d.t.text(m)
}

// str returns the string value of key; an absent optional field is "".
func (d *decoder) str(o object, key string, p presence) string {
	return string(d.bytes(o, key, p))
}

// obj returns the object at path, whose last element is its key in o; an
// absent optional object is an object with no fields. path is spelt out by
// the caller so that decoding a valid event builds no path strings.
func (d *decoder) obj(o object, path string, p presence) object {
	key := path[len(o.path):]
	if o.path != "" {
		key = key[1:] // the dot
	}
	child := object{path: path, n: noNode}
	m := d.raw(o, key, p)
	if m == noNode {
		return child
	}
	if d.t.kind(m) != '{' {
		d.fail(path, reasonNotObjectTy)
		return child
	}
	child.n = m
	return child
}

// length records an error unless s has between minLen and maxLen runes.
func (d *decoder) length(field, s string, minLen, maxLen int) {
	n := utf8.RuneCountInString(s)
	switch {
	case n >= minLen && n <= maxLen:
	case minLen == 1 && n == 0:
		d.fail(field, "must not be empty")
	case minLen == 0:
		d.fail(field, "must be at most "+strconv.Itoa(maxLen)+" characters")
	default:
		d.fail(field, "must be "+strconv.Itoa(minLen)+"-"+strconv.Itoa(maxLen)+" characters")
	}
}
