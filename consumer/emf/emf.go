// Package emf writes the consumer's CloudWatch metrics in the Embedded Metric
// Format: one JSON line per batch on the Lambda's stdout.
package emf

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
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

// metricNames are the metrics of a batch, in the order they are declared:
// one per outcome, one per skip reason after Skipped, then BatchSize and
// ProcessingTime.
var metricNames = func() []metricName {
	var names []metricName
	for _, o := range consumer.Outcomes {
		names = append(names, metricName{outcomeMetric(o), "Count"})
		if o == consumer.Skipped {
			for _, r := range consumer.SkipReasons {
				names = append(names, metricName{skipMetric(r), "Count"})
			}
		}
	}
	return append(names, metricName{"BatchSize", "Count"}, metricName{"ProcessingTime", "Milliseconds"})
}()

type metricName struct{ name, unit string }

// outcomeMetric and skipMetric are the EMF edge of the pipeline's
// vocabulary: an outcome counts under its name capitalised (Linked ...
// Failed), a skip reason under Skipped and its name in CamelCase
// (SkippedGuest, SkippedNoPhone, SkippedInvalidPhone, SkippedIgnoredPhone,
// SkippedForgotten).
func outcomeMetric(o consumer.Outcome) string { return camel(string(o)) }

func skipMetric(reason string) string { return "Skipped" + camel(reason) }

// camel turns "no-phone" into "NoPhone".
func camel(s string) string {
	var b strings.Builder
	for _, w := range strings.Split(s, "-") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// ageNames are the freshness metrics, declared only for a batch that wrote a
// link (Linked or Refreshed): the event age (now - occurredAt) of the
// written links, as the batch's maximum and a sum and count for the average
// (Sum / Count over a period).
var ageNames = []metricName{
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
		o := r.Outcome
		if !slices.Contains(consumer.Outcomes, o) {
			o = consumer.Failed
		}
		values[outcomeMetric(o)]++
		if o == consumer.Skipped && slices.Contains(consumer.SkipReasons, r.Reason) {
			values[skipMetric(r.Reason)]++
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
