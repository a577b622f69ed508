package consumer_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/lookup"
)

// linkerFunc adapts a function to consumer.Linker.
type linkerFunc func(context.Context, lookup.Sighting) (lookup.Outcome, error)

func (f linkerFunc) Link(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
	return f(ctx, s)
}

// sampleBodies returns the valid sample events (every envelope).
func sampleBodies(b *testing.B) [][]byte {
	b.Helper()
	data, err := os.ReadFile("../testdata/events/samples.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	var bodies [][]byte
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		bodies = append(bodies, []byte(l))
	}
	return bodies
}

// BenchmarkProcessCPU is the per-event CPU path: decode the envelope and the
// event, pick the phone, normalise it, and hand the sighting to a store that
// does nothing. "cache" is the warm process with the LRU of spellings;
// "nocache" parses every number.
func BenchmarkProcessCPU(b *testing.B) {
	bodies := sampleBodies(b)
	noop := linkerFunc(func(context.Context, lookup.Sighting) (lookup.Outcome, error) { return lookup.Linked, nil })
	for _, size := range []int{0, lookup.DefaultCacheSize} {
		name := "nocache"
		if size > 0 {
			name = "cache"
		}
		b.Run(name, func(b *testing.B) {
			phones, err := lookup.NewNormalizer("", size)
			if err != nil {
				b.Fatal(err)
			}
			p := &consumer.Processor{Linker: noop, Phones: phones}
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p.Process(ctx, bodies[i%len(bodies)])
				i++
			}
		})
	}
}

// BenchmarkBatchLatency runs a batch of 10 against a store that takes 5 ms a
// write (a DynamoDB round trip), sequential (concurrency 1) against
// concurrent (the default 10), in the same run.
func BenchmarkBatchLatency(b *testing.B) {
	slow := linkerFunc(func(ctx context.Context, _ lookup.Sighting) (lookup.Outcome, error) {
		select {
		case <-time.After(5 * time.Millisecond):
			return lookup.Linked, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	phones, err := lookup.NewNormalizer("", lookup.DefaultCacheSize)
	if err != nil {
		b.Fatal(err)
	}
	msgs := make([]consumer.Message, 10)
	for i := range msgs {
		msgs[i] = consumer.Message{ID: fmt.Sprint(i), Body: []byte(fmt.Sprintf(
			`{"eventId":"e-%d","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"2026-11-02T10:00:00.000Z",`+
				`"order":{"id":"o-%d","fulfillmentType":"delivery","delivery":{"dropoff":{"phoneNumber":"+44 20 7946 %04d"}}},"user":{"cognitoId":"u-%d"}}`,
			i, i, i, i))}
	}
	for _, conc := range []int{1, consumer.DefaultConcurrency} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			batch := &consumer.Batch{Processor: &consumer.Processor{Linker: slow, Phones: phones}, Concurrency: conc}
			ctx := context.Background()
			for b.Loop() {
				for _, r := range batch.Run(ctx, msgs) {
					if !r.Outcome.OK() {
						b.Fatalf("outcome %s: %v", r.Outcome, r.Err)
					}
				}
			}
		})
	}
}
