package dynamo

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/phonelookup/phonelookup/lookup"
)

// busyError is a store error that means "not now": DynamoDB throttled the
// request after the SDK's retries, or the SDK's client-side retry quota is
// spent. It is lookup.ErrBusy and keeps the SDK's error in its chain.
type busyError struct{ err error }

func (e busyError) Error() string   { return e.err.Error() }
func (e busyError) Unwrap() []error { return []error{lookup.ErrBusy, e.err} }

// markBusy turns *errp into a busyError when it is a throttle, so callers
// classify it with errors.Is(err, lookup.ErrBusy) and need no AWS import.
func markBusy(errp *error) {
	if *errp != nil && isThrottle(*errp) {
		*errp = busyError{*errp}
	}
}

// isThrottle reports whether err is DynamoDB refusing work for now: the
// SDK's own list of throttling error codes (ProvisionedThroughputExceeded-
// Exception, ThrottlingException, RequestLimitExceeded, ...), or its retry
// quota exhausted.
func isThrottle(err error) bool {
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		return true
	}
	var quota ratelimit.QuotaExceededError
	return errors.As(err, &quota)
}
