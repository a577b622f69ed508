//go:build integration

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/api/apitest"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/lookup"
)

var emu *emulator.Emulators

func TestMain(m *testing.M) { os.Exit(emulator.Main(m, false, &emu)) }

const (
	uk         = "+442079460958"
	otherPhone = "+442079460959"
	principal  = "arn:aws:sts::123456789012:assumed-role/admin-app-backend/admin-backend"
)

// lambdaEnv points the binary's configuration at a fresh, seeded table on
// dynalite. app.Build loads the AWS configuration from the process
// environment, so this sets it there too: not parallel.
func lambdaEnv(t *testing.T) (func(string) string, *dynamo.Store) {
	t.Helper()
	ctx := context.Background()
	s := dynamo.NewStore(emu.DynamoDBClient(emulator.Config()), emulator.UniqueName("api-lambda"), "")
	_, err := s.CreateTable(ctx, time.Minute)
	require.NoError(t, err)
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for i, user := range []string{"user-a", "user-b"} {
		_, err := s.Link(ctx, lookup.Sighting{CognitoID: user, Phone: uk, Via: lookup.ViaDropoff, Source: "graphql",
			OrderID: "o-" + user, OccurredAt: at.Add(time.Duration(i) * time.Hour)})
		require.NoError(t, err)
	}
	// "user" is what a decoded "user#a" would be cut to.
	_, err = s.Link(ctx, lookup.Sighting{CognitoID: "user", Phone: otherPhone, Via: lookup.ViaDropoff, Source: "graphql",
		OrderID: "o-user", OccurredAt: at})
	require.NoError(t, err)
	vars := map[string]string{"LOOKUP_TABLE": s.Table()}
	for _, kv := range emu.Env() {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
		t.Setenv(k, v)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"} {
		t.Setenv(k, "")
	}
	return func(k string) string { return vars[k] }, s
}

// TestLambdaThroughTheAdapter sends API Gateway HTTP API (payload 2.0)
// request events, in the shape of aws-lambda-go's
// events/testdata/apigw-v2-request-iam.json, through the binary's adapter
// and handler against dynalite. Every answer is held against openapi.yaml;
// the IAM principal and API Gateway's request id reach the audit line.
func TestLambdaThroughTheAdapter(t *testing.T) {
	getenv, store := lambdaEnv(t)
	var logs bytes.Buffer
	handle, err := newProxy(context.Background(), getenv, &logs)
	require.NoError(t, err)
	bothCustomers := func(t *testing.T, body []byte) {
		var a api.SearchAnswer
		require.NoError(t, json.Unmarshal(body, &a))
		assert.Equal(t, uk, a.Phone)
		require.Len(t, a.Customers, 2)
		assert.Equal(t, "user-b", a.Customers[0].CognitoID)
	}
	problemType := func(typ string) func(t *testing.T, body []byte) {
		return func(t *testing.T, body []byte) { assert.Equal(t, typ, apitest.Problem(t, body).Type) }
	}

	cases := []struct {
		fixture   string
		status    int
		principal string
		check     func(t *testing.T, body []byte)
		forgot    string // the customer a forget erased, named in the audit line by hash
	}{
		{"search-iam.json", 200, principal, bothCustomers, ""},
		// API Gateway HTTP APIs deliver rawPath decoded: the same search.
		{"decoded-search-spaces-iam.json", 200, principal, bothCustomers, ""},
		{"decoded-search-arabic-digits-iam.json", 200, principal, bothCustomers, ""},
		{"decoded-search-percent-iam.json", 400, principal, problemType(api.TypeInvalidPhone), ""},
		{"decoded-phones-newline-iam.json", 400, principal, problemType(api.TypeInvalidCognitoID), ""},
		{"decoded-forget-hash-iam.json", 400, principal, func(t *testing.T, body []byte) {
			problemType(api.TypeInvalidCognitoID)(t, body)
			links, err := store.ListByCustomer(context.Background(), "user")
			require.NoError(t, err)
			assert.Len(t, links, 1, "a decoded user#a forgot user")
		}, ""},
		{"search-region-iam.json", 200, principal, func(t *testing.T, body []byte) {
			var a api.SearchAnswer
			require.NoError(t, json.Unmarshal(body, &a))
			require.Len(t, a.Customers, 1, "limit=1")
			assert.True(t, a.Truncated)
		}, ""},
		{"phones-iam.json", 200, principal, func(t *testing.T, body []byte) {
			assert.Contains(t, string(body), `"cognitoId":"user-a"`)
		}, ""},
		{"unlink-iam.json", 204, principal, nil, ""},
		{"unlink-missing-iam.json", 404, principal, nil, ""},
		{"invalid-phone-iam.json", 400, principal, func(t *testing.T, body []byte) {
			assert.NotContains(t, string(body), "not-a-number")
		}, ""},
		{"no-route-iam.json", 404, principal, nil, ""},
		{"method-iam.json", 405, principal, nil, ""},
		{"search-no-authorizer.json", 200, "unknown", nil, ""},
		{"forget-iam.json", 200, principal, func(t *testing.T, body []byte) {
			assert.JSONEq(t, `{"cognitoId":"user-a","removed":1}`, string(body))
		}, "user-a"},
		{"forget-again-iam.json", 200, principal, func(t *testing.T, body []byte) {
			assert.JSONEq(t, `{"cognitoId":"user-a","removed":0}`, string(body), "idempotent")
		}, "user-a"},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/" + c.fixture)
			require.NoError(t, err)
			var ev lambdaevents.APIGatewayV2HTTPRequest
			require.NoError(t, json.Unmarshal(raw, &ev))
			logs.Reset()
			ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "lambda-req-1"})
			resp, err := handle(ctx, ev)
			require.NoError(t, err)
			require.Equal(t, c.status, resp.StatusCode, "%s", resp.Body)
			require.False(t, resp.IsBase64Encoded)

			// The same request as an http.Request, for the contract check
			// (a decoded rawPath encoded as the handler saw it).
			target := escapeRawPath(ev.RawPath)
			if ev.RawQueryString != "" {
				target += "?" + ev.RawQueryString
			}
			req := httptest.NewRequest(ev.RequestContext.HTTP.Method, target, nil)
			header := http.Header{}
			for k, v := range resp.Headers {
				header.Set(k, v)
			}
			apitest.Load(t).Check(t, req, resp.StatusCode, header, []byte(resp.Body))
			if c.check != nil {
				c.check(t, []byte(resp.Body))
			}

			var line map[string]any
			require.NoError(t, json.Unmarshal(bytes.TrimSpace(logs.Bytes()), &line), "one audit line: %s", logs.String())
			assert.Equal(t, "audit", line["message"])
			assert.Equal(t, c.principal, line["principal"])
			assert.Equal(t, ev.RequestContext.RequestID, line["requestId"])
			assert.Equal(t, float64(c.status), line["status"])
			assert.Equal(t, "dev", line["version"])
			assert.NotContains(t, logs.String(), "7946", "a phone number unmasked")
			if c.forgot != "" {
				assert.Equal(t, api.RouteForget, line["route"])
				assert.Equal(t, lookup.ForgottenRef(c.forgot), line["customer"])
				assert.Contains(t, line, "removed")
				assert.NotContains(t, logs.String(), c.forgot, "a forgotten customer by hash only")
			}
		})
	}
}
