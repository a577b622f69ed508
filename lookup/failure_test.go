package lookup_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/phonelookup/phonelookup/lookup"
)

func TestClassify(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), 0)
	defer cancel2()
	bg := context.Background()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want lookup.Failure
	}{
		{"busy", bg, fmt.Errorf("link: %w", lookup.ErrBusy), lookup.Throttled},
		{"busy while the caller left", cancelled, fmt.Errorf("link: %w", lookup.ErrBusy), lookup.Throttled},
		{"unavailable", bg, fmt.Errorf("link: %w", lookup.ErrUnavailable), lookup.Unavailable},
		{"call deadline", bg, fmt.Errorf("query: %w", context.DeadlineExceeded), lookup.Unavailable},
		{"context expired", expired, errors.New("query: request send failed"), lookup.Unavailable},
		{"caller cancelled", cancelled, errors.New("query: request send failed"), lookup.Cancelled},
		{"cancel error", bg, fmt.Errorf("query: %w", context.Canceled), lookup.Cancelled},
		{"other", bg, errors.New("AccessDeniedException"), lookup.Other},
	}
	for _, tt := range tests {
		got := lookup.Classify(tt.ctx, tt.err)
		assert.Equal(t, tt.want, got, "Classify(%s)", tt.name)
		assert.Equal(t, tt.want == lookup.Throttled || tt.want == lookup.Unavailable, got.Transient(), "%s: Transient", tt.name)
	}
}
