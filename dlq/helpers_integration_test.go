//go:build integration

package dlq_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/dlq"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
	"github.com/phonelookup/phonelookup/internal/syncbuf"
)

// The emulators (local-aws-sqs and dynalite) run once for the package.
var emu *emulator.Emulators

func TestMain(m *testing.M) { os.Exit(emulator.Main(m, true, &emu)) }

func client() *sqs.Client { return emu.SQSClient(emulator.Config()) }

// options are the tools' options in tests: a 2 s lease (the CLI's is 60 s),
// short polling and three empty receives to end a run.
func options(t *testing.T, logs *logBuffer) dlq.Options {
	return dlq.Options{Lease: 2 * time.Second, WaitTime: 50 * time.Millisecond, EmptyReceives: 3, Log: logs.logger(t)}
}

// logBuffer collects a run's logs; they are shown if the test fails.
type logBuffer struct{ syncbuf.Buffer }

func (b *logBuffer) logger(t *testing.T) zerolog.Logger {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", b.String())
		}
	})
	return zerolog.New(b).Level(zerolog.DebugLevel)
}

// newQueue creates a queue (a FIFO queue if name ends in .fifo) and returns
// its URL and ARN.
func newQueue(t *testing.T, prefix string, attrs map[string]string) (url, arn string) {
	t.Helper()
	c := client()
	name := emulator.UniqueName(strings.TrimSuffix(prefix, ".fifo"))
	if strings.HasSuffix(prefix, ".fifo") {
		name += ".fifo"
		if attrs == nil {
			attrs = map[string]string{}
		}
		attrs[string(types.QueueAttributeNameFifoQueue)] = "true"
	}
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
	require.NoError(t, err)
	url = aws.ToString(out.QueueUrl)
	arn, err = sqsengine.QueueARN(context.Background(), c, url)
	require.NoError(t, err)
	return url, arn
}

// newQueueWithDLQ creates a queue redriving to a new dead-letter queue after
// maxReceives receives.
func newQueueWithDLQ(t *testing.T, maxReceives int) (url, dlqURL, arn, dlqARN string) {
	t.Helper()
	dlqURL, dlqARN = newQueue(t, "dlq", nil)
	policy, err := json.Marshal(map[string]string{"deadLetterTargetArn": dlqARN, "maxReceiveCount": strconv.Itoa(maxReceives)})
	require.NoError(t, err)
	url, arn = newQueue(t, "src", map[string]string{
		string(types.QueueAttributeNameRedrivePolicy):     string(policy),
		string(types.QueueAttributeNameVisibilityTimeout): "1",
	})
	return url, dlqURL, arn, dlqARN
}

// testMsg is a message to put in a queue.
type testMsg struct {
	body  string
	attrs map[string]types.MessageAttributeValue
	group string // FIFO
}

// send sends msgs (one SendMessage each, in order) and returns their ids.
func send(t *testing.T, url string, msgs []testMsg) []string {
	t.Helper()
	c := client()
	var ids []string
	for i, m := range msgs {
		in := &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(m.body), MessageAttributes: m.attrs}
		if m.group != "" {
			in.MessageGroupId = aws.String(m.group)
			in.MessageDeduplicationId = aws.String("dedup-" + strconv.Itoa(i))
		}
		out, err := c.SendMessage(context.Background(), in)
		require.NoError(t, err)
		ids = append(ids, aws.ToString(out.MessageId))
	}
	return ids
}

// snapshot is a message's body and message attributes, byte for byte.
type snapshot struct {
	Body  string
	Attrs string // canonical: name, data type and raw value of each attribute, sorted
}

func snap(body string, attrs map[string]types.MessageAttributeValue) snapshot {
	var parts []string
	for k, v := range attrs {
		val := aws.ToString(v.StringValue)
		if v.BinaryValue != nil {
			val = "binary:" + string(v.BinaryValue)
		}
		parts = append(parts, fmt.Sprintf("%q=%q:%q", k, aws.ToString(v.DataType), val))
	}
	sort.Strings(parts)
	return snapshot{Body: body, Attrs: strings.Join(parts, ",")}
}

func snapsOf(msgs []testMsg) []snapshot {
	var out []snapshot
	for _, m := range msgs {
		out = append(out, snap(m.body, m.attrs))
	}
	return sortSnaps(out)
}

func snapsOfMessages(msgs []types.Message) []snapshot {
	var out []snapshot
	for _, m := range msgs {
		out = append(out, snap(aws.ToString(m.Body), m.MessageAttributes))
	}
	return sortSnaps(out)
}

func sortSnaps(s []snapshot) []snapshot {
	sort.Slice(s, func(i, j int) bool {
		if s[i].Body != s[j].Body {
			return s[i].Body < s[j].Body
		}
		return s[i].Attrs < s[j].Attrs
	})
	return s
}

// drain receives every message of the queue, deleting each (so that FIFO
// groups unlock), until three receives in a row are empty.
func drain(t *testing.T, url string) []types.Message {
	t.Helper()
	c := client()
	ctx := context.Background()
	var all []types.Message
	seen := map[string]bool{}
	for empty := 0; empty < 3; {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: &url, MaxNumberOfMessages: 10, VisibilityTimeout: 30,
			MessageAttributeNames: []string{"All"},
			//lint:ignore SA1019 local-aws-sqs honours only the deprecated AttributeNames; SQS accepts both (see docs/DESIGN.md)
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll},
		})
		require.NoError(t, err)
		if len(out.Messages) == 0 {
			empty++
			time.Sleep(20 * time.Millisecond)
			continue
		}
		empty = 0
		var entries []types.DeleteMessageBatchRequestEntry
		for i, m := range out.Messages {
			if !seen[aws.ToString(m.MessageId)] {
				seen[aws.ToString(m.MessageId)] = true
				all = append(all, m)
			}
			entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
		d, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: entries})
		require.NoError(t, err)
		require.Empty(t, d.Failed)
	}
	return all
}

// requireReleased waits (at most a second, far less than the 20 s lease of
// the tests that use it) until nothing is in flight in the queue:
// local-aws-sqs applies a visibility change to 0 on a timer, a moment after
// answering.
func requireReleased(t *testing.T, url string) {
	t.Helper()
	require.Eventually(t, func() bool { return counts(t, url).InFlight == 0 }, time.Second, 10*time.Millisecond, "messages still in flight")
}

// requireLeaseEnded waits until the messages a killed run held are visible
// again: their lease (2 s in the tests) ran out, nobody released them.
func requireLeaseEnded(t *testing.T, url string) {
	t.Helper()
	start := time.Now()
	require.Eventually(t, func() bool { return counts(t, url).InFlight == 0 }, 10*time.Second, 50*time.Millisecond, "messages still in flight")
	t.Logf("held messages visible again after %s", time.Since(start).Round(10*time.Millisecond))
}

func counts(t *testing.T, url string) sqsengine.Counts {
	t.Helper()
	c, err := sqsengine.QueueCounts(context.Background(), client(), url)
	require.NoError(t, err)
	return c
}

// ---------------------------------------------------------------------------
// Messages.

func str(s string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(s)}
}

// event is a valid OrderCommitted event linking a dropoff phone (raw, as
// written; "" for a guest order with no user).
func event(id, order, user, phone string) map[string]any {
	ev := map[string]any{
		"eventId": id, "eventType": "OrderCommitted", "version": 1, "source": "graphql",
		"occurredAt": "2026-11-02T10:15:30.123Z",
		"order": map[string]any{
			"id": order, "fulfillmentType": "delivery", "countryCode": "GB",
			"delivery": map[string]any{"dropoff": map[string]any{"phoneNumber": phone}},
		},
	}
	if user != "" {
		ev["user"] = map[string]any{"cognitoId": user}
	}
	return ev
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

const (
	testUser  = "eu-west-1:7f1c2a9e-4b3d-4c8e-9f10-2b6d7e8a1c01"
	testPhone = "+44 20 7946 0958" // never to appear in logs, audits, reports
)

// mixedDLQ returns messages as dead-letter queues hold them: valid events in
// every envelope, invalid ones, the error attributes of EventBridge and
// Lambda dead-letter queues, and attributes of every data type.
func mixedDLQ(t *testing.T) []testMsg {
	t.Helper()
	valid := event("evt-v1", "ord-v1", testUser, testPhone)
	missingOrderID := event("evt-bad1", "", testUser, testPhone)
	delete(missingOrderID["order"].(map[string]any), "id")
	return []testMsg{
		{body: jsonString(t, valid), attrs: map[string]types.MessageAttributeValue{
			"traceparent": str("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
			"count":       {DataType: aws.String("Number.int"), StringValue: aws.String("42")},
			"blob":        {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2, 0xfe, 0xff, '\n'}},
			"unicode":     {DataType: aws.String("String.custom"), StringValue: aws.String("café ☃ 𝄞 <&>\"'")},
		}},
		{body: jsonString(t, map[string]any{
			"version": "0", "id": "eb-1", "detail-type": "OrderCommitted", "source": "intl.whitelabel.graphql",
			"account": "123456789012", "time": "2026-11-02T10:15:30Z", "region": "eu-west-1", "resources": []string{},
			"detail": event("evt-eb1", "ord-eb1", testUser, testPhone),
		})},
		{body: jsonString(t, map[string]any{
			"Type": "Notification", "MessageId": "sns-1", "Message": jsonString(t, event("evt-sns1", "ord-sns1", testUser, testPhone)),
		})},
		{body: jsonString(t, event("evt-guest1", "ord-guest1", "", testPhone))},
		{body: jsonString(t, missingOrderID)},
		{body: "not json at all: " + testPhone + " \t café"},
		// An EventBridge target dead-letter queue: the event is the body,
		// the error in attributes.
		{body: jsonString(t, event("evt-ebdlq1", "ord-ebdlq1", testUser, testPhone)), attrs: map[string]types.MessageAttributeValue{
			"ERROR_CODE":    str("SDK_CLIENT_ERROR"),
			"ERROR_MESSAGE": str("Unable to invoke Lambda function: rate exceeded for " + testPhone),
			"RULE_ARN":      str("arn:aws:events:eu-west-1:123456789012:rule/order-committed"),
			"TARGET_ARN":    str("arn:aws:lambda:eu-west-1:123456789012:function:phonelookup"),
		}},
		// A Lambda asynchronous invocation dead-letter queue.
		{body: jsonString(t, event("evt-lambdadlq1", "ord-lambdadlq1", testUser, testPhone)), attrs: map[string]types.MessageAttributeValue{
			"RequestID":    str("c0ffee00-0000-4000-8000-000000000001"),
			"ErrorCode":    {DataType: aws.String("Number"), StringValue: aws.String("200")},
			"ErrorMessage": str("invalid event: order.id: missing"),
		}},
		// A Lambda on-failure destination record.
		{body: jsonString(t, map[string]any{
			"version": "1.0", "timestamp": "2026-11-02T10:15:31.000Z",
			"requestContext": map[string]any{
				"requestId": "c0ffee00-0000-4000-8000-000000000002", "condition": "RetriesExhausted", "approximateInvokeCount": 3,
				"functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:phonelookup:$LATEST",
			},
			"requestPayload":  event("evt-dest1", "ord-dest1", testUser, testPhone),
			"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
			"responsePayload": map[string]any{"errorType": "Runtime.ExitError", "errorMessage": "store unavailable"},
		})},
	}
}

// generated returns n valid events with distinct ids, each with an attribute.
func generated(t *testing.T, prefix string, n int) []testMsg {
	t.Helper()
	var out []testMsg
	for i := range n {
		id := fmt.Sprintf("evt-%s-%03d", prefix, i)
		out = append(out, testMsg{
			body:  jsonString(t, event(id, "ord-"+id, testUser, testPhone)),
			attrs: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String(strconv.Itoa(i))}},
		})
	}
	return out
}

// ---------------------------------------------------------------------------
// Faulty clients.

var errKilled = errors.New("the process was killed")

// interruptSQS cancels the run's context right after the first successful
// SendMessageBatch returns, before the delete. With kill set it also fails
// every later call, as if the process had died there: no delete, no
// release, no extension.
type interruptSQS struct {
	dlq.SQS
	cancel context.CancelFunc
	kill   bool

	mu        sync.Mutex
	fired     bool
	firstSent []string // bodies sent by the SendMessageBatch that fired
}

func (s *interruptSQS) dead() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kill && s.fired
}

func (s *interruptSQS) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	if s.dead() {
		return nil, errKilled
	}
	out, err := s.SQS.SendMessageBatch(ctx, in, optFns...)
	if err != nil {
		return out, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.fired {
		s.fired = true
		byID := map[string]string{}
		for _, e := range in.Entries {
			byID[aws.ToString(e.Id)] = aws.ToString(e.MessageBody)
		}
		for _, e := range out.Successful {
			s.firstSent = append(s.firstSent, byID[aws.ToString(e.Id)])
		}
		s.cancel()
	}
	return out, err
}

func (s *interruptSQS) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	if s.dead() {
		return nil, errKilled
	}
	return s.SQS.ReceiveMessage(ctx, in, optFns...)
}

func (s *interruptSQS) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	if s.dead() {
		return nil, errKilled
	}
	return s.SQS.DeleteMessageBatch(ctx, in, optFns...)
}

func (s *interruptSQS) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	if s.dead() {
		return nil, errKilled
	}
	return s.SQS.ChangeMessageVisibilityBatch(ctx, in, optFns...)
}

func (s *interruptSQS) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	if s.dead() {
		return nil, errKilled
	}
	return s.SQS.GetQueueAttributes(ctx, in, optFns...)
}

// failOneSQS makes every send of one body fail: the entry is taken out of
// the request before it is forwarded (so it is really not sent) and put
// into the answer's Failed list, as SQS reports a failed entry.
type failOneSQS struct {
	dlq.SQS
	body string

	mu       sync.Mutex
	attempts int
}

func (s *failOneSQS) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	var keep []types.SendMessageBatchRequestEntry
	var failed []types.BatchResultErrorEntry
	for _, e := range in.Entries {
		if aws.ToString(e.MessageBody) == s.body {
			failed = append(failed, types.BatchResultErrorEntry{
				Id: e.Id, Code: aws.String("InternalError"), Message: aws.String("injected failure"), SenderFault: false,
			})
			s.mu.Lock()
			s.attempts++
			s.mu.Unlock()
			continue
		}
		keep = append(keep, e)
	}
	out := &sqs.SendMessageBatchOutput{}
	if len(keep) > 0 {
		fwd := *in
		fwd.Entries = keep
		var err error
		if out, err = s.SQS.SendMessageBatch(ctx, &fwd, optFns...); err != nil {
			return nil, err
		}
	}
	out.Failed = append(out.Failed, failed...)
	return out, nil
}
