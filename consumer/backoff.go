package consumer

import (
	"math/rand/v2"
	"time"
)

// RetryBackoff is how long a message that failed for a transient reason
// (Result.Transient) stays hidden before its next receive: about
// Base·2^(receives-1), at most Max. With the defaults a message's first five
// receives span about four minutes (15 s, 30 s, 1 min, 2 min between them),
// so a queue's maxReceiveCount of 5 outlasts minutes of throttling instead
// of seconds. Invalid events are not backed off: they reach the dead-letter
// queue at the pace of the visibility timeout, as before. Min is a floor:
// the queue's visibility timeout, so that a backoff never brings a message
// back sooner than the queue would have (which would spend its receives
// faster, not slower).
type RetryBackoff struct{ Base, Max, Min time.Duration }

// DefaultRetryBackoff is the backoff of both consumer faces.
var DefaultRetryBackoff = RetryBackoff{Base: 15 * time.Second, Max: 5 * time.Minute}

// Delay is the hidden time after a failure at receive number receives (1 for
// the first receive; below 1 counts as 1): drawn from [d/2, d] with
// d = min(Max, Base·2^(receives-1)), so that messages that failed together
// do not come back together, and never under Min. A zero Base or Max takes
// DefaultRetryBackoff's.
func (b RetryBackoff) Delay(receives int) time.Duration {
	if b.Base <= 0 {
		b.Base = DefaultRetryBackoff.Base
	}
	if b.Max <= 0 {
		b.Max = DefaultRetryBackoff.Max
	}
	d := b.Max
	if shift := max(receives, 1) - 1; shift < 30 && b.Base<<shift < b.Max {
		d = b.Base << shift
	}
	return max(d/2+rand.N(d/2+1), b.Min)
}
