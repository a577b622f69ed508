package local_test

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/api/local"
	"github.com/phonelookup/phonelookup/internal/syncbuf"
)

// guardCase is one line of testdata/guard.json.
type guardCase struct {
	Name         string `json:"name"`
	Method       string `json:"method"`
	Host         string `json:"host"`
	SecFetchSite string `json:"secFetchSite"`
	Origin       string `json:"origin"`
	Status       int    `json:"status"`
	Type         string `json:"type"` // the problem type's last segment
}

// TestGuard: the Host allow-list (any route) and the cross-site check on
// state-changing requests, for a server on 127.0.0.1:8080; a refused
// request never reaches the handler, gets a 403 problem and an audit line.
func TestGuard(t *testing.T) {
	b, err := os.ReadFile("testdata/guard.json")
	require.NoError(t, err)
	var cases []guardCase
	require.NoError(t, json.Unmarshal(b, &cases))
	require.NotEmpty(t, cases)
	hosts, err := local.AllowedHosts(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, nil, nil)
	require.NoError(t, err)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			reached := false
			log := &syncbuf.Buffer{}
			h := local.Guard{Hosts: hosts, Audit: zerolog.New(log)}.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				reached = true
			}))
			req := httptest.NewRequest(c.Method, "/v1/customers/user-a/phones/%2B442079460958", nil)
			req.Host = c.Host
			if c.SecFetchSite != "" {
				req.Header.Set("Sec-Fetch-Site", c.SecFetchSite)
			}
			if c.Origin != "" {
				req.Header.Set("Origin", c.Origin)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, c.Status, rec.Code, "%s", rec.Body)
			assert.Equal(t, c.Status == http.StatusOK, reached, "the handler reached")
			if c.Status == http.StatusOK {
				assert.Empty(t, log.String(), "no refusal logged")
				return
			}
			assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			var p api.Problem
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
			assert.Equal(t, "tag:phonelookup,2026:problem/"+c.Type, p.Type)
			assert.Equal(t, http.StatusForbidden, p.Status)
			assert.Len(t, p.RequestID, 32)
			assert.Contains(t, log.String(), `"route":"refused"`)
			assert.Contains(t, log.String(), p.RequestID)
			if c.Host != "" {
				assert.NotContains(t, log.String(), c.Host, "the caller's Host is not logged")
			}
		})
	}
}

// TestAllowedHosts: the listening address and the loopback names with its
// port; on every interface, the interfaces' addresses and the host name.
func TestAllowedHosts(t *testing.T) {
	ifaces := func() ([]net.Addr, error) {
		return []net.Addr{&net.IPNet{IP: net.IPv4(192, 0, 2, 7), Mask: net.CIDRMask(24, 32)}}, nil
	}
	hostname := func() (string, error) { return "Workstation", nil }
	for _, c := range []struct {
		name string
		addr net.Addr
		want []string
	}{
		{"127.0.0.1", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080},
			[]string{"localhost:8080", "127.0.0.1:8080", "[::1]:8080"}},
		{"::1", &net.TCPAddr{IP: net.IPv6loopback, Port: 80},
			[]string{"localhost:80", "127.0.0.1:80", "[::1]:80"}},
		{"127.0.0.2", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 8080},
			[]string{"localhost:8080", "127.0.0.1:8080", "[::1]:8080", "127.0.0.2:8080"}},
		{"every interface", &net.TCPAddr{IP: net.IPv4zero, Port: 8080},
			[]string{"localhost:8080", "127.0.0.1:8080", "[::1]:8080", "192.0.2.7:8080", "workstation:8080"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := local.AllowedHosts(c.addr, ifaces, hostname)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
	_, err := local.AllowedHosts(&net.TCPAddr{IP: net.IPv4zero, Port: 1}, func() ([]net.Addr, error) {
		return nil, errors.New("no interfaces")
	}, hostname)
	assert.Error(t, err)
}

// TestHandlerRoutes: / and /console/ are the console's, the rest the API's,
// all behind the guard.
func TestHandlerRoutes(t *testing.T) {
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(name)) })
	}
	h := local.Handler(local.Options{API: named("api"), Console: named("console"), Hosts: []string{"127.0.0.1:8080"}, Audit: zerolog.Nop()})
	for target, want := range map[string]string{
		"/": "console", "/?phone=%2B442079460958": "console", "/console/console.js": "console",
		"/v1/phones/1/customers": "api", "/favicon.ico": "api", "/consolex": "api",
	} {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Host = "127.0.0.1:8080"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, want, strings.TrimSpace(rec.Body.String()), target)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Host = "evil.example"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusForbidden, rec.Code, "the console too is behind the guard")
}
