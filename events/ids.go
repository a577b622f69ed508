package events

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// IDs are the identifiers of a message that may be logged or filtered on.
type IDs struct {
	EventID, OrderID, Source, EventType string
}

// ReadIDs reads the identifiers of a body that may not decode (for logs and
// dead-letter filters), as far as it goes: from the event inside any envelope
// Unwrap recognises, else from the body's own object; keys matched exactly,
// as Decode does; each value only if it is a JSON string of 1 to 128
// characters without a control character (anything else is left empty, so
// nothing unsafe reaches a log line or a terminal).
func ReadIDs(body []byte) IDs {
	inner, _, err := Unwrap(body)
	if err != nil {
		inner = body
	}
	var ev, order map[string]json.RawMessage
	if json.Unmarshal(inner, &ev) != nil {
		return IDs{}
	}
	_ = json.Unmarshal(ev["order"], &order)
	return IDs{
		EventID: readable(ev["eventId"]), OrderID: readable(order["id"]),
		Source: readable(ev["source"]), EventType: readable(ev["eventType"]),
	}
}

// readable returns raw as a string if it is a JSON string of 1 to 128
// characters without a control character, else "".
func readable(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	if n := utf8.RuneCountInString(s); n < 1 || n > 128 || strings.ContainsFunc(s, unicode.IsControl) {
		return ""
	}
	return s
}
