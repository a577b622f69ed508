// Package sqsengine is the one place that holds SQS messages and sends them
// in batches; the queue worker, the dead-letter tools and publish all go
// through it.
//
// A Lease receives messages and holds them: while it holds a message it
// keeps the message's visibility timeout extended (when less than half of it
// is left), deletes exactly the entries SQS confirmed, and at the end
// releases (visibility 0) or forgets what it still holds. A message the
// lease holds is never handed out twice: one received again (its lease
// lapsed) comes back as "again". Drain receives until a queue has nothing
// more to give.
//
// A Sender sends messages with SendMessageBatch within SQS's limits
// (MaxBatchEntries entries, MaxBatchBytes counting message attributes; Split
// and Batcher cut the batches) and reports every entry; a body SQS would not
// store unchanged (CheckBody: invalid UTF-8, characters SQS refuses) is
// reported, not sent.
//
// Every batch call (delete, change visibility, send) checks every entry of
// SQS's answer. An entry that failed on SQS's side is tried again, Attempts
// times in all, backing off on the caller's context; a sender fault is not.
// A call that fails as a whole is never repeated here: SQS may hold what it
// sent, so its entries are reported, not resent. For a send, the SDK does
// not resend either: its retryer retries only throttling (SQS took nothing),
// never a transport error or a 5xx that may follow SQS storing the batch.
// The SDK's retries of deletes and visibility changes (idempotent) stay.
// Each call is bounded by CallTimeout.
//
// It also reads the queue attributes these need: the approximate counts, the
// visibility timeout and the ARN; resolves a queue by name or URL
// (QueueURL); and sets queues up (EnsureQueues: a queue and its dead-letter
// queue created where missing, an existing one compared with the spec and
// changed only when asked), returning the differences as data.
package sqsengine
