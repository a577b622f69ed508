package consumer_test

import (
	"os"
	"strings"
	"testing"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/events"
)

// decodePickBodies returns the lines of testdata/events/samples.jsonl that
// decode, and fails unless they include the event as-is, an EventBridge
// event and an SNS notification.
func decodePickBodies(b *testing.B) [][]byte {
	b.Helper()
	data, err := os.ReadFile("../testdata/events/samples.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	var bodies [][]byte
	envs := map[events.Envelope]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		body := []byte(l)
		if _, env, err := events.Decode(body); err == nil {
			bodies = append(bodies, body)
			envs[env]++
		}
	}
	for _, env := range []events.Envelope{events.EnvelopeNone, events.EnvelopeEventBridge, events.EnvelopeSNS} {
		if envs[env] == 0 {
			b.Fatalf("samples.jsonl has no valid %s line (envelopes %v)", env, envs)
		}
	}
	return bodies
}

// decodePickSink keeps the result of Pick alive in BenchmarkDecodePick.
var decodePickSink consumer.Choice

// BenchmarkDecodePick is the per-event cost before the phone is normalised:
// unwrap any envelope, decode and validate the event, apply the product
// rule. It cycles over the valid lines of samples.jsonl (EventBridge and SNS
// envelopes included); compare it with BenchmarkNormalize/nocache in
// ./lookup, run in the same go test invocation:
//
//	go test -run '^$' -bench 'BenchmarkDecodePick|BenchmarkNormalize/nocache' -benchmem -count 6 ./lookup ./consumer
func BenchmarkDecodePick(b *testing.B) {
	bodies := decodePickBodies(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ev, _, err := events.Decode(bodies[i%len(bodies)])
		if err != nil {
			b.Fatal(err)
		}
		decodePickSink, _ = consumer.Pick(ev)
		i++
	}
}
