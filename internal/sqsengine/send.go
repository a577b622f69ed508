package sqsengine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SendAPI is the part of the SQS client a Sender uses.
type SendAPI interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

var _ SendAPI = (*sqs.Client)(nil)

// Message is a message to send. Key is the caller's name for it: results
// are reported by Key, which must be unique within a batch.
type Message struct {
	Key        string
	Body       string
	Attributes map[string]types.MessageAttributeValue
	// GroupID and DeduplicationID are for a FIFO queue ("" for a standard
	// one).
	GroupID, DeduplicationID string
}

// Size is what m counts toward MaxBatchBytes: its body and, for every
// message attribute, its name, data type and value.
func Size(m Message) int {
	n := len(m.Body)
	for name, v := range m.Attributes {
		n += AttributeSize(name, v)
	}
	return n
}

// AttributeSize is what one message attribute counts: name, data type and
// value bytes (string, binary, or the elements of a list value).
func AttributeSize(name string, v types.MessageAttributeValue) int {
	n := len(name) + len(aws.ToString(v.DataType)) + len(aws.ToString(v.StringValue)) + len(v.BinaryValue)
	for _, s := range v.StringListValues {
		n += len(s)
	}
	for _, b := range v.BinaryListValues {
		n += len(b)
	}
	return n
}

// Batcher cuts a stream of messages, in order, into batches of at most
// MaxBatchEntries messages and MaxBatchBytes bytes (Size). A message larger
// than MaxBatchBytes on its own gets a batch of its own: SQS decides. The
// zero Batcher is ready to use.
type Batcher struct {
	cur  []Message
	size int
}

// Add adds m and returns the batch that m did not fit into, now closed
// (nil if m fitted in the open batch).
func (b *Batcher) Add(m Message) (full []Message) {
	s := Size(m)
	if len(b.cur) > 0 && (len(b.cur) == MaxBatchEntries || b.size+s > MaxBatchBytes) {
		full = b.Flush()
	}
	b.cur = append(b.cur, m)
	b.size += s
	return full
}

// Flush closes the open batch and returns it (nil if it is empty).
func (b *Batcher) Flush() []Message {
	full := b.cur
	b.cur, b.size = nil, 0
	return full
}

// Split cuts msgs, in order, into batches as Batcher does.
func Split(msgs []Message) [][]Message {
	var b Batcher
	var out [][]Message
	for _, m := range msgs {
		if full := b.Add(m); full != nil {
			out = append(out, full)
		}
	}
	if last := b.Flush(); last != nil {
		out = append(out, last)
	}
	return out
}

// ErrBadBody is wrapped by CheckBody's errors.
var ErrBadBody = errors.New("SQS cannot take this body unchanged")

// CheckBody reports whether SQS takes body as it is: valid UTF-8 of the
// characters SQS allows (#x9, #xA, #xD, #x20 to #xD7FF, #xE000 to #xFFFD,
// #x10000 to #x10FFFF). Invalid UTF-8 would be changed on the way (the SDK
// writes U+FFFD), SQS would store another body than the one sent, and the
// SDK's MD5 check would fail the whole call after SQS accepted it.
func CheckBody(body string) error {
	if body == "" {
		return fmt.Errorf("empty body: %w", ErrBadBody)
	}
	if !utf8.ValidString(body) {
		return fmt.Errorf("invalid UTF-8: %w", ErrBadBody)
	}
	for i, r := range body {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 {
			continue
		}
		return fmt.Errorf("character %U at byte %d: %w", r, i, ErrBadBody)
	}
	return nil
}

// Sender sends batches of messages to one queue.
type Sender struct {
	SQS      SendAPI
	QueueURL string
}

// Send sends batch (one batch of Split or Batcher) with SendMessageBatch and
// checks every entry. It returns the keys SQS confirmed and, for the
// others, why not. A message CheckBody refuses is not sent. An entry that
// failed on SQS's side is tried again (Attempts in all, ctx honoured); a
// sender fault, an entry SQS did not answer and every entry of a call that
// failed as a whole are reported and never resent: SQS may hold them.
func (s *Sender) Send(ctx context.Context, batch []Message) (sent []string, failed map[string]string) {
	failed = map[string]string{}
	var todo []Message
	for _, m := range batch {
		if err := CheckBody(m.Body); err != nil {
			failed[m.Key] = err.Error()
			continue
		}
		todo = append(todo, m)
	}
	if len(todo) == 0 {
		return nil, failed
	}
	ok, bad := batchCall(ctx, len(todo), false, func(ctx context.Context, idx []int) (answer, error) {
		in := &sqs.SendMessageBatchInput{QueueUrl: &s.QueueURL}
		for _, i := range idx {
			in.Entries = append(in.Entries, sendEntry(strconv.Itoa(i), todo[i]))
		}
		out, err := s.SQS.SendMessageBatch(ctx, in, throttleOnly)
		if err != nil {
			return answer{}, err
		}
		return answerOf(out.Successful, func(e types.SendMessageBatchResultEntry) *string { return e.Id }, out.Failed), nil
	})
	for _, i := range ok {
		sent = append(sent, todo[i].Key)
	}
	for i, why := range bad {
		failed[todo[i].Key] = why
	}
	return sent, failed
}

// sendRetryer is the SDK retryer of a send: it retries a call SQS refused
// for throttling (SQS took nothing) and nothing else. A transport error or
// a 5xx answer may come after SQS stored the messages, and a resend of the
// whole batch would store them again; such a call fails at once and batchCall
// reports its entries unconfirmed. One retryer for every send, as the SDK
// shares one per client (its retry token bucket).
var sendRetryer = retry.NewStandard(func(o *retry.StandardOptions) {
	o.Retryables = []retry.IsErrorRetryable{
		retry.NoRetryCanceledError{},
		retry.RetryableErrorCode{Codes: retry.DefaultThrottleErrorCodes},
		retry.RetryableHTTPStatusCode{Codes: map[int]struct{}{429: {}}},
	}
})

// throttleOnly makes one SendMessageBatch retry throttling only
// (sendRetryer), whatever the client's retryer and AWS_MAX_ATTEMPTS.
func throttleOnly(o *sqs.Options) {
	o.Retryer = sendRetryer
	o.RetryMaxAttempts = 0
}

func sendEntry(id string, m Message) types.SendMessageBatchRequestEntry {
	e := types.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: aws.String(m.Body)}
	if len(m.Attributes) > 0 {
		e.MessageAttributes = m.Attributes
	}
	if m.GroupID != "" {
		e.MessageGroupId = aws.String(m.GroupID)
	}
	if m.DeduplicationID != "" {
		e.MessageDeduplicationId = aws.String(m.DeduplicationID)
	}
	return e
}
