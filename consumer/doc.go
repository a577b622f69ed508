// Package consumer turns OrderCommitted messages into outcomes. It holds the
// product rule (Pick: which phone to link), the Processor (decode, bound
// occurredAt by the consumer's clock, pick, normalise, link; Decide is the
// same pipeline short of writing, what `dlq inspect` reports), the Result of
// a message with its log line and its reasons (InvalidReason, the failure
// classes), the Summary of a run, and the Batch runner, which processes
// messages concurrently within the deadline and reports exactly the ones
// that must be retried.
//
// Its faces are packages of their own: lambdahandler (the Lambda function),
// sqsworker (the SQS worker of `phonelookup consume`) and emf (the Lambda's
// metrics); consumertest holds the test doubles they share.
package consumer
