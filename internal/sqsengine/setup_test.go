package sqsengine

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// sameAttribute compares a redrive policy by its fields, whatever JSON
// spells them, and every other attribute as text.
func TestSameAttribute(t *testing.T) {
	t.Parallel()
	const arn = `"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:000000000000:q-dlq"`
	for _, tc := range []struct {
		name, attr, a, b string
		want             bool
	}{
		{"count as number or string", "RedrivePolicy", `{` + arn + `,"maxReceiveCount":5}`, `{` + arn + `,"maxReceiveCount":"5"}`, true},
		{"key order and spaces", "RedrivePolicy", `{"maxReceiveCount":"5", ` + arn + `}`, `{` + arn + `,"maxReceiveCount":"5"}`, true},
		{"another count", "RedrivePolicy", `{` + arn + `,"maxReceiveCount":3}`, `{` + arn + `,"maxReceiveCount":"5"}`, false},
		{"another target", "RedrivePolicy", `{"deadLetterTargetArn":"arn:x","maxReceiveCount":5}`, `{` + arn + `,"maxReceiveCount":"5"}`, false},
		{"no policy", "RedrivePolicy", "(none)", `{` + arn + `,"maxReceiveCount":"5"}`, false},
		{"other attribute as text", "VisibilityTimeout", "30", "30", true},
		{"other attribute differs", "VisibilityTimeout", "030", "30", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, sameAttribute(tc.attr, tc.a, tc.b), "sameAttribute(%q, %q, %q)", tc.attr, tc.a, tc.b)
		})
	}
}
