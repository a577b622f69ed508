package emf_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/emf"
)

func TestMetricsSkippedIgnoredPhone(t *testing.T) {
	var out bytes.Buffer
	m := &emf.Metrics{Namespace: "PhoneLookup", Dimensions: map[string]string{"Service": "phonelookup"}, W: &out}
	require.NoError(t, m.Batch([]consumer.Result{
		{Outcome: consumer.Skipped, Reason: consumer.ReasonIgnoredPhone},
		{Outcome: consumer.Skipped, Reason: consumer.ReasonIgnoredPhone},
		{Outcome: consumer.Skipped, Reason: consumer.ReasonInvalidPhone},
	}, time.Millisecond))
	got := checkEMF(t, strings.TrimSpace(out.String()))
	assert.Equal(t, 2.0, got["SkippedIgnoredPhone"])
	assert.Equal(t, 3.0, got["Skipped"])
}

// TestMetricsEverySkipReason: each skip reason of the pipeline's vocabulary
// counts under its own declared metric (the forgotten skip had none), and
// Skipped counts them all. A new skip reason fails here until it is named.
func TestMetricsEverySkipReason(t *testing.T) {
	want := map[string]string{
		consumer.ReasonGuest:        "SkippedGuest",
		consumer.ReasonNoPhone:      "SkippedNoPhone",
		consumer.ReasonInvalidPhone: "SkippedInvalidPhone",
		consumer.ReasonIgnoredPhone: "SkippedIgnoredPhone",
		consumer.ReasonForgotten:    "SkippedForgotten",
	}
	require.Len(t, consumer.SkipReasons, len(want), "skip reasons")
	for _, reason := range consumer.SkipReasons {
		t.Run(reason, func(t *testing.T) {
			var out bytes.Buffer
			m := &emf.Metrics{Namespace: "PhoneLookup", Dimensions: map[string]string{"Service": "phonelookup"}, W: &out}
			require.NoError(t, m.Batch([]consumer.Result{
				{Outcome: consumer.Skipped, Reason: reason},
				{Outcome: consumer.Linked},
			}, time.Millisecond))
			got := checkEMF(t, strings.TrimSpace(out.String()))
			require.Contains(t, want, reason)
			assert.Equal(t, 1.0, got[want[reason]], "metric %s", want[reason])
			assert.Equal(t, 1.0, got["Skipped"])
			assert.Equal(t, 1.0, got["Linked"])
			for _, other := range want {
				if other != want[reason] {
					assert.Equal(t, 0.0, got[other], "metric %s declared and zero", other)
					assert.Contains(t, got, other, "metric %s declared", other)
				}
			}
		})
	}
}
