//go:build integration

package sqsengine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

func messages(prefix string, n int) []sqsengine.Message {
	var out []sqsengine.Message
	for i := range n {
		key := fmt.Sprintf("%s-%02d", prefix, i)
		out = append(out, sqsengine.Message{Key: key, Body: `{"key":"` + key + `"}`})
	}
	return out
}

func bodies(msgs []sqsengine.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Body)
	}
	sort.Strings(out)
	return out
}

// sendAll sends msgs batch by batch and collects the results.
func sendAll(ctx context.Context, s *sqsengine.Sender, msgs []sqsengine.Message) (sent []string, failed map[string]string) {
	failed = map[string]string{}
	for _, b := range sqsengine.Split(msgs) {
		ok, bad := s.Send(ctx, b)
		sent = append(sent, ok...)
		for k, v := range bad {
			failed[k] = v
		}
	}
	sort.Strings(sent)
	return sent, failed
}

// One entry fails on SQS's side on every attempt: it is tried Attempts
// times and reported; every other message arrives once.
func TestSendOneEntryFailsOnSQSSide(t *testing.T) {
	t.Parallel()
	url := newQueue(t, false, nil)
	msgs := messages("one", 15)
	faulty := &failSendSQS{Client: client(), body: msgs[4].Body}
	sent, failed := sendAll(context.Background(), &sqsengine.Sender{SQS: faulty, QueueURL: url}, msgs)
	assert.Len(t, sent, 14)
	assert.Equal(t, map[string]string{"one-04": "InternalError: injected failure"}, failed)
	assert.Equal(t, sqsengine.Attempts, faulty.tries())
	assert.Equal(t, bodies(append(append([]sqsengine.Message{}, msgs[:4]...), msgs[5:]...)), receiveAll(t, url))
}

// A call that fails as a whole after SQS accepted it (as the SDK's MD5
// check does) is not sent again: the queue holds each message once, and
// every entry is reported unconfirmed.
func TestSendCallErrorIsNotRepeated(t *testing.T) {
	t.Parallel()
	url := newQueue(t, false, nil)
	msgs := messages("err", 10)
	lost := &answerLostSQS{Client: client()}
	sent, failed := sendAll(context.Background(), &sqsengine.Sender{SQS: lost, QueueURL: url}, msgs)
	assert.Empty(t, sent)
	require.Len(t, failed, 10)
	for k, why := range failed {
		assert.Contains(t, why, "unconfirmed (SQS may hold it)", k)
	}
	assert.Equal(t, 1, lost.calls, "calls")
	assert.Equal(t, bodies(msgs), receiveAll(t, url), "each message once")
}

// A body with invalid UTF-8 is refused before the call (through the real
// SDK, it would make the MD5 check fail the whole batch); the rest of its
// batch is sent once.
func TestSendRefusesInvalidBody(t *testing.T) {
	t.Parallel()
	url := newQueue(t, false, nil)
	msgs := messages("utf8", 8)
	msgs = append(msgs[:3], append([]sqsengine.Message{{Key: "bad-1", Body: "{\"a\":\"caf\xe9\"}"}, {Key: "bad-2", Body: "\uFFFF"}}, msgs[3:]...)...)
	sent, failed := sendAll(context.Background(), &sqsengine.Sender{SQS: client(), QueueURL: url}, msgs)
	assert.Len(t, sent, 8)
	assert.Len(t, failed, 2)
	assert.True(t, strings.HasPrefix(failed["bad-1"], "invalid UTF-8"), failed["bad-1"])
	assert.Contains(t, failed["bad-2"], "U+FFFF")
	var good []sqsengine.Message
	for _, m := range msgs {
		if !strings.HasPrefix(m.Key, "bad") {
			good = append(good, m)
		}
	}
	assert.Equal(t, bodies(good), receiveAll(t, url))
}

// Attributes of every type arrive unchanged; on a FIFO queue the group and
// deduplication ids are set, so sending a batch again within the
// deduplication window delivers it once.
func TestSendFIFOAttributes(t *testing.T) {
	t.Parallel()
	url := newQueue(t, true, nil)
	attrs := map[string]types.MessageAttributeValue{
		"s": {DataType: aws.String("String"), StringValue: aws.String("café ☃")},
		"n": {DataType: aws.String("Number"), StringValue: aws.String("42")},
		"b": {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 0xff}},
	}
	msgs := messages("fifo", 3)
	for i := range msgs {
		msgs[i].Attributes, msgs[i].GroupID, msgs[i].DeduplicationID = attrs, "g", "dedup-"+msgs[i].Key
	}
	s := &sqsengine.Sender{SQS: client(), QueueURL: url}
	for range 2 {
		sent, failed := sendAll(context.Background(), s, msgs)
		require.Empty(t, failed)
		require.Len(t, sent, 3)
	}
	out, err := client().ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: &url, MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"},
		//lint:ignore SA1019 local-aws-sqs honours only the deprecated AttributeNames; SQS accepts both (see docs/DESIGN.md)
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll},
	})
	require.NoError(t, err)
	require.Len(t, out.Messages, 3, "each message once")
	for _, m := range out.Messages {
		assert.Equal(t, "g", m.Attributes["MessageGroupId"])
		assert.Equal(t, "café ☃", aws.ToString(m.MessageAttributes["s"].StringValue))
		assert.Equal(t, []byte{0, 1, 0xff}, m.MessageAttributes["b"].BinaryValue)
		assert.Equal(t, "42", aws.ToString(m.MessageAttributes["n"].StringValue))
	}
}

// failSendSQS takes every entry with body out of the request (so it is
// really not sent) and answers it failed on SQS's side.
type failSendSQS struct {
	*sqs.Client
	body string
	mu   sync.Mutex
	n    int
}

func (s *failSendSQS) tries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *failSendSQS) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	fwd := *in
	fwd.Entries = nil
	var failed []types.BatchResultErrorEntry
	for _, e := range in.Entries {
		if aws.ToString(e.MessageBody) == s.body {
			s.mu.Lock()
			s.n++
			s.mu.Unlock()
			failed = append(failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), Message: aws.String("injected failure")})
			continue
		}
		fwd.Entries = append(fwd.Entries, e)
	}
	out := &sqs.SendMessageBatchOutput{}
	if len(fwd.Entries) > 0 {
		var err error
		if out, err = s.Client.SendMessageBatch(ctx, &fwd, optFns...); err != nil {
			return nil, err
		}
	}
	out.Failed = append(out.Failed, failed...)
	return out, nil
}

// answerLostSQS forwards every send and then fails the call, as the SDK
// does when its MD5 check of the answer fails.
type answerLostSQS struct {
	*sqs.Client
	calls int
}

func (s *answerLostSQS) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	s.calls++
	if _, err := s.Client.SendMessageBatch(ctx, in, optFns...); err != nil {
		return nil, err
	}
	return nil, errors.New("message checksum validation failed (injected)")
}

// faultTransport is the HTTP transport of a real SDK client that answers the
// first SendMessageBatch with a fault: lost (forwarded to SQS, which stores
// the messages, and answered 500, as when the answer is lost on the way
// back) or throttled (not forwarded, answered 400 RequestThrottled). It
// counts the SendMessageBatch requests that reached it.
type faultTransport struct {
	throttle bool
	mu       sync.Mutex
	sends    int
}

func (f *faultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("X-Amz-Target") != "AmazonSQS.SendMessageBatch" {
		return http.DefaultTransport.RoundTrip(req)
	}
	f.mu.Lock()
	f.sends++
	first := f.sends == 1
	f.mu.Unlock()
	if !first {
		return http.DefaultTransport.RoundTrip(req)
	}
	status, code := http.StatusBadRequest, "RequestThrottled"
	if !f.throttle {
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		status, code = http.StatusInternalServerError, "InternalError"
	}
	body := `{"__type":"com.amazonaws.sqs#` + code + `","message":"injected"}`
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}, "X-Amzn-Query-Error": {code + ";Sender"}},
		Body:   io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}, nil
}

func (f *faultTransport) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sends
}

// The SDK does not resend a batch whose answer was lost (a 5xx or a
// transport error after SQS took it): one request, every entry reported
// unconfirmed, the queue holds each message once. A throttled call (SQS
// took nothing) is retried by the SDK and sent once.
func TestSendSDKRetriesOnlyThrottling(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		throttle  bool
		wantSends int
		wantSent  int
	}{
		{"answer lost", false, 1, 0},
		{"throttled", true, 2, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := newQueue(t, false, nil)
			msgs := messages("sdk", 10)
			ft := &faultTransport{throttle: tc.throttle}
			c := emu.SQSClient(emulator.Config(), func(o *sqs.Options) { o.HTTPClient = &http.Client{Transport: ft} })
			sent, failed := sendAll(context.Background(), &sqsengine.Sender{SQS: c, QueueURL: url}, msgs)
			assert.Len(t, sent, tc.wantSent)
			assert.Len(t, failed, 10-tc.wantSent)
			for k, why := range failed {
				assert.Contains(t, why, "unconfirmed (SQS may hold it)", k)
			}
			assert.Equal(t, tc.wantSends, ft.count(), "SendMessageBatch requests")
			assert.Equal(t, bodies(msgs), receiveAll(t, url), "each message once")
		})
	}
}
