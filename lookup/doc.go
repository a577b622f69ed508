// Package lookup is the domain of phonelookup: phone-number normalisation, the
// link between a customer (Cognito id) and a phone number, and the DynamoDB
// store that keeps links idempotently.
//
// A link is one item keyed by customer and phone, so writing the same link
// twice is one item, whatever order or how often events arrive. Every write is
// a conditional update built so that the stored item is a pure function of the
// set of sightings seen (min and max times, set unions) and of support's unlinks.
package lookup
