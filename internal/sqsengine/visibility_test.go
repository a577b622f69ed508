package sqsengine

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
)

// refusingVisibility confirms every entry but those whose receipt handle
// is in refuse, which it fails as the sender's fault (not retried).
type refusingVisibility struct {
	refuse map[string]bool
	calls  [][]types.ChangeMessageVisibilityBatchRequestEntry
}

func (f *refusingVisibility) ChangeMessageVisibilityBatch(_ context.Context, in *sqs.ChangeMessageVisibilityBatchInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	f.calls = append(f.calls, in.Entries)
	out := &sqs.ChangeMessageVisibilityBatchOutput{}
	for _, e := range in.Entries {
		if f.refuse[aws.ToString(e.ReceiptHandle)] {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("ReceiptHandleIsInvalid"), SenderFault: true})
			continue
		}
		out.Successful = append(out.Successful, types.ChangeMessageVisibilityBatchResultEntry{Id: e.Id})
	}
	return out, nil
}

// TestChangeVisibility: 12 changes go in calls of 10 and 2, each with its
// own timeout, and a failure is reported at its index into the changes.
func TestChangeVisibility(t *testing.T) {
	cs := make([]VisibilityChange, 12)
	for i := range cs {
		cs[i] = VisibilityChange{Handle: "rh-" + string(rune('a'+i)), Seconds: int32(10 + i)}
	}
	f := &refusingVisibility{refuse: map[string]bool{"rh-l": true}} // the 12th
	ok, failed := ChangeVisibility(context.Background(), f, "q", cs)
	assert.Len(t, ok, 11)
	assert.Equal(t, []int{11}, keys(failed), "the failure at its index into cs")
	if assert.Len(t, f.calls, 2) {
		assert.Len(t, f.calls[0], 10)
		assert.Equal(t, int32(21), f.calls[1][1].VisibilityTimeout, "each change's own timeout")
	}
}

func keys(m map[int]string) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	return out
}
