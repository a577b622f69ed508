// Package events is the wire contract of the OrderCommitted event.
//
// Producers (the GraphQL API and the fulfillment service) publish one
// OrderCommitted event, version 1, each time an order is committed. The
// event may arrive as-is, inside an EventBridge envelope (as its detail) or
// inside an SNS notification (as the string Message), and envelopes may be
// nested, for example an SNS notification carrying an EventBridge event.
//
// Decode unwraps the envelope, decodes the JSON and validates it. The JSON
// Schema in Schema (ordercommitted.schema.json, draft 2020-12) describes the
// same contract for producers and is tested to accept exactly the events
// Decode accepts.
//
// The package knows nothing about AWS clients or storage; it only turns
// bytes into a validated OrderCommitted or an *InvalidError.
package events
