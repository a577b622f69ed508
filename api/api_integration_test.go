//go:build integration

package api_test

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/api/apitest"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/lookup"
)

const (
	uk = "+442079460958"
	us = "+16502530000"
)

// newTable creates a fresh table on dynalite and returns a store on it.
func newTable(t testing.TB, opts ...func(*dynamodb.Options)) *dynamo.Store {
	t.Helper()
	s := dynamo.NewStore(emu.DynamoDBClient(emulator.Config(), opts...), emulator.UniqueName("api"), "")
	created, err := s.CreateTable(context.Background(), time.Minute)
	require.NoError(t, err)
	require.True(t, created)
	return s
}

func sighting(user, phone string, minutes int, order string) lookup.Sighting {
	return lookup.Sighting{CognitoID: user, Phone: phone, Via: lookup.ViaDropoff, Source: "graphql", OrderID: order,
		OccurredAt: t0.Add(time.Duration(minutes) * time.Minute), Brand: "pizzaplace"}
}

// seed links user-a (older) and user-b (newer) to the UK number, user-a to
// the US number too, and user-c to the UK number, then unlinks user-c.
func seed(t *testing.T, s *dynamo.Store) {
	t.Helper()
	ctx := context.Background()
	for _, sg := range []lookup.Sighting{
		sighting("user-a", uk, 0, "o-1"), sighting("user-a", uk, 10, "o-2"),
		sighting("user-b", uk, 20, "o-3"), sighting("user-a", us, 5, "o-4"),
		sighting("user-c", uk, 1, "o-5"),
	} {
		_, err := s.Link(ctx, sg)
		require.NoError(t, err)
	}
	require.NoError(t, s.Unlink(ctx, "user-c", uk))
}

func newAPI(t *testing.T, s api.Store, log *auditLog, o api.Options) http.Handler {
	t.Helper()
	o.Store, o.Phones, o.Audit = s, phones(t), log.logger()
	return api.New(o)
}

func TestSearchSpellings(t *testing.T) {
	s := newTable(t)
	seed(t, s)
	h := newAPI(t, s, &auditLog{}, api.Options{})
	var first string
	for _, target := range []string{
		"/v1/phones/" + url.PathEscape("+44 20 7946 0958") + "/customers",
		"/v1/phones/%2B44%2020%207946%200958/customers",
		"/v1/phones/" + url.PathEscape("020 7946 0958") + "/customers?region=GB",
		"/v1/phones/020%207946%200958/customers?region=gb",
		"/v1/phones/0044%2020%207946%200958/customers?region=GB",
		"/v1/phones/" + url.PathEscape("tel:+44-20-7946-0958") + "/customers",
		"/v1/phones/tel%3A%2B44-20-7946-0958/customers",
	} {
		t.Run(target, func(t *testing.T) {
			resp, body := apitest.Do(t, h, http.MethodGet, target)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			a := decode[api.SearchAnswer](t, body)
			assert.Equal(t, uk, a.Phone)
			assert.False(t, a.Truncated)
			require.Len(t, a.Customers, 2, "user-c is unlinked")
			assert.Equal(t, "user-b", a.Customers[0].CognitoID, "most recently seen first")
			assert.Equal(t, "user-a", a.Customers[1].CognitoID)
			if first == "" {
				first = string(body)
			}
			assert.Equal(t, first, string(body), "every spelling, the same answer")
		})
	}
	// The view is lookup.View of the stored link, as `find --json` prints it.
	a := decode[api.SearchAnswer](t, []byte(first))
	l, err := s.Get(context.Background(), "user-a", uk)
	require.NoError(t, err)
	assert.Equal(t, lookup.View(*l), a.Customers[1])
	assert.Equal(t, "2026-11-02T10:00:00.000Z", a.Customers[1].FirstSeenAt)
	assert.Equal(t, "o-2", a.Customers[1].LastOrderID)
}

func TestSearchNothingFound(t *testing.T) {
	s := newTable(t)
	seed(t, s)
	log := &auditLog{}
	resp, body := apitest.Do(t, newAPI(t, s, log, api.Options{}), http.MethodGet, "/v1/phones/%2B33142685300/customers")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"phone":"+33142685300","customers":[],"truncated":false}`, string(body))
	assert.Equal(t, float64(0), log.last(t)["results"])
}

// TestSearchReadCap: a number with more customers than the read cap costs a
// bounded read and answers truncated.
func TestSearchReadCap(t *testing.T) {
	s := newTable(t)
	ctx := context.Background()
	const customers, readCap = 25, 10
	for i := range customers {
		_, err := s.Link(ctx, sighting(fmt.Sprintf("user-%02d", i), uk, i, fmt.Sprintf("o-%d", i)))
		require.NoError(t, err)
	}
	log := &auditLog{}
	h := newAPI(t, s, log, api.Options{MaxRead: readCap})
	resp, body := apitest.Do(t, h, http.MethodGet, "/v1/phones/%2B442079460958/customers?limit=100")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	a := decode[api.SearchAnswer](t, body)
	assert.True(t, a.Truncated)
	assert.Len(t, a.Customers, readCap)
	line := log.last(t)
	assert.Equal(t, float64(readCap), line["read"], "items read")
	assert.Equal(t, true, line["truncated"])

	// Without the cap in the way, every customer, most recent first.
	h = newAPI(t, s, &auditLog{}, api.Options{})
	_, body = apitest.Do(t, h, http.MethodGet, "/v1/phones/%2B442079460958/customers?limit=100")
	a = decode[api.SearchAnswer](t, body)
	assert.False(t, a.Truncated)
	require.Len(t, a.Customers, customers)
	assert.Equal(t, "user-24", a.Customers[0].CognitoID)
	_, body = apitest.Do(t, h, http.MethodGet, "/v1/phones/%2B442079460958/customers?limit=3")
	a = decode[api.SearchAnswer](t, body)
	assert.True(t, a.Truncated, "more than limit")
	assert.Equal(t, []string{"user-24", "user-23", "user-22"}, ids(a.Customers))
}

func ids(v []lookup.LinkView) []string {
	out := []string{}
	for _, l := range v {
		out = append(out, l.CognitoID)
	}
	return out
}

func TestCustomerPhones(t *testing.T) {
	s := newTable(t)
	seed(t, s)
	h := newAPI(t, s, &auditLog{}, api.Options{})

	_, body := apitest.Do(t, h, http.MethodGet, "/v1/customers/user-a/phones")
	a := decode[api.PhonesAnswer](t, body)
	assert.Equal(t, "user-a", a.CognitoID)
	require.Len(t, a.Phones, 2)
	assert.Equal(t, uk, a.Phones[0].Phone, "most recently seen first")
	assert.Equal(t, us, a.Phones[1].Phone)

	_, body = apitest.Do(t, h, http.MethodGet, "/v1/customers/user-c/phones")
	assert.JSONEq(t, `{"cognitoId":"user-c","phones":[]}`, string(body), "unlinked ones only when asked")

	_, body = apitest.Do(t, h, http.MethodGet, "/v1/customers/user-c/phones?include=unlinked")
	a = decode[api.PhonesAnswer](t, body)
	require.Len(t, a.Phones, 1)
	assert.Equal(t, uk, a.Phones[0].Phone)
	assert.NotEmpty(t, a.Phones[0].UnlinkedAt)

	_, body = apitest.Do(t, h, http.MethodGet, "/v1/customers/eu-west-1:7f1c-9a@x.y+z/phones")
	assert.JSONEq(t, `{"cognitoId":"eu-west-1:7f1c-9a@x.y+z","phones":[]}`, string(body), "an unknown customer")
}

func TestUnlink(t *testing.T) {
	s := newTable(t)
	seed(t, s)
	log := &auditLog{}
	h := newAPI(t, s, log, api.Options{})

	resp, body := apitest.Do(t, h, http.MethodDelete, "/v1/customers/user-b/phones/020%207946%200958?region=GB")
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "%s", body)
	assert.Empty(t, body)
	assert.Equal(t, "user-b", log.last(t)["cognitoId"])

	// The search no longer finds user-b (the index may lag: poll briefly).
	require.Eventually(t, func() bool {
		_, body := apitest.Do(t, h, http.MethodGet, "/v1/phones/%2B442079460958/customers")
		return assert.ObjectsAreEqual([]string{"user-a"}, ids(decode[api.SearchAnswer](t, body).Customers))
	}, 5*time.Second, 50*time.Millisecond)
	_, body = apitest.Do(t, h, http.MethodGet, "/v1/customers/user-b/phones?include=unlinked")
	p := decode[api.PhonesAnswer](t, body)
	require.Len(t, p.Phones, 1)
	assert.NotEmpty(t, p.Phones[0].UnlinkedAt)

	// Unlinking again is Store.Unlink's answer: it succeeds.
	resp, _ = apitest.Do(t, h, http.MethodDelete, "/v1/customers/user-b/phones/%2B442079460958")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	// No such link.
	resp, body = apitest.Do(t, h, http.MethodDelete, "/v1/customers/user-b/phones/%2B16502530000")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, api.TypeLinkNotFound, apitest.Problem(t, body).Type)
}

// TestForget: the account deletion through the real handler and store. The
// answer counts the links deleted (active and unlinked alike); both numbers'
// searches lose the customer, the customer page shows nothing even with
// include=unlinked, a later event links nothing, forgetting again answers
// removed 0, and the audit lines name the caller and the customer by hash.
func TestForget(t *testing.T) {
	s := newTable(t)
	seed(t, s)
	ctx := context.Background()
	require.NoError(t, s.Unlink(ctx, "user-a", us)) // an unlinked link goes too
	const who = "arn:aws:sts::123456789012:assumed-role/admin-app-backend/account-deletion"
	log := &auditLog{}
	h := newAPI(t, s, log, api.Options{Caller: func(*http.Request) api.Caller {
		return api.Caller{Principal: who, RequestID: "req-forget"}
	}})
	// Both numbers find user-a before (the US link is unlinked: the page
	// with include=unlinked shows it).
	_, body := apitest.Do(t, h, http.MethodGet, "/v1/phones/%2B442079460958/customers")
	require.Equal(t, []string{"user-b", "user-a"}, ids(decode[api.SearchAnswer](t, body).Customers))
	_, body = apitest.Do(t, h, http.MethodGet, "/v1/customers/user-a/phones?include=unlinked")
	require.Len(t, decode[api.PhonesAnswer](t, body).Phones, 2)

	resp, body := apitest.Do(t, h, http.MethodDelete, "/v1/customers/user-a")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	assert.JSONEq(t, `{"cognitoId":"user-a","removed":2}`, string(body))
	line := log.last(t)
	assert.Equal(t, who, line["principal"])
	assert.Equal(t, api.RouteForget, line["route"])
	assert.Equal(t, float64(200), line["status"])
	assert.Equal(t, lookup.ForgottenRef("user-a"), line["customer"])
	assert.Equal(t, float64(2), line["removed"])
	assert.NotContains(t, line, "cognitoId", "a forgotten customer is named by hash only")

	// Neither number's search shows user-a (the index may lag: poll briefly).
	require.Eventually(t, func() bool {
		_, body := apitest.Do(t, h, http.MethodGet, "/v1/phones/%2B442079460958/customers")
		return assert.ObjectsAreEqual([]string{"user-b"}, ids(decode[api.SearchAnswer](t, body).Customers))
	}, 5*time.Second, 50*time.Millisecond)
	_, body = apitest.Do(t, h, http.MethodGet, "/v1/phones/%2B16502530000/customers")
	assert.Empty(t, decode[api.SearchAnswer](t, body).Customers)
	_, body = apitest.Do(t, h, http.MethodGet, "/v1/customers/user-a/phones?include=unlinked")
	assert.JSONEq(t, `{"cognitoId":"user-a","phones":[]}`, string(body))

	// A late event for the customer links nothing: the API wrote the tombstone.
	_, err := s.Link(ctx, sighting("user-a", uk, 60, "o-late"))
	require.ErrorIs(t, err, lookup.ErrForgotten)
	_, body = apitest.Do(t, h, http.MethodGet, "/v1/customers/user-a/phones?include=unlinked")
	assert.JSONEq(t, `{"cognitoId":"user-a","phones":[]}`, string(body))

	// Idempotent: again, and for a customer never linked, removed 0.
	for _, id := range []string{"user-a", "eu-west-1:7f1c-9a@x.y+z"} {
		resp, body = apitest.Do(t, h, http.MethodDelete, "/v1/customers/"+id)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		assert.Equal(t, api.ForgetAnswer{CognitoID: id, Removed: 0}, decode[api.ForgetAnswer](t, body))
		assert.Equal(t, float64(0), log.last(t)["removed"])
	}
	// Other customers keep their links.
	_, body = apitest.Do(t, h, http.MethodGet, "/v1/customers/user-b/phones")
	assert.Len(t, decode[api.PhonesAnswer](t, body).Phones, 1)

	// A malformed id: 400, the id in neither the answer nor the audit line.
	resp, body = apitest.Do(t, h, http.MethodDelete, "/v1/customers/user-a%23phone_user%23x")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, api.TypeInvalidCognitoID, apitest.Problem(t, body).Type)
	assert.NotContains(t, string(body), "phone_user")
	line = log.last(t)
	assert.Equal(t, float64(400), line["status"])
	assert.Equal(t, api.RouteForget, line["route"])
	assert.NotContains(t, line, "customer")
	assert.NotContains(t, log.text(), "phone_user")
	for _, l := range log.lines(t) {
		if l["route"] == api.RouteForget {
			assert.NotContains(t, l, "cognitoId", "a forget's line names the customer by hash only")
		}
	}
}

func TestErrorsAgainstDynalite(t *testing.T) {
	s := newTable(t)
	seed(t, s)
	runErrorCases(t, newAPI(t, s, &auditLog{}, api.Options{}))
}

// fault makes the client answer op with a DynamoDB error response of
// status and errType (no request reaches dynalite): the SDK's own
// deserializer and retryer see it as they would see AWS's.
func fault(op string, status int, errType string) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.RetryMaxAttempts = 1
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("fault",
				func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
					if middleware.GetOperationName(ctx) != op {
						return next.HandleDeserialize(ctx, in)
					}
					body := `{"__type":"com.amazonaws.dynamodb.v20120810#` + errType + `","message":"secret detail of table x"}`
					resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
						Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
					resp.Header.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
					return middleware.DeserializeOutput{RawResponse: &smithyhttp.Response{Response: resp}}, middleware.Metadata{}, nil
				}), middleware.After)
		})
	}
}

// stall makes op wait for its context to end.
func stall(op string) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("stall",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					if middleware.GetOperationName(ctx) == op {
						<-ctx.Done()
					}
					return next.HandleInitialize(ctx, in)
				}), middleware.After)
		})
	}
}

// TestDynamoDBFailures: DynamoDB's throttling errors, as the SDK reads them
// from the wire, are 503 throttled with Retry-After; its server errors (HTTP
// 500) and a call past the request's time are 503 unavailable; other errors
// are 500. No answer carries DynamoDB's message.
func TestDynamoDBFailures(t *testing.T) {
	cases := []struct {
		name   string
		opt    func(*dynamodb.Options)
		method string
		target string
		status int
		typ    string
		seed   bool
	}{
		{"search throttled", fault("Query", 400, "ProvisionedThroughputExceededException"), "GET", "/v1/phones/%2B442079460958/customers", 503, api.TypeThrottled, false},
		{"search request limit", fault("Query", 400, "RequestLimitExceeded"), "GET", "/v1/phones/%2B442079460958/customers", 503, api.TypeThrottled, false},
		{"phones throttled", fault("Query", 400, "ThrottlingException"), "GET", "/v1/customers/user-a/phones", 503, api.TypeThrottled, false},
		{"unlink throttled", fault("UpdateItem", 400, "ProvisionedThroughputExceededException"), "DELETE", "/v1/customers/user-a/phones/%2B442079460958", 503, api.TypeThrottled, false},
		{"search internal error", fault("Query", 500, "InternalServerError"), "GET", "/v1/phones/%2B442079460958/customers", 503, api.TypeUnavailable, false},
		{"unlink access denied", fault("UpdateItem", 400, "AccessDeniedException"), "DELETE", "/v1/customers/user-a/phones/%2B442079460958", 500, "about:blank", false},
		{"search too slow", stall("Query"), "GET", "/v1/phones/%2B442079460958/customers", 503, api.TypeUnavailable, false},
		{"forget's tombstone throttled", fault("UpdateItem", 400, "ProvisionedThroughputExceededException"), "DELETE", "/v1/customers/user-a", 503, api.TypeThrottled, false},
		{"forget's listing throttled", fault("Query", 400, "ThrottlingException"), "DELETE", "/v1/customers/user-a", 503, api.TypeThrottled, false},
		{"forget's delete denied", fault("DeleteItem", 400, "AccessDeniedException"), "DELETE", "/v1/customers/user-a", 500, "about:blank", true},
		{"forget too slow", stall("DeleteItem"), "DELETE", "/v1/customers/user-a", 503, api.TypeUnavailable, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTable(t, c.opt)
			if c.seed {
				seed(t, s) // Link writes with UpdateItem and reads with GetItem only
			}
			log := &auditLog{}
			h := newAPI(t, s, log, api.Options{Timeout: 300 * time.Millisecond, RetryAfter: 2 * time.Second})
			resp, body := apitest.Do(t, h, c.method, c.target)
			require.Equal(t, c.status, resp.StatusCode, "%s", body)
			assert.Equal(t, c.typ, apitest.Problem(t, body).Type)
			if c.status == 503 {
				assert.Equal(t, "2", resp.Header.Get("Retry-After"))
			} else {
				assert.Empty(t, resp.Header.Get("Retry-After"))
			}
			assert.NotContains(t, string(body), "secret")
			assert.NotContains(t, strings.ToLower(string(body)), "dynamodb:")
			assert.Equal(t, "error", log.last(t)["level"])
		})
	}
}
