package dlq

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"": 0, "10/s": 10, "2.5/s": 2.5, "100": 100} {
		got, err := ParseRate(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"0", "-1/s", "fast", "10/m"} {
		_, err := ParseRate(in)
		assert.Error(t, err, in)
	}
}

func TestChooseMode(t *testing.T) {
	src := []string{"https://sqs/123/q"}
	f, err := ParseFilter("reason=valid")
	require.NoError(t, err)

	mode, _, err := ChooseMode(Plan{Mode: ModeAuto, Sources: src})
	require.NoError(t, err)
	assert.Equal(t, ModeNative, mode, "auto, fed by SQS, nothing per message")

	for name, p := range map[string]Plan{
		"filter":      {Mode: ModeAuto, Sources: src, Filter: f},
		"dry-run":     {Mode: ModeAuto, Sources: src, DryRun: true},
		"max":         {Mode: ModeAuto, Sources: src, Max: 5},
		"audit":       {Mode: ModeAuto, Sources: src, Audit: true},
		"no source":   {Mode: ModeAuto},
		"rate 2.5":    {Mode: ModeAuto, Sources: src, Rate: 2.5},
		"rate 1000":   {Mode: ModeAuto, Sources: src, Rate: 1000},
		"client mode": {Mode: ModeClient, Sources: src},
	} {
		mode, why, err := ChooseMode(p)
		require.NoError(t, err, name)
		assert.Equal(t, ModeClient, mode, name)
		assert.NotEmpty(t, why, name)
	}

	for name, p := range map[string]Plan{
		"native with filter":    {Mode: ModeNative, Sources: src, Filter: f},
		"native without source": {Mode: ModeNative},
		"native fractional":     {Mode: ModeNative, Sources: src, Rate: 1.5},
		"unknown mode":          {Mode: "fast", Sources: src},
	} {
		_, _, err := ChooseMode(p)
		assert.Error(t, err, name)
	}
	mode, _, err = ChooseMode(Plan{Mode: ModeNative, Sources: src, Rate: 50})
	require.NoError(t, err)
	assert.Equal(t, ModeNative, mode)
}

func TestScrubMasksPhones(t *testing.T) {
	got := scrub("cannot link +44 20 7946 0958 for order ord-12 at step 3")
	assert.NotContains(t, got, "7946")
	assert.Contains(t, got, "58")
	assert.Contains(t, got, "ord-12")
	assert.Equal(t, "Lambda.FunctionError", scrub("Lambda.FunctionError"))
	long := cut(string(make([]byte, 500)))
	assert.LessOrEqual(t, len(long), 120)
}
