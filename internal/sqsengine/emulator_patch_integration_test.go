//go:build integration

package sqsengine_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"
)

// TestEmulatorCountsOnlyReceives holds the patch of patches/ (applied by
// npm ci's postinstall): as in SQS, ChangeMessageVisibility does not count
// as a receive. local-aws-sqs 2.0.2 unpatched says 5 here, not 2.
func TestEmulatorCountsOnlyReceives(t *testing.T) {
	ctx := context.Background()
	url := newQueue(t, false, nil)
	put(t, url, 1)
	receive := func() types.Message {
		t.Helper()
		out, err := client().ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 1,
			WaitTimeSeconds: 2, VisibilityTimeout: 30,
			//lint:ignore SA1019 local-aws-sqs honours only the deprecated AttributeNames
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeName(types.MessageSystemAttributeNameApproximateReceiveCount)}})
		require.NoError(t, err)
		require.Len(t, out.Messages, 1)
		return out.Messages[0]
	}
	m := receive()
	require.Equal(t, "1", m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
	for _, secs := range []int32{30, 30, 0} { // the last makes it visible again
		_, err := client().ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url,
			ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: secs})
		require.NoError(t, err)
	}
	time.Sleep(100 * time.Millisecond)
	m = receive()
	require.Equal(t, "2", m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)],
		"ApproximateReceiveCount after one receive and three visibility changes: is patches/local-aws-sqs+2.0.2.patch applied (npm ci)?")
}
