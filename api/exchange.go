package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/lookup"
)

// exchange is one request being answered, with what its audit line records.
type exchange struct {
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context // bounded by the handler's timeout
	query  url.Values
	caller Caller
	route  string
	client string // a known client that said who it is (ClientHeader)

	status    int
	results   int    // -1: the route answers no list
	phone     string // masked
	cognitoID string // only once validated
	customer  string // a forgotten customer's lookup.ForgottenRef, instead of cognitoID
	removed   int    // links a forget deleted (logged with customer)
	truncated bool
	read      int // index items read by a search
	pages     int // Query pages of a search
	err       error
	cancelled bool // the client left before the answer: nothing was written
}

// route wraps a route's function: it checks the URI's size and the query's
// parameters (allowed, each at most once), bounds the store calls with the
// timeout, and writes the audit line once the answer is written.
func (h *handler) route(pattern string, params []string, fn func(*exchange)) http.Handler {
	return h.exchange(pattern, func(x *exchange) {
		if p, ok := x.checkQuery(params); !ok {
			x.problem(p)
			return
		}
		fn(x)
	})
}

// fallback wraps the answer of a request no route takes (404, or 405 with
// Allow): audited like a route's, but with no query check, since no route's
// parameters apply; its query string is never read.
func (h *handler) fallback(fn func(*exchange)) http.Handler {
	return h.exchange("", fn)
}

// exchange serves a request with fn, the store calls bounded by the
// timeout, and writes the audit line once the answer is written.
func (h *handler) exchange(pattern string, fn func(*exchange)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := h.now()
		ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
		defer cancel()
		x := &exchange{w: w, r: r, ctx: ctx, caller: h.caller(r), route: pattern, results: -1, client: client(r)}
		fn(x)
		h.writeAudit(x, h.now().Sub(start))
	})
}

// checkQuery reads the query string: the URI within MaxURILength, every
// parameter one of params and given once.
func (x *exchange) checkQuery(params []string) (Problem, bool) {
	if len(x.r.URL.EscapedPath())+len(x.r.URL.RawQuery) > MaxURILength {
		return errURI, false
	}
	q, err := url.ParseQuery(x.r.URL.RawQuery)
	if err != nil {
		return errParameter("the query string is not valid URL encoding"), false
	}
	for k, v := range q {
		if !slices.Contains(params, k) {
			return errParameter("unknown query parameter: this route takes only " + allowed(params)), false
		}
		if len(v) > 1 {
			return errParameter("a query parameter is given more than once"), false
		}
	}
	x.query = q
	return Problem{}, true
}

func allowed(params []string) string {
	if len(params) == 0 {
		return "none"
	}
	return strings.Join(params, ", ")
}

// json answers status with v as JSON.
func (x *exchange) json(status int, v any) {
	x.write(status, "application/json", v)
}

// problem answers p as application/problem+json, with the request id.
func (x *exchange) problem(p Problem) {
	p.RequestID = x.caller.RequestID
	x.write(p.Status, "application/problem+json", p)
}

func (x *exchange) write(status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own types are written: cannot happen
		x.err = err
		status, contentType = http.StatusInternalServerError, "application/problem+json"
		b = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
	}
	h := x.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store") // personal data
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	x.status = status
	x.w.WriteHeader(status)
	_, _ = x.w.Write(append(b, '\n'))
}

// noContent answers 204.
func (x *exchange) noContent() {
	x.w.Header().Set("Cache-Control", "no-store")
	x.status = http.StatusNoContent
	x.w.WriteHeader(http.StatusNoContent)
}

// StatusClientClosed is the status audited for a request whose client
// left before the store answered (nginx's 499): no body is sent, and it is
// neither a server error nor an error-level line.
const StatusClientClosed = 499

// storeFailed answers a store error, classified once: 503 with Retry-After
// when DynamoDB throttles, fails or does not answer in time, else 500. A
// request the client abandoned gets no body and is audited as cancelled.
// The error itself goes to the audit line only.
func (x *exchange) storeFailed(err error, retryAfter time.Duration) {
	x.err = err
	f := lookup.Classify(x.ctx, err)
	if f == lookup.Cancelled {
		x.cancelled, x.status = true, StatusClientClosed
		x.w.WriteHeader(StatusClientClosed) // never read; not a 200 either
		return
	}
	p, after := storeProblem(f, retryAfter)
	if after > 0 {
		x.w.Header().Set("Retry-After", strconv.Itoa(max(1, int(after.Round(time.Second)/time.Second))))
	}
	x.problem(p)
}

// writeAudit writes the request's audit line: who asked, what, and the
// answer; phone numbers masked. Server errors are logged at error level with
// the error (whose phones the store masks).
func (h *handler) writeAudit(x *exchange, latency time.Duration) {
	var e *zerolog.Event
	switch {
	case x.cancelled:
		e = h.audit.Info().Bool("cancelled", true).Str("error", errText(x.err))
	case x.status >= 500:
		e = h.audit.Error().AnErr("error", x.err)
	default:
		e = h.audit.Info()
	}
	route := x.route
	if route == "" {
		route = "unmatched"
	}
	e.Str("principal", x.caller.Principal).Str("requestId", x.caller.RequestID).
		Str("route", route).Str("method", x.r.Method).Int("status", x.status).
		Float64("latencyMs", float64(latency.Microseconds())/1000)
	if x.client != "" {
		e.Str("client", x.client)
	}
	if x.results >= 0 {
		e.Int("results", x.results)
	}
	if x.phone != "" {
		e.Str("phone", x.phone)
	}
	if x.cognitoID != "" {
		e.Str("cognitoId", x.cognitoID)
	}
	if x.customer != "" {
		e.Str("customer", x.customer).Int("removed", x.removed)
	}
	if x.pages > 0 {
		e.Bool("truncated", x.truncated).Int("read", x.read).Int("pages", x.pages)
	}
	e.Msg("audit")
}

// ClientHeader is the request header a known client sends to say which it
// is; the audit line records it as "client". The support console sends
// ClientConsole; curl and the CLI send nothing.
const (
	ClientHeader  = "X-Phonelookup-Client"
	ClientConsole = "console"
)

// client returns the known client named by the request's ClientHeader, or
// "": any other value is not logged (it is the caller's text).
func client(r *http.Request) string {
	if r.Header.Get(ClientHeader) == ClientConsole {
		return ClientConsole
	}
	return ""
}

// localCaller is the caller under `phonelookup serve`, which has no IAM.
func localCaller(*http.Request) Caller {
	return Caller{Principal: "local", RequestID: NewRequestID()}
}

// NewRequestID returns a random request id (32 hex digits).
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
