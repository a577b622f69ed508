package consumer

import (
	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/lookup"
)

// Choice is the phone number the product rule picks for an event.
type Choice struct {
	Phone  string // as written in the event
	Region string // the region for a number written without +; may be empty
	Via    string // lookup.ViaDropoff or lookup.ViaAccount
	// Fallback is true for a delivery order without a dropoff phone (a
	// producer bug: the dropoff phone is mandatory): the rule fell back to
	// the account phone, or found none either (skip ReasonNoPhone).
	Fallback bool
}

// Pick applies the product rule: a delivery order links its dropoff phone
// (falling back to the account phone if the dropoff phone is missing); any
// other order links the account phone if there is one; a guest order links
// nothing. skip is the reason when there is nothing to link; c.Fallback is
// then still set for a delivery order without any phone.
func Pick(ev *events.OrderCommitted) (c Choice, skip string) {
	if ev.IsGuest() {
		return Choice{}, ReasonGuest
	}
	account := Choice{Phone: ev.User.Phone, Region: ev.User.CountryCode, Via: lookup.ViaAccount}
	if ev.IsDelivery() {
		if ev.Order.DropoffPhone != "" {
			return Choice{Phone: ev.Order.DropoffPhone, Region: ev.Order.CountryCode, Via: lookup.ViaDropoff}, ""
		}
		account.Fallback = true
	}
	if account.Phone == "" {
		return Choice{Fallback: account.Fallback}, ReasonNoPhone
	}
	return account, ""
}
