package sqsengine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Retention is how long the queues EnsureQueues creates keep a message: 14
// days, SQS's longest.
const Retention = 14 * 24 * time.Hour

// URLAPI is the part of the SQS client that finds queues.
type URLAPI interface {
	AttributesAPI
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
}

// SetupAPI is the part of the SQS client that finds, creates and changes
// queues.
type SetupAPI interface {
	URLAPI
	CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, optFns ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error)
	SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error)
}

// QueueSpec is a queue and its dead-letter queue as EnsureQueues makes them:
// both keep messages for Retention, encrypted by SQS (SSE-SQS); the queue
// moves a message to the dead-letter queue after MaxReceives receives.
type QueueSpec struct {
	Name, DLQ   string
	MaxReceives int
	Visibility  time.Duration // the queue's visibility timeout, whole seconds
	// Update sets the attributes of an existing queue that differ from the
	// spec; without it an existing queue is never changed.
	Update bool
}

// QueueResult is what EnsureQueues found and did for one queue.
type QueueResult struct {
	Name, URL string
	Created   bool
	// Differences are the attributes the existing queue has with another
	// value than the spec's, by attribute name.
	Differences []Difference
	Updated     bool // the differences were set (QueueSpec.Update)
}

// Difference is an attribute of an existing queue whose value is not the
// one the spec wants.
type Difference struct{ Attribute, Have, Want string }

// EnsureQueues creates the dead-letter queue and then the queue of s, with a
// redrive policy from one to the other, where they are missing. An existing
// queue is compared with s: its differences are reported, and set only
// with s.Update. It returns one result per queue, the dead-letter queue
// first; on an error, the results so far.
func EnsureQueues(ctx context.Context, c SetupAPI, s QueueSpec) ([]QueueResult, error) {
	retention := strconv.Itoa(int(Retention / time.Second))
	dead, err := ensureQueue(ctx, c, s.DLQ, s.Update, map[string]string{
		string(types.QueueAttributeNameMessageRetentionPeriod): retention,
		string(types.QueueAttributeNameSqsManagedSseEnabled):   "true",
	})
	out := []QueueResult{dead}
	if err != nil {
		return out, err
	}
	dlqARN, err := QueueARN(ctx, c, dead.URL)
	if err != nil {
		return out, err
	}
	policy, err := json.Marshal(map[string]string{"deadLetterTargetArn": dlqARN, "maxReceiveCount": strconv.Itoa(s.MaxReceives)})
	if err != nil {
		return out, err
	}
	q, err := ensureQueue(ctx, c, s.Name, s.Update, map[string]string{
		string(types.QueueAttributeNameRedrivePolicy):          string(policy),
		string(types.QueueAttributeNameVisibilityTimeout):      strconv.Itoa(int(s.Visibility / time.Second)),
		string(types.QueueAttributeNameMessageRetentionPeriod): retention,
		string(types.QueueAttributeNameSqsManagedSseEnabled):   "true",
	})
	return append(out, q), err
}

// ensureQueue creates queue name with attrs if it is missing; otherwise it
// compares them, and sets those that differ when update is true.
func ensureQueue(ctx context.Context, c SetupAPI, name string, update bool, attrs map[string]string) (QueueResult, error) {
	r := QueueResult{Name: name}
	got, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
	var missing *types.QueueDoesNotExist
	if errors.As(err, &missing) {
		out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
		if err != nil {
			return r, fmt.Errorf("create queue %s: %w", name, err)
		}
		r.URL, r.Created = aws.ToString(out.QueueUrl), true
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("queue %s: %w", name, err)
	}
	r.URL = aws.ToString(got.QueueUrl)
	if r.Differences, err = differences(ctx, c, r.URL, attrs); err != nil {
		return r, fmt.Errorf("queue %s: %w", name, err)
	}
	if len(r.Differences) == 0 || !update {
		return r, nil
	}
	set := map[string]string{}
	for _, d := range r.Differences {
		set[d.Attribute] = d.Want
	}
	if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &r.URL, Attributes: set}); err != nil {
		return r, fmt.Errorf("update queue %s: %w", name, err)
	}
	r.Updated = true
	return r, nil
}

// differences returns the attributes of want the queue at url has with
// another value, by name. An attribute the queue does not report (an
// emulator's gap) is not compared, but for the redrive policy, which a queue
// can lack.
func differences(ctx context.Context, c AttributesAPI, url string, want map[string]string) ([]Difference, error) {
	have, err := queueAttributes(ctx, c, url, types.QueueAttributeNameAll)
	if err != nil {
		return nil, err
	}
	var out []Difference
	for _, k := range slices.Sorted(maps.Keys(want)) {
		h, ok := have[k]
		switch {
		case !ok && k == string(types.QueueAttributeNameRedrivePolicy):
			h = "(none)"
		case !ok:
			continue
		}
		if !sameAttribute(k, h, want[k]) {
			out = append(out, Difference{Attribute: k, Have: h, Want: want[k]})
		}
	}
	return out, nil
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

// QueueURL resolves a queue given by name or by URL and checks that it
// exists; the error of a missing queue wraps *types.QueueDoesNotExist.
func QueueURL(ctx context.Context, c URLAPI, nameOrURL string) (string, error) {
	url := nameOrURL
	var err error
	if strings.HasPrefix(nameOrURL, "https://") || strings.HasPrefix(nameOrURL, "http://") {
		_, err = queueAttributes(ctx, c, url, types.QueueAttributeNameQueueArn)
	} else {
		var out *sqs.GetQueueUrlOutput
		if out, err = c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &nameOrURL}); err == nil {
			url = aws.ToString(out.QueueUrl)
		}
	}
	if err != nil {
		return "", fmt.Errorf("queue %s: %w", nameOrURL, err)
	}
	return url, nil
}
