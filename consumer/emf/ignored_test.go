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
		{Outcome: consumer.Skipped, Reason: consumer.SkipIgnoredPhone},
		{Outcome: consumer.Skipped, Reason: consumer.SkipIgnoredPhone},
		{Outcome: consumer.Skipped, Reason: consumer.SkipInvalidPhone},
	}, time.Millisecond))
	got := checkEMF(t, strings.TrimSpace(out.String()))
	assert.Equal(t, 2.0, got["SkippedIgnoredPhone"])
	assert.Equal(t, 3.0, got["Skipped"])
}
