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

// Reasons of an invalid message that are not the field of an event.
const (
	ReasonBody     = "body"     // the body is not a JSON object: an *events.InvalidError without a field
	ReasonSighting = "sighting" // the store cannot hold the sighting: lookup.ErrInvalidSighting
)

// Failure classes: the Reason of a Failed result.
const (
	FailThrottled   = string(lookup.Throttled)   // the store throttled, after the SDK's retries
	FailUnavailable = string(lookup.Unavailable) // the store failed or did not answer, after the SDK's retries
	FailStore       = "store"                    // any other store error
	FailDeadline    = "deadline"                 // the batch's or the message's deadline
	FailCanceled    = "canceled"                 // the context was cancelled
	FailPanic       = "panic"                    // a bug
)

// Transient reports whether a Failed result may succeed if the message is
// tried again later (throttled, unavailable, out of time), as opposed to
// a bug or a store error that will not go away by waiting.
func (r Result) Transient() bool {
	if r.Outcome != Failed {
		return false
	}
	switch r.Reason {
	case FailThrottled, FailUnavailable, FailDeadline, FailCanceled:
		return true
	}
	return false
}

// InvalidReason returns the Reason of an invalid message from the error that
// made it invalid: the field of an *events.InvalidError (ReasonBody when it
// has none), ReasonSighting for lookup.ErrInvalidSighting.
func InvalidReason(err error) string {
	var inv *events.InvalidError
	switch {
	case errors.As(err, &inv) && inv.Field != "":
		return inv.Field
	case errors.Is(err, lookup.ErrInvalidSighting):
		return ReasonSighting
	}
	return ReasonBody
}

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
	// SkipIgnoredPhone. nil ignores nothing.
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

// ProcessEvent handles a decoded event.
func (p *Processor) ProcessEvent(ctx context.Context, ev *events.OrderCommitted) Result {
	return p.write(ctx, p.DecideEvent(ev))
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
		r.Outcome, r.Reason, r.Phone = Skipped, SkipInvalidPhone, lookup.MaskPhone(choice.Phone)
		return Decision{Result: r}
	}
	r.Phone = lookup.MaskPhone(phone)
	if p.Ignore[phone] {
		r.Outcome, r.Reason = Skipped, SkipIgnoredPhone
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
		r.Outcome, r.Reason = Skipped, SkipForgotten
	case errors.Is(err, lookup.ErrInvalidSighting):
		r.Outcome, r.Reason, r.Err = Invalid, InvalidReason(err), err
	case err != nil:
		r.Outcome, r.Reason, r.Err = Failed, failureClass(ctx, err), err
	default:
		r.Outcome = Outcome(out)
	}
	return r
}

// failureClass names the kind of a store failure for logs and metrics: the
// context's end first (the batch's or message's deadline, a cancellation),
// then lookup.Classify's kind of err.
func failureClass(ctx context.Context, err error) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return FailDeadline
	case ctx.Err() != nil:
		return FailCanceled
	}
	switch lookup.Classify(ctx, err) {
	case lookup.Throttled:
		return FailThrottled
	case lookup.Unavailable:
		return FailUnavailable
	case lookup.Cancelled:
		return FailCanceled
	}
	return FailStore
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
