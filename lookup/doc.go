// Package lookup is the domain of phonelookup, free of AWS: the link between
// a customer (Cognito id) and a phone number and the sightings (orders) that
// are its evidence, the checks that keep a key from being forged, phone-number
// normalisation and masking, and the one JSON view of a link (LinkView) that
// every reader prints.
//
// A legacy link (Link.Legacy) rests only on a legacy lookup record of the
// user table, with no order; it ranks after every order-backed link and its
// view says "legacy". Found is a search's answer: the links, whether the read
// cap truncated it, and what it read and skipped. ErrBusy marks a store error
// that means "retry later" (throttling), ErrUnavailable one where the database
// failed or did not answer (Classify names both once), ErrNotFound a missing link and
// ErrForgotten a write for a forgotten customer; ForgottenRef names a
// forgotten customer by a hash, for audit lines, without naming them.
//
// The storage of links lives in package dynamo; the consumer that turns
// events into sightings in package consumer.
package lookup
