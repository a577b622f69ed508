package consumer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/lookup"
)

// TestWriteOutcomes: what the store answers maps to one outcome and reason
// of the pipeline's vocabulary; an outcome the store should never give is
// a store failure, not passed through.
func TestWriteOutcomes(t *testing.T) {
	body := []byte(consumertest.DeliveryBody("ord-1", "user-1", "+44 20 7946 0958"))
	tests := []struct {
		name       string
		out        lookup.Outcome
		err        error
		ctx        func() context.Context
		want       consumer.Outcome
		wantReason string
	}{
		{name: "linked", out: lookup.Linked, want: consumer.Linked},
		{name: "refreshed", out: lookup.Refreshed, want: consumer.Refreshed},
		{name: "unchanged", out: lookup.Unchanged, want: consumer.Unchanged},
		{name: "unknown", out: lookup.Outcome("merged"), want: consumer.Failed, wantReason: consumer.ReasonStore},
		{name: "forgotten", err: lookup.ErrForgotten, want: consumer.Skipped, wantReason: consumer.ReasonForgotten},
		{name: "invalid sighting", err: lookup.ErrInvalidSighting, want: consumer.Invalid, wantReason: consumer.ReasonSighting},
		{name: "store error", err: errors.New("throttled"), want: consumer.Failed, wantReason: consumer.ReasonStore},
		{name: "cancelled", err: context.Canceled, want: consumer.Failed, wantReason: consumer.ReasonCanceled, ctx: func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			phones, err := lookup.NewNormalizer("", 0)
			require.NoError(t, err)
			linker := &consumertest.FakeLinker{LinkFn: func(context.Context, lookup.Sighting) (lookup.Outcome, error) { return tt.out, tt.err }}
			p := &consumer.Processor{Linker: linker, Phones: phones}
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			r := p.Process(ctx, body)
			assert.Equal(t, tt.want, r.Outcome, "Process(%s) outcome", tt.name)
			assert.Equal(t, tt.wantReason, r.Reason, "Process(%s) reason", tt.name)
			assert.Contains(t, consumer.Outcomes, r.Outcome)
			assert.Equal(t, tt.want == consumer.Failed || tt.want == consumer.Invalid, r.Err != nil, "Process(%s) err %v", tt.name, r.Err)
		})
	}
}

// TestSummaryKeys: the summary the CLI prints and the log line both key
// each count by the outcome's own word.
func TestSummaryKeys(t *testing.T) {
	for _, o := range consumer.Outcomes {
		t.Run(string(o), func(t *testing.T) {
			var s consumer.Summary
			s.Add(o)
			var fromJSON map[string]int
			b, err := json.Marshal(s)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &fromJSON))
			assert.Equal(t, 1, fromJSON[string(o)], "JSON %s", b)
			assert.Equal(t, 1, fromJSON["events"], "JSON %s", b)
			assert.Len(t, fromJSON, len(consumer.Outcomes)+1, "JSON %s", b)

			var logged bytes.Buffer
			log := zerolog.New(&logged)
			s.Log(log.Info(), 0).Send()
			var fromLog map[string]any
			require.NoError(t, json.Unmarshal(logged.Bytes(), &fromLog))
			assert.EqualValues(t, 1, fromLog[string(o)], "log %s", logged.String())
		})
	}
}
