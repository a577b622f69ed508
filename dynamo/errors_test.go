package dynamo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"

	"github.com/phonelookup/phonelookup/lookup"
)

// TestMarkBusy: the SDK's throttling errors, however wrapped, become
// lookup.ErrBusy; DynamoDB's 500s, timeouts and lost connections
// lookup.ErrUnavailable; both keep the SDK's error in the chain; nothing else
// is marked.
func TestMarkBusy(t *testing.T) {
	apiErr := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	tests := []struct {
		name string
		err  error
		busy bool
		down bool // unavailable
	}{
		{"provisioned throughput", fmt.Errorf("find: %w", &types.ProvisionedThroughputExceededException{Message: aws.String("m")}), true, false},
		{"request limit", &types.RequestLimitExceeded{Message: aws.String("m")}, true, false},
		{"throttling exception", apiErr("ThrottlingException"), true, false},
		{"retry quota", fmt.Errorf("op: %w", ratelimit.QuotaExceededError{}), true, false},
		{"access denied", apiErr("AccessDeniedException"), false, false},
		{"internal", &types.InternalServerError{Message: aws.String("m")}, false, true},
		{"http 500", &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 503}}, Err: errors.New("x")}}, false, true},
		{"deadline", fmt.Errorf("op: %w", context.DeadlineExceeded), false, true},
		{"connection reset", fmt.Errorf("op: %w", &net.OpError{Op: "read", Err: errors.New("read: connection reset by peer")}), false, true},
		{"cancelled", fmt.Errorf("op: %w", context.Canceled), false, false},
		{"plain", errors.New("boom"), false, false},
	}
	for _, tt := range tests {
		err := tt.err
		markBusy(&err)
		assert.Equal(t, tt.busy, errors.Is(err, lookup.ErrBusy), "markBusy(%s): errors.Is(ErrBusy)", tt.name)
		assert.Equal(t, tt.down, errors.Is(err, lookup.ErrUnavailable), "markBusy(%s): errors.Is(ErrUnavailable)", tt.name)
		assert.ErrorIs(t, err, tt.err, "markBusy(%s) keeps the original error", tt.name)
		assert.Equal(t, tt.err.Error(), err.Error(), "markBusy(%s) keeps the message", tt.name)
	}
	var none error
	markBusy(&none)
	assert.NoError(t, none)
}
