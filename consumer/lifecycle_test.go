package consumer_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/lookup"
)

func TestProcessIgnoredPhoneAndForgottenCustomer(t *testing.T) {
	phones, err := lookup.NewNormalizer("", 0)
	require.NoError(t, err)
	linker := &consumertest.FakeLinker{LinkFn: func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
		if s.CognitoID == "gone" {
			return "", fmt.Errorf("link: %w", lookup.ErrForgotten)
		}
		return lookup.Linked, nil
	}}
	p := &consumer.Processor{Linker: linker, Phones: phones, Ignore: map[string]bool{"+442079460958": true}}
	tests := []struct {
		name, body, wantReason string
		wantOutcome            consumer.Outcome
	}{
		{"ignored in another spelling", consumertest.DeliveryBody("o-1", "user-1", "020 7946 0958"), consumer.ReasonIgnoredPhone, consumer.Skipped},
		{"not ignored", consumertest.DeliveryBody("o-2", "user-1", "020 7946 0959"), "", consumer.Linked},
		{"forgotten customer", consumertest.DeliveryBody("o-3", "gone", "020 7946 0959"), consumer.ReasonForgotten, consumer.Skipped},
	}
	for _, tt := range tests {
		r := p.Process(context.Background(), []byte(tt.body))
		assert.Equal(t, tt.wantOutcome, r.Outcome, "Process(%s)", tt.name)
		assert.Equal(t, tt.wantReason, r.Reason, "Process(%s) reason", tt.name)
		assert.True(t, r.Outcome.OK(), "Process(%s) is a success: not retried", tt.name)
	}
	assert.EqualValues(t, 2, linker.Calls(), "an ignored number is never written")
}
