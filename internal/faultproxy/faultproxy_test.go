package faultproxy_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/internal/faultproxy"
)

// backend counts the requests that reach it and answers {}.
func backend(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func call(t *testing.T, url, op string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func TestFaults(t *testing.T) {
	tests := []struct {
		fault       faultproxy.Fault
		status      int
		body        string
		forwarded   int64
		wantErrText string
	}{
		{faultproxy.Throughput, 400, faultproxy.ThroughputBody, 0, ""},
		{faultproxy.Throttling, 400, faultproxy.ThrottlingBody, 0, ""},
		{faultproxy.Internal, 500, faultproxy.InternalBody, 0, ""},
		{faultproxy.Latency, 200, "{}", 1, ""},
		{faultproxy.Lost, 0, "", 1, "connection reset"},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			b, n := backend(t)
			p, err := faultproxy.New(b.URL, 1, faultproxy.Rule{Fault: tt.fault, Share: 1, Latency: 50 * time.Millisecond})
			require.NoError(t, err)
			defer p.Close()
			start := time.Now()
			status, body, err := call(t, p.URL, "UpdateItem")
			if tt.wantErrText != "" {
				require.ErrorContains(t, err, tt.wantErrText)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.status, status)
				assert.JSONEq(t, tt.body, body)
			}
			assert.Equal(t, tt.forwarded, n.Load(), "requests forwarded")
			if tt.fault == faultproxy.Latency {
				assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
			}
			assert.Equal(t, 1, p.Faults()[tt.fault])
		})
	}
}

// TestShareByOperation: a rule on UpdateItem leaves Query alone, and hits
// about its share of UpdateItem.
func TestShareByOperation(t *testing.T) {
	b, _ := backend(t)
	p, err := faultproxy.New(b.URL, 7, faultproxy.Rule{Fault: faultproxy.Throughput, Share: 0.6, Ops: []string{"UpdateItem"}})
	require.NoError(t, err)
	defer p.Close()
	throttled := map[string]int{}
	for range 200 {
		for _, op := range []string{"UpdateItem", "Query"} {
			status, _, err := call(t, p.URL, op)
			require.NoError(t, err)
			if status == 400 {
				throttled[op]++
			}
		}
	}
	assert.Zero(t, throttled["Query"])
	assert.InDelta(t, 120, throttled["UpdateItem"], 25, "60%% of 200")
	assert.Equal(t, map[string]int{"UpdateItem": 200, "Query": 200}, p.Requests())
}

// TestBursts: faults only inside the bursts.
func TestBursts(t *testing.T) {
	b, _ := backend(t)
	p, err := faultproxy.New(b.URL, 1)
	require.NoError(t, err)
	defer p.Close()
	p.SetRules(faultproxy.Bursts{Period: 400 * time.Millisecond, On: 200 * time.Millisecond},
		faultproxy.Rule{Fault: faultproxy.Internal, Share: 1})
	var in, out int
	deadline := time.Now().Add(800 * time.Millisecond)
	for time.Now().Before(deadline) {
		status, _, err := call(t, p.URL, "GetItem")
		require.NoError(t, err)
		if status == 500 {
			in++
		} else {
			out++
		}
		time.Sleep(10 * time.Millisecond)
	}
	assert.Positive(t, in, "requests in a burst")
	assert.Positive(t, out, "requests between bursts")
}
