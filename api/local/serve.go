package local

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ShutdownTimeout bounds how long Serve waits for the requests in flight
// once it is told to stop.
const ShutdownTimeout = 10 * time.Second

// Serve serves handler on ln with NewServer's limits until ctx is done, then
// finishes the requests in flight (at most ShutdownTimeout) and returns nil.
// A server that fails ends it sooner, with its error.
func Serve(ctx context.Context, ln net.Listener, handler http.Handler) error {
	srv := NewServer(handler)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// IsLoopback reports whether addr (host:port) names only loopback
// interfaces: "localhost" or a loopback IP. An empty host is every
// interface.
func IsLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, err
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}
