package api

import (
	"errors"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/phonelookup/phonelookup/lookup"
)

// SearchAnswer is the answer of GET /v1/phones/{phone}/customers.
type SearchAnswer struct {
	Phone     string            `json:"phone"` // E.164
	Customers []lookup.LinkView `json:"customers"`
	// Truncated is true when the number has more customers than the list
	// holds: more than limit, or more index items than the read cap.
	Truncated bool `json:"truncated"`
}

// PhonesAnswer is the answer of GET /v1/customers/{cognitoId}/phones.
type PhonesAnswer struct {
	CognitoID string      `json:"cognitoId"`
	Phones    []PhoneView `json:"phones"`
}

// PhoneView is a customer's link with the number in the international
// format people read ("+44 20 7946 0958"), for the support console.
type PhoneView struct {
	lookup.LinkView
	International string `json:"international"`
}

// PhoneViews is the view of a customer's links the phones answer holds.
func PhoneViews(links []lookup.Link) []PhoneView {
	out := make([]PhoneView, 0, len(links))
	for _, v := range lookup.Views(links) {
		out = append(out, PhoneView{LinkView: v, International: lookup.International(v.Phone)})
	}
	return out
}

// ForgetAnswer is the answer of DELETE /v1/customers/{cognitoId}.
type ForgetAnswer struct {
	CognitoID string `json:"cognitoId"`
	// Removed is how many link items this request deleted: 0 when the
	// customer had none left (never linked, or already forgotten).
	Removed int `json:"removed"`
}

// phoneParam normalises the {phone} segment in the region query parameter's
// region, as the consumer does; false when it already answered 400.
func (h *handler) phoneParam(x *exchange) (string, bool) {
	raw := x.r.PathValue("phone")
	region := x.query.Get("region")
	if region != "" && !lookup.IsRegion(region) {
		x.problem(errParameter("region must be an ISO 3166-1 alpha-2 code of a region with phone numbers"))
		return "", false
	}
	if utf8.RuneCountInString(raw) > maxPhoneLength {
		x.phone = "***"
		x.problem(errInvalidPhone)
		return "", false
	}
	phone, err := h.phones.Normalize(raw, region)
	if err != nil {
		x.phone = lookup.MaskPhone(raw)
		x.problem(errInvalidPhone)
		return "", false
	}
	x.phone = lookup.MaskPhone(phone)
	return phone, true
}

// cognitoParam checks the {cognitoId} segment; false when it already
// answered 400.
func (h *handler) cognitoParam(x *exchange) (string, bool) {
	id := x.r.PathValue("cognitoId")
	if lookup.ValidateCognitoID(id) != nil {
		x.problem(errInvalidCognitoID)
		return "", false
	}
	x.cognitoID = id
	return id, true
}

// search answers the customers of a phone number, most recently seen first.
func (h *handler) search(x *exchange) {
	limit := DefaultLimit
	if v, ok := x.query["limit"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > MaxLimit {
			x.problem(errParameter("limit must be an integer from 1 to " + strconv.Itoa(MaxLimit)))
			return
		}
		limit = n
	}
	phone, ok := h.phoneParam(x)
	if !ok {
		return
	}
	found, err := h.store.Search(x.ctx, phone, h.maxRead)
	if err != nil {
		x.storeFailed(err, h.retryAfter)
		return
	}
	links := found.Links
	truncated := found.Truncated
	if len(links) > limit {
		links, truncated = links[:limit], true
	}
	x.results, x.truncated, x.read, x.pages = len(links), truncated, found.Read, found.Pages
	x.json(http.StatusOK, SearchAnswer{Phone: phone, Customers: lookup.Views(links), Truncated: truncated})
}

// customerPhones answers a customer's links from the base table (strongly
// consistent), most recently seen first; unlinked ones only with
// include=unlinked.
func (h *handler) customerPhones(x *exchange) {
	unlinked := false
	if v, ok := x.query["include"]; ok {
		if v[0] != "unlinked" {
			x.problem(errParameter("include takes one value: unlinked"))
			return
		}
		unlinked = true
	}
	id, ok := h.cognitoParam(x)
	if !ok {
		return
	}
	links, err := h.store.ListByCustomer(x.ctx, id)
	if err != nil {
		x.storeFailed(err, h.retryAfter)
		return
	}
	links = lookup.CustomerPhones(links, unlinked)
	x.results = len(links)
	x.json(http.StatusOK, PhonesAnswer{CognitoID: id, Phones: PhoneViews(links)})
}

// unlink hides a link, with Store.Unlink's semantics: 204, or 404 when the
// customer is not linked to the number.
func (h *handler) unlink(x *exchange) {
	id, ok := h.cognitoParam(x)
	if !ok {
		return
	}
	phone, ok := h.phoneParam(x)
	if !ok {
		return
	}
	err := h.store.Unlink(x.ctx, id, phone)
	switch {
	case errors.Is(err, lookup.ErrNotFound):
		x.problem(errNoLink)
	case err != nil:
		x.storeFailed(err, h.retryAfter)
	default:
		x.noContent()
	}
}

// forget erases a customer (the admin app's account deletion), with
// Store.Forget's semantics: 200 with how many links went, 0 for a customer
// already forgotten or never linked. The audit line names the customer by
// lookup.ForgottenRef, as `phonelookup forget` does, never by the id.
func (h *handler) forget(x *exchange) {
	id := x.r.PathValue("cognitoId")
	if lookup.ValidateCognitoID(id) != nil {
		x.problem(errInvalidCognitoID)
		return
	}
	x.customer = lookup.ForgottenRef(id)
	removed, err := h.store.Forget(x.ctx, id)
	x.removed = removed
	if err != nil {
		x.storeFailed(err, h.retryAfter)
		return
	}
	x.json(http.StatusOK, ForgetAnswer{CognitoID: id, Removed: removed})
}
