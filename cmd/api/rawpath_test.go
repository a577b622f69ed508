package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEscapeRawPath runs testdata/rawpaths.json: encoded paths unchanged,
// decoded ones made safe, and every answer a valid path encoding that
// decodes to the input (when the input is not already an encoding).
func TestEscapeRawPath(t *testing.T) {
	b, err := os.ReadFile("testdata/rawpaths.json")
	require.NoError(t, err)
	var cases []struct{ Name, In, Want string }
	require.NoError(t, json.Unmarshal(b, &cases))
	require.NotEmpty(t, cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			got := escapeRawPath(c.In)
			assert.Equal(t, c.Want, got, "escapeRawPath(%q)", c.In)
			assert.Equal(t, got, escapeRawPath(got), "escapeRawPath is not idempotent on %q", got)
			u, err := url.Parse("https://example.com" + got)
			require.NoError(t, err, "escapeRawPath(%q) = %q: not a URL path", c.In, got)
			assert.Empty(t, u.RawQuery+u.Fragment, "escapeRawPath(%q) = %q: a query or fragment", c.In, got)
			if _, err := url.PathUnescape(c.In); err != nil { // decoded input: no encoding in it
				dec, err := url.PathUnescape(got)
				require.NoError(t, err)
				assert.Equal(t, c.In, dec, "escapeRawPath(%q) = %q does not decode to the input", c.In, got)
			}
		})
	}
}

// TestEscapingRawPathFallsBackToHTTPPath: an event without rawPath has its
// requestContext.http.path escaped into rawPath, which the adapter reads
// first.
func TestEscapingRawPathFallsBackToHTTPPath(t *testing.T) {
	var seen events.APIGatewayV2HTTPRequest
	p := escapingRawPath(func(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		seen = ev
		return events.APIGatewayV2HTTPResponse{}, nil
	})
	var ev events.APIGatewayV2HTTPRequest
	ev.RequestContext.HTTP.Path = "/v1/customers/user#a"
	_, err := p(context.Background(), ev)
	require.NoError(t, err)
	assert.Equal(t, "/v1/customers/user%23a", seen.RawPath)

	ev.RawPath = "/v1/customers/user%23b"
	_, err = p(context.Background(), ev)
	require.NoError(t, err)
	assert.Equal(t, "/v1/customers/user%23b", seen.RawPath, "rawPath wins over http.path")
}
