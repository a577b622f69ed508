package lambdahandler_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/consumer/lambdahandler"
	"github.com/phonelookup/phonelookup/lookup"
)

// fakeVisibility records the visibility changes.
type fakeVisibility struct {
	mu    sync.Mutex
	calls []*sqs.ChangeMessageVisibilityBatchInput
}

func (f *fakeVisibility) ChangeMessageVisibilityBatch(_ context.Context, in *sqs.ChangeMessageVisibilityBatchInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in)
	out := &sqs.ChangeMessageVisibilityBatchOutput{}
	for _, e := range in.Entries {
		out.Successful = append(out.Successful, types.ChangeMessageVisibilityBatchResultEntry{Id: e.Id})
	}
	return out, nil
}

// TestHandleSQSBacksOffTransientFailures: before answering, the handler
// hides exactly the items that failed for a transient reason, for a delay
// growing with their receive count, on the queue of their eventSourceARN.
func TestHandleSQSBacksOffTransientFailures(t *testing.T) {
	linker := &consumertest.FakeLinker{LinkFn: func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
		switch s.OrderID {
		case consumertest.OrderN(1), consumertest.OrderN(3):
			return "", lookup.ErrBusy
		case consumertest.OrderN(2):
			return "", lookup.ErrUnavailable
		}
		return lookup.Linked, nil
	}}
	msgs := consumertest.DeliveryMessages(5)
	ids, bodies := make([]string, len(msgs)), make([]string, len(msgs))
	for i, m := range msgs {
		ids[i], bodies[i] = m.ID, string(m.Body)
	}
	bodies[4] = `{"eventId":"evt-bad"}` // invalid: not backed off
	ev := consumertest.SQSEvent(ids, bodies)
	for i := range ev.Records {
		ev.Records[i].EventSourceARN = "arn:aws:sqs:eu-west-1:123456789012:orders"
		ev.Records[i].ReceiptHandle = "rh-" + strconv.Itoa(i)
		ev.Records[i].Attributes = map[string]string{"ApproximateReceiveCount": strconv.Itoa(i)}
	}
	vis := &fakeVisibility{}
	h := &lambdahandler.Handler{Batch: consumertest.NewBatch(t, linker, 2), SQS: vis,
		Backoff: consumer.RetryBackoff{Base: 10 * time.Second, Max: time.Hour}}
	resp := h.HandleSQS(context.Background(), ev)
	assert.ElementsMatch(t, []string{ids[1], ids[2], ids[3], ids[4]}, consumertest.FailureIDs(resp))
	require.Len(t, vis.calls, 1)
	in := vis.calls[0]
	assert.Equal(t, "https://sqs.eu-west-1.amazonaws.com/123456789012/orders", aws.ToString(in.QueueUrl))
	got := map[string]int32{}
	for _, e := range in.Entries {
		got[aws.ToString(e.ReceiptHandle)] = e.VisibilityTimeout
	}
	require.Len(t, got, 3, "entries: %v", got)
	for i, ceiling := range map[int]int32{1: 10, 2: 20, 3: 40} { // receive count i: 10 s·2^(i-1), jitter [d/2, d]
		v, ok := got["rh-"+strconv.Itoa(i)]
		require.True(t, ok, "record %d not backed off", i)
		assert.True(t, v >= ceiling/2 && v <= ceiling, "record %d: %d s, want [%d, %d]", i, v, ceiling/2, ceiling)
	}
}

func TestQueueURL(t *testing.T) {
	tests := []struct{ arn, url string }{
		{"arn:aws:sqs:eu-west-1:123456789012:orders", "https://sqs.eu-west-1.amazonaws.com/123456789012/orders"},
		{"arn:aws-cn:sqs:cn-north-1:123456789012:q.fifo", "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q.fifo"},
		{"arn:aws:sns:eu-west-1:123456789012:topic", ""},
		{"orders", ""},
	}
	for _, tt := range tests {
		got, ok := lambdahandler.QueueURL(tt.arn)
		assert.Equal(t, tt.url, got, "QueueURL(%q)", tt.arn)
		assert.Equal(t, tt.url != "", ok, "QueueURL(%q) ok", tt.arn)
	}
}
