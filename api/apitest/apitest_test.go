package apitest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/phonelookup/phonelookup/api/apitest"
)

// TestValidateRejects: the contract check can fail, for each way a response
// may drift from the document.
func TestValidateRejects(t *testing.T) {
	c := apitest.Load(t)
	js := http.Header{"Content-Type": {"application/json"}}
	prob := http.Header{"Content-Type": {"application/problem+json"}}
	goodSearch := `{"phone":"+442079460958","customers":[],"truncated":false}`
	goodProblem := `{"type":"about:blank","title":"Not Found","status":404}`
	cases := []struct {
		name, method, target string
		status               int
		header               http.Header
		body                 string
		ok                   bool
	}{
		{"a good search", "GET", "/v1/phones/x/customers", 200, js, goodSearch, true},
		{"search without truncated", "GET", "/v1/phones/x/customers", 200, js, `{"phone":"+442079460958","customers":[]}`, false},
		{"search with an extra member", "GET", "/v1/phones/x/customers", 200, js, `{"phone":"+442079460958","customers":[],"truncated":false,"x":1}`, false},
		{"a customer without via", "GET", "/v1/phones/x/customers", 200, js, `{"phone":"+442079460958","truncated":false,"customers":[{"cognitoId":"a","phone":"+442079460958","firstSeenAt":"2026-11-02T10:15:30.123Z","lastSeenAt":"2026-11-02T10:15:30.123Z","firstOrderId":"o","lastOrderId":"o","sources":["graphql"]}]}`, false},
		{"a time in another layout", "GET", "/v1/phones/x/customers", 200, js, `{"phone":"+442079460958","truncated":false,"customers":[{"cognitoId":"a","phone":"+442079460958","firstSeenAt":"2026-11-02T10:15:30Z","lastSeenAt":"2026-11-02T10:15:30.123Z","firstOrderId":"o","lastOrderId":"o","sources":["graphql"],"via":["dropoff"]}]}`, false},
		{"an undocumented status", "GET", "/v1/phones/x/customers", 418, prob, goodProblem, false},
		{"a problem as plain JSON", "GET", "/v1/phones/x/customers", 400, js, goodProblem, false},
		{"a problem of an unknown type", "GET", "/v1/phones/x/customers", 400, prob, `{"type":"x","title":"t","status":400}`, false},
		{"503 without Retry-After", "GET", "/v1/phones/x/customers", 503, prob, `{"type":"about:blank","title":"t","status":503}`, false},
		{"unknown path, 404 problem", "GET", "/nowhere", 404, prob, goodProblem, true},
		{"unknown path, 200", "GET", "/nowhere", 200, js, goodSearch, false},
		{"unknown path, problem without title", "GET", "/nowhere", 404, prob, `{"type":"about:blank","status":404}`, false},
		{"405 without Allow", "POST", "/v1/phones/x/customers", 405, prob, `{"type":"about:blank","title":"t","status":405}`, false},
		{"unlink 200", "DELETE", "/v1/customers/a/phones/x", 200, js, `{}`, false},
		{"a good forget", "DELETE", "/v1/customers/a", 200, js, `{"cognitoId":"a","removed":0}`, true},
		{"forget without removed", "DELETE", "/v1/customers/a", 200, js, `{"cognitoId":"a"}`, false},
		{"forget with a negative count", "DELETE", "/v1/customers/a", 200, js, `{"cognitoId":"a","removed":-1}`, false},
		{"forget 204", "DELETE", "/v1/customers/a", 204, http.Header{}, ``, false},
		{"forget 409", "DELETE", "/v1/customers/a", 409, prob, `{"type":"about:blank","title":"t","status":409}`, false},
		{"forget 404 (an encoded / decoded by API Gateway)", "DELETE", "/v1/customers/a", 404, prob, goodProblem, true},
		{"a legacy link", "GET", "/v1/phones/x/customers", 200, js, `{"phone":"+442079460958","truncated":false,"customers":[{"cognitoId":"a","phone":"+442079460958","sources":["legacy"],"via":["legacy"],"legacy":true}]}`, true},
		{"a legacy link with a time", "GET", "/v1/phones/x/customers", 200, js, `{"phone":"+442079460958","truncated":false,"customers":[{"cognitoId":"a","phone":"+442079460958","firstSeenAt":"2026-11-02T10:15:30.123Z","sources":["legacy"],"via":["legacy"],"legacy":true}]}`, false},
		{"an order link without its order ids", "GET", "/v1/phones/x/customers", 200, js, `{"phone":"+442079460958","truncated":false,"customers":[{"cognitoId":"a","phone":"+442079460958","firstSeenAt":"2026-11-02T10:15:30.123Z","lastSeenAt":"2026-11-02T10:15:30.123Z","sources":["graphql"],"via":["dropoff"]}]}`, false},
		{"an unlinked link in a search", "GET", "/v1/phones/x/customers", 200, js, `{"phone":"+442079460958","truncated":false,"customers":[{"cognitoId":"a","phone":"+442079460958","firstSeenAt":"2026-11-02T10:15:30.123Z","lastSeenAt":"2026-11-02T10:15:30.123Z","firstOrderId":"o","lastOrderId":"o","sources":["graphql"],"via":["dropoff"],"unlinkedAt":"2026-11-03T10:15:30.123Z"}]}`, false},
		{"an unlinked link on the customer page", "GET", "/v1/customers/a/phones", 200, js, `{"cognitoId":"a","phones":[{"cognitoId":"a","phone":"+442079460958","international":"+44 20 7946 0958","firstSeenAt":"2026-11-02T10:15:30.123Z","lastSeenAt":"2026-11-02T10:15:30.123Z","firstOrderId":"o","lastOrderId":"o","sources":["graphql"],"via":["dropoff"],"unlinkedAt":"2026-11-03T10:15:30.123Z"}]}`, true},
		{"a customer page link without its international format", "GET", "/v1/customers/a/phones", 200, js, `{"cognitoId":"a","phones":[{"cognitoId":"a","phone":"+442079460958","firstSeenAt":"2026-11-02T10:15:30.123Z","lastSeenAt":"2026-11-02T10:15:30.123Z","firstOrderId":"o","lastOrderId":"o","sources":["graphql"],"via":["dropoff"]}]}`, false},
		{"API Gateway's 403", "GET", "/v1/phones/x/customers", 403, js, `{"message":"Forbidden"}`, true},
		{"API Gateway's 429", "DELETE", "/v1/customers/a", 429, js, `{"message":"Too Many Requests"}`, true},
		{"API Gateway's 503 (no Retry-After)", "GET", "/v1/customers/a/phones", 503, js, `{"message":"Service Unavailable"}`, true},
		{"a 429 problem", "GET", "/v1/phones/x/customers", 429, prob, goodProblem, false},
		{"forget by GET, 405 with Allow", "GET", "/v1/customers/a", 405, http.Header{"Content-Type": {"application/problem+json"}, "Allow": {"DELETE"}}, `{"type":"about:blank","title":"t","status":405}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Validate(httptest.NewRequest(tc.method, tc.target, nil), tc.status, tc.header, []byte(tc.body))
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}
