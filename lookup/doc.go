// Package lookup is the domain of phonelookup, free of AWS: the link between
// a customer (Cognito id) and a phone number and the sightings (orders) that
// are its evidence, the checks that keep a key from being forged, phone-number
// normalisation and masking, and the one JSON view of a link (LinkView) that
// every reader prints.
//
// The storage of links lives in package dynamo; the consumer that turns
// events into sightings in package consumer.
package lookup
