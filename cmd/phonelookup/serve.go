package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
)

// The local server's limits.
const (
	serveReadHeaderTimeout = 5 * time.Second
	serveReadTimeout       = 10 * time.Second
	serveWriteTimeout      = 15 * time.Second // above the handler's own 8 s bound on store calls
	serveIdleTimeout       = 60 * time.Second
	serveMaxHeaderBytes    = 16 << 10
	serveShutdownTimeout   = 10 * time.Second
)

// cmdServe serves the find-by-phone API on the configured table for local
// work. There is no IAM here, so it listens on loopback unless told
// otherwise.
func cmdServe(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs := newFlags("serve", e, &c)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address (loopback only, unless --allow-non-loopback)")
	open := fs.Bool("allow-non-loopback", false, "listen on a non-loopback address: anyone who reaches it can read and unlink, unauthenticated")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("serve takes no arguments")
	}
	loopback, err := isLoopback(*addr)
	if err != nil {
		return usagef("--addr %q: %w", *addr, err)
	}
	if !loopback && !*open {
		return usagef("--addr %q is not a loopback address: the local API has no authentication; add --allow-non-loopback to serve it anyway", *addr)
	}
	a, err := buildFor(ctx, e, c, app.FaceAPI)
	if err != nil {
		return err
	}
	log := a.Config.AuditLogger(e.stderr)
	if !loopback {
		log.Warn().Str("addr", *addr).Msg("serving the API without authentication on a non-loopback address")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           a.API(log, nil),
		ReadHeaderTimeout: serveReadHeaderTimeout,
		ReadTimeout:       serveReadTimeout,
		WriteTimeout:      serveWriteTimeout,
		IdleTimeout:       serveIdleTimeout,
		MaxHeaderBytes:    serveMaxHeaderBytes,
	}
	fmt.Fprintf(e.stderr, "phonelookup serve: listening on http://%s (table %s)\n", ln.Addr(), a.Store.Table())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// SIGINT or SIGTERM: finish the requests in flight, then return.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), serveShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintln(e.stderr, "phonelookup serve: stopped")
	return nil
}

// isLoopback reports whether addr (host:port) names only loopback
// interfaces: "localhost" or a loopback IP. An empty host is every
// interface.
func isLoopback(addr string) (bool, error) {
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
