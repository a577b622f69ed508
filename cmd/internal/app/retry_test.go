package app

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRetryPolicies: each face's DynamoDB client gets its own attempts, no
// retry quota (a thousand throttled retries in a row all get a token, where
// the SDK's default bucket refuses the 101st), and waits within the policy.
func TestRetryPolicies(t *testing.T) {
	throttled := &types.ProvisionedThroughputExceededException{Message: aws.String("m")}
	tests := []struct {
		face     Face
		attempts int
		maxWait  time.Duration
	}{
		{FaceCLI, 20, 10 * time.Second},
		{FaceWorker, 8, 5 * time.Second},
		{FaceLambda, 8, 5 * time.Second},
		{FaceAPI, 4, 400 * time.Millisecond},
	}
	for _, tt := range tests {
		c := Config{Face: tt.face, AWS: AWSEnv{Region: "eu-west-1", AccessKeyID: "k", SecretAccessKey: "s"}}
		a, err := Build(context.Background(), c)
		require.NoError(t, err)
		r := a.DynamoDB.Options().Retryer
		assert.Equal(t, tt.attempts, r.MaxAttempts(), "face %d: attempts", tt.face)
		for i := range 1000 {
			_, err := r.GetRetryToken(context.Background(), throttled)
			require.NoError(t, err, "face %d: retry %d refused", tt.face, i)
		}
		p := RetryPolicyOf(tt.face)
		for n := 1; n <= tt.attempts; n++ {
			d, err := r.RetryDelay(n, throttled)
			require.NoError(t, err)
			ceiling := min(tt.maxWait, p.BaseDelay<<(n-1))
			assert.True(t, d >= 0 && d < ceiling, "face %d: wait %s after attempt %d, want [0, %s)", tt.face, d, n, ceiling)
		}
	}
	// Tests may replace the policy.
	a, err := Build(context.Background(), Config{Face: FaceAPI, Retry: RetryPolicy{MaxAttempts: 2},
		AWS: AWSEnv{Region: "eu-west-1", AccessKeyID: "k", SecretAccessKey: "s"}})
	require.NoError(t, err)
	assert.Equal(t, 2, a.DynamoDB.Options().Retryer.MaxAttempts())
	// AWS_MAX_ATTEMPTS still caps the attempts, as the SDK documents.
	c, err := FromEnv(func(k string) string {
		return map[string]string{"AWS_MAX_ATTEMPTS": "1", "AWS_REGION": "eu-west-1"}[k]
	})
	require.NoError(t, err)
	a, err = Build(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, 1, a.DynamoDB.Options().Retryer.MaxAttempts())
}
