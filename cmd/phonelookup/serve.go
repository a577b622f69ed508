package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/phonelookup/phonelookup/api/console"
	"github.com/phonelookup/phonelookup/api/local"
	"github.com/phonelookup/phonelookup/cmd/internal/app"
)

func newServeCmd(e proc) *cobra.Command {
	var c tableFlags
	var addr string
	var open bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "serve the find-by-phone HTTP API locally (no IAM: loopback only)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdServe(cmd.Context(), e, c, &addr, &open)
		},
	}
	addTableFlags(cmd.Flags(), &c)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "listen address (loopback only, unless --allow-non-loopback)")
	cmd.Flags().BoolVar(&open, "allow-non-loopback", false, "listen on a non-loopback address: anyone who reaches it can search, unlink and forget, unauthenticated")
	return cmd
}

// cmdServe serves the find-by-phone API on the configured table for local
// work. There is no IAM here, so it listens on loopback unless told
// otherwise.
func cmdServe(ctx context.Context, e proc, c tableFlags, addr *string, open *bool) error {
	loopback, err := local.IsLoopback(*addr)
	if err != nil {
		return usagef("--addr %q: %w", *addr, err)
	}
	if !loopback && !*open {
		return usagef("--addr %q is not a loopback address: the local API has no authentication; add --allow-non-loopback to serve it anyway", *addr)
	}
	a, err := buildTableFor(ctx, e, c, app.FaceAPI)
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
	handler, err := serveHandler(a, log, ln.Addr())
	if err != nil {
		_ = ln.Close()
		return err
	}
	fmt.Fprintf(e.stderr, "phonelookup serve: listening on http://%s (table %s)\n", ln.Addr(), a.Store.Table())
	fmt.Fprintf(e.stderr, "phonelookup serve: the support console is at http://%s/\n", consoleHost(ln.Addr()))
	if err := local.Serve(ctx, ln, handler); err != nil { // until SIGINT or SIGTERM
		return err
	}
	fmt.Fprintln(e.stderr, "phonelookup serve: stopped")
	return nil
}

// serveHandler is the API and the console behind the guard of the local
// server (api/local).
func serveHandler(a *app.App, log zerolog.Logger, addr net.Addr) (http.Handler, error) {
	hosts, err := local.AllowedHosts(addr, net.InterfaceAddrs, os.Hostname)
	if err != nil {
		return nil, fmt.Errorf("allowed hosts: %w", err)
	}
	con, err := console.New(console.Options{DefaultRegion: a.Config.DefaultRegion})
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	return local.Handler(local.Options{API: a.API(log, nil), Console: con, Hosts: hosts, Audit: log}), nil
}

// consoleHost is the address to open the console at: the listening one, or
// 127.0.0.1 with its port when it listens on every interface (0.0.0.0 or
// [::] is not an address a browser should be sent to, nor one the Host
// allow-list answers).
func consoleHost(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}
