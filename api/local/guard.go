package local

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/api"
)

// The problem types of a refused request.
const (
	TypeForbiddenHost = "tag:phonelookup,2026:problem/forbidden-host"
	TypeCrossSite     = "tag:phonelookup,2026:problem/cross-site"
)

// Guard refuses, with a 403 problem, what a web page in a browser could
// make the local server do on its behalf:
//   - a request whose Host is not one of Hosts (a page that rebinds its DNS
//     name to 127.0.0.1 sends its own name), whatever the route;
//   - a state-changing request (any method but GET and HEAD) sent from
//     another origin: Sec-Fetch-Site other than same-origin or none, or,
//     without it, an Origin that is not this server's.
//
// curl and the CLI send neither Sec-Fetch-Site nor Origin: they pass.
type Guard struct {
	Hosts []string       // allowed Host values, host:port, lower case (AllowedHosts)
	Audit zerolog.Logger // one line per refused request
}

// Wrap returns next behind the guard.
func (g Guard) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.hostAllowed(r.Host) {
			g.refuse(w, r, TypeForbiddenHost, "host",
				"this server answers only requests to its own address (Host): open it as http://127.0.0.1 or http://localhost with its port")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r) {
			g.refuse(w, r, TypeCrossSite, "cross-site",
				"a state-changing request from another origin is refused: send it from the console or without a browser (curl, the CLI)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (g Guard) hostAllowed(host string) bool {
	return slices.Contains(g.Hosts, strings.ToLower(host))
}

// sameOrigin reports whether a browser says the request comes from the
// page's own origin, or says nothing (not a browser).
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Scheme == "http" && strings.EqualFold(u.Host, r.Host) && u.Path == ""
}

func (g Guard) refuse(w http.ResponseWriter, r *http.Request, typ, reason, detail string) {
	p := api.Problem{Type: typ, Title: "Forbidden", Status: http.StatusForbidden, Detail: detail, RequestID: api.NewRequestID()}
	b, _ := json.Marshal(p) // a struct of strings and an int: cannot fail
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write(b)
	// The Host and Origin are the caller's text: only their lengths are logged.
	g.Audit.Warn().Str("principal", "local").Str("requestId", p.RequestID).Str("route", "refused").
		Str("method", r.Method).Int("status", http.StatusForbidden).Str("reason", reason).
		Int("hostBytes", len(r.Host)).Msg("audit")
}

// AllowedHosts returns the Host values a server listening on addr answers:
// the address itself, and localhost, 127.0.0.1 and [::1] with its port. A
// server on every interface (0.0.0.0, ::) also answers its interfaces'
// addresses and the machine's host name, with its port.
func AllowedHosts(addr net.Addr, interfaces func() ([]net.Addr, error), hostname func() (string, error)) ([]string, error) {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return nil, err
	}
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	ip := net.ParseIP(host)
	switch {
	case ip == nil || !ip.IsUnspecified():
		hosts = append(hosts, host)
	default:
		addrs, err := interfaces()
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				hosts = append(hosts, n.IP.String())
			}
		}
		if name, err := hostname(); err == nil && name != "" {
			hosts = append(hosts, name)
		}
	}
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		hp := strings.ToLower(net.JoinHostPort(h, port))
		if !slices.Contains(out, hp) {
			out = append(out, hp)
		}
	}
	return out, nil
}
