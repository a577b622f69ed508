package dlq

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func msg(id string, bodyLen int, attrs map[string]types.MessageAttributeValue) types.Message {
	return types.Message{MessageId: aws.String(id), Body: aws.String(strings.Repeat("x", bodyLen)), MessageAttributes: attrs}
}

func TestMessageSizeCountsAttributes(t *testing.T) {
	m := msg("a", 100, map[string]types.MessageAttributeValue{
		"trace": {DataType: aws.String("String"), StringValue: aws.String("abc")},    // 5 + 6 + 3
		"blob":  {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2, 3}},   // 4 + 6 + 4
		"n":     {DataType: aws.String("Number.int"), StringValue: aws.String("42")}, // 1 + 10 + 2
	})
	assert.Equal(t, 100+14+14+13, MessageSize(m))
	assert.Equal(t, 5, MessageSize(msg("b", 5, nil)))
}

func sizes(batches [][]types.Message) (counts, bytes []int) {
	for _, b := range batches {
		counts = append(counts, len(b))
		n := 0
		for _, m := range b {
			n += MessageSize(m)
		}
		bytes = append(bytes, n)
	}
	return counts, bytes
}

func TestSplitBatchesEntries(t *testing.T) {
	var msgs []types.Message
	for i := range 25 {
		msgs = append(msgs, msg(string(rune('a'+i)), 10, nil))
	}
	b := SplitBatches(msgs, MaxBatchEntries, MaxBatchBytes)
	counts, _ := sizes(b)
	assert.Equal(t, []int{10, 10, 5}, counts)
	// Order kept, nothing lost or repeated.
	var ids []string
	for _, batch := range b {
		for _, m := range batch {
			ids = append(ids, *m.MessageId)
		}
	}
	for i, m := range msgs {
		assert.Equal(t, *m.MessageId, ids[i])
	}
	assert.Empty(t, SplitBatches(nil, MaxBatchEntries, MaxBatchBytes))
}

func TestSplitBatchesBytesIncludeAttributes(t *testing.T) {
	const kib = 1024
	// Bodies of 80 KiB with a 10 KiB attribute: three bodies alone (240
	// KiB) would fit in a batch, but with their attributes (270 KiB) they do
	// not, so the batches hold two.
	attr := map[string]types.MessageAttributeValue{
		"a": {DataType: aws.String("String"), StringValue: aws.String(strings.Repeat("v", 10*kib-len("a")-len("String")))},
	}
	var msgs []types.Message
	for i := range 5 {
		msgs = append(msgs, msg(string(rune('a'+i)), 80*kib, attr))
	}
	counts, bytes := sizes(SplitBatches(msgs, MaxBatchEntries, MaxBatchBytes))
	assert.Equal(t, []int{2, 2, 1}, counts)
	for _, n := range bytes {
		assert.LessOrEqual(t, n, MaxBatchBytes)
	}

	// Exactly 256 KiB fits in one batch; one byte more does not.
	exact := []types.Message{msg("a", 128*kib, nil), msg("b", 128*kib, nil)}
	counts, _ = sizes(SplitBatches(exact, MaxBatchEntries, MaxBatchBytes))
	assert.Equal(t, []int{2}, counts)
	over := []types.Message{msg("a", 128*kib, nil), msg("b", 128*kib-2, map[string]types.MessageAttributeValue{
		"x": {DataType: aws.String("Binary"), BinaryValue: []byte{1}}, // 8 bytes: the pair is 6 bytes over

	})}
	counts, _ = sizes(SplitBatches(over, MaxBatchEntries, MaxBatchBytes))
	assert.Equal(t, []int{1, 1}, counts)
}

func TestSplitBatchesOversizedMessageAlone(t *testing.T) {
	msgs := []types.Message{msg("a", 10, nil), msg("b", MaxBatchBytes+1, nil), msg("c", 10, nil)}
	counts, _ := sizes(SplitBatches(msgs, MaxBatchEntries, MaxBatchBytes))
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

func TestSameURL(t *testing.T) {
	assert.True(t, sameURL("https://sqs.eu-west-1.amazonaws.com/123/q", "HTTPS://SQS.eu-west-1.amazonaws.com/123/q/"))
	assert.False(t, sameURL("https://sqs.eu-west-1.amazonaws.com/123/q", "https://sqs.eu-west-1.amazonaws.com/123/Q"))
	assert.False(t, sameURL("https://sqs.eu-west-1.amazonaws.com/123/q", "https://sqs.eu-west-1.amazonaws.com/123/q-dlq"))
	assert.True(t, IsFIFO("https://sqs.eu-west-1.amazonaws.com/123/q.fifo"))
	assert.False(t, IsFIFO("https://sqs.eu-west-1.amazonaws.com/123/fifo"))
}
