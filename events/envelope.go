package events

import (
	"encoding/json"
)

// Envelope names how the event arrived.
type Envelope string

// The envelopes Unwrap recognises.
const (
	// EnvelopeNone is an event sent as-is.
	EnvelopeNone Envelope = "event"
	// EnvelopeEventBridge is an EventBridge event whose detail is the event.
	EnvelopeEventBridge Envelope = "eventbridge"
	// EnvelopeSNS is an SNS notification whose Message is the event as a
	// JSON string.
	EnvelopeSNS Envelope = "sns"
	// EnvelopeLambdaDestination is the record a Lambda on-failure
	// destination receives for an asynchronous invocation: the event is its
	// requestPayload (as found in a dead-letter queue behind a direct
	// EventBridge to Lambda path).
	EnvelopeLambdaDestination Envelope = "lambda-destination"
)

// maxEnvelopeDepth is how many envelopes may be nested around an event, as
// in an SQS body holding an SNS notification of an EventBridge event.
const maxEnvelopeDepth = 3

// Unwrap detects the envelope around an event and returns the bytes of the
// inner event, always a JSON object, and the outermost envelope.
//
// A JSON object with both "detail-type" and "detail" keys is an EventBridge
// event: its detail-type must be "OrderCommitted" and its detail, an
// object, is the event. An object whose "Type" is "Notification" and that
// has a "Message" key is an SNS notification: its Message must be a string
// holding the event. An object with "requestContext" and "requestPayload"
// keys is a Lambda on-failure destination record: its requestPayload, an
// object, is the event. Any other object is the event itself. Envelopes may
// be nested up to three deep.
//
// Unwrap returns an *InvalidError if the body is not a JSON object
// (Field ""), if an EventBridge detail-type is not "OrderCommitted" (Field
// "detail-type") or its detail not an object (Field "detail"), if an SNS
// Message is not a string (Field "Message") or does not hold a JSON object
// (Field "Message"), or if envelopes are nested too deep (Field ""). On
// error env is the outermost envelope detected so far, EnvelopeNone if none.
func Unwrap(body []byte) (inner []byte, env Envelope, err error) {
	env = EnvelopeNone
	data, field := body, ""
	for depth := 0; ; depth++ {
		fields, err := parseObject(data, field)
		if err != nil {
			return nil, env, err
		}
		next, nextField, kind, err := unwrapOnce(fields)
		if depth == 0 {
			env = kind
		}
		switch {
		case err != nil:
			return nil, env, err
		case kind == EnvelopeNone:
			return data, env, nil
		case depth == maxEnvelopeDepth:
			return nil, env, invalid("", "envelopes nested more than 3 deep")
		}
		data, field = next, nextField
	}
}

// unwrapOnce detects one envelope around fields and returns its content and
// the key it came from, or kind EnvelopeNone when fields is the event.
func unwrapOnce(fields map[string]json.RawMessage) (next []byte, field string, kind Envelope, err error) {
	detailType, hasDetailType := fields["detail-type"]
	detail, hasDetail := fields["detail"]
	if hasDetailType && hasDetail {
		var dt string
		if jsonKind(detailType) != "string" || json.Unmarshal(detailType, &dt) != nil || dt != EventTypeOrderCommitted {
			return nil, "", EnvelopeEventBridge, invalid("detail-type", `must be "OrderCommitted"`)
		}
		if jsonKind(detail) != "object" {
			return nil, "", EnvelopeEventBridge, invalid("detail", reasonNotObjectTy)
		}
		return detail, "detail", EnvelopeEventBridge, nil
	}

	payload, hasPayload := fields["requestPayload"]
	if _, hasContext := fields["requestContext"]; hasContext && hasPayload {
		if jsonKind(payload) != "object" {
			return nil, "", EnvelopeLambdaDestination, invalid("requestPayload", reasonNotObjectTy)
		}
		return payload, "requestPayload", EnvelopeLambdaDestination, nil
	}

	var typ string
	message, hasMessage := fields["Message"]
	if hasMessage && jsonKind(fields["Type"]) == "string" && json.Unmarshal(fields["Type"], &typ) == nil && typ == "Notification" {
		var msg string
		if jsonKind(message) != "string" || json.Unmarshal(message, &msg) != nil {
			return nil, "", EnvelopeSNS, invalid("Message", reasonNotString)
		}
		return []byte(msg), "Message", EnvelopeSNS, nil
	}
	return nil, "", EnvelopeNone, nil
}
