package lookup

import (
	"context"
	"errors"
)

// ErrUnavailable is wrapped by a store error that means the database failed
// or did not answer (an HTTP 5xx, a timeout, a connection lost): retry later.
var ErrUnavailable = errors.New("store unavailable")

// Failure is the kind of a failed store call, decided once by Classify and
// named the same way in logs, metrics, the API and the CLI.
type Failure string

// The kinds of failure.
const (
	Throttled   Failure = "throttled"   // the database refused work for now (lookup.ErrBusy)
	Unavailable Failure = "unavailable" // the database failed or did not answer in time
	Cancelled   Failure = "cancelled"   // the caller gave up (context.Canceled)
	Other       Failure = "other"       // anything else: a bug, a permission, a bad request
)

// Classify names the failure err of a store call made with ctx: Throttled
// for ErrBusy, Unavailable for ErrUnavailable or a deadline (the call's or
// ctx's), Cancelled when the caller cancelled, else Other.
func Classify(ctx context.Context, err error) Failure {
	switch {
	case errors.Is(err, ErrBusy):
		return Throttled
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		return Cancelled
	case errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(ctx.Err(), context.DeadlineExceeded):
		return Unavailable
	}
	return Other
}

// Transient reports whether the same call may succeed later.
func (f Failure) Transient() bool { return f == Throttled || f == Unavailable }
