// Package dlq is the dead-letter capability: it describes a dead-lettered
// message (the processor's verdict, what may be shown of it), filters,
// inspects, exports (the export file's lines are written and read here),
// redrives and reprocesses the messages of a dead-letter queue without
// losing one, and redrives with SQS's own move task (Native), both reported
// in one shape (RedriveReport). It also replays a file of events or export
// lines through the pipeline (Replay) and checks its lines against the
// contract (CheckLine). `phonelookup dlq`, `process` and `validate` give it
// flags, progress bars and text.
//
// Every tool runs the same skeleton (Options.drain) over a
// sqsengine.Lease: messages are received with a visibility timeout of at
// least 60 s by default, the timeout is extended while the run lasts, and
// whatever was not deleted is released (visibility 0) at the end, also when
// the run is interrupted; each tool only says what it does with a batch. A message is deleted from the
// dead-letter queue only after the step that makes it safe to delete
// succeeded for that very message (its send, or its processing), so a
// message is always in the dead-letter queue, at the destination, or in both
// if the run stopped between the two calls; never in neither.
//
// Logs, audit lines and reports never hold a message body or a full phone
// number.
package dlq

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// Decider gives the pipeline's verdict on an event without writing anything
// (its dry run); *consumer.Processor is the real one.
type Decider interface {
	DecideEvent(ev *events.OrderCommitted) consumer.Decision
}

// Pipeline runs messages through the pipeline, writing, and returns one
// result per message in order; *consumer.Batch is the real one.
type Pipeline interface {
	Run(ctx context.Context, msgs []consumer.Message) []consumer.Result
}

var (
	_ Decider  = (*consumer.Processor)(nil)
	_ Pipeline = (*consumer.Batch)(nil)
)

// SQS is the part of the SQS client the tools use (a sqsengine.LeaseAPI and
// SendAPI, and the move tasks); *sqs.Client is the real one.
type SQS interface {
	sqsengine.LeaseAPI
	sqsengine.SendAPI
	ListDeadLetterSourceQueues(ctx context.Context, in *sqs.ListDeadLetterSourceQueuesInput, optFns ...func(*sqs.Options)) (*sqs.ListDeadLetterSourceQueuesOutput, error)
	StartMessageMoveTask(ctx context.Context, in *sqs.StartMessageMoveTaskInput, optFns ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error)
	ListMessageMoveTasks(ctx context.Context, in *sqs.ListMessageMoveTasksInput, optFns ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error)
	CancelMessageMoveTask(ctx context.Context, in *sqs.CancelMessageMoveTaskInput, optFns ...func(*sqs.Options)) (*sqs.CancelMessageMoveTaskOutput, error)
}

var _ SQS = (*sqs.Client)(nil)
