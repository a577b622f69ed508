// Package apitest holds the API's test helpers: the OpenAPI contract that
// every response a test gets is checked against, and a request runner. Only
// tests import it.
package apitest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api"
)

// Contract is the loaded OpenAPI document and a router on its paths.
type Contract struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	loadOnce sync.Once
	loaded   *Contract
	loadErr  error
)

// Load parses and validates api.OpenAPI() once per test binary.
func Load(t testing.TB) *Contract {
	t.Helper()
	loadOnce.Do(func() {
		ctx := context.Background()
		doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI())
		if err != nil {
			loadErr = err
			return
		}
		if err := doc.Validate(ctx); err != nil {
			loadErr = err
			return
		}
		// Match any host: the tests' servers listen on free ports.
		doc.Servers = openapi3.Servers{{URL: "/"}}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			loadErr = err
			return
		}
		loaded = &Contract{doc: doc, router: r}
	})
	require.NoError(t, loadErr, "openapi.yaml")
	return loaded
}

// Check fails t unless Validate accepts the response.
func (c *Contract) Check(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	assert.NoError(t, c.Validate(req, status, header, body),
		"%s %s answered %d %s: not what openapi.yaml allows", req.Method, req.URL, status, body)
}

// Validate reports whether the response (status, header, body) to req is one
// the document allows: for a documented operation, openapi3filter's response
// validation with undocumented statuses rejected and a 503 problem without
// Retry-After rejected; for a path the document
// does not have, a 404 problem; for a method a path does not take, a 405
// problem with Allow.
func (c *Contract) Validate(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := c.router.FindRoute(req)
	switch {
	case err == nil:
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{
				Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
			},
			Status:  status,
			Header:  header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		in.SetBodyBytes(body)
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			return err
		}
		return retryAfter(status, header)
	case errors.Is(err, routers.ErrPathNotFound):
		if status != http.StatusNotFound {
			return fmt.Errorf("status %d for a path the document lacks, want 404", status)
		}
		return c.validateProblem("NotFound", header, body)
	case errors.Is(err, routers.ErrMethodNotAllowed):
		if status != http.StatusMethodNotAllowed {
			return fmt.Errorf("status %d for a method the path lacks, want 405", status)
		}
		if header.Get("Allow") == "" {
			return errors.New("405 without Allow")
		}
		return c.validateProblem("MethodNotAllowed", header, body)
	}
	return fmt.Errorf("find route: %w", err)
}

// retryAfter holds what the document says in prose and cannot say in
// schema: the API's own 503 problem always carries Retry-After (API
// Gateway's 503, application/json, does not).
func retryAfter(status int, header http.Header) error {
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if status == http.StatusServiceUnavailable && mt == "application/problem+json" && header.Get("Retry-After") == "" {
		return errors.New("503 problem without Retry-After")
	}
	return nil
}

// validateProblem validates body against the schema of the document's
// response component name, for the response's content type.
func (c *Contract) validateProblem(name string, header http.Header, body []byte) error {
	resp := c.doc.Components.Responses[name]
	if resp == nil {
		return fmt.Errorf("no components.responses.%s", name)
	}
	mt, _, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil {
		return fmt.Errorf("content type: %w", err)
	}
	media := resp.Value.Content.Get(mt)
	if media == nil {
		return fmt.Errorf("a %s response is not %s", name, mt)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return media.Schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020())
}

// Do serves one request through h (with a recorder, as a server would read
// target: escapes kept), checks the answer against the contract and returns
// it with its body.
func Do(t testing.TB, h http.Handler, method, target string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	Load(t).Check(t, req, resp.StatusCode, resp.Header, body)
	return resp, body
}

// Problem decodes a problem body.
func Problem(t testing.TB, body []byte) api.Problem {
	t.Helper()
	var p api.Problem
	require.NoError(t, json.Unmarshal(body, &p), "problem body %s", body)
	return p
}
