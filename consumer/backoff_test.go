package consumer_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/phonelookup/phonelookup/consumer"
)

func TestRetryBackoff(t *testing.T) {
	b := consumer.RetryBackoff{Base: 10 * time.Second, Max: 50 * time.Second}
	tests := []struct {
		receives int
		ceiling  time.Duration
	}{
		{0, 10 * time.Second}, {1, 10 * time.Second}, {2, 20 * time.Second},
		{3, 40 * time.Second}, {4, 50 * time.Second}, {60, 50 * time.Second},
	}
	for _, tt := range tests {
		for range 50 {
			d := b.Delay(tt.receives)
			assert.True(t, d >= tt.ceiling/2 && d <= tt.ceiling, "Delay(%d) = %s, want [%s, %s]", tt.receives, d, tt.ceiling/2, tt.ceiling)
		}
	}
	// The defaults: five receives span minutes.
	var total time.Duration
	for n := 1; n <= 4; n++ {
		total += consumer.RetryBackoff{}.Delay(n)
	}
	assert.GreaterOrEqual(t, total, 2*time.Minute, "four default backoffs")
}

// TestRetryBackoffFloor: a backoff never hides a message for less than Min
// (the queue's visibility timeout): with a 180 s visibility, each of the
// first receives waits at least as long as without the backoff.
func TestRetryBackoffFloor(t *testing.T) {
	b := consumer.RetryBackoff{Min: 180 * time.Second}
	for n := 0; n <= 6; n++ {
		for range 20 {
			assert.GreaterOrEqual(t, b.Delay(n), 180*time.Second, "Delay(%d) with Min 180s", n)
		}
	}
	assert.LessOrEqual(t, consumer.RetryBackoff{Min: time.Second}.Delay(1), 15*time.Second, "a low floor leaves the backoff as it is")
}
