package lambdahandler

import (
	"errors"

	"github.com/phonelookup/phonelookup/consumer"
)

// The errors a direct invocation answers. aws-lambda-go names a returned
// error's errorType after its Go type, so each kind of failure has a type of
// its own: InvalidEventError, StoreError, DeadlineError, InternalError and
// UnsupportedPayloadError. Each unwraps to its cause.

// EventError is what an invocation failed on: the event's eventId ("" when
// the body has no readable one), the result's reason (the invalid field or
// the failure class) and the cause.
type EventError struct {
	EventID string
	Reason  string
	Err     error
}

// Error returns "eventId <id>: <cause>", or the cause alone without an id.
func (e *EventError) Error() string {
	if e.EventID == "" {
		return e.Err.Error()
	}
	return "eventId " + e.EventID + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *EventError) Unwrap() error { return e.Err }

// InvalidEventError: the event is invalid (Reason is the field); retrying
// cannot help until the producer is fixed, or, for an occurredAt ahead of the
// consumer's clock, until its time has come.
type InvalidEventError struct{ EventError }

// StoreError: the store failed after the SDK's retries.
type StoreError struct{ EventError }

// DeadlineError: the invocation ran out of time (or was cancelled) before
// the event was written.
type DeadlineError struct{ EventError }

// InternalError: a bug (a panic while processing the event).
type InternalError struct{ EventError }

// UnsupportedPayloadError: the payload is neither an SQS batch nor an
// EventBridge event, or an SQS batch that does not decode.
type UnsupportedPayloadError struct{ Err error }

func (e *UnsupportedPayloadError) Error() string { return e.Err.Error() }

// Unwrap returns the cause (ErrUnsupportedPayload or the decoding error).
func (e *UnsupportedPayloadError) Unwrap() error { return e.Err }

// ErrUnsupportedPayload is the cause of an UnsupportedPayloadError for a
// payload that is neither an SQS batch nor an EventBridge event.
var ErrUnsupportedPayload = errors.New("payload is neither an SQS batch nor an EventBridge event")

// resultError returns the typed error of a result that is not OK.
func resultError(r consumer.Result) error {
	e := EventError{EventID: r.EventID, Reason: r.Reason, Err: r.Err}
	if e.Err == nil {
		e.Err = errors.New(string(r.Outcome) + " (" + r.Reason + ")")
	}
	switch {
	case r.Outcome == consumer.Invalid:
		return &InvalidEventError{e}
	case r.Reason == consumer.ReasonStore || r.Reason == consumer.ReasonThrottled || r.Reason == consumer.ReasonUnavailable:
		return &StoreError{e}
	case r.Reason == consumer.ReasonDeadline || r.Reason == consumer.ReasonCanceled:
		return &DeadlineError{e}
	}
	return &InternalError{e}
}
