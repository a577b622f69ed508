package consumer

import (
	"context"
	"errors"
	"fmt"

	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/lookup"
)

// The pipeline's vocabulary: every message ends with one Outcome and, when
// it was Skipped, Invalid or Failed, one Reason. These words are declared
// here only; each edge maps them once: the metrics (consumer/emf: one per
// outcome and one per skip reason), the log line (Result.Log), the counts
// the CLI prints (Summary), the Lambda's typed errors (lambdahandler) and
// the dead-letter tools' verdicts (dlq).

// Outcome is what happened to one message.
type Outcome string

// The outcomes. Linked, Refreshed, Unchanged and Skipped are successes;
// Invalid and Failed make the message a batch item failure, so it is retried
// and finally lands in the dead-letter queue.
const (
	Linked    Outcome = "linked"    // the link is new, or was unlinked and came back
	Refreshed Outcome = "refreshed" // the link existed and the sighting changed it
	Unchanged Outcome = "unchanged" // the sighting was already part of the link
	Skipped   Outcome = "skipped"   // nothing to link, by rule (a Skip reason)
	Invalid   Outcome = "invalid"   // cannot be decoded or validated (an Invalid reason)
	Failed    Outcome = "failed"    // could not be written now (a Failed reason)
)

// Outcomes lists every outcome, in the order of Summary and the metrics.
var Outcomes = []Outcome{Linked, Refreshed, Unchanged, Skipped, Invalid, Failed}

// OK reports whether the message is done (may be deleted from its queue):
// only the four success outcomes are; anything else is retried.
func (o Outcome) OK() bool {
	switch o {
	case Linked, Refreshed, Unchanged, Skipped:
		return true
	}
	return false
}

// outcomeOf maps what the store did to the pipeline's outcome: the one
// place lookup's words meet the pipeline's.
func outcomeOf(o lookup.Outcome) (Outcome, error) {
	switch o {
	case lookup.Linked:
		return Linked, nil
	case lookup.Refreshed:
		return Refreshed, nil
	case lookup.Unchanged:
		return Unchanged, nil
	}
	return Failed, fmt.Errorf("store: unknown outcome %q", o)
}

// Reasons: why a message was Skipped, Invalid or Failed (Result.Reason; ""
// for the other outcomes). An invalid message's reason is the field at
// fault as the decoder names it (events.InvalidError.Field, like
// "order.id" or "occurredAt") or one of the Invalid reasons below.
const (
	// Skipped: a success, nothing to link or nothing a retry could fix.
	ReasonGuest        = "guest"         // no cognitoId
	ReasonNoPhone      = "no-phone"      // not delivery and no account phone
	ReasonInvalidPhone = "invalid-phone" // the chosen number does not normalise
	ReasonIgnoredPhone = "ignored-phone" // the number is in IGNORE_PHONES (a placeholder, a store's own number)
	ReasonForgotten    = "forgotten"     // the customer was forgotten (erased): nothing is linked again

	// Invalid, besides the field at fault.
	ReasonBody     = "body"     // the body is not a JSON object: an *events.InvalidError without a field
	ReasonSighting = "sighting" // the store cannot hold the sighting: lookup.ErrInvalidSighting

	// Failed: the class of the failure.
	ReasonThrottled   = string(lookup.Throttled)   // the store throttled, after the SDK's retries
	ReasonUnavailable = string(lookup.Unavailable) // the store failed or did not answer, after the SDK's retries
	ReasonStore       = "store"                    // any other store error
	ReasonDeadline    = "deadline"                 // the batch's or the message's deadline
	ReasonCanceled    = string(lookup.Cancelled)   // the context was cancelled
	ReasonPanic       = "panic"                    // a bug
)

// SkipReasons lists every reason of a Skipped outcome; consumer/emf has a
// metric for each.
var SkipReasons = []string{ReasonGuest, ReasonNoPhone, ReasonInvalidPhone, ReasonIgnoredPhone, ReasonForgotten}

// WarnNoDropoff is the warning (Result.Warning) for a delivery order
// without a dropoff phone (mandatory): the account phone was used, or
// nothing was linked. It does not change the outcome.
const WarnNoDropoff = "delivery-without-dropoff"

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

// failureClass returns the Reason of a store failure: the context's end
// first (the batch's or message's deadline, a cancellation), then
// lookup.Classify's kind of err.
func failureClass(ctx context.Context, err error) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return ReasonDeadline
	case ctx.Err() != nil:
		return ReasonCanceled
	}
	switch lookup.Classify(ctx, err) {
	case lookup.Throttled:
		return ReasonThrottled
	case lookup.Unavailable:
		return ReasonUnavailable
	case lookup.Cancelled:
		return ReasonCanceled
	}
	return ReasonStore
}

// Transient reports whether a Failed result may succeed if the message is
// tried again later (throttled, unavailable, out of time), as opposed to
// a bug or a store error that will not go away by waiting.
func (r Result) Transient() bool {
	if r.Outcome != Failed {
		return false
	}
	switch r.Reason {
	case ReasonThrottled, ReasonUnavailable, ReasonDeadline, ReasonCanceled:
		return true
	}
	return false
}
