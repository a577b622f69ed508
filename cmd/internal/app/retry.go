package app

import (
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Face is the way a binary serves: it sizes the DynamoDB client's retries.
type Face int

// The faces. The zero value is the CLI's.
const (
	FaceCLI    Face = iota // the ops commands (import-legacy, dlq reprocess, find, ...)
	FaceWorker             // phonelookup consume
	FaceLambda             // the consumer's Lambda function
	FaceAPI                // the API's Lambda function and phonelookup serve
)

// RetryPolicy sizes the retries of one DynamoDB call: at most MaxAttempts
// attempts, the wait before retry i (from 0) drawn uniformly from
// [0, min(MaxBackoff, BaseDelay·2^i)) ("full jitter").
type RetryPolicy struct {
	MaxAttempts           int
	BaseDelay, MaxBackoff time.Duration
}

// Retry policies, one per face. None has a client-side retry quota
// (ratelimit.None): the SDK's default token bucket (500 tokens per client,
// 5 per retry, 10 per timeout, shared by every call of the process) empties
// after a minute of sustained throttling, and from then on every throttled
// call fails on its first attempt, however much time its caller has left;
// that is how valid events reached the dead-letter queue (issue 18). What
// bounds the retries instead is each call's own budget, its context:
//   - Worker: the message's time (the lease keeps it invisible; the worker's
//     MessageTimeout, 1 min): up to 8 attempts, about 16 s of backoff at most,
//     so a throttled minute costs time, not receives; the worker also slows
//     down (sqsworker's back-pressure).
//   - Lambda: the same per call; the function's remaining time (the batch's
//     deadline) cuts a call short, and the failed items' visibility is
//     backed off before the function returns.
//   - API: a person is waiting and the request has 8 s (api.DefaultTimeout):
//     4 quick attempts (under 1 s of backoff), then an honest 503 with
//     Retry-After rather than a slow answer.
//   - CLI: nobody's deadline but the operator's: up to 20 attempts with
//     waits up to 10 s, so a long import-legacy or dlq reprocess keeps going
//     through throttling instead of failing lines.
var retryPolicies = map[Face]RetryPolicy{
	FaceCLI:    {MaxAttempts: 20, BaseDelay: 200 * time.Millisecond, MaxBackoff: 10 * time.Second},
	FaceWorker: {MaxAttempts: 8, BaseDelay: 200 * time.Millisecond, MaxBackoff: 5 * time.Second},
	FaceLambda: {MaxAttempts: 8, BaseDelay: 200 * time.Millisecond, MaxBackoff: 5 * time.Second},
	FaceAPI:    {MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxBackoff: 400 * time.Millisecond},
}

// RetryPolicyOf returns the retry policy of face f.
func RetryPolicyOf(f Face) RetryPolicy { return retryPolicies[f] }

// Retryer returns the SDK's standard retryer (its list of retryable and
// throttling errors) with p's attempts and backoff and no retry quota.
func (p RetryPolicy) Retryer() aws.RetryerV2 {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = p.MaxAttempts
		o.MaxBackoff = p.MaxBackoff
		o.RateLimiter = ratelimit.None
		o.Backoff = retry.BackoffDelayerFunc(p.backoff)
	})
}

// backoff is the wait after failed attempt n (from 1).
func (p RetryPolicy) backoff(n int, _ error) (time.Duration, error) {
	ceiling := p.MaxBackoff
	if shift := n - 1; shift < 30 && p.BaseDelay<<shift < ceiling {
		ceiling = p.BaseDelay << shift
	}
	if ceiling <= 0 {
		return 0, nil
	}
	return rand.N(ceiling), nil
}

// countingRetryer is a retryer that counts the throttled attempts it
// retries, so that the CLI can show the throttling it rode through.
type countingRetryer struct {
	aws.RetryerV2
	throttled *atomic.Int64
}

// IsErrorRetryable is the wrapped retryer's answer; it counts a retried
// throttle (called once per failed attempt).
func (c countingRetryer) IsErrorRetryable(err error) bool {
	ok := c.RetryerV2.IsErrorRetryable(err)
	if ok && retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		c.throttled.Add(1)
	}
	return ok
}
