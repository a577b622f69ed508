package lambdahandler

import (
	"context"
	"strconv"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// VisibilityChanger is the SQS call that hides the batch's failed items
// for their backoff.
type VisibilityChanger interface {
	ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput,
		optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
}

// backoffCallTime bounds the visibility changes when the invocation has no
// deadline; with one, they end shortly before it.
const backoffCallTime = 2 * time.Second

// postpone hides the records that failed for a transient reason for their
// backoff (growing with their ApproximateReceiveCount), by queue, before
// the function answers; Lambda then leaves them alone until it ends. A
// change that fails is logged: the message comes back after the queue's
// visibility timeout instead.
func (h *Handler) postpone(ctx context.Context, log zerolog.Logger, recs []lambdaevents.SQSMessage, results []consumer.Result) {
	if h.SQS == nil {
		return
	}
	byQueue := map[string][]sqsengine.VisibilityChange{}
	for i, r := range results {
		if !r.Transient() || recs[i].ReceiptHandle == "" {
			continue
		}
		url, ok := QueueURL(recs[i].EventSourceARN)
		if !ok {
			continue
		}
		n, _ := strconv.Atoi(recs[i].Attributes["ApproximateReceiveCount"])
		secs := int32(min((h.Backoff.Delay(n)+time.Second-1)/time.Second, 12*60*60))
		byQueue[url] = append(byQueue[url], sqsengine.VisibilityChange{Handle: recs[i].ReceiptHandle, Seconds: secs})
	}
	if len(byQueue) == 0 {
		return
	}
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backoffCallTime)
	if d, ok := ctx.Deadline(); ok {
		callCtx, cancel = context.WithDeadline(context.WithoutCancel(ctx), d.Add(-100*time.Millisecond))
	}
	defer cancel()
	for url, cs := range byQueue {
		_, failed := sqsengine.ChangeVisibility(callCtx, h.SQS, url, cs)
		for _, why := range failed { // one line for the queue, with one of the reasons
			log.Warn().Int("messages", len(failed)).Str("error", why).
				Msg("backoff not set; the messages return after the visibility timeout")
			break
		}
	}
}

// QueueURL returns the URL of the queue of an SQS ARN
// (arn:PARTITION:sqs:REGION:ACCOUNT:NAME): SQS's endpoint of the region
// and partition, then /ACCOUNT/NAME. The SDK sends requests to its own
// endpoint and SQS (like local-aws-sqs) reads the queue from the URL's path.
func QueueURL(arn string) (string, bool) {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "sqs" || p[3] == "" || p[4] == "" || p[5] == "" {
		return "", false
	}
	suffix := "amazonaws.com"
	if p[1] == "aws-cn" {
		suffix = "amazonaws.com.cn"
	}
	return "https://sqs." + p[3] + "." + suffix + "/" + p[4] + "/" + p[5], true
}
