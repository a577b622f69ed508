package api

import (
	"context"
	"net/http"
	"path"
	"time"

	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/lookup"
)

// Store is what the API needs of the link store; *dynamo.Store is the real
// one (checked where they are wired, in cmd/internal/app).
type Store interface {
	// Search reads at most maxItems items of the phone's index partition.
	Search(ctx context.Context, phone string, maxItems int) (lookup.Found, error)
	// ListByCustomer returns every link of a customer, active or not.
	ListByCustomer(ctx context.Context, cognitoID string) ([]lookup.Link, error)
	// Unlink hides a link; lookup.ErrNotFound when there is none.
	Unlink(ctx context.Context, cognitoID, phone string) error
	// Forget erases a customer for good (tombstone, then every link
	// deleted) and returns how many links it deleted; idempotent.
	Forget(ctx context.Context, cognitoID string) (removed int, err error)
}

// Normalizer turns a phone number as typed into E.164, as the consumer does.
type Normalizer interface {
	Normalize(raw, region string) (string, error)
}

var _ Normalizer = (*lookup.Normalizer)(nil)

// Caller is who sent a request, for the audit line.
type Caller struct {
	Principal string // the IAM principal's ARN; "local" under `phonelookup serve`
	RequestID string // API Gateway's request id, or one made up locally
}

// Limits and defaults.
const (
	DefaultLimit   = 20   // customers per search answer when limit is not given
	MaxLimit       = 100  // the largest limit
	DefaultMaxRead = 1000 // index items a search reads at most
	// MaxURILength bounds the path and query string (bytes, as sent): longer
	// is 414.
	MaxURILength = 2048
	// maxPhoneLength bounds a phone path segment (characters after
	// unescaping): no spelling of a real number is longer.
	maxPhoneLength = 64
	// DefaultTimeout bounds the store calls of one request.
	DefaultTimeout = 8 * time.Second
	// DefaultRetryAfter is the Retry-After of a 503.
	DefaultRetryAfter = time.Second
)

// Options configure New. Store and Phones are required; the zero value of
// every other field has a default.
type Options struct {
	Store  Store
	Phones Normalizer
	// Audit receives one line per request (see docs/ADMIN-API.md).
	Audit zerolog.Logger
	// MaxRead is the number of index items a search reads at most
	// (0: DefaultMaxRead).
	MaxRead int
	// Timeout bounds the store calls of one request (0: DefaultTimeout).
	Timeout time.Duration
	// RetryAfter is sent with a 503 (0: DefaultRetryAfter; whole seconds).
	RetryAfter time.Duration
	// Caller tells who sent a request (nil: Principal "local" and a random
	// request id).
	Caller func(*http.Request) Caller
	// Now is the clock of the audit's latency (nil: time.Now).
	Now func() time.Time
}

// The routes, as net/http patterns; the audit line names them so.
const (
	RouteSearch = "GET /v1/phones/{phone}/customers"
	RoutePhones = "GET /v1/customers/{cognitoId}/phones"
	RouteUnlink = "DELETE /v1/customers/{cognitoId}/phones/{phone}"
	RouteForget = "DELETE /v1/customers/{cognitoId}"
)

type handler struct {
	store      Store
	phones     Normalizer
	audit      zerolog.Logger
	maxRead    int
	timeout    time.Duration
	retryAfter time.Duration
	caller     func(*http.Request) Caller
	now        func() time.Time
}

// New returns the API's handler. It has no mutable state: one handler
// serves concurrent requests.
func New(o Options) http.Handler {
	h := &handler{
		store: o.Store, phones: o.Phones, audit: o.Audit,
		maxRead: o.MaxRead, timeout: o.Timeout, retryAfter: o.RetryAfter, caller: o.Caller, now: o.Now,
	}
	if h.maxRead <= 0 {
		h.maxRead = DefaultMaxRead
	}
	if h.timeout <= 0 {
		h.timeout = DefaultTimeout
	}
	if h.retryAfter <= 0 {
		h.retryAfter = DefaultRetryAfter
	}
	if h.caller == nil {
		h.caller = localCaller
	}
	if h.now == nil {
		h.now = time.Now
	}
	mux := http.NewServeMux()
	// A route's pattern with its method wins over the same path without one,
	// which answers 405 with Allow for every other method; "/" is every
	// other path. So every answer, errors included, is this API's own.
	// A GET pattern also takes HEAD; the API does not (openapi.yaml lists
	// GET only: a HEAD would be an audited read whose answer nobody sees),
	// so HEAD has its own pattern answering 405.
	mux.Handle(RouteSearch, h.route(RouteSearch, []string{"region", "limit"}, h.search))
	mux.Handle("HEAD /v1/phones/{phone}/customers", h.fallback(methodNotAllowed("GET")))
	mux.Handle("/v1/phones/{phone}/customers", h.fallback(methodNotAllowed("GET")))
	mux.Handle(RoutePhones, h.route(RoutePhones, []string{"include"}, h.customerPhones))
	mux.Handle("HEAD /v1/customers/{cognitoId}/phones", h.fallback(methodNotAllowed("GET")))
	mux.Handle("/v1/customers/{cognitoId}/phones", h.fallback(methodNotAllowed("GET")))
	mux.Handle(RouteUnlink, h.route(RouteUnlink, []string{"region"}, h.unlink))
	mux.Handle("/v1/customers/{cognitoId}/phones/{phone}", h.fallback(methodNotAllowed("DELETE")))
	mux.Handle(RouteForget, h.route(RouteForget, nil, h.forget))
	mux.Handle("/v1/customers/{cognitoId}", h.fallback(methodNotAllowed("DELETE")))
	notFound := h.fallback(func(x *exchange) { x.problem(errNoRoute) })
	mux.Handle("/", notFound)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ServeMux would redirect a path that is not clean as sent (an
		// empty segment, a dot segment, a trailing slash) with an HTML
		// body; here it is no route. Escaped ones (%2F, %2E) are part of
		// a segment's value.
		if p := r.URL.EscapedPath(); p == "" || path.Clean(p) != p {
			notFound.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func methodNotAllowed(allow string) func(*exchange) {
	return func(x *exchange) {
		x.w.Header().Set("Allow", allow)
		x.problem(errMethod())
	}
}
