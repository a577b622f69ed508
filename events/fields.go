package events

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// parseObject decodes data as a JSON object whose members keep their raw
// JSON. Keys are matched exactly later on, unlike encoding/json's
// case-insensitive struct fields, so the decoder agrees with the schema.
// field names where data came from in errors, "" for the body.
func parseObject(data []byte, field string) (map[string]json.RawMessage, error) {
	if !json.Valid(data) {
		return nil, invalidBody(field, reasonNotJSON)
	}
	data = bytes.TrimSpace(data)
	if data[0] != '{' {
		return nil, invalidBody(field, reasonNotObject)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, invalidBody(field, reasonNotJSON)
	}
	return m, nil
}

// jsonKind returns the JSON type of a valid raw value: "string", "object",
// "array", "boolean", "null" or "number".
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "null"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// object is a JSON object being decoded and its path from the event root.
// A nil fields map stands for an absent optional object.
type object struct {
	path   string
	fields map[string]json.RawMessage
}

// child returns the JSON path of key inside o.
func (o object) child(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// value returns the raw value of key, or nil when it is absent or null.
func (o object) value(key string) json.RawMessage {
	raw, ok := o.fields[key]
	if !ok || jsonKind(raw) == "null" {
		return nil
	}
	return bytes.TrimSpace(raw)
}

// presence says whether a field must be present.
type presence bool

const (
	required presence = true
	optional presence = false
)

// decoder reads fields and keeps the first error; once it has failed every
// further call is a no-op returning a zero value.
type decoder struct {
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

// raw returns the raw value of key, recording "missing" when a required
// field is absent or null.
func (d *decoder) raw(o object, key string, p presence) json.RawMessage {
	if d.err != nil {
		return nil
	}
	raw := o.value(key)
	if raw == nil && p == required {
		d.fail(o.child(key), reasonMissing)
	}
	return raw
}

// str returns the string value of key; an absent optional field is "".
func (d *decoder) str(o object, key string, p presence) string {
	raw := d.raw(o, key, p)
	if raw == nil {
		return ""
	}
	var s string
	if jsonKind(raw) != "string" || json.Unmarshal(raw, &s) != nil {
		d.fail(o.child(key), reasonNotString)
		return ""
	}
	return s
}

// obj returns the object value of key; an absent optional object is an
// object with no fields.
func (d *decoder) obj(o object, key string, p presence) object {
	child := object{path: o.child(key)}
	raw := d.raw(o, key, p)
	if raw == nil {
		return child
	}
	if jsonKind(raw) != "object" || json.Unmarshal(raw, &child.fields) != nil {
		d.fail(child.path, reasonNotObjectTy)
	}
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
