package dlq

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// SourceQueues returns the URLs of the queues whose redrive policy names the
// dead-letter queue at url (ListDeadLetterSourceQueues). A dead-letter queue
// fed only by EventBridge rules or Lambda functions has none.
func SourceQueues(ctx context.Context, c SQS, url string) ([]string, error) {
	var urls []string
	in := &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: &url, MaxResults: aws.Int32(1000)}
	for {
		out, err := c.ListDeadLetterSourceQueues(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("queue %s: list dead-letter source queues: %w", url, err)
		}
		urls = append(urls, out.QueueUrls...)
		if aws.ToString(out.NextToken) == "" {
			return urls, nil
		}
		in.NextToken = out.NextToken
	}
}

// ErrNoOriginal is returned by OriginalQueue when the dead-letter queue has
// no single source queue to send its messages back to.
var ErrNoOriginal = errors.New("no single original queue")

// OriginalQueue resolves `--to original`: the one queue that redrives to the
// dead-letter queue at url. With none (a dead-letter queue of an EventBridge
// rule or a Lambda function) or several, it returns an error wrapping
// ErrNoOriginal that asks for an explicit destination.
func OriginalQueue(ctx context.Context, c SQS, url string) (string, error) {
	urls, err := SourceQueues(ctx, c, url)
	if err != nil {
		return "", err
	}
	switch len(urls) {
	case 1:
		return urls[0], nil
	case 0:
		return "", fmt.Errorf("%w: no queue redrives to %s (fed by EventBridge or Lambda?): pass --to NAME|URL", ErrNoOriginal, url)
	default:
		return "", fmt.Errorf("%w: %d queues redrive to %s (%s): pass --to NAME|URL", ErrNoOriginal, len(urls), url, strings.Join(urls, ", "))
	}
}

// CheckDistinct refuses a destination that is the source queue itself,
// comparing the URLs and the queues' ARNs. It returns the destination ARN.
func CheckDistinct(ctx context.Context, c SQS, sourceURL, destURL string) (destARN string, err error) {
	if sameURL(sourceURL, destURL) {
		return "", fmt.Errorf("destination %s is the dead-letter queue itself", destURL)
	}
	srcARN, err := sqsengine.QueueARN(ctx, c, sourceURL)
	if err != nil {
		return "", err
	}
	destARN, err = sqsengine.QueueARN(ctx, c, destURL)
	if err != nil {
		return "", err
	}
	if srcARN == destARN {
		return "", fmt.Errorf("destination %s is the dead-letter queue itself (%s)", destURL, destARN)
	}
	return destARN, nil
}

// sameURL compares queue URLs ignoring the scheme's case, a trailing slash
// and the host's case.
func sameURL(a, b string) bool {
	norm := func(s string) string {
		s = strings.TrimRight(strings.TrimSpace(s), "/")
		scheme, rest, ok := strings.Cut(s, "://")
		if !ok {
			return s
		}
		host, path, _ := strings.Cut(rest, "/")
		return strings.ToLower(scheme) + "://" + strings.ToLower(host) + "/" + path
	}
	return norm(a) == norm(b)
}

// IsFIFO reports whether the queue URL (or name, or ARN) is a FIFO queue's.
func IsFIFO(queue string) bool { return strings.HasSuffix(strings.TrimRight(queue, "/"), ".fifo") }
