//go:build integration

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/api/apitest"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/syncbuf"
)

// syncBuffer is a buffer that a running server and the test share.
type syncBuffer struct{ syncbuf.Buffer }

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startServe runs `phonelookup serve args...` until the test ends and
// returns its base URL, its stderr and a stop function that cancels its
// context (what SIGINT does in main) and returns run's error.
func startServe(t *testing.T, getenv func(string) string, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve"}, args...), getenv, strings.NewReader(""), io.Discard, stderr)
	}()
	var base string
	require.Eventually(t, func() bool {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
			return true
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, stderr.String())
		default:
		}
		return false
	}, 30*time.Second, 10*time.Millisecond)
	stopped := false
	var stopErr error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(15 * time.Second):
				t.Fatal("serve did not stop after its context ended")
			}
		}
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	return base, stderr, stop
}

// call sends a request to the server, checks the answer against the
// contract and returns it.
func call(t *testing.T, method, url string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	apitest.Load(t).Check(t, req, resp.StatusCode, resp.Header, body)
	return resp, body
}

// TestServe: the three routes through `phonelookup serve` against dynalite;
// the search answers exactly the customers `find --json` prints; every
// request is audited, even at LOG_LEVEL=error; the context's end (SIGINT,
// SIGTERM) shuts the server down cleanly.
func TestServe(t *testing.T) {
	t.Parallel()
	table := emulator.UniqueName("serve")
	getenv := cliEnv(t, table)
	require.Equal(t, 0, runCLI(t, getenv, "setup").code)
	require.Equal(t, 1, runCLI(t, getenv, "process", samplesFile).code, "samples hold invalid lines")
	find := decodeFind(t, runCLI(t, getenv, "find", "+44 20 7946 0958", "--json").stdout)
	require.Len(t, find.Customers, 2)

	quiet := func(k string) string {
		if k == "LOG_LEVEL" {
			return "error"
		}
		return getenv(k)
	}
	base, stderr, stop := startServe(t, quiet, "--addr", "127.0.0.1:0")

	for _, path := range []string{"/v1/phones/%2B44%2020%207946%200958/customers", "/v1/phones/020%207946%200958/customers?region=GB"} {
		resp, body := call(t, http.MethodGet, base+path)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var a api.SearchAnswer
		require.NoError(t, json.Unmarshal(body, &a))
		assert.Equal(t, find.Phone, a.Phone)
		assert.Equal(t, find.Customers, a.Customers, "the API and find --json print the same view")
	}
	resp, body := call(t, http.MethodGet, base+"/v1/customers/"+userA+"/phones")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	resp, _ = call(t, http.MethodDelete, base+"/v1/customers/"+userA+"/phones/%2B442079460958")
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Eventually(t, func() bool {
		_, body := call(t, http.MethodGet, base+"/v1/phones/%2B442079460958/customers")
		var a api.SearchAnswer
		require.NoError(t, json.Unmarshal(body, &a))
		return len(a.Customers) == 1 && a.Customers[0].CognitoID == userB
	}, 5*time.Second, 50*time.Millisecond)
	resp, _ = call(t, http.MethodGet, base+"/v1/nothing")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// The support console at /, with its headers; a foreign Host is refused,
	// whatever the route (api/local's tests hold the rules).
	page, err := http.Get(base + "/")
	require.NoError(t, err)
	page.Body.Close()
	assert.Equal(t, http.StatusOK, page.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", page.Header.Get("Content-Type"))
	assert.Contains(t, page.Header.Get("Content-Security-Policy"), "default-src 'self'")
	assert.Contains(t, stderr.String(), "the support console is at "+base+"/")
	for _, path := range []string{"/", "/v1/customers/" + userA + "/phones"} {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		require.NoError(t, err)
		req.Host = "evil.example"
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "Host evil.example, %s", path)
	}

	// The header limit (16 KiB as sent: api/local's TestHeaderLimit holds
	// the boundary).
	req, err := http.NewRequest(http.MethodGet, base+"/v1/customers/"+userA+"/phones", nil)
	require.NoError(t, err)
	req.Header.Set("X-Big", strings.Repeat("a", 32<<10))
	big, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	big.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, big.StatusCode)

	require.NoError(t, stop(), "a clean shutdown")
	out := stderr.String()
	assert.Contains(t, out, "phonelookup serve: stopped")
	assert.GreaterOrEqual(t, strings.Count(out, `"message":"audit"`), 8, "every request audited at LOG_LEVEL=error:\n%s", out)
	assert.Contains(t, out, `"principal":"local"`)
	// Request ids are random hex: one may hold "7946" by chance, so they are
	// taken out before looking for an unmasked number.
	scrubbed := regexp.MustCompile(`"requestId":"[0-9a-f]*"`).ReplaceAllString(out, `"requestId":""`)
	assert.NotContains(t, scrubbed, "7946", "a phone number unmasked in the server's output")
	_, err = http.Get(base + "/v1/nothing")
	assert.Error(t, err, "nothing listens after the shutdown")
}

// TestServeAddress: a non-loopback address needs --allow-non-loopback, and
// then the server warns.
func TestServeAddress(t *testing.T) {
	t.Parallel()
	getenv := cliEnv(t, emulator.UniqueName("serve"))
	require.Equal(t, 0, runCLI(t, getenv, "setup").code, "setup") // serve checks the table first
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:8080"} {
		r := runCLI(t, getenv, "serve", "--addr", addr)
		assert.Equal(t, 2, r.code, "serve --addr %s", addr)
		assert.Contains(t, r.stderr, "--allow-non-loopback")
	}
	assert.Equal(t, 2, runCLI(t, getenv, "serve", "--addr", "no-port").code)

	base, stderr, stop := startServe(t, getenv, "--addr", "0.0.0.0:0", "--allow-non-loopback")
	assert.Contains(t, stderr.String(), "without authentication")
	assert.NotContains(t, base, "127.0.0.1", "listens on every interface")
	require.NoError(t, stop())

	_, stderr, stop = startServe(t, getenv, "--addr", "localhost:0")
	assert.NotContains(t, stderr.String(), "without authentication")
	require.NoError(t, stop())
}
