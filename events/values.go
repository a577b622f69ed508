package events

import (
	"regexp"
	"strings"
	"time"
)

// Limits of the version-1 contract, in characters (runes).
const (
	maxIDLength    = 128
	maxBrandLength = 128
)

// occurredAtPattern restricts occurredAt to the common RFC 3339 profile that
// both time.Parse and JSON Schema's date-time format accept: upper-case T
// and Z, two-digit fields, no leap second (second 60) and an offset below
// 24 hours. The schema repeats it as the pattern of occurredAt.
const occurredAtPattern = `^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`

var occurredAtRE = regexp.MustCompile(occurredAtPattern)

// version decodes the version field, which must be the number 1 (1.0 and
// 1e0 are 1 too).
func (d *decoder) version(o object, key string) int {
	m := d.raw(o, key, required)
	if m == noNode {
		return 0
	}
	if d.t.kind(m) != '0' {
		d.fail(o.child(key), reasonNotNumber)
		return 0
	}
	if raw := d.t.raw(m); !isOne(string(raw)) {
		reason := "unsupported version"
		if len(raw) <= 32 {
			reason += " " + string(raw)
		}
		d.fail(o.child(key), reason)
		return 0
	}
	return 1
}

// isOne reports whether the JSON number n is exactly 1. It compares the
// decimal digits rather than a float64, so 1.0000000000000000001 and
// 0.99999999999999999999 are not 1, as for JSON Schema's "const": 1 read
// with exact numbers. The schema's description of version states the rule,
// because a validator that reads numbers as doubles (Ajv, or anything in
// JavaScript) cannot tell those spellings from 1.
func isOne(n string) bool {
	if strings.HasPrefix(n, "-") {
		return false
	}
	mant, exp, _ := strings.Cut(strings.ToLower(n), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	// The value is 0.digits × 10^point.
	point := len(intPart)
	if exp != "" {
		e := strings.TrimPrefix(exp, "+")
		neg := strings.HasPrefix(e, "-")
		e = strings.TrimPrefix(e, "-")
		if len(e) > 15 {
			return false // needs more than 10^15 digits to get back to 1
		}
		v := 0
		for _, c := range e {
			v = v*10 + int(c-'0')
		}
		if neg {
			v = -v
		}
		point += v
	}
	trimmed := strings.TrimLeft(digits, "0")
	point -= len(digits) - len(trimmed)
	return strings.TrimRight(trimmed, "0") == "1" && point == 1
}

// timestamp decodes a required RFC 3339 time, keeping its full precision
// and offset.
func (d *decoder) timestamp(o object, key string) time.Time {
	b := d.bytes(o, key, required)
	if d.err != nil {
		return time.Time{}
	}
	s := string(b)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !occurredAtRE.MatchString(s) {
		d.fail(o.child(key), "must be an RFC 3339 date-time like 2026-11-02T10:15:30.123Z")
		return time.Time{}
	}
	if !inUTCYears(s) {
		d.fail(o.child(key), "must be in the years 1900-2999 UTC: no offset ahead of UTC on 1900-01-01, none behind it on 2999-12-31")
		return time.Time{}
	}
	return t
}

// inUTCYears reports whether s, which matches occurredAtPattern, keeps its
// UTC time in the years 1900-2999 by the rule the schema can state (its
// if/then on occurredAt): on 1900-01-01 the offset is Z, +00:00 or behind
// UTC; on 2999-12-31 it is Z, -00:00 or ahead of UTC. A pattern cannot
// compute a UTC time from an offset, so the two edge days are a little
// stricter than the UTC year (1900-01-01T10:00:00+01:00 is rejected too).
func inUTCYears(s string) bool {
	off := s[max(len(s)-6, 0):]
	switch {
	case strings.HasSuffix(s, "Z"):
		return true
	case strings.HasPrefix(s, "1900-01-01T"):
		return off == "+00:00" || off[0] == '-'
	case strings.HasPrefix(s, "2999-12-31T"):
		return off == "-00:00" || off[0] == '+'
	}
	return true
}

// noControlPattern is the schema's pattern for eventId, order.id and brand:
// no control character (C0, DEL or C1: Unicode category Cc). The schema
// writes it with JSON escapes; the decoder checks it with noControl.
const noControlPattern = "^[^\u0000-\u001f\u007f-\u009f]*$"

// noControl records an error for field if s holds a control character.
// A byte that is not UTF-8 was read as U+FFFD, which is allowed.
func (d *decoder) noControl(field, s string) {
	for _, r := range s {
		if isControl(r) {
			d.fail(field, "must not contain control characters")
			return
		}
	}
}

// isControl reports whether r is a control character: U+0000-U+001F,
// U+007F-U+009F.
func isControl(r rune) bool {
	return r < 0x20 || 0x7f <= r && r <= 0x9f
}

// source decodes the required source, one of SourceGraphQL and
// SourceFulfillment.
func (d *decoder) source(o object, key string) string {
	switch b := d.bytes(o, key, required); string(b) {
	case SourceGraphQL:
		return SourceGraphQL
	case SourceFulfillment:
		return SourceFulfillment
	}
	d.fail(o.child(key), "must be one of graphql, fulfillment")
	return ""
}

// fulfillmentType decodes the required fulfillment type; the common values
// are returned without allocating.
func (d *decoder) fulfillmentType(o object, key string) string {
	switch b := d.bytes(o, key, required); string(b) {
	case FulfillmentDelivery:
		return FulfillmentDelivery
	case "collection":
		return "collection"
	case "dine_in":
		return "dine_in"
	default:
		return string(b)
	}
}

// countryCode decodes an optional ISO 3166-1 alpha-2 code of either case and
// returns it upper-cased.
func (d *decoder) countryCode(o object, key string) string {
	b := d.bytes(o, key, optional)
	if d.err != nil || d.value(o, key) == noNode {
		return ""
	}
	ok := len(b) == 2 && isASCIILetter(b[0]) && isASCIILetter(b[1])
	d.check(o.child(key), ok, "must be two ASCII letters (ISO 3166-1 alpha-2)")
	if !ok {
		return ""
	}
	return string([]byte{upperASCII(b[0]), upperASCII(b[1])})
}

// cognitoID decodes an optional Cognito identity; "" means a guest order.
func (d *decoder) cognitoID(o object, key string) string {
	b := d.bytes(o, key, optional)
	ok := len(b) <= maxIDLength
	for i := 0; ok && i < len(b); i++ {
		ok = isCognitoByte(b[i])
	}
	d.check(o.child(key), ok, "must be at most 128 characters of A-Z a-z 0-9 _ . : @ + -")
	if !ok || len(b) == 0 {
		return ""
	}
	return string(b)
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func isASCIILetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isCognitoByte(c byte) bool {
	return isASCIILetter(c) || '0' <= c && c <= '9' || strings.IndexByte("_.:@+-", c) >= 0
}
