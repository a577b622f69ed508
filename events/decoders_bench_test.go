package events

// The decoder decided by measurement (docs/BENCHMARKS.md, "The decoder"):
// Decode against the two other shapes the issue named, each reading the same
// sample lines into a typed struct with raw values for the envelopes and the
// nested objects, then validating as Decode does:
//
//   - v1-struct: encoding/json into a typed struct, json.RawMessage for the
//     envelopes' payloads and the nested objects;
//   - v2-struct: github.com/go-json-experiment/json (encoding/json/v2) into
//     the same struct, jsontext.Value for the raw parts, with duplicate names
//     and invalid UTF-8 allowed as encoding/json allows them.
//
// Both structs are the cheapest shape of their library, lower bounds of a
// decoder that holds the whole contract: v1-struct does not hold exact key
// case at all (encoding/json matches struct fields case-insensitively, so
// {"EVENTID":...} fills EventID), and neither gives Decode's field-by-field
// reasons. The nested objects are raw so that the last of duplicate keys
// replaces the whole object (both libraries merge a repeated object into a
// struct). Decode itself reads the body with jsontext onto a tape (tape.go);
// run on the commit before it, Decode is the hand-written scanner it
// replaced.
//
// The goal is relative to the phone parse: the sub-benchmark
// Normalize-nocache is lookup's BenchmarkNormalize/nocache, run in the same
// process between the decoders (-count interleaves them), so that the
// ratios hold on a busy machine:
//
//	go test -run '^$' -bench BenchmarkDecoders -benchmem -count 6 ./events

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	v2json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/phonelookup/phonelookup/lookup"
)

// protoEvent is an event or an envelope, read by one library into a typed
// struct; R is the library's raw value type.
type protoEvent[R ~[]byte] struct {
	EventID    *string `json:"eventId"`
	EventType  *string `json:"eventType"`
	Version    R       `json:"version"`
	Source     R       `json:"source"` // an EventBridge envelope has a source too
	OccurredAt *string `json:"occurredAt"`
	Brand      *string `json:"brand"`
	Order      R       `json:"order"`
	User       R       `json:"user"`

	DetailType     R `json:"detail-type"`
	Detail         R `json:"detail"`
	RequestContext R `json:"requestContext"`
	RequestPayload R `json:"requestPayload"`
	Type           R `json:"Type"`
	Message        R `json:"Message"`
}

type protoOrder[R ~[]byte] struct {
	ID              *string `json:"id"`
	FulfillmentType *string `json:"fulfillmentType"`
	CountryCode     *string `json:"countryCode"`
	Delivery        R       `json:"delivery"`
}

type protoDelivery[R ~[]byte] struct {
	Dropoff R `json:"dropoff"`
}

type protoPhone struct {
	PhoneNumber *string `json:"phoneNumber"`
	CountryCode *string `json:"countryCode"`
}

type protoUser[R ~[]byte] struct {
	CognitoID *string `json:"cognitoId"`
	Details   R       `json:"details"`
}

var errProto = errors.New("invalid")

// protoDecode unwraps and decodes body with unmarshal, then validates the
// event as Decode does (same checks, same order; the errors are not
// Decode's).
func protoDecode[R ~[]byte](body []byte, unmarshal func([]byte, any) error) (*OrderCommitted, error) {
	var p protoEvent[R]
	data := body
	for depth := 0; ; depth++ {
		p = protoEvent[R]{}
		if err := unmarshal(data, &p); err != nil {
			return nil, err
		}
		switch {
		case p.EventID != nil || p.EventType != nil:
		case depth == maxEnvelopeDepth:
			return nil, errProto
		case p.DetailType != nil && p.Detail != nil:
			data = p.Detail
			continue
		case p.RequestContext != nil && p.RequestPayload != nil:
			data = p.RequestPayload
			continue
		case p.Type != nil && p.Message != nil && string(p.Type) == `"Notification"`:
			var m string
			if err := unmarshal(p.Message, &m); err != nil {
				return nil, err
			}
			data = []byte(m)
			continue
		}
		break
	}
	return protoValidate(&p, unmarshal)
}

func protoValidate[R ~[]byte](p *protoEvent[R], unmarshal func([]byte, any) error) (*OrderCommitted, error) {
	d := &decoder{}
	e := &OrderCommitted{EventType: EventTypeOrderCommitted, Version: 1}
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	e.EventID = deref(p.EventID)
	d.length("eventId", e.EventID, 1, maxIDLength)
	d.noControl("eventId", e.EventID)
	d.check("eventType", deref(p.EventType) == EventTypeOrderCommitted, "eventType")
	d.check("version", isOne(string(p.Version)), "version")
	var src string
	if err := unmarshal(p.Source, &src); err != nil || (src != SourceGraphQL && src != SourceFulfillment) {
		return nil, errProto
	}
	e.Source = src
	at := deref(p.OccurredAt)
	t, err := time.Parse(time.RFC3339Nano, at)
	d.check("occurredAt", err == nil && occurredAtRE.MatchString(at) && inUTCYears(at), "occurredAt")
	e.OccurredAt = t
	e.Brand = deref(p.Brand)
	d.length("brand", e.Brand, 0, maxBrandLength)
	d.noControl("brand", e.Brand)

	var o protoOrder[R]
	if err := unmarshal(p.Order, &o); err != nil {
		return nil, err
	}
	e.Order.ID, e.Order.FulfillmentType, e.Order.CountryCode = deref(o.ID), deref(o.FulfillmentType), strings.ToUpper(deref(o.CountryCode))
	d.length("order.id", e.Order.ID, 1, maxIDLength)
	d.noControl("order.id", e.Order.ID)
	if o.Delivery != nil {
		var dl protoDelivery[R]
		var ph protoPhone
		if err := unmarshal(o.Delivery, &dl); err != nil {
			return nil, err
		}
		if dl.Dropoff != nil {
			if err := unmarshal(dl.Dropoff, &ph); err != nil {
				return nil, err
			}
		}
		e.Order.DropoffPhone = deref(ph.PhoneNumber)
	}
	if p.User != nil {
		var u protoUser[R]
		var ph protoPhone
		if err := unmarshal(p.User, &u); err != nil {
			return nil, err
		}
		if u.Details != nil {
			if err := unmarshal(u.Details, &ph); err != nil {
				return nil, err
			}
		}
		e.User = User{CognitoID: deref(u.CognitoID), Phone: deref(ph.PhoneNumber), CountryCode: strings.ToUpper(deref(ph.CountryCode))}
	}
	if d.err != nil {
		return nil, d.err
	}
	return e, nil
}

// v2Options are encoding/json's leniencies that the contract keeps: the
// last of duplicate names wins, invalid UTF-8 becomes U+FFFD.
var v2Options = v2json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

func v2Unmarshal(data []byte, v any) error { return v2json.Unmarshal(data, v, v2Options) }

// decoderBodies are the lines of samples.jsonl that Decode accepts (as
// BenchmarkDecodePick in ./consumer cycles over).
func decoderBodies(b *testing.B) [][]byte {
	b.Helper()
	data, err := os.ReadFile("../testdata/events/samples.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	var bodies [][]byte
	for l := range bytes.SplitSeq(bytes.TrimSpace(data), []byte("\n")) {
		if _, _, err := Decode(l); err == nil {
			bodies = append(bodies, l)
		}
	}
	return bodies
}

var decoderSink *OrderCommitted

func BenchmarkDecoders(b *testing.B) {
	bodies := decoderBodies(b)
	decoders := []struct {
		name   string
		decode func([]byte) (*OrderCommitted, error)
	}{
		{"Decode", func(body []byte) (*OrderCommitted, error) { e, _, err := Decode(body); return e, err }},
		{"v1-struct", func(body []byte) (*OrderCommitted, error) {
			return protoDecode[stdjson.RawMessage](body, stdjson.Unmarshal)
		}},
		{"v2-struct", func(body []byte) (*OrderCommitted, error) {
			return protoDecode[jsontext.Value](body, v2Unmarshal)
		}},
	}
	phones, err := lookup.NewNormalizer("GB", 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Normalize-nocache", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := phones.Normalize("020 7946 0958", ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, dec := range decoders {
		b.Run(dec.name, func(b *testing.B) {
			for _, body := range bodies { // each reads every sample as Decode does
				want, _, _ := Decode(body)
				got, err := dec.decode(body)
				if err != nil || *got != *want {
					b.Fatalf("%s(%s) = %+v, %v; want %+v", dec.name, body, got, err, want)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				e, err := dec.decode(bodies[i%len(bodies)])
				if err != nil {
					b.Fatal(err)
				}
				decoderSink = e
				i++
			}
		})
	}
}
