// Package dynamo keeps links in DynamoDB: the table and its sparse index,
// the conditional writes that make linking idempotent and order-independent,
// unlink, search with a read cap, and the strict reading of stored items (an
// item of the shared table that is not a link is skipped, never shown).
//
// One item per (customer, phone) link: pk = phone_user#<cognitoId>,
// sk = phone#<E.164>; while the link is active, pk2 = phone#<E.164> and
// sk2 = phone_user#<cognitoId> put it in the index that search queries.
// docs/DESIGN.md's table section documents every attribute.
//
// Link, Unlink and ImportLegacy share one conditional-write loop (write.go):
// write optimistically, and after a failed condition read the item and
// write what it needs, a bounded number of times. Reads of many items page
// with the SDK's paginators; the whole-table reads run as a parallel Scan
// (scan.go).
//
// The package also holds the rest of a link's life. Forget (forget.go) erases
// a customer: it writes a tombstone, keyed by a hash of the Cognito id, then
// deletes every link, and a later write for that customer is refused with
// lookup.ErrForgotten. The TTL (ttl.go): with Store.Retention set, every
// write that moves lastSeenAt sets the TTL attribute to lastSeenAt +
// retention, never backwards, and the readers hide expired links. The legacy
// import (legacy.go): ScanLegacy reads the user service's lookup records with
// the parallel Scan and ImportLegacy turns each into a legacy link that the
// next order makes an ordinary one. The shared-number report (report.go):
// SharedNumbers counts the active links of every number from the index.
package dynamo
