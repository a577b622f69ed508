// Package dynamo keeps links in DynamoDB: the table and its sparse index,
// the conditional writes that make linking idempotent and order-independent,
// unlink, and the strict reading of stored items (an item of the shared table
// that is not a link is skipped, never shown).
//
// One item per (customer, phone) link: pk = phone_user#<cognitoId>,
// sk = phone#<E.164>; while the link is active, pk2 = phone#<E.164> and
// sk2 = phone_user#<cognitoId> put it in the index that search queries. The
// README's table section documents every attribute.
package dynamo
