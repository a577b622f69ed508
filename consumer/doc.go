// Package consumer turns OrderCommitted messages into outcomes: it decides
// which phone to link (the product rule), normalises it, writes the link, and
// runs batches of messages concurrently within the Lambda deadline, reporting
// exactly the messages that must be retried.
package consumer
