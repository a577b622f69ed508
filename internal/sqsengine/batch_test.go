package sqsengine

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func msg(key string, bodyLen int, attrs map[string]types.MessageAttributeValue) Message {
	return Message{Key: key, Body: strings.Repeat("x", bodyLen), Attributes: attrs}
}

func TestSizeCountsAttributes(t *testing.T) {
	m := msg("a", 100, map[string]types.MessageAttributeValue{
		"trace": {DataType: aws.String("String"), StringValue: aws.String("abc")},    // 5 + 6 + 3
		"blob":  {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2, 3}},   // 4 + 6 + 4
		"n":     {DataType: aws.String("Number.int"), StringValue: aws.String("42")}, // 1 + 10 + 2
	})
	assert.Equal(t, 100+14+14+13, Size(m))
	assert.Equal(t, 5, Size(msg("b", 5, nil)))
}

func sizes(batches [][]Message) (counts, bytes []int) {
	for _, b := range batches {
		counts = append(counts, len(b))
		n := 0
		for _, m := range b {
			n += Size(m)
		}
		bytes = append(bytes, n)
	}
	return counts, bytes
}

func TestSplitEntries(t *testing.T) {
	var msgs []Message
	for i := range 25 {
		msgs = append(msgs, msg(string(rune('a'+i)), 10, nil))
	}
	b := Split(msgs)
	counts, _ := sizes(b)
	assert.Equal(t, []int{10, 10, 5}, counts)
	// Order kept, nothing lost or repeated.
	var keys []string
	for _, batch := range b {
		for _, m := range batch {
			keys = append(keys, m.Key)
		}
	}
	for i, m := range msgs {
		assert.Equal(t, m.Key, keys[i])
	}
	assert.Empty(t, Split(nil))
}

func TestSplitBytesIncludeAttributes(t *testing.T) {
	const kib = 1024
	// Bodies of 80 KiB with a 10 KiB attribute: three bodies alone (240
	// KiB) would fit in a batch, but with their attributes (270 KiB) they do
	// not, so the batches hold two.
	attr := map[string]types.MessageAttributeValue{
		"a": {DataType: aws.String("String"), StringValue: aws.String(strings.Repeat("v", 10*kib-len("a")-len("String")))},
	}
	var msgs []Message
	for i := range 5 {
		msgs = append(msgs, msg(string(rune('a'+i)), 80*kib, attr))
	}
	counts, bytes := sizes(Split(msgs))
	assert.Equal(t, []int{2, 2, 1}, counts)
	for _, n := range bytes {
		assert.LessOrEqual(t, n, MaxBatchBytes)
	}

	// Exactly 256 KiB fits in one batch; one byte more does not.
	exact := []Message{msg("a", 128*kib, nil), msg("b", 128*kib, nil)}
	counts, _ = sizes(Split(exact))
	assert.Equal(t, []int{2}, counts)
	over := []Message{msg("a", 128*kib, nil), msg("b", 128*kib-2, map[string]types.MessageAttributeValue{
		"x": {DataType: aws.String("Binary"), BinaryValue: []byte{1}}, // 8 bytes: the pair is 6 bytes over
	})}
	counts, _ = sizes(Split(over))
	assert.Equal(t, []int{1, 1}, counts)
}

func TestSplitOversizedMessageAlone(t *testing.T) {
	msgs := []Message{msg("a", 10, nil), msg("b", MaxBatchBytes+1, nil), msg("c", 10, nil)}
	counts, _ := sizes(Split(msgs))
	require.Equal(t, []int{1, 1, 1}, counts)
}

func TestDrainedCounts(t *testing.T) {
	assert.True(t, drained(Counts{}, 0), "empty queue")
	assert.True(t, drained(Counts{Visible: 0, InFlight: 7}, 7), "SQS: only our held messages, in flight")
	assert.True(t, drained(Counts{Visible: 7, InFlight: 7}, 7), "local-aws-sqs: counts in-flight messages as visible too")
	assert.False(t, drained(Counts{Visible: 3, InFlight: 0}, 0), "visible messages left")
	assert.False(t, drained(Counts{Visible: 9, InFlight: 7}, 7), "local-aws-sqs: two more than we hold")
	assert.False(t, drained(Counts{Visible: 8, InFlight: 8}, 7), "someone else holds one")
}

func TestCheckBody(t *testing.T) {
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{`{"a":"café ☃ 𝄞"}`, true},
		{"tab\tnewline\ncr\r", true},
		{"\U0010FFFF\uE000\uFFFD", true},
		{"", false},
		{"caf\xe9", false},
		{"\xc3", false},
		{"nul\x00", false},
		{"escape\x1b[2J", false},
		{"\uFFFE", false},
		{"\uFFFF", false},
	} {
		err := CheckBody(tc.body)
		if tc.ok {
			assert.NoError(t, err, "CheckBody(%q)", tc.body)
		} else {
			assert.ErrorIs(t, err, ErrBadBody, "CheckBody(%q)", tc.body)
		}
	}
}

// fakeCall answers batch calls from a script: per attempt, per entry index,
// "ok", "sqs" (failed on SQS's side), "sender" (sender fault) or "" (no
// answer); err fails the whole call.
type fakeCall struct {
	script []map[int]string
	err    error
	calls  [][]int
}

func (f *fakeCall) call(_ context.Context, idx []int) (answer, error) {
	f.calls = append(f.calls, append([]int(nil), idx...))
	if f.err != nil {
		return answer{}, f.err
	}
	step := f.script[min(len(f.calls), len(f.script))-1]
	var a answer
	for _, i := range idx {
		id := aws.String(strconv.Itoa(i))
		switch step[i] {
		case "ok":
			a.ok = append(a.ok, id)
		case "sqs":
			a.failed = append(a.failed, types.BatchResultErrorEntry{Id: id, Code: aws.String("InternalError"), Message: aws.String("try again")})
		case "sender":
			a.failed = append(a.failed, types.BatchResultErrorEntry{Id: id, Code: aws.String("InvalidParameterValue"), Message: aws.String("no"), SenderFault: true})
		}
	}
	return a, nil
}

func TestBatchCallRetryPolicy(t *testing.T) {
	ctx := context.Background()

	// Entry 0 succeeds, 1 is a sender fault (never retried), 2 fails on
	// SQS's side once then succeeds, 3 fails on SQS's side every time.
	f := &fakeCall{script: []map[int]string{{0: "ok", 1: "sender", 2: "sqs", 3: "sqs"}, {2: "ok", 3: "sqs"}}}
	ok, failed := batchCall(ctx, 4, false, f.call)
	assert.ElementsMatch(t, []int{0, 2}, ok)
	assert.Equal(t, map[int]string{1: "InvalidParameterValue: no", 3: "InternalError: try again"}, failed)
	assert.Equal(t, [][]int{{0, 1, 2, 3}, {2, 3}, {3}}, f.calls, "Attempts calls for entry 3, one for the sender fault")

	// An entry SQS does not answer: a send is not repeated (SQS may hold
	// it); a delete or a visibility change is.
	f = &fakeCall{script: []map[int]string{{0: "ok"}, {1: "ok"}}}
	ok, failed = batchCall(ctx, 2, false, f.call)
	assert.Equal(t, []int{0}, ok)
	assert.Contains(t, failed[1], "SQS may hold it")
	assert.Len(t, f.calls, 1)
	f = &fakeCall{script: []map[int]string{{0: "ok"}, {1: "ok"}}}
	ok, failed = batchCall(ctx, 2, true, f.call)
	assert.Equal(t, []int{0, 1}, ok)
	assert.Empty(t, failed)

	// A call that fails as a whole is never repeated.
	f = &fakeCall{err: errors.New("message checksum validation failed")}
	ok, failed = batchCall(ctx, 3, false, f.call)
	assert.Empty(t, ok)
	assert.Len(t, failed, 3)
	assert.Contains(t, failed[2], "unconfirmed (SQS may hold it): message checksum validation failed")
	assert.Len(t, f.calls, 1)
}

// The pause between attempts ends with the context: no retry after it.
func TestBatchCallHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeCall{script: []map[int]string{{0: "sqs"}}}
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	start := time.Now()
	ok, failed := batchCall(ctx, 1, false, f.call)
	assert.Less(t, time.Since(start), backoff(1), "waited out the backoff")
	assert.Empty(t, ok)
	assert.Equal(t, map[int]string{0: "InternalError: try again"}, failed)
	assert.Len(t, f.calls, 1)
}
