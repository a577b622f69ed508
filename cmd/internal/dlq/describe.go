package dlq

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/events"
)

// ReasonValid is the failure reason of a message that decodes today.
const ReasonValid = "valid"

// ReasonBody is the failure reason of a body that is not a JSON object (an
// *events.InvalidError without a field).
const ReasonBody = consumer.ReasonBody

// Info is what may be shown about a dead-lettered message: identifiers and
// the decoder's verdict, never the body or a phone number.
type Info struct {
	MessageID string          `json:"messageId"`
	EventID   string          `json:"eventId,omitempty"`
	OrderID   string          `json:"orderId,omitempty"`
	Source    string          `json:"source,omitempty"`
	EventType string          `json:"eventType,omitempty"`
	Envelope  events.Envelope `json:"envelope,omitempty"`
	// Reason is ReasonValid, the invalid field (events.InvalidError.Field,
	// like "order.id"), or ReasonBody.
	Reason string `json:"reason"`
	// Error is the decoder's error text (it never quotes personal data).
	Error string `json:"error,omitempty"`

	event *events.OrderCommitted // nil unless valid
}

// Valid reports whether the message decodes as an OrderCommitted event.
func (i Info) Valid() bool { return i.event != nil }

// Describe decodes the body of m with the event decoder. For a message that
// does not decode, the identifiers are read on a best-effort basis from the
// unwrapped object, so a filter on eventId or orderId can still select it.
func Describe(m types.Message) Info {
	body := []byte(aws.ToString(m.Body))
	info := Info{MessageID: aws.ToString(m.MessageId)}
	ev, env, err := events.Decode(body)
	info.Envelope = env
	if err == nil {
		info.event = ev
		info.EventID, info.OrderID, info.Source, info.EventType = ev.EventID, ev.Order.ID, ev.Source, ev.EventType
		info.Reason = ReasonValid
		return info
	}
	info.Reason, info.Error = consumer.InvalidReason(err), err.Error()
	ids := events.ReadIDs(body)
	info.EventID, info.OrderID, info.Source, info.EventType = ids.EventID, ids.OrderID, ids.Source, ids.EventType
	return info
}
