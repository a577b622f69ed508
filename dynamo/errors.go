package dynamo

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"

	"github.com/phonelookup/phonelookup/lookup"
)

// busyError is a store error that means "not now": DynamoDB throttled the
// request after the SDK's retries, or the SDK's client-side retry quota is
// spent. It is lookup.ErrBusy and keeps the SDK's error in its chain.
type busyError struct{ err error }

func (e busyError) Error() string   { return e.err.Error() }
func (e busyError) Unwrap() []error { return []error{lookup.ErrBusy, e.err} }

// unavailableError is a store error where DynamoDB failed (HTTP 5xx) or did
// not answer (a timeout, a connection lost) after the SDK's retries. It is
// lookup.ErrUnavailable and keeps the SDK's error in its chain.
type unavailableError struct{ err error }

func (e unavailableError) Error() string   { return e.err.Error() }
func (e unavailableError) Unwrap() []error { return []error{lookup.ErrUnavailable, e.err} }

// markBusy classifies *errp once, at the store's edge: a throttle becomes a
// busyError, a failure of DynamoDB or of the network an unavailableError, so
// callers use lookup.Classify and need no AWS import. A caller's
// cancellation is left as it is.
func markBusy(errp *error) {
	switch err := *errp; {
	case err == nil || errors.Is(err, context.Canceled):
	case isThrottle(err):
		*errp = busyError{err}
	case isUnavailable(err):
		*errp = unavailableError{err}
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

// isUnavailable reports whether err is DynamoDB failing (an HTTP 5xx, the
// InternalServerError or ServiceUnavailable codes) or not answering (a
// timeout, a deadline, a connection refused or reset).
func isUnavailable(err error) bool {
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) && resp.HTTPStatusCode() >= 500 {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "InternalServerError" || api.ErrorCode() == "ServiceUnavailable") {
		return true
	}
	var timeout interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &timeout) && timeout.Timeout() {
		return true
	}
	return retry.RetryableConnectionError{}.IsErrorRetryable(err) == aws.TrueTernary
}

// mayHaveApplied watches the SDK's retries of one call: it notes a retry
// after an attempt that got no answer at all (a timeout, a connection lost
// after sending), so the call's own earlier attempt may have been applied.
// An answered attempt (a throttle, a 500) is not counted: DynamoDB may
// apply a write that answers 500, but so rarely that reading a duplicate
// event's failed condition as a lost write of its own would be the worse
// error.
type mayHaveApplied struct{ seen atomic.Bool }

// watch is the call option that wraps the call's retryer.
func (m *mayHaveApplied) watch(o *dynamodb.Options) {
	o.Retryer = appliedRetryer{Retryer: o.Retryer, m: m}
}

type appliedRetryer struct {
	aws.Retryer
	m *mayHaveApplied
}

func (r appliedRetryer) IsErrorRetryable(err error) bool {
	ok := r.Retryer.IsErrorRetryable(err)
	var resp *awshttp.ResponseError
	if ok && !(errors.As(err, &resp) && resp.HTTPStatusCode() != 0) {
		r.m.seen.Store(true)
	}
	return ok
}

// ownLostWrite decides a newest-sighting write whose condition failed on a
// retry that followed a possibly applied attempt (applied): if old's latest
// sighting is k, the write that failed its condition was this call's own,
// whose answer was lost. It was Linked when k is also old's first sighting
// (the item is this sighting's), else Refreshed.
func ownLostWrite(old *lookup.Link, sg lookup.Sighting, k seenKey, st step, applied bool) (lookup.Outcome, bool) {
	if !applied || st != stepNewest || old == nil || old.LastOrderID != sg.OrderID || lookup.FormatTime(old.LastSeenAt) != k.at {
		return "", false
	}
	if old.FirstOrderID == sg.OrderID && lookup.FormatTime(old.FirstSeenAt) == k.at {
		return lookup.Linked, true
	}
	return lookup.Refreshed, true
}
