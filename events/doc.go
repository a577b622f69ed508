// Package events is the wire contract of the OrderCommitted event.
//
// Producers (the GraphQL API and the fulfillment service) publish one
// OrderCommitted event, version 1, each time an order is committed. The
// event may arrive as-is, inside an EventBridge envelope (as its detail),
// inside an SNS notification (as the string Message) or inside the record a
// Lambda on-failure destination receives (as its requestPayload, as found
// when a dead-letter queue is replayed). Envelopes may be nested up to three
// deep, for example an SNS notification carrying an EventBridge event.
//
// An event is recognised by its own fields first: a JSON object with an
// "eventId" or an "eventType" key (whatever the value, null included) is
// the event itself and is decoded and validated as such, even if it also
// carries "detail-type" and "detail", "Type" and "Message", or
// "requestContext" and "requestPayload"; those keys are then unknown fields
// and ignored. Only an object with neither key is looked at as an envelope.
// An EventBridge envelope's source must be its event's: the event's source
// or a name ending in "." and it (intl.fulfillment carries fulfillment
// events only), so that one producer cannot publish as the other.
//
// Decode unwraps the envelope, decodes the JSON and validates it, reading
// the body in one pass (an SNS Message, a JSON document inside a string, is
// read once more). Keys are matched exactly, as JSON Schema does, not
// case-insensitively as encoding/json matches struct fields; of duplicate
// keys the last wins. The JSON Schema in Schema (ordercommitted.schema.json,
// draft 2020-12) describes the bare event for producers. Tests hold the two
// in agreement on every test body: the schema accepts a body exactly when
// Decode accepts it as an event sent as-is, and accepts the unwrapped event
// exactly when Decode succeeds.
//
// The package knows nothing about AWS clients or storage; it only turns
// bytes into a validated OrderCommitted or an *InvalidError.
package events
