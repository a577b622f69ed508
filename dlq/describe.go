package dlq

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/lookup"
)

// ReasonValid is the Info.Reason of a message the consumer would take now
// (link or skip), by its processor's dry run: the dead-letter tools' one
// word of their own; any other Info.Reason is the pipeline's reason of an
// invalid message (consumer.InvalidReason).
const ReasonValid = "valid"

// Info is what may be shown about a dead-lettered message: identifiers and
// the processor's verdict, never the body or a phone number.
type Info struct {
	MessageID string          `json:"messageId"`
	EventID   string          `json:"eventId,omitempty"`
	OrderID   string          `json:"orderId,omitempty"`
	Source    string          `json:"source,omitempty"`
	EventType string          `json:"eventType,omitempty"`
	Envelope  events.Envelope `json:"envelope,omitempty"`
	// Reason is ReasonValid, or the reason of an invalid message
	// (consumer.InvalidReason: the field at fault, like "order.id", or
	// "occurredAt" for an event dated ahead of the processor's clock;
	// consumer.ReasonBody; consumer.ReasonSighting).
	Reason string `json:"reason"`
	// Error is the decoder's or the processor's error text (it never quotes
	// personal data).
	Error string `json:"error,omitempty"`

	result consumer.Result // the processor's dry run, when the event decoded
}

// Valid reports whether the consumer would take the message now: it
// decodes and the processor's dry run does not find it invalid.
func (i Info) Valid() bool { return i.Reason == ReasonValid }

// Describe gives the verdict of p's dry run (DecideEvent:
// the decoder, the clock-skew bound, the product rule, the normaliser, the
// sighting's validation, the ignored phones) on the body of m, writing
// nothing: the verdict inspect reports and filters, redrive and reprocess
// select on. For a message that does not decode, the identifiers are read
// on a best-effort basis from the unwrapped object, so a filter on eventId
// or orderId can still select it.
func Describe(p Decider, m types.Message) Info {
	body := []byte(aws.ToString(m.Body))
	info := Info{MessageID: aws.ToString(m.MessageId)}
	ev, env, err := events.Decode(body)
	info.Envelope = env
	if err != nil {
		info.Reason, info.Error = consumer.InvalidReason(err), err.Error()
		ids := events.ReadIDs(body)
		info.EventID, info.OrderID, info.Source, info.EventType = ids.EventID, ids.OrderID, ids.Source, ids.EventType
		return info
	}
	info.EventID, info.OrderID, info.Source, info.EventType = ev.EventID, ev.Order.ID, ev.Source, ev.EventType
	info.result = p.DecideEvent(ev).Result
	if info.result.Outcome == consumer.Invalid {
		info.Reason, info.Error = info.result.Reason, info.result.Err.Error()
		return info
	}
	info.Reason = ReasonValid
	return info
}

// Verdict classifies the message (by Describe: the processor's dry run,
// nothing written) in the pipeline's words, the dead-letter edge of its
// vocabulary: "invalid: " and its
// reason, or "valid: would link" or "valid: would skip (reason)", what the
// pipeline would do with it now. phone is the masked number.
func (i Info) Verdict() (verdict, phone string) {
	if !i.Valid() {
		return string(consumer.Invalid) + ": " + i.Reason, ""
	}
	r := i.result
	switch {
	case r.Outcome == consumer.Skipped:
		return "valid: would skip (" + r.Reason + ")", r.Phone
	case r.Warning == consumer.WarnNoDropoff:
		return "valid: would link (account phone: delivery without dropoff)", r.Phone
	}
	return "valid: would link", r.Phone
}

// DefaultProcessor is the processor of a tool given none: the real
// normaliser with no default region, the default clock-skew bound, no
// ignored phones and no linker (a dry run only).
func DefaultProcessor() (*consumer.Processor, error) {
	phones, err := lookup.NewNormalizer("", 0)
	if err != nil {
		return nil, fmt.Errorf("phone normaliser: %w", err)
	}
	return &consumer.Processor{Phones: phones}, nil
}
