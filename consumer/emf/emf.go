// Package emf writes the consumer's CloudWatch metrics in the Embedded Metric
// Format: one JSON line per batch on the Lambda's stdout.
package emf

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/phonelookup/phonelookup/consumer"
)

// Metrics writes one CloudWatch Embedded Metric Format (EMF) line per batch
// to W (the Lambda's stdout, which CloudWatch Logs turns into metrics): no
// SDK call, no added latency. A nil *Metrics writes nothing.
type Metrics struct {
	Namespace  string            // e.g. PhoneLookup
	Dimensions map[string]string // one dimension set; values are written as root members
	W          io.Writer
	Now        func() time.Time // default time.Now

	mu sync.Mutex // one Write per line, lines never interleave
}

// metricNames are the metrics of a batch, in the order they are declared.
var metricNames = []struct{ name, unit string }{
	{"Linked", "Count"}, {"Refreshed", "Count"}, {"Unchanged", "Count"},
	{"Skipped", "Count"}, {"SkippedGuest", "Count"}, {"SkippedNoPhone", "Count"}, {"SkippedInvalidPhone", "Count"},
	{"SkippedIgnoredPhone", "Count"},
	{"Invalid", "Count"}, {"Failed", "Count"}, {"BatchSize", "Count"}, {"ProcessingTime", "Milliseconds"},
}

// ageNames are the freshness metrics, declared only for a batch that wrote a
// link (Linked or Refreshed): the event age (now - occurredAt) of the
// written links, as the batch's maximum and a sum and count for the average
// (Sum / Count over a period).
var ageNames = []struct{ name, unit string }{
	{"EventAgeMax", "Milliseconds"}, {"EventAgeSum", "Milliseconds"}, {"EventAgeCount", "Count"},
}

// Batch writes the metrics of one batch.
func (m *Metrics) Batch(results []consumer.Result, elapsed time.Duration) error {
	if m == nil || m.W == nil {
		return nil
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	at := now()
	values := count(results, at)
	values["ProcessingTime"] = float64(elapsed.Microseconds()) / 1000
	names := metricNames
	if values["EventAgeCount"] > 0 {
		names = append(slices.Clip(names), ageNames...)
	}

	type metric struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
	dims := slices.Sorted(maps.Keys(m.Dimensions))
	decl := make([]metric, len(names))
	line := map[string]any{}
	for i, mn := range names {
		decl[i] = metric{mn.name, mn.unit}
		line[mn.name] = values[mn.name]
	}
	for k, v := range m.Dimensions {
		line[k] = v
	}
	line["_aws"] = map[string]any{
		"Timestamp": at.UnixMilli(),
		"CloudWatchMetrics": []map[string]any{{
			"Namespace":  m.Namespace,
			"Dimensions": [][]string{dims},
			"Metrics":    decl,
		}},
	}
	b, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, err = m.W.Write(append(b, '\n'))
	return err
}

// count returns the batch's counts by metric name, and the event ages of the
// links it wrote (an event from the future, by a producer's clock, counts 0).
func count(results []consumer.Result, now time.Time) map[string]float64 {
	values := map[string]float64{}
	for _, r := range results {
		switch r.Outcome {
		case consumer.Linked:
			values["Linked"]++
		case consumer.Refreshed:
			values["Refreshed"]++
		case consumer.Unchanged:
			values["Unchanged"]++
		case consumer.Skipped:
			values["Skipped"]++
			switch r.Reason {
			case consumer.SkipGuest:
				values["SkippedGuest"]++
			case consumer.SkipNoPhone:
				values["SkippedNoPhone"]++
			case consumer.SkipInvalidPhone:
				values["SkippedInvalidPhone"]++
			case consumer.SkipIgnoredPhone:
				values["SkippedIgnoredPhone"]++
			}
		case consumer.Invalid:
			values["Invalid"]++
		default:
			values["Failed"]++
		}
		if (r.Outcome == consumer.Linked || r.Outcome == consumer.Refreshed) && !r.OccurredAt.IsZero() {
			age := float64(max(0, now.Sub(r.OccurredAt).Microseconds())) / 1000
			values["EventAgeMax"] = max(values["EventAgeMax"], age)
			values["EventAgeSum"] += age
			values["EventAgeCount"]++
		}
	}
	values["BatchSize"] = float64(len(results))
	return values
}
