package dlq

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSameURL(t *testing.T) {
	assert.True(t, sameURL("https://sqs.eu-west-1.amazonaws.com/123/q", "HTTPS://SQS.eu-west-1.amazonaws.com/123/q/"))
	assert.False(t, sameURL("https://sqs.eu-west-1.amazonaws.com/123/q", "https://sqs.eu-west-1.amazonaws.com/123/Q"))
	assert.False(t, sameURL("https://sqs.eu-west-1.amazonaws.com/123/q", "https://sqs.eu-west-1.amazonaws.com/123/q-dlq"))
	assert.True(t, IsFIFO("https://sqs.eu-west-1.amazonaws.com/123/q.fifo"))
	assert.False(t, IsFIFO("https://sqs.eu-west-1.amazonaws.com/123/fifo"))
}
