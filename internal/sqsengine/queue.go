package sqsengine

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// AttributesAPI is the part of the SQS client that reads queue attributes.
type AttributesAPI interface {
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// Counts are a queue's approximate message counts.
type Counts struct {
	Visible  int `json:"visible"`
	InFlight int `json:"inFlight"`
	Delayed  int `json:"delayed"`
}

// Empty reports whether the counts show no message, visible, in flight or
// delayed.
func (c Counts) Empty() bool { return c == Counts{} }

// QueueCounts reads the approximate counts of the queue at url.
func QueueCounts(ctx context.Context, c AttributesAPI, url string) (Counts, error) {
	attrs, err := queueAttributes(ctx, c, url,
		types.QueueAttributeNameApproximateNumberOfMessages,
		types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		types.QueueAttributeNameApproximateNumberOfMessagesDelayed)
	if err != nil {
		return Counts{}, fmt.Errorf("queue %s: counts: %w", url, err)
	}
	n := func(a types.QueueAttributeName) int {
		v, _ := strconv.Atoi(attrs[string(a)])
		return v
	}
	return Counts{
		Visible:  n(types.QueueAttributeNameApproximateNumberOfMessages),
		InFlight: n(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible),
		Delayed:  n(types.QueueAttributeNameApproximateNumberOfMessagesDelayed),
	}, nil
}

// QueueVisibility reads the visibility timeout of the queue at url.
func QueueVisibility(ctx context.Context, c AttributesAPI, url string) (time.Duration, error) {
	attrs, err := queueAttributes(ctx, c, url, types.QueueAttributeNameVisibilityTimeout)
	if err != nil {
		return 0, fmt.Errorf("queue %s: %w", url, err)
	}
	v := attrs[string(types.QueueAttributeNameVisibilityTimeout)]
	secs, err := strconv.Atoi(v)
	if err != nil || secs <= 0 {
		return 0, fmt.Errorf("queue %s: visibility timeout %q: want at least 1 s", url, v)
	}
	return time.Duration(secs) * time.Second, nil
}

// QueueARN reads the ARN of the queue at url.
func QueueARN(ctx context.Context, c AttributesAPI, url string) (string, error) {
	attrs, err := queueAttributes(ctx, c, url, types.QueueAttributeNameQueueArn)
	if err != nil {
		return "", fmt.Errorf("queue %s: arn: %w", url, err)
	}
	arn := attrs[string(types.QueueAttributeNameQueueArn)]
	if arn == "" {
		return "", fmt.Errorf("queue %s: no QueueArn attribute", url)
	}
	return arn, nil
}

func queueAttributes(ctx context.Context, c AttributesAPI, url string, names ...types.QueueAttributeName) (map[string]string, error) {
	out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: names})
	if err != nil {
		return nil, err
	}
	return out.Attributes, nil
}
