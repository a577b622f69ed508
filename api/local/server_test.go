package local_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api/local"
)

// TestHeaderLimit: the request line and headers, as sent, are answered up
// to local.MaxHeaderBytes (16 KiB) and refused with 431 one byte above: the
// documented number is the one net/http enforces, its slack included.
func TestHeaderLimit(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := local.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	for _, c := range []struct {
		size int
		want int
	}{
		{1 << 10, http.StatusNoContent},
		{local.MaxHeaderBytes - 1, http.StatusNoContent},
		{local.MaxHeaderBytes, http.StatusNoContent},
		{local.MaxHeaderBytes + 1, http.StatusRequestHeaderFieldsTooLarge},
		{local.MaxHeaderBytes + 4<<10, http.StatusRequestHeaderFieldsTooLarge},
	} {
		t.Run(fmt.Sprint(c.size), func(t *testing.T) {
			head := requestHead(ln.Addr().String(), c.size)
			require.Len(t, head, c.size)
			conn, err := net.Dial("tcp", ln.Addr().String())
			require.NoError(t, err)
			defer conn.Close()
			_, err = conn.Write([]byte(head))
			require.NoError(t, err)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, c.want, resp.StatusCode, "a request head of %d bytes", c.size)
		})
	}
}

// requestHead is a GET's request line and headers of exactly size bytes,
// the blank line included, padded with an X-Pad header.
func requestHead(host string, size int) string {
	start := "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\nX-Pad: "
	end := "\r\n\r\n"
	return start + strings.Repeat("a", size-len(start)-len(end)) + end
}
