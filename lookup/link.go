package lookup

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Where a linked number came from (the link's via set).
const (
	ViaDropoff = "dropoff" // the delivery order's dropoff phone
	ViaAccount = "account" // the customer's account phone
	// ViaLegacy marks a link imported from a legacy lookup record of the user
	// table (phone#<number>/v0_UserPhone): no order backs it. It is also the
	// link's source.
	ViaLegacy = "legacy"
)

// Outcome is what Link did.
type Outcome string

// The outcomes of Link.
const (
	Linked    Outcome = "linked"    // the link is new, or was unlinked and a later order brought it back
	Refreshed Outcome = "refreshed" // the link existed and the sighting changed it
	Unchanged Outcome = "unchanged" // the sighting was already part of the link (a duplicate)
)

// TimeLayout is how times are stored: RFC 3339 in UTC with exactly three
// fractional digits, so that DynamoDB's string comparison orders them.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// ErrInvalidSighting is wrapped by every error about a sighting or key that
// cannot be written (bad cognito id, phone not E.164, ...): retrying cannot fix it.
var ErrInvalidSighting = errors.New("invalid sighting")

// ErrNotFound is returned when there is no such link.
var ErrNotFound = errors.New("link not found")

// ErrForgotten is returned by a write for a customer that was forgotten
// (erased): nothing was stored, and nothing ever will be for that customer.
var ErrForgotten = errors.New("customer forgotten")

// isE164 reports whether phone is "+" and 2 to 15 digits, the first not 0.
func isE164(phone string) bool {
	if len(phone) < 3 || len(phone) > 16 || phone[0] != '+' || phone[1] == '0' {
		return false
	}
	for i := 1; i < len(phone); i++ {
		if phone[i] < '0' || phone[i] > '9' {
			return false
		}
	}
	return true
}

// isSource reports whether s is a producer name: a lower-case letter, then
// up to 31 of lower-case letters, digits, '_' and '-'.
func isSource(s string) bool {
	if len(s) < 1 || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Sighting is one piece of evidence that a customer uses a phone number: an
// order committed at OccurredAt.
type Sighting struct {
	CognitoID  string
	Phone      string // E.164, as returned by Normalizer.Normalize
	Via        string // ViaDropoff or ViaAccount
	Source     string // the producer: graphql, fulfillment
	OrderID    string
	OccurredAt time.Time
	Brand      string
}

// Link is a stored link between a customer and a phone number.
type Link struct {
	CognitoID    string
	Phone        string
	FirstSeenAt  time.Time
	LastSeenAt   time.Time
	FirstOrderID string
	LastOrderID  string
	Sources      []string
	Via          []string
	Brand        string
	NormVersion  string
	UnlinkedAt   *time.Time
	Active       bool
	// ExpiresAt is when the link stops being evidence (its DynamoDB TTL:
	// lastSeenAt + LINK_RETENTION); nil when no retention applied.
	ExpiresAt *time.Time
}

// Legacy reports whether the link rests only on a legacy lookup record: no
// order backs it, so it has no first or last order (and zero times).
func (l Link) Legacy() bool { return l.LastOrderID == "" }

// Expired reports whether the link's TTL has passed at now. DynamoDB deletes
// expired items only eventually (up to days later): readers hide them.
func (l Link) Expired(now time.Time) bool { return l.ExpiresAt != nil && !now.Before(*l.ExpiresAt) }

// ValidateCognitoID checks that id can be part of a key: letters, digits and
// -_.:@+, 1 to 128 characters. No input can so reach into another record's key.
func ValidateCognitoID(id string) error {
	ok := len(id) >= 1 && len(id) <= 128
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.:@+", c) >= 0
	}
	if !ok {
		return fmt.Errorf("%w: cognito id must be 1-128 of letters, digits and -_.:@+", ErrInvalidSighting)
	}
	return nil
}

// ValidatePhone checks that phone is in E.164 form.
func ValidatePhone(phone string) error {
	if !isE164(phone) {
		return fmt.Errorf("%w: phone is not E.164", ErrInvalidSighting)
	}
	return nil
}

// Validate reports whether s can be written.
func (s Sighting) Validate() error {
	if err := ValidateCognitoID(s.CognitoID); err != nil {
		return err
	}
	if err := ValidatePhone(s.Phone); err != nil {
		return err
	}
	switch {
	case s.Via != ViaDropoff && s.Via != ViaAccount:
		return fmt.Errorf("%w: via %q", ErrInvalidSighting, s.Via)
	case !isSource(s.Source):
		return fmt.Errorf("%w: source %q", ErrInvalidSighting, s.Source)
	case s.OrderID == "" || len(s.OrderID) > 512:
		return fmt.Errorf("%w: order id must be 1-512 bytes", ErrInvalidSighting)
	case s.OccurredAt.UTC().Year() < 1900 || s.OccurredAt.UTC().Year() > 2999:
		// Stored times must keep their fixed width to compare as strings.
		return fmt.Errorf("%w: occurredAt out of range (years 1900-2999 UTC)", ErrInvalidSighting)
	case len(s.Brand) > 1024:
		return fmt.Errorf("%w: brand longer than 1024 bytes", ErrInvalidSighting)
	}
	return nil
}

// FormatTime formats t as stored (UTC, millisecond precision).
func FormatTime(t time.Time) string { return t.UTC().Truncate(time.Millisecond).Format(TimeLayout) }

// SortRecentFirst orders links most recently seen first (ties: by Cognito
// id), the order in which search answers. Legacy links (no order) come after
// every order-backed link.
func SortRecentFirst(links []Link) {
	slices.SortFunc(links, func(a, b Link) int {
		if a.Legacy() != b.Legacy() {
			if a.Legacy() {
				return 1
			}
			return -1
		}
		if c := b.LastSeenAt.Compare(a.LastSeenAt); c != 0 {
			return c
		}
		return strings.Compare(a.CognitoID, b.CognitoID)
	})
}

// CustomerPhones returns a customer's links as their phone numbers are
// listed: the unlinked ones dropped unless unlinked is true, most recently
// seen first, stable on the given order (the store's, by phone) so that
// ties keep an order. It reorders links.
func CustomerPhones(links []Link, unlinked bool) []Link {
	if !unlinked {
		links = slices.DeleteFunc(links, func(l Link) bool { return !l.Active })
	}
	slices.SortStableFunc(links, func(a, b Link) int { return b.LastSeenAt.Compare(a.LastSeenAt) })
	return links
}

// ErrBusy is wrapped by a store error that means "not now, retry later" (the
// database throttled the request): a reader answers 503, a writer retries.
var ErrBusy = errors.New("store busy")
