package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// Queue defaults.
const (
	defaultQueue       = "order-committed"
	dlqSuffix          = "-dlq"
	defaultMaxReceives = 5
	retention14Days    = "1209600"
)

// queueOptions are the attributes setup --queues gives the queues.
type queueOptions struct {
	name        string
	dlq         string
	maxReceives int
	visibility  int // seconds
}

// setupQueues creates the queue and its dead-letter queue with a redrive
// policy, or brings existing ones to the wanted attributes. It returns the
// queue URLs.
func setupQueues(ctx context.Context, client *sqs.Client, o queueOptions) (queueURL, dlqURL string, err error) {
	dlqURL, err = ensureQueue(ctx, client, o.dlq, map[string]string{
		string(types.QueueAttributeNameMessageRetentionPeriod): retention14Days,
		string(types.QueueAttributeNameSqsManagedSseEnabled):   "true",
	})
	if err != nil {
		return "", "", err
	}
	dlqARN, err := sqsengine.QueueARN(ctx, client, dlqURL)
	if err != nil {
		return "", "", err
	}
	policy, err := json.Marshal(map[string]string{
		"deadLetterTargetArn": dlqARN,
		"maxReceiveCount":     strconv.Itoa(o.maxReceives),
	})
	if err != nil {
		return "", "", err
	}
	queueURL, err = ensureQueue(ctx, client, o.name, map[string]string{
		string(types.QueueAttributeNameRedrivePolicy):          string(policy),
		string(types.QueueAttributeNameVisibilityTimeout):      strconv.Itoa(o.visibility),
		string(types.QueueAttributeNameMessageRetentionPeriod): retention14Days,
		string(types.QueueAttributeNameSqsManagedSseEnabled):   "true",
	})
	return queueURL, dlqURL, err
}

// ensureQueue creates queue name with attrs, or sets attrs on it if it
// exists with others.
func ensureQueue(ctx context.Context, client *sqs.Client, name string, attrs map[string]string) (string, error) {
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
	if err == nil {
		return aws.ToString(out.QueueUrl), nil
	}
	var exists *types.QueueNameExists
	if !errors.As(err, &exists) {
		return "", fmt.Errorf("create queue %s: %w", name, err)
	}
	url, err := queueURL(ctx, client, name)
	if err != nil {
		return "", err
	}
	if _, err := client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: attrs}); err != nil {
		return "", fmt.Errorf("update queue %s: %w", name, err)
	}
	return url, nil
}

// queueURL resolves a queue given by name or URL.
func queueURL(ctx context.Context, client *sqs.Client, nameOrURL string) (string, error) {
	if strings.HasPrefix(nameOrURL, "https://") || strings.HasPrefix(nameOrURL, "http://") {
		return nameOrURL, nil
	}
	out, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &nameOrURL})
	if err != nil {
		return "", fmt.Errorf("queue %s: %w", nameOrURL, err)
	}
	return aws.ToString(out.QueueUrl), nil
}
