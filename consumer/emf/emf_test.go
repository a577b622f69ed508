package emf_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/consumer/emf"
	"github.com/phonelookup/phonelookup/consumer/lambdahandler"
	"github.com/phonelookup/phonelookup/lookup"
)

// emfUnits are the units the EMF specification allows.
var emfUnits = map[string]bool{
	"Seconds": true, "Microseconds": true, "Milliseconds": true, "Bytes": true, "Kilobytes": true,
	"Megabytes": true, "Gigabytes": true, "Terabytes": true, "Bits": true, "Kilobits": true, "Megabits": true,
	"Gigabits": true, "Terabits": true, "Percent": true, "Count": true, "Bytes/Second": true,
	"Kilobytes/Second": true, "Megabytes/Second": true, "Gigabytes/Second": true, "Terabytes/Second": true,
	"Bits/Second": true, "Kilobits/Second": true, "Megabits/Second": true, "Gigabits/Second": true,
	"Terabits/Second": true, "Count/Second": true, "None": true,
}

// checkEMF checks one log line against the Embedded Metric Format
// specification's required fields and returns the metric values by name.
func checkEMF(t *testing.T, line string) map[string]float64 {
	t.Helper()
	var root map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &root), "an EMF line is a JSON object")
	aws, ok := root["_aws"].(map[string]any)
	require.True(t, ok, "_aws is an object")
	ts, ok := aws["Timestamp"].(float64)
	require.True(t, ok, "_aws.Timestamp is a number")
	assert.InDelta(t, float64(time.Now().UnixMilli()), ts, float64(time.Minute.Milliseconds()), "Timestamp in ms since the epoch")
	directives, ok := aws["CloudWatchMetrics"].([]any)
	require.True(t, ok, "_aws.CloudWatchMetrics is an array")
	require.NotEmpty(t, directives)
	values := map[string]float64{}
	for _, d := range directives {
		dir := d.(map[string]any)
		ns, ok := dir["Namespace"].(string)
		require.True(t, ok, "Namespace is a string")
		assert.True(t, len(ns) >= 1 && len(ns) <= 1024, "Namespace length")
		dimSets, ok := dir["Dimensions"].([]any)
		require.True(t, ok, "Dimensions is an array")
		for _, ds := range dimSets {
			set := ds.([]any)
			assert.LessOrEqual(t, len(set), 30, "at most 30 dimensions in a set")
			for _, name := range set {
				v, ok := root[name.(string)].(string)
				assert.True(t, ok && v != "", "dimension %v is a root string member", name)
			}
		}
		metrics, ok := dir["Metrics"].([]any)
		require.True(t, ok, "Metrics is an array")
		assert.LessOrEqual(t, len(metrics), 100, "at most 100 metrics")
		for _, m := range metrics {
			def := m.(map[string]any)
			name, ok := def["Name"].(string)
			require.True(t, ok && name != "", "metric Name is a non-empty string")
			if u, ok := def["Unit"]; ok {
				assert.True(t, emfUnits[u.(string)], "Unit %v is a CloudWatch unit", u)
			}
			v, ok := root[name].(float64)
			require.True(t, ok, "metric %s has a numeric root member", name)
			values[name] = v
		}
	}
	return values
}

func TestMetricsEMF(t *testing.T) {
	var out bytes.Buffer
	linker := &consumertest.FakeLinker{LinkFn: func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
		switch s.OrderID {
		case "ord-refresh":
			return lookup.Refreshed, nil
		case "ord-fail":
			return "", errors.New("injected store failure")
		}
		return lookup.Linked, nil
	}}
	h := &lambdahandler.Handler{Batch: consumertest.NewBatch(t, linker, 4)}
	h.Metrics = &emf.Metrics{Namespace: "PhoneLookup", Dimensions: map[string]string{"Service": "phonelookup", "Stack": "test"}, W: &out}
	bodies := []string{
		consumertest.DeliveryBody("ord-1", "user-1", "+44 20 7946 0958"),
		consumertest.DeliveryBody("ord-2", "user-2", "+44 20 7946 0959"),
		consumertest.DeliveryBody("ord-refresh", "user-3", "+44 20 7946 0958"),
		consumertest.DeliveryBody("ord-fail", "user-4", "+44 20 7946 0958"),
		consumertest.DeliveryBody("ord-guest", "", "+44 20 7946 0958"),
		consumertest.DeliveryBody("ord-bad-phone", "user-5", "12"),
		`{"not":"an event"}`,
	}
	ids := []string{"m1", "m2", "m3", "m4", "m5", "m6", "m7"}
	h.HandleSQS(context.Background(), consumertest.SQSEvent(ids, bodies))

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 1, "one EMF line per batch")
	got := checkEMF(t, lines[0])
	want := map[string]float64{
		"Linked": 2, "Refreshed": 1, "Unchanged": 0, "Skipped": 2, "SkippedGuest": 1, "SkippedNoPhone": 0,
		"SkippedInvalidPhone": 1, "Invalid": 1, "Failed": 1, "BatchSize": 7,
	}
	for k, v := range want {
		assert.Equal(t, v, got[k], "metric %s", k)
	}
	assert.GreaterOrEqual(t, got["ProcessingTime"], 0.0)
	assert.NotContains(t, out.String(), "7946", "no phone number in metrics")

	// Freshness: the 3 written links (2 linked, 1 refreshed), whose events
	// occurred at the samples' occurredAt.
	assert.Equal(t, 3.0, got["EventAgeCount"])
	occurred := time.Date(2026, 11, 2, 10, 15, 30, 123_000_000, time.UTC)
	age := float64(time.Since(occurred).Milliseconds())
	assert.InDelta(t, age, got["EventAgeMax"], 60_000)
	assert.InDelta(t, 3*age, got["EventAgeSum"], 3*60_000)
}

// TestMetricsEventAge: the age of the events whose link was written (linked
// or refreshed; not unchanged, skipped or failed ones), as maximum, sum and
// count; a batch that wrote nothing declares no age metric.
func TestMetricsEventAge(t *testing.T) {
	now := time.Now()
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	var out bytes.Buffer
	m := &emf.Metrics{Namespace: "PhoneLookup", Dimensions: map[string]string{"Service": "phonelookup"}, W: &out,
		Now: func() time.Time { return now }}
	require.NoError(t, m.Batch([]consumer.Result{
		{Outcome: consumer.Linked, OccurredAt: ago(2 * time.Second)},
		{Outcome: consumer.Refreshed, OccurredAt: ago(500 * time.Millisecond)},
		{Outcome: consumer.Linked, OccurredAt: now.Add(time.Second)}, // a producer's clock ahead: 0
		{Outcome: consumer.Unchanged, OccurredAt: ago(time.Hour)},
		{Outcome: consumer.Failed, OccurredAt: ago(time.Hour)},
		{Outcome: consumer.Skipped, Reason: consumer.ReasonGuest, OccurredAt: ago(time.Hour)},
		{Outcome: consumer.Invalid},
	}, time.Millisecond))
	require.NoError(t, m.Batch([]consumer.Result{{Outcome: consumer.Unchanged, OccurredAt: ago(time.Hour)}}, time.Millisecond))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	got := checkEMF(t, lines[0])
	assert.Equal(t, 2000.0, got["EventAgeMax"])
	assert.Equal(t, 2500.0, got["EventAgeSum"])
	assert.Equal(t, 3.0, got["EventAgeCount"])
	got = checkEMF(t, lines[1])
	assert.NotContains(t, got, "EventAgeMax", "no write, no age")
	assert.NotContains(t, lines[1], "EventAge")
}

func TestMetricsNilWritesNothing(t *testing.T) {
	var m *emf.Metrics
	assert.NoError(t, m.Batch([]consumer.Result{{Outcome: consumer.Linked}}, time.Millisecond))
}
