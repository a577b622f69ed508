//go:build integration

package main

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/faultproxy"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// TestLambdaBatchesThroughThrottling runs the consumer function's handler,
// wired as in Lambda (newHandler: the Lambda face's retries, the SQS client
// for the visibility backoff), the way an event source mapping calls it:
// receive up to 10, invoke with a deadline, delete what did not fail. With
// 60% of DynamoDB's answers throttled and maxReceiveCount 5, no valid event
// reaches the dead-letter queue and the table is exact.
func TestLambdaBatchesThroughThrottling(t *testing.T) {
	ctx := context.Background()
	startCtx, cancel := context.WithTimeout(ctx, time.Minute)
	e, err := emulator.Start(startCtx, true)
	cancel()
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	direct := e.DynamoDBClient(emulator.Config())
	store := dynamo.NewStore(direct, emulator.UniqueName("lambda-faults"), "")
	_, err = store.CreateTable(ctx, time.Minute)
	require.NoError(t, err)
	sqsc := e.SQSClient(emulator.Config())
	url, arn, dlqURL := queueWithDLQ(t, sqsc, 5)
	proxy, err := faultproxy.New(e.DynamoDB, 18,
		faultproxy.Rule{Fault: faultproxy.Throughput, Share: 0.3}, faultproxy.Rule{Fault: faultproxy.Throttling, Share: 0.3})
	require.NoError(t, err)
	defer proxy.Close()

	env := map[string]string{"LOOKUP_TABLE": store.Table()}
	for _, kv := range e.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	env["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.URL
	h, err := newHandler(ctx, func(k string) string { return env[k] }, io.Discard, io.Discard)
	require.NoError(t, err)
	require.NotNil(t, h.SQS, "the handler backs off with the SQS client")
	h.Backoff = consumer.RetryBackoff{Base: time.Second, Max: 4 * time.Second}

	bodies := consumertest.FaultEvents(5, 25, 1)
	for _, b := range bodies {
		_, err := sqsc.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(b)})
		require.NoError(t, err)
	}
	failed := pollLikeLambda(t, sqsc, url, arn, h.HandleSQS)
	proxy.Close()

	var dlqValid, dlqInvalid int
	for {
		out, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &dlqURL, MaxNumberOfMessages: 10, VisibilityTimeout: 60})
		require.NoError(t, err)
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			if consumertest.IsBadEvent(aws.ToString(m.Body)) {
				dlqInvalid++
			} else {
				dlqValid++
			}
		}
	}
	assert.Zero(t, dlqValid, "valid events in the dead-letter queue")
	assert.Equal(t, 1, dlqInvalid, "the invalid event reaches the dead-letter queue")
	t.Logf("batch items failed: %d; DynamoDB requests: %v; faults: %v", failed, proxy.Requests(), proxy.Faults())

	clean := dynamo.NewStore(direct, emulator.UniqueName("lambda-clean"), "")
	_, err = clean.CreateTable(ctx, time.Minute)
	require.NoError(t, err)
	b := consumertest.NewBatch(t, clean, 1)
	for _, body := range bodies {
		b.Processor.Process(ctx, []byte(body))
	}
	want, err := emulator.ScanTable(ctx, direct, clean.Table())
	require.NoError(t, err)
	got, err := emulator.ScanTable(ctx, direct, store.Table())
	require.NoError(t, err)
	assert.Len(t, want, 25)
	assert.Zero(t, consumertest.ItemsWrong(want, got), "items that differ from a fault-free run")
}

// queueWithDLQ creates a queue (visibility 2 s) whose dead-letter queue
// takes messages after maxReceives receives; it returns the queue's URL and
// ARN and the dead-letter queue's URL.
func queueWithDLQ(t *testing.T, c *sqs.Client, maxReceives int) (url, arn, dlqURL string) {
	ctx := context.Background()
	name := emulator.UniqueName("lambda-faults")
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq")})
	require.NoError(t, err)
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	require.NoError(t, err)
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: map[string]string{
		"VisibilityTimeout": "2",
		"RedrivePolicy": `{"maxReceiveCount":"` + strconv.Itoa(maxReceives) + `","deadLetterTargetArn":"` +
			attrs.Attributes[string(types.QueueAttributeNameQueueArn)] + `"}`,
	}})
	require.NoError(t, err)
	qa, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	require.NoError(t, err)
	return aws.ToString(q.QueueUrl), qa.Attributes[string(types.QueueAttributeNameQueueArn)], aws.ToString(dlq.QueueUrl)
}

// pollLikeLambda does what an event source mapping does until the queue is
// empty: receive a batch, invoke handle with a deadline, delete the records
// not reported as failed. It returns the number of failed batch items.
func pollLikeLambda(t *testing.T, c *sqs.Client, url, arn string,
	handle func(context.Context, lambdaevents.SQSEvent) lambdaevents.SQSEventResponse) (failed int) {
	ctx := context.Background()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			//lint:ignore SA1019 local-aws-sqs honours only the deprecated AttributeNames
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeName(types.MessageSystemAttributeNameApproximateReceiveCount)}})
		require.NoError(t, err)
		if len(out.Messages) == 0 {
			counts, err := sqsengine.QueueCounts(ctx, c, url)
			require.NoError(t, err)
			if counts.Empty() {
				return failed
			}
			continue
		}
		ev := lambdaevents.SQSEvent{}
		for _, m := range out.Messages {
			ev.Records = append(ev.Records, lambdaevents.SQSMessage{MessageId: aws.ToString(m.MessageId),
				ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body), Attributes: m.Attributes,
				EventSource: "aws:sqs", EventSourceARN: arn})
		}
		invokeCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		resp := handle(invokeCtx, ev)
		cancel()
		bad := map[string]bool{}
		for _, f := range resp.BatchItemFailures {
			bad[f.ItemIdentifier] = true
		}
		failed += len(bad)
		for _, r := range ev.Records {
			if !bad[r.MessageId] {
				_, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: aws.String(r.ReceiptHandle)})
				require.NoError(t, err)
			}
		}
	}
	t.Fatal("the queue was not empty after 2 minutes")
	return failed
}
