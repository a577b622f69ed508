//go:build integration && chaos

package main

import (
	"cmp"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/internal/faultproxy"
)

// TestChaos is `make chaos` (not part of make test): issue 18's table. The
// same events (CHAOS_LINKS links, default 300; 2% invalid) are consumed
// with maxReceiveCount 5 once without faults and once per fault, each with
// the worker's wiring (app.FaceWorker retries, back-pressure, visibility
// backoff with base CHAOS_BACKOFF, default 2s).
func TestChaos(t *testing.T) {
	links, err := strconv.Atoi(cmp.Or(os.Getenv("CHAOS_LINKS"), "300"))
	require.NoError(t, err)
	base, err := time.ParseDuration(cmp.Or(os.Getenv("CHAOS_BACKOFF"), "2s"))
	require.NoError(t, err)
	backoff := consumer.RetryBackoff{Base: base, Max: 8 * base}
	invalid := max(1, links/50)
	n := links
	bodies := consumertest.FaultEvents(18, links, invalid)
	scenarios := []struct {
		name  string
		rules []faultproxy.Rule
	}{
		{"no fault", nil},
		{"10% throttled", throttled(0.10)},
		{"30% throttled", throttled(0.30)},
		{"60% throttled", throttled(0.60)},
		{"30% HTTP 500", []faultproxy.Rule{{Fault: faultproxy.Internal, Share: 0.3}}},
		{"200 ms latency", []faultproxy.Rule{{Fault: faultproxy.Latency, Share: 1, Latency: 200 * time.Millisecond}}},
		{"10% lost answers", []faultproxy.Rule{{Fault: faultproxy.Lost, Share: 0.1}}},
	}
	fmt.Printf("chaos: %d links, %d messages (%d invalid), maxReceiveCount 5, visibility 1 s, backoff base %s, concurrency 10\n\n",
		n, len(bodies), invalid, base)
	fmt.Println("| fault | time | vs no fault | valid events in the DLQ | invalid in the DLQ | links wrong | requests/event | counted linked (new links) | min concurrency |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	var clean time.Duration
	for _, sc := range scenarios {
		r := runFaults(t, bodies, n, invalid, backoff, sc.rules...)
		if sc.rules == nil {
			clean = r.Elapsed
		}
		fmt.Printf("| %s | %s | %.1f× | %d | %d | %d | %.2f | %d (%d) | %d |\n", sc.name, r.Elapsed.Round(100*time.Millisecond),
			r.Elapsed.Seconds()/clean.Seconds(), r.DLQValid, r.DLQInvalid, r.Wrong,
			float64(r.Requests)/float64(r.Messages), r.Summary.Linked, r.Links, r.Summary.MinConcurrency)
	}
}

// throttled splits share between DynamoDB's two throttling exceptions.
func throttled(share float64) []faultproxy.Rule {
	return []faultproxy.Rule{{Fault: faultproxy.Throughput, Share: share / 2}, {Fault: faultproxy.Throttling, Share: share / 2}}
}
