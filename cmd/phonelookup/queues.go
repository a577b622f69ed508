package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
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
	maxReceives *int
	visibility  *int // seconds
	update      bool // set the attributes of existing queues
}

// setupQueues creates the queue and its dead-letter queue with a redrive
// policy where they are missing, and reports on w (with o.update: sets) the
// attributes of existing ones that differ.
func setupQueues(ctx context.Context, client *sqs.Client, o queueOptions, w io.Writer) error {
	dlqURL, err := ensureQueue(ctx, client, w, o.dlq, o.update, map[string]string{
		string(types.QueueAttributeNameMessageRetentionPeriod): retention14Days,
		string(types.QueueAttributeNameSqsManagedSseEnabled):   "true",
	})
	if err != nil {
		return err
	}
	dlqARN, err := sqsengine.QueueARN(ctx, client, dlqURL)
	if err != nil {
		return err
	}
	policy, err := json.Marshal(map[string]string{
		"deadLetterTargetArn": dlqARN,
		"maxReceiveCount":     strconv.Itoa(*o.maxReceives),
	})
	if err != nil {
		return err
	}
	_, err = ensureQueue(ctx, client, w, o.name, o.update, map[string]string{
		string(types.QueueAttributeNameRedrivePolicy):          string(policy),
		string(types.QueueAttributeNameVisibilityTimeout):      strconv.Itoa(*o.visibility),
		string(types.QueueAttributeNameMessageRetentionPeriod): retention14Days,
		string(types.QueueAttributeNameSqsManagedSseEnabled):   "true",
	})
	return err
}

// ensureQueue creates queue name with attrs if it is missing. An existing
// queue is left alone: each attribute of attrs it has with another value is
// printed, and set when update is true. It returns the queue's URL.
func ensureQueue(ctx context.Context, client *sqs.Client, w io.Writer, name string, update bool, attrs map[string]string) (string, error) {
	got, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
	var missing *types.QueueDoesNotExist
	if errors.As(err, &missing) {
		out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
		if err != nil {
			return "", fmt.Errorf("create queue %s: %w", name, err)
		}
		fmt.Fprintf(w, "queue %s: created\n", name)
		return aws.ToString(out.QueueUrl), nil
	}
	if err != nil {
		return "", fmt.Errorf("queue %s: %w", name, err)
	}
	url := aws.ToString(got.QueueUrl)
	diff, err := queueDiff(ctx, client, url, attrs)
	if err != nil {
		return "", fmt.Errorf("queue %s: %w", name, err)
	}
	fmt.Fprintf(w, "queue %s: exists\n", name)
	for _, k := range slices.Sorted(maps.Keys(diff)) {
		fmt.Fprintf(w, "queue %s: %s is %s; setup sets %s\n", name, k, diff[k][0], diff[k][1])
	}
	switch {
	case len(diff) == 0:
		return url, nil
	case !update:
		fmt.Fprintf(w, "queue %s: left as it is (--update sets the values above)\n", name)
		return url, nil
	}
	set := map[string]string{}
	for k, v := range diff {
		set[k] = v[1]
	}
	if _, err := client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: set}); err != nil {
		return "", fmt.Errorf("update queue %s: %w", name, err)
	}
	fmt.Fprintf(w, "queue %s: updated %d attribute(s)\n", name, len(set))
	return url, nil
}

// queueDiff returns the attributes of want the queue has with another value:
// name -> [have, want]. An attribute the queue does not report is not
// compared, but for the redrive policy, which a queue can lack.
func queueDiff(ctx context.Context, client *sqs.Client, url string, want map[string]string) (map[string][2]string, error) {
	out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: &url, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll},
	})
	if err != nil {
		return nil, err
	}
	diff := map[string][2]string{}
	for k, v := range want {
		have, ok := out.Attributes[k]
		switch {
		case !ok && k == string(types.QueueAttributeNameRedrivePolicy):
			have = "(none)"
		case !ok: // an attribute the endpoint does not report (an emulator): nothing to compare
			continue
		}
		if !sameAttribute(k, have, v) {
			diff[k] = [2]string{have, v}
		}
	}
	return diff, nil
}

// sameAttribute compares two values of attribute k; a redrive policy by its
// fields (its JSON can spell maxReceiveCount as a number or a string).
func sameAttribute(k, a, b string) bool {
	if k != string(types.QueueAttributeNameRedrivePolicy) {
		return a == b
	}
	var pa, pb map[string]any
	if json.Unmarshal([]byte(a), &pa) != nil || json.Unmarshal([]byte(b), &pb) != nil {
		return a == b
	}
	for _, f := range []string{"deadLetterTargetArn", "maxReceiveCount"} {
		if fmt.Sprint(pa[f]) != fmt.Sprint(pb[f]) {
			return false
		}
	}
	return true
}

// queueURL resolves a queue given by name or URL and checks that it exists:
// a missing queue is exit 3, with what to do.
func queueURL(ctx context.Context, client *sqs.Client, nameOrURL string) (string, error) {
	url := nameOrURL
	var err error
	if strings.HasPrefix(nameOrURL, "https://") || strings.HasPrefix(nameOrURL, "http://") {
		_, err = client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: &url, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
		})
	} else {
		var out *sqs.GetQueueUrlOutput
		if out, err = client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &nameOrURL}); err == nil {
			url = aws.ToString(out.QueueUrl)
		}
	}
	var missing *types.QueueDoesNotExist
	if errors.As(err, &missing) {
		return "", &setupError{err: fmt.Errorf("queue %s does not exist: create it with 'phonelookup setup --queues', or name another with --queue", nameOrURL)}
	}
	if err != nil {
		return "", fmt.Errorf("queue %s: %w", nameOrURL, err)
	}
	return url, nil
}
