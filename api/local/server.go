package local

import (
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// The local server's limits.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 10 * time.Second
	WriteTimeout      = 15 * time.Second // above the API's own 8 s bound on store calls
	IdleTimeout       = 60 * time.Second
	// MaxHeaderBytes bounds the request line and headers as sent (bytes,
	// CRLFs and the blank line included): longer is 431.
	MaxHeaderBytes = 16 << 10
	// headerSlack is what net/http reads beyond http.Server.MaxHeaderBytes
	// before it answers 431 ("bufio slop", initialReadLimitSize).
	headerSlack = 4 << 10
)

// NewServer returns the server of handler with the limits above; its
// MaxHeaderBytes is set so that MaxHeaderBytes is the limit that holds.
func NewServer(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes - headerSlack,
	}
}

// Options configure Handler.
type Options struct {
	API     http.Handler // the find-by-phone API (api.New)
	Console http.Handler // the support console (console.New): / and /console/
	Hosts   []string     // AllowedHosts of the listening address
	Audit   zerolog.Logger
}

// Handler returns what `phonelookup serve` answers: the console at / and
// under /console/, everything else the API's, all behind the Guard.
func Handler(o Options) http.Handler {
	return Guard{Hosts: o.Hosts, Audit: o.Audit}.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "/" || strings.HasPrefix(p, "/console/") {
			o.Console.ServeHTTP(w, r)
			return
		}
		o.API.ServeHTTP(w, r)
	}))
}
