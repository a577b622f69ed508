package dynamo

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"

	"github.com/phonelookup/phonelookup/lookup"
)

// TestMarkBusy: the SDK's throttling errors, however wrapped, become
// lookup.ErrBusy and keep the SDK's error in the chain; nothing else does.
func TestMarkBusy(t *testing.T) {
	apiErr := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	tests := []struct {
		name string
		err  error
		busy bool
	}{
		{"provisioned throughput", fmt.Errorf("find: %w", &types.ProvisionedThroughputExceededException{Message: aws.String("m")}), true},
		{"request limit", &types.RequestLimitExceeded{Message: aws.String("m")}, true},
		{"throttling exception", apiErr("ThrottlingException"), true},
		{"retry quota", fmt.Errorf("op: %w", ratelimit.QuotaExceededError{}), true},
		{"access denied", apiErr("AccessDeniedException"), false},
		{"internal", &types.InternalServerError{Message: aws.String("m")}, false},
		{"plain", errors.New("boom"), false},
	}
	for _, tt := range tests {
		err := tt.err
		markBusy(&err)
		assert.Equal(t, tt.busy, errors.Is(err, lookup.ErrBusy), "markBusy(%s): errors.Is(ErrBusy)", tt.name)
		assert.ErrorIs(t, err, tt.err, "markBusy(%s) keeps the original error", tt.name)
		assert.Equal(t, tt.err.Error(), err.Error(), "markBusy(%s) keeps the message", tt.name)
	}
	var none error
	markBusy(&none)
	assert.NoError(t, none)
}
