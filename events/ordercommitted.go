package events

import (
	"time"
)

// Values of the enumerated fields that the package gives meaning to.
const (
	// EventTypeOrderCommitted is the only accepted eventType, and the
	// detail-type of an EventBridge envelope.
	EventTypeOrderCommitted = "OrderCommitted"
	// SourceGraphQL is the source of events published by the GraphQL API.
	SourceGraphQL = "graphql"
	// SourceFulfillment is the source of events published by fulfillment.
	SourceFulfillment = "fulfillment"
	// FulfillmentDelivery is the fulfillment type of a delivered order;
	// every other fulfillment type is treated alike.
	FulfillmentDelivery = "delivery"
)

// OrderCommitted is a decoded, validated version-1 event.
type OrderCommitted struct {
	EventID    string
	EventType  string
	Version    int
	Source     string    // SourceGraphQL or SourceFulfillment
	OccurredAt time.Time // as parsed, keeping full precision and offset
	Brand      string
	Order      Order
	User       User
}

// Order is the order part of an OrderCommitted event.
type Order struct {
	ID              string
	FulfillmentType string
	CountryCode     string // upper-case ISO 3166-1 alpha-2, or ""
	DropoffPhone    string // order.delivery.dropoff.phoneNumber, as sent
}

// User is the customer part of an OrderCommitted event; its zero value is a
// guest.
type User struct {
	CognitoID   string // "" for a guest order
	Phone       string // user.details.phoneNumber, as sent
	CountryCode string // user.details.countryCode, upper-cased, or ""
}

// IsDelivery reports whether the order is delivered to a dropoff address.
func (e *OrderCommitted) IsDelivery() bool {
	return e.Order.FulfillmentType == FulfillmentDelivery
}

// IsGuest reports whether the order was placed without an account.
func (e *OrderCommitted) IsGuest() bool {
	return e.User.CognitoID == ""
}

// Decode unwraps body (see Unwrap), then decodes and validates the event.
// Every error it returns is an *InvalidError. env is the outermost envelope
// detected, also on error when it was detected before the failure.
//
// The body is read in one pass that validates the JSON and records where
// each member is; only an SNS Message, a JSON document inside a string, is
// read again.
func Decode(body []byte) (*OrderCommitted, Envelope, error) {
	t := getTape()
	defer putTape(t)
	n, env, err := t.unwrap(body)
	if err != nil {
		return nil, env, err
	}
	e, err := decodeEvent(t, n)
	if err != nil {
		return nil, env, err
	}
	return e, env, nil
}

// decodeEvent decodes and validates the event object n of t, field by field
// in a fixed order, and reports the first problem.
func decodeEvent(t *tape, n int32) (*OrderCommitted, error) {
	d := &decoder{t: t}
	root := object{n: n}
	e := &OrderCommitted{}

	e.EventID = d.str(root, "eventId", required)
	d.length("eventId", e.EventID, 1, maxIDLength)
	d.noControl("eventId", e.EventID)
	d.check("eventType", string(d.bytes(root, "eventType", required)) == EventTypeOrderCommitted, `must be "OrderCommitted"`)
	e.EventType = EventTypeOrderCommitted
	e.Version = d.version(root, "version")
	e.Source = d.source(root, "source")
	e.OccurredAt = d.timestamp(root, "occurredAt")
	e.Brand = d.str(root, "brand", optional)
	d.length("brand", e.Brand, 0, maxBrandLength)
	d.noControl("brand", e.Brand)

	order := d.obj(root, "order", required)
	e.Order.ID = d.str(order, "id", required)
	d.length("order.id", e.Order.ID, 1, maxIDLength)
	d.noControl("order.id", e.Order.ID)
	e.Order.FulfillmentType = d.fulfillmentType(order, "fulfillmentType")
	d.check("order.fulfillmentType", e.Order.FulfillmentType != "", "must not be empty")
	e.Order.CountryCode = d.countryCode(order, "countryCode")
	dropoff := d.obj(d.obj(order, "order.delivery", optional), "order.delivery.dropoff", optional)
	e.Order.DropoffPhone = d.str(dropoff, "phoneNumber", optional)

	user := d.obj(root, "user", optional)
	e.User.CognitoID = d.cognitoID(user, "cognitoId")
	details := d.obj(user, "user.details", optional)
	e.User.Phone = d.str(details, "phoneNumber", optional)
	e.User.CountryCode = d.countryCode(details, "countryCode")

	if d.err != nil {
		return nil, d.err
	}
	return e, nil
}
