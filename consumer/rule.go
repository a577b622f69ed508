package consumer

import (
	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/lookup"
)

// Skip reasons: a skipped event is a success (nothing to link, or nothing a
// retry could fix).
const (
	SkipGuest        = "guest"         // no cognitoId
	SkipNoPhone      = "no-phone"      // not delivery and no account phone
	SkipInvalidPhone = "invalid-phone" // the chosen number does not normalise
	SkipIgnoredPhone = "ignored-phone" // the number is in IGNORE_PHONES (a placeholder, a store's own number)
	SkipForgotten    = "forgotten"     // the customer was forgotten (erased): nothing is linked again
)

// Choice is the phone number the product rule picks for an event.
type Choice struct {
	Phone  string // as written in the event
	Region string // the region for a number written without +; may be empty
	Via    string // lookup.ViaDropoff or lookup.ViaAccount
	// Fallback is true for a delivery order without a dropoff phone (a
	// producer bug: the dropoff phone is mandatory): the rule fell back to
	// the account phone, or found none either (skip SkipNoPhone).
	Fallback bool
}

// Pick applies the product rule: a delivery order links its dropoff phone
// (falling back to the account phone if the dropoff phone is missing); any
// other order links the account phone if there is one; a guest order links
// nothing. skip is the reason when there is nothing to link; c.Fallback is
// then still set for a delivery order without any phone.
func Pick(ev *events.OrderCommitted) (c Choice, skip string) {
	if ev.IsGuest() {
		return Choice{}, SkipGuest
	}
	account := Choice{Phone: ev.User.Phone, Region: ev.User.CountryCode, Via: lookup.ViaAccount}
	if ev.IsDelivery() {
		if ev.Order.DropoffPhone != "" {
			return Choice{Phone: ev.Order.DropoffPhone, Region: ev.Order.CountryCode, Via: lookup.ViaDropoff}, ""
		}
		account.Fallback = true
	}
	if account.Phone == "" {
		return Choice{Fallback: account.Fallback}, SkipNoPhone
	}
	return account, ""
}
