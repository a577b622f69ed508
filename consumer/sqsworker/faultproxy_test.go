//go:build integration

package sqsworker_test

import (
	"context"
	"hash/crc32"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fault is what the fault proxy does to one request.
type fault string

const (
	faultNone     fault = "none"
	faultInternal fault = "500"      // answers InternalServerError without forwarding
	faultThrottle fault = "throttle" // answers ProvisionedThroughputExceededException without forwarding
	faultStall    fault = "stall"    // waits, then forwards (the client may have given up: a late write)
	faultLost     fault = "lost"     // forwards, then answers InternalServerError (a write whose answer is lost)
)

const (
	ddbInternalBody = `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected"}`
	ddbThrottleBody = `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"injected"}`
)

// faultProxy is a reverse proxy to a DynamoDB endpoint that injects faults in
// a seeded, deterministic share of the requests.
type faultProxy struct {
	*httptest.Server
	rate  float64       // share of the requests that get a fault
	stall time.Duration // base duration of a stall (plus up to 1 s)

	mu     sync.Mutex
	rng    *rand.Rand
	counts map[fault]int
}

// newFaultProxy starts a proxy to target that injects a fault into a share
// rate of the requests, spread evenly over the four kinds. Close waits for the
// requests in progress, stalled ones included, so after it the target has seen
// every write it will ever see.
func newFaultProxy(t *testing.T, target string, seed uint64, rate float64, stall time.Duration) *faultProxy {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0) // clients that gave up are expected
	p := &faultProxy{rate: rate, stall: stall, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), counts: map[fault]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, extra := p.pick()
		switch f {
		case faultInternal:
			writeDDBError(w, http.StatusInternalServerError, ddbInternalBody)
		case faultThrottle:
			writeDDBError(w, http.StatusBadRequest, ddbThrottleBody)
		case faultStall:
			time.Sleep(p.stall + extra)
			// Forward even if the client gave up: the write lands late.
			rp.ServeHTTP(w, r.WithContext(context.WithoutCancel(r.Context())))
		case faultLost:
			rp.ServeHTTP(httptest.NewRecorder(), r.WithContext(context.WithoutCancel(r.Context())))
			writeDDBError(w, http.StatusInternalServerError, ddbInternalBody)
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(p.Close)
	return p
}

// pick draws the fault of the next request (and a stall's extra duration).
func (p *faultProxy) pick() (fault, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := faultNone
	if p.rng.Float64() < p.rate {
		f = []fault{faultInternal, faultThrottle, faultStall, faultLost}[p.rng.IntN(4)]
	}
	extra := time.Duration(p.rng.Int64N(int64(time.Second)))
	p.counts[f]++
	return f, extra
}

// Counts returns how many requests got each fault.
func (p *faultProxy) Counts() map[fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[fault]int, len(p.counts))
	for k, v := range p.counts {
		out[k] = v
	}
	return out
}

func writeDDBError(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
