package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/api/apitest"
	"github.com/phonelookup/phonelookup/lookup"
)

// memStore is an api.Store in memory; err, when set, is every call's answer.
type memStore struct {
	mu    sync.Mutex
	links []lookup.Link
	err   error
}

func (m *memStore) Search(_ context.Context, phone string, maxItems int) (lookup.Found, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := lookup.Found{Links: []lookup.Link{}, Pages: 1}
	if m.err != nil {
		return f, m.err
	}
	for _, l := range m.links {
		if l.Phone == phone && l.Active {
			if maxItems > 0 && f.Read == maxItems {
				f.Truncated = true
				break
			}
			f.Read++
			f.Links = append(f.Links, l)
		}
	}
	lookup.SortRecentFirst(f.Links)
	return f, nil
}

func (m *memStore) ListByCustomer(_ context.Context, id string) ([]lookup.Link, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return nil, m.err
	}
	var out []lookup.Link
	for _, l := range m.links {
		if l.CognitoID == id {
			out = append(out, l)
		}
	}
	return out, nil
}

func (m *memStore) Unlink(_ context.Context, id, phone string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	for i, l := range m.links {
		if l.CognitoID == id && l.Phone == phone {
			m.links[i].Active = false
			return nil
		}
	}
	return lookup.ErrNotFound
}

func (m *memStore) Forget(_ context.Context, id string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return 0, m.err
	}
	n := len(m.links)
	m.links = slices.DeleteFunc(m.links, func(l lookup.Link) bool { return l.CognitoID == id })
	return n - len(m.links), nil
}

var t0 = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

func memLink(id, phone string, minutes int) lookup.Link {
	at := t0.Add(time.Duration(minutes) * time.Minute)
	return lookup.Link{CognitoID: id, Phone: phone, FirstSeenAt: at, LastSeenAt: at,
		FirstOrderID: "o-" + id, LastOrderID: "o-" + id, Sources: []string{"graphql"}, Via: []string{"dropoff"}, Active: true}
}

func newMem(t *testing.T, store api.Store, log *auditLog) http.Handler {
	t.Helper()
	return api.New(api.Options{Store: store, Phones: phones(t), Audit: log.logger()})
}

func TestErrorsWithAFakeStore(t *testing.T) {
	runErrorCases(t, newMem(t, &memStore{}, &auditLog{}))
}

// TestStoreFailures: DynamoDB errors never reach the caller. A busy store
// (lookup.ErrBusy, however wrapped) is 503 with Retry-After; a deadline is
// 503; anything else is 500 with no internals.
func TestStoreFailures(t *testing.T) {
	secret := "dynamodb: table arn:aws:dynamodb:eu-west-1:123:table/secret"
	apiErr := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: secret} }
	cases := []struct {
		name       string
		err        error
		status     int
		typ        string
		retryAfter string
	}{
		// The store marks DynamoDB's throttles (dynamo/errors.go) as lookup.ErrBusy.
		{"store busy", fmt.Errorf("find +44***58: %s: %w", secret, lookup.ErrBusy), 503, api.TypeThrottled, "1"},
		{"a throttle the store did not mark", &types.ProvisionedThroughputExceededException{Message: aws.String(secret)}, 500, "about:blank", ""},
		{"store unavailable", fmt.Errorf("find +44***58: %s: %w", secret, lookup.ErrUnavailable), 503, api.TypeUnavailable, "1"},
		{"deadline", fmt.Errorf("operation error DynamoDB: Query, %s: %w", secret, context.DeadlineExceeded), 503, api.TypeUnavailable, "1"},
		{"access denied", apiErr("AccessDeniedException"), 500, "about:blank", ""},
		{"internal", &types.InternalServerError{Message: aws.String(secret)}, 500, "about:blank", ""},
		{"plain error", errors.New(secret), 500, "about:blank", ""},
	}
	targets := []struct{ method, target string }{
		{http.MethodGet, "/v1/phones/%2B442079460958/customers"},
		{http.MethodGet, "/v1/customers/user-a/phones"},
		{http.MethodDelete, "/v1/customers/user-a/phones/%2B442079460958"},
		{http.MethodDelete, "/v1/customers/user-a"},
	}
	for _, c := range cases {
		for _, tg := range targets {
			method, target := tg.method, tg.target
			t.Run(c.name+" "+method+" "+target, func(t *testing.T) {
				log := &auditLog{}
				resp, body := apitest.Do(t, newMem(t, &memStore{err: c.err}, log), method, target)
				require.Equal(t, c.status, resp.StatusCode, "%s", body)
				p := apitest.Problem(t, body)
				assert.Equal(t, c.typ, p.Type)
				assert.Equal(t, c.retryAfter, resp.Header.Get("Retry-After"))
				assert.NotContains(t, string(body), "secret")
				assert.NotContains(t, string(body), "dynamodb")
				line := log.last(t)
				assert.Equal(t, "error", line["level"])
				assert.Contains(t, line["error"], "secret", "the audit line keeps the error")
				assert.Equal(t, float64(c.status), line["status"])
			})
		}
	}
}

// TestTimeout: a store call that outlives the request's time is cut off
// and answered 503 with Retry-After.
func TestTimeout(t *testing.T) {
	h := api.New(api.Options{Store: blockingStore{}, Phones: phones(t), Timeout: 20 * time.Millisecond, RetryAfter: 3 * time.Second})
	resp, body := apitest.Do(t, h, http.MethodGet, "/v1/customers/user-a/phones")
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%s", body)
	assert.Equal(t, api.TypeUnavailable, apitest.Problem(t, body).Type)
	assert.Equal(t, "3", resp.Header.Get("Retry-After"))
}

// TestClientCancelled: a request whose client left before the store
// answered is audited at info level as cancelled, with status 499, not as a
// server error.
func TestClientCancelled(t *testing.T) {
	log := &auditLog{}
	h := api.New(api.Options{Store: blockingStore{}, Phones: phones(t), Audit: log.logger(), Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest(http.MethodGet, "/v1/customers/user-a/phones", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	time.AfterFunc(20*time.Millisecond, cancel)
	h.ServeHTTP(rec, req)
	assert.Equal(t, api.StatusClientClosed, rec.Code)
	assert.Empty(t, rec.Body.String())
	line := log.last(t)
	assert.Equal(t, "info", line["level"])
	assert.Equal(t, true, line["cancelled"])
	assert.Equal(t, float64(api.StatusClientClosed), line["status"])
	assert.Contains(t, line["error"], "context canceled")
}

// blockingStore answers when the context ends, with its error.
type blockingStore struct{ api.Store }

func (blockingStore) ListByCustomer(ctx context.Context, _ string) ([]lookup.Link, error) {
	<-ctx.Done()
	return nil, fmt.Errorf("list: %w", ctx.Err())
}

// TestAuditLine: one line per request with the caller, the route pattern
// (never the path, which holds the number), the status, the count, the
// latency and the request id; the phone masked.
func TestAuditLine(t *testing.T) {
	store := &memStore{links: []lookup.Link{memLink("user-a", "+442079460958", 0), memLink("user-b", "+442079460958", 5)}}
	log := &auditLog{}
	h := api.New(api.Options{Store: store, Phones: phones(t), Audit: log.logger(),
		Caller: func(r *http.Request) api.Caller {
			return api.Caller{Principal: "arn:aws:iam::123456789012:user/support", RequestID: "req-" + r.Method}
		}})
	resp, _ := apitest.Do(t, h, http.MethodGet, "/v1/phones/020%207946%200958/customers?region=GB&limit=1")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	line := log.last(t)
	assert.Equal(t, "info", line["level"])
	assert.Equal(t, "audit", line["message"])
	assert.Equal(t, "arn:aws:iam::123456789012:user/support", line["principal"])
	assert.Equal(t, "req-GET", line["requestId"])
	assert.Equal(t, api.RouteSearch, line["route"])
	assert.Equal(t, float64(200), line["status"])
	assert.Equal(t, float64(1), line["results"])
	assert.Equal(t, true, line["truncated"])
	assert.Equal(t, float64(2), line["read"])
	assert.Equal(t, "+44********58", line["phone"])
	assert.Contains(t, line, "latencyMs")

	apitest.Do(t, h, http.MethodDelete, "/v1/customers/user-a/phones/%2B442079460958")
	line = log.last(t)
	assert.Equal(t, api.RouteUnlink, line["route"])
	assert.Equal(t, float64(204), line["status"])
	assert.Equal(t, "user-a", line["cognitoId"])
	assert.Equal(t, "+44********58", line["phone"])

	// A forget names the customer by hash (lookup.ForgottenRef), never by
	// the id, and says how many links went.
	resp, body := apitest.Do(t, h, http.MethodDelete, "/v1/customers/user-b")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	line = log.last(t)
	assert.Equal(t, "arn:aws:iam::123456789012:user/support", line["principal"])
	assert.Equal(t, api.RouteForget, line["route"])
	assert.Equal(t, "DELETE", line["method"])
	assert.Equal(t, float64(200), line["status"])
	assert.Equal(t, lookup.ForgottenRef("user-b"), line["customer"])
	assert.Equal(t, float64(1), line["removed"])
	assert.NotContains(t, line, "cognitoId")
	assert.NotContains(t, line, "results")

	apitest.Do(t, h, http.MethodGet, "/v1/phones/020%207946%200958/customers") // no region: 400
	line = log.last(t)
	assert.Equal(t, float64(400), line["status"])
	assert.Equal(t, "***58", line["phone"])

	apitest.Do(t, h, http.MethodGet, "/v1/customers/bad%23id/phones")
	assert.NotContains(t, log.last(t), "cognitoId", "an invalid id is not logged")
	apitest.Do(t, h, http.MethodGet, "/nowhere/020-7946-0958")
	assert.Equal(t, "unmatched", log.last(t)["route"])

	assert.Len(t, log.lines(t), 6, "one line per request")
	assert.NotContains(t, log.text(), "user-b", "a forgotten id in the audit log")
	assert.NotContains(t, log.text(), "7946", "an unmasked number in the audit log")
	assert.NotContains(t, log.text(), "bad#id")
}

// TestLocalCaller: without a Caller the principal is "local" and every
// request gets its own id.
func TestLocalCaller(t *testing.T) {
	log := &auditLog{}
	h := newMem(t, &memStore{}, log)
	apitest.Do(t, h, http.MethodGet, "/v1/customers/user-a/phones")
	apitest.Do(t, h, http.MethodGet, "/v1/customers/user-a/phones")
	l := log.lines(t)
	require.Len(t, l, 2)
	assert.Equal(t, "local", l[0]["principal"])
	assert.Len(t, l[0]["requestId"], 32)
	assert.NotEqual(t, l[0]["requestId"], l[1]["requestId"])
}

// TestSearchLimit: the most recent limit customers, truncated when more.
func TestSearchLimit(t *testing.T) {
	var links []lookup.Link
	for i := range 30 {
		links = append(links, memLink(fmt.Sprintf("user-%02d", i), "+442079460958", i))
	}
	h := newMem(t, &memStore{links: links}, &auditLog{})
	for _, c := range []struct {
		query     string
		want      int
		truncated bool
	}{{"", 20, true}, {"?limit=30", 30, false}, {"?limit=100", 30, false}, {"?limit=1", 1, true}} {
		resp, body := apitest.Do(t, h, http.MethodGet, "/v1/phones/%2B442079460958/customers"+c.query)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		a := decode[api.SearchAnswer](t, body)
		require.Len(t, a.Customers, c.want, "limit %q", c.query)
		assert.Equal(t, c.truncated, a.Truncated, "limit %q", c.query)
		assert.Equal(t, "user-29", a.Customers[0].CognitoID, "most recent first")
	}
}

// TestAuditClient: the audit line says "client":"console" for a request the
// console sends (api.ClientHeader), and nothing for curl or an unknown value,
// which is the caller's text and never logged.
func TestAuditClient(t *testing.T) {
	store := &memStore{links: []lookup.Link{memLink("user-a", "+442079460958", 0)}}
	for _, c := range []struct{ name, header, want string }{
		{"console", api.ClientConsole, "console"},
		{"curl", "", ""},
		{"unknown value", "evil\nline", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &auditLog{}
			h := api.New(api.Options{Store: store, Phones: phones(t), Audit: log.logger()})
			req := httptest.NewRequest(http.MethodGet, "/v1/customers/user-a/phones", nil)
			if c.header != "" {
				req.Header.Set(api.ClientHeader, c.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, http.StatusOK, rec.Code)
			line := log.last(t)
			if c.want == "" {
				assert.NotContains(t, line, "client")
			} else {
				assert.Equal(t, c.want, line["client"])
			}
		})
	}
}

// TestPhonesInternational: a customer's phones carry the international
// format people read.
func TestPhonesInternational(t *testing.T) {
	store := &memStore{links: []lookup.Link{memLink("user-a", "+442079460958", 0)}}
	h := api.New(api.Options{Store: store, Phones: phones(t), Audit: zerolog.Nop()})
	resp, body := apitest.Do(t, h, http.MethodGet, "/v1/customers/user-a/phones")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	var a api.PhonesAnswer
	require.NoError(t, json.Unmarshal(body, &a))
	require.Len(t, a.Phones, 1)
	assert.Equal(t, "+442079460958", a.Phones[0].Phone)
	assert.Equal(t, "+44 20 7946 0958", a.Phones[0].International)
}
