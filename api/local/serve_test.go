package local_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api/local"
)

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "[::1]:8080": true, "localhost:0": true, "127.1.2.3:80": true,
		":8080": false, "0.0.0.0:8080": false, "192.0.2.1:8080": false, "example.com:80": false,
	} {
		got, err := local.IsLoopback(addr)
		require.NoError(t, err, addr)
		assert.Equal(t, want, got, "IsLoopback(%q)", addr)
	}
	_, err := local.IsLoopback("127.0.0.1")
	assert.Error(t, err, "no port")
}

// Serve answers until its context is done, then a request in flight
// finishes and Serve returns nil.
func TestServeStopsGracefully(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	started := make(chan struct{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- local.Serve(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			close(started)
			time.Sleep(200 * time.Millisecond)
			_, _ = io.WriteString(w, "done")
		}))
	}()
	got := make(chan string, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		got <- string(b)
	}()
	<-started
	cancel()
	assert.Equal(t, "done", <-got, "the request in flight is answered")
	assert.NoError(t, <-done)
}
