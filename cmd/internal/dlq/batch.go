package dlq

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQS batch limits.
const (
	// MaxBatchEntries is the most entries a batch call takes.
	MaxBatchEntries = 10
	// MaxBatchBytes is the most a SendMessageBatch may carry: bodies and
	// message attributes of all its entries together.
	MaxBatchBytes = 256 * 1024
)

// MessageSize is what a message counts toward the batch size limit: its
// body and, for every message attribute, its name, data type and value.
func MessageSize(m types.Message) int {
	n := len(aws.ToString(m.Body))
	for name, v := range m.MessageAttributes {
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

// SplitBatches cuts msgs, in order, into batches of at most maxEntries
// messages and maxBytes bytes (MessageSize). A message larger than maxBytes
// on its own gets a batch of its own: SQS decides (its message size limit is
// higher than a batch's in some regions and configurations).
func SplitBatches(msgs []types.Message, maxEntries, maxBytes int) [][]types.Message {
	var out [][]types.Message
	var cur []types.Message
	size := 0
	for _, m := range msgs {
		s := MessageSize(m)
		if len(cur) > 0 && (len(cur) == maxEntries || size+s > maxBytes) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, m)
		size += s
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
