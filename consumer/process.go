package consumer

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// DefaultMaxClockSkew is how far ahead of the consumer's clock an event's
// occurredAt may be. Producers and the consumer keep their clocks by NTP
// (AWS's time sync service keeps EC2 and Lambda within a millisecond or so),
// and AWS itself refuses requests signed with a clock more than 5 minutes
// off: an event later than that was dated by a broken clock.
const DefaultMaxClockSkew = 5 * time.Minute

// Processor runs one message through the pipeline: decode, check the time
// against the consumer's clock, pick the phone, normalise it, link. Decide is
// the same pipeline short of writing.
type Processor struct {
	Linker Linker
	Phones Normalizer
	// Ignore holds E.164 numbers never linked (IGNORE_PHONES): skipped with
	// ReasonIgnoredPhone. nil ignores nothing.
	Ignore map[string]bool
	// MaxClockSkew bounds how far ahead of Now an event's occurredAt may be:
	// a later event is invalid (field occurredAt), so it reaches the
	// dead-letter queue and can be replayed once its time has come. Past
	// events (a backfill) are not bounded. 0: DefaultMaxClockSkew.
	MaxClockSkew time.Duration
	// Now is the consumer's clock; nil: time.Now.
	Now func() time.Time
}

// Decision is what the pipeline decides for a message before anything is
// written. When Sighting is nil, Result is final (Invalid or Skipped);
// otherwise the sighting is to be linked, and Result has everything but the
// outcome of the write.
type Decision struct {
	Result   Result
	Sighting *lookup.Sighting
}

// Process handles one message body (any accepted envelope). It never panics
// on bad input and logs nothing: the caller logs the result once.
func (p *Processor) Process(ctx context.Context, body []byte) Result {
	return p.write(ctx, p.Decide(body))
}

// Decide runs one message body through the pipeline without writing: what
// Process would do with it now. The Linker is not used. An invalid body's
// result carries its eventId and order id when they are readable.
func (p *Processor) Decide(body []byte) Decision {
	ev, _, err := events.Decode(body)
	if err != nil {
		r := Result{Outcome: Invalid, Reason: InvalidReason(err), Err: err}
		ids := events.ReadIDs(body)
		r.EventID, r.OrderID = ids.EventID, ids.OrderID
		return Decision{Result: r}
	}
	return p.DecideEvent(ev)
}

// DecideEvent is Decide for a decoded event.
func (p *Processor) DecideEvent(ev *events.OrderCommitted) Decision {
	r := Result{EventID: ev.EventID, OrderID: ev.Order.ID, Source: ev.Source, OccurredAt: ev.OccurredAt}
	invalid := func(err error) Decision {
		r.Outcome, r.Reason, r.Err = Invalid, InvalidReason(err), err
		return Decision{Result: r}
	}
	if err := p.checkClock(ev.OccurredAt); err != nil {
		return invalid(err)
	}
	choice, skip := Pick(ev)
	if choice.Fallback {
		r.Warning = WarnNoDropoff
	}
	if skip != "" {
		r.Outcome, r.Reason = Skipped, skip
		return Decision{Result: r}
	}
	phone, err := p.Phones.Normalize(choice.Phone, choice.Region)
	if err != nil {
		r.Outcome, r.Reason, r.Phone = Skipped, ReasonInvalidPhone, lookup.MaskPhone(choice.Phone)
		return Decision{Result: r}
	}
	r.Phone = lookup.MaskPhone(phone)
	if p.Ignore[phone] {
		r.Outcome, r.Reason = Skipped, ReasonIgnoredPhone
		return Decision{Result: r}
	}
	sg := lookup.Sighting{
		CognitoID:  ev.User.CognitoID,
		Phone:      phone,
		Via:        choice.Via,
		Source:     ev.Source,
		OrderID:    ev.Order.ID,
		OccurredAt: ev.OccurredAt,
		Brand:      ev.Brand,
	}
	if err := sg.Validate(); err != nil {
		return invalid(err)
	}
	return Decision{Result: r, Sighting: &sg}
}

// checkClock returns an *events.InvalidError for occurredAt if at is more
// than the allowed skew ahead of the consumer's clock.
func (p *Processor) checkClock(at time.Time) error {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	skew := p.MaxClockSkew
	if skew <= 0 {
		skew = DefaultMaxClockSkew
	}
	n := now()
	if !at.After(n.Add(skew)) {
		return nil
	}
	return &events.InvalidError{Field: "occurredAt", Reason: fmt.Sprintf(
		"must be at most %s ahead of the consumer's clock (now %s)", skew, n.UTC().Format(lookup.TimeLayout))}
}

// write links the decision's sighting, if any.
func (p *Processor) write(ctx context.Context, d Decision) Result {
	r := d.Result
	if d.Sighting == nil {
		return r
	}
	out, err := p.Linker.Link(ctx, *d.Sighting)
	switch {
	case errors.Is(err, lookup.ErrForgotten):
		r.Outcome, r.Reason = Skipped, ReasonForgotten
	case errors.Is(err, lookup.ErrInvalidSighting):
		r.Outcome, r.Reason, r.Err = Invalid, InvalidReason(err), err
	case err != nil:
		r.Outcome, r.Reason, r.Err = Failed, failureClass(ctx, err), err
	default:
		if r.Outcome, err = outcomeOf(out); err != nil {
			r.Reason, r.Err = ReasonStore, err
		}
	}
	return r
}
