package dynamo

import (
	"time"

	"github.com/phonelookup/phonelookup/lookup"
)

// expiry returns the TTL (epoch seconds) of a link last seen at `at`: at +
// Retention, or 0 when no retention is configured.
func (s *Store) expiry(at time.Time) int64 {
	if s.Retention <= 0 {
		return 0
	}
	return at.Add(s.Retention).Unix()
}

// ttlAfter returns the TTL a write should set over the stored link old: e,
// unless old already expires at or after e (the TTL never moves backwards:
// after a shorter LINK_RETENTION, or over a legacy link's import-time TTL).
func ttlAfter(old *lookup.Link, e int64) int64 {
	if e == 0 || old != nil && old.ExpiresAt != nil && old.ExpiresAt.Unix() >= e {
		return 0
	}
	return e
}
