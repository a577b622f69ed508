package consumer

import (
	"fmt"
	"time"

	"github.com/rs/zerolog"
)

// Result is the outcome of one message, with what may be logged about it.
type Result struct {
	Outcome Outcome
	Reason  string // why it was Skipped, Invalid or Failed (see the Reason constants)
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

// Summary counts outcomes; its JSON form is what `phonelookup process` and
// `consume` print, with a key per outcome, the outcome's own word.
type Summary struct {
	Events    int `json:"events"`
	Linked    int `json:"linked"`
	Refreshed int `json:"refreshed"`
	Unchanged int `json:"unchanged"`
	Skipped   int `json:"skipped"`
	Invalid   int `json:"invalid"`
	Failed    int `json:"failed"`
}

// count returns the count of outcome o (an unknown outcome counts as
// Failed).
func (s *Summary) count(o Outcome) *int {
	switch o {
	case Linked:
		return &s.Linked
	case Refreshed:
		return &s.Refreshed
	case Unchanged:
		return &s.Unchanged
	case Skipped:
		return &s.Skipped
	case Invalid:
		return &s.Invalid
	}
	return &s.Failed
}

// Add counts one result.
func (s *Summary) Add(o Outcome) {
	s.Events++
	*s.count(o)++
}

// Log adds the counts, keyed by the outcomes' words, and elapsed to e (the
// summary line of a batch or run).
func (s Summary) Log(e *zerolog.Event, elapsed time.Duration) *zerolog.Event {
	e = e.Int("events", s.Events)
	for _, o := range Outcomes {
		e = e.Int(string(o), *s.count(o))
	}
	return e.Dur("elapsed", elapsed)
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
