package consumer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/lookup"
)

// Linker writes a sighting; *dynamo.Store is the real one.
type Linker interface {
	Link(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error)
}

// Normalizer turns a phone number as written into E.164.
type Normalizer interface {
	Normalize(raw, region string) (string, error)
}

var _ Normalizer = (*lookup.Normalizer)(nil)

// Outcome is what happened to one message.
type Outcome string

// The outcomes. Linked, Refreshed, Unchanged and Skipped are successes;
// Invalid and Failed make the message a batch item failure, so it is retried
// and finally lands in the dead-letter queue.
const (
	Linked    Outcome = Outcome(lookup.Linked)
	Refreshed Outcome = Outcome(lookup.Refreshed)
	Unchanged Outcome = Outcome(lookup.Unchanged)
	Skipped   Outcome = "skipped"
	Invalid   Outcome = "invalid" // cannot be decoded or validated
	Failed    Outcome = "failed"  // a store error after the SDK's retries, a deadline, a panic
)

// OK reports whether the message is done (may be deleted from its queue):
// only the four success outcomes are; anything else is retried.
func (o Outcome) OK() bool {
	switch o {
	case Linked, Refreshed, Unchanged, Skipped:
		return true
	}
	return false
}

// Result is the outcome of one message, with what may be logged about it.
type Result struct {
	Outcome Outcome
	Reason  string // skip reason, the invalid field, or the failure class
	EventID string
	OrderID string
	Source  string
	Phone   string // masked
	Err     error  // for Invalid and Failed
	// Warning is set for a producer bug that did not stop the message:
	// WarnNoDropoff.
	Warning string
	// OccurredAt is the event's occurredAt (zero if it did not decode): the
	// freshness metric's start.
	OccurredAt time.Time
}

// WarnNoDropoff is the warning for a delivery order without a dropoff phone
// (mandatory): the account phone was used, or nothing was linked.
const WarnNoDropoff = "delivery-without-dropoff"

// Processor runs one message through the pipeline: decode, pick the phone,
// normalise it, link.
type Processor struct {
	Linker Linker
	Phones Normalizer
}

// Process handles one message body (any accepted envelope). It never panics
// on bad input and logs nothing: the caller logs the result once.
func (p *Processor) Process(ctx context.Context, body []byte) Result {
	ev, _, err := events.Decode(body)
	if err != nil {
		r := Result{Outcome: Invalid, Reason: "body", Err: err}
		var inv *events.InvalidError
		if errors.As(err, &inv) && inv.Field != "" {
			r.Reason = inv.Field
		}
		return r
	}
	return p.ProcessEvent(ctx, ev)
}

// ProcessEvent handles a decoded event.
func (p *Processor) ProcessEvent(ctx context.Context, ev *events.OrderCommitted) Result {
	r := Result{EventID: ev.EventID, OrderID: ev.Order.ID, Source: ev.Source, OccurredAt: ev.OccurredAt}
	if ev.IsDelivery() && ev.Order.DropoffPhone == "" && !ev.IsGuest() {
		r.Warning = WarnNoDropoff
	}
	choice, skip := Pick(ev)
	if skip != "" {
		r.Outcome, r.Reason = Skipped, skip
		return r
	}
	phone, err := p.Phones.Normalize(choice.Phone, choice.Region)
	if err != nil {
		r.Outcome, r.Reason, r.Phone = Skipped, SkipInvalidPhone, lookup.MaskPhone(choice.Phone)
		return r
	}
	r.Phone = lookup.MaskPhone(phone)
	out, err := p.Linker.Link(ctx, lookup.Sighting{
		CognitoID:  ev.User.CognitoID,
		Phone:      phone,
		Via:        choice.Via,
		Source:     ev.Source,
		OrderID:    ev.Order.ID,
		OccurredAt: ev.OccurredAt,
		Brand:      ev.Brand,
	})
	switch {
	case errors.Is(err, lookup.ErrInvalidSighting):
		r.Outcome, r.Reason, r.Err = Invalid, "sighting", err
	case err != nil:
		r.Outcome, r.Reason, r.Err = Failed, failureClass(ctx, err), err
	default:
		r.Outcome = Outcome(out)
	}
	return r
}

// failureClass names the kind of a store failure for logs and metrics.
func failureClass(ctx context.Context, err error) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "deadline" // the batch's deadline, not an HTTP client timeout
	case ctx.Err() != nil:
		return "canceled"
	}
	return "store"
}

// Summary counts outcomes; its JSON form is what `phonelookup process` and
// `consume` print.
type Summary struct {
	Events    int `json:"events"`
	Linked    int `json:"linked"`
	Refreshed int `json:"refreshed"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Invalid   int `json:"invalid"`
	Failed    int `json:"failed"`
}

// Add counts one result.
func (s *Summary) Add(o Outcome) {
	s.Events++
	switch o {
	case Linked:
		s.Linked++
	case Refreshed:
		s.Refreshed++
	case Unchanged:
		s.Unchanged++
	case Skipped:
		s.Skipped++
	case Invalid:
		s.Invalid++
	default:
		s.Failed++
	}
}

// Log adds the counts and elapsed to e (the summary line of a batch or run).
func (s Summary) Log(e *zerolog.Event, elapsed time.Duration) *zerolog.Event {
	return e.Int("events", s.Events).Int("linked", s.Linked).Int("refreshed", s.Refreshed).
		Int("unchanged", s.Unchanged).Int("skipped", s.Skipped).Int("invalid", s.Invalid).
		Int("failed", s.Failed).Dur("elapsed", elapsed)
}

// OK reports whether nothing was invalid or failed.
func (s Summary) OK() bool { return s.Invalid == 0 && s.Failed == 0 }

// Log writes the result's log line: at warn level for Invalid and Failed (and
// a delivery order that fell back to the account phone), at debug otherwise.
// Phones are masked; the body is never logged.
func (r Result) Log(log zerolog.Logger, messageID string) {
	var e *zerolog.Event
	switch {
	case r.Outcome == Failed:
		e = log.Error().Err(r.Err)
	case r.Outcome == Invalid:
		e = log.Warn().Str("error", errText(r.Err))
	case r.Warning != "":
		e = log.Warn().Str("warning", r.Warning)
	default:
		e = log.Debug()
	}
	e.Str("messageId", messageID).Str("eventId", r.EventID).Str("orderId", r.OrderID).Str("source", r.Source).
		Str("outcome", string(r.Outcome))
	if r.Reason != "" {
		e.Str("reason", r.Reason)
	}
	if r.Phone != "" {
		e.Str("phone", r.Phone)
	}
	e.Msg("message " + string(r.Outcome))
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprint(err)
}
