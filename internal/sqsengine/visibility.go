package sqsengine

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// VisibilityAPI is the SQS call that changes messages' visibility;
// *sqs.Client is the real one.
type VisibilityAPI interface {
	ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
}

// VisibilityChange is one message's new visibility timeout.
type VisibilityChange struct {
	Handle  string // the receipt handle
	Seconds int32
}

// ChangeVisibility sets the visibility of the messages of queueURL that cs
// name, MaxBatchEntries per call, every entry of each answer checked and an
// entry that failed on SQS's side tried again (batchCall). It returns the
// indexes into cs that were confirmed and why each of the others failed.
func ChangeVisibility(ctx context.Context, c VisibilityAPI, queueURL string, cs []VisibilityChange) (ok []int, failed map[int]string) {
	failed = map[int]string{}
	for start := 0; start < len(cs); start += MaxBatchEntries {
		part := cs[start:min(start+MaxBatchEntries, len(cs))]
		good, bad := batchCall(ctx, len(part), true, func(ctx context.Context, idx []int) (answer, error) {
			in := &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &queueURL}
			for _, i := range idx {
				in.Entries = append(in.Entries, types.ChangeMessageVisibilityBatchRequestEntry{
					Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(part[i].Handle), VisibilityTimeout: part[i].Seconds,
				})
			}
			out, err := c.ChangeMessageVisibilityBatch(ctx, in)
			if err != nil {
				return answer{}, err
			}
			return answerOf(out.Successful, func(e types.ChangeMessageVisibilityBatchResultEntry) *string { return e.Id }, out.Failed), nil
		})
		for _, i := range good {
			ok = append(ok, start+i)
		}
		for i, why := range bad {
			failed[start+i] = why
		}
	}
	return ok, failed
}
