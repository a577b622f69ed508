package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/api/apitest"
	"github.com/phonelookup/phonelookup/internal/syncbuf"
	"github.com/phonelookup/phonelookup/lookup"
)

// errorCase is one line of testdata/errors.json: a request and the problem
// it must get.
type errorCase struct {
	Name   string `json:"name"`
	Method string `json:"method"`
	Target string `json:"target"`
	Status int    `json:"status"`
	Type   string `json:"type"`
	Allow  string `json:"allow"`
	Secret string `json:"secret"` // part of the input the answer must not echo
}

func errorCases(t *testing.T) []errorCase {
	t.Helper()
	b, err := os.ReadFile("testdata/errors.json")
	require.NoError(t, err)
	var cases []errorCase
	require.NoError(t, json.Unmarshal(b, &cases))
	require.NotEmpty(t, cases)
	return cases
}

// runErrorCases sends every case of testdata/errors.json and checks the
// problem, plus the oversized URIs (414), which are built here.
func runErrorCases(t *testing.T, h http.Handler) {
	cases := errorCases(t)
	long := strings.Repeat("9", api.MaxURILength)
	cases = append(cases,
		errorCase{Name: "path over the limit", Method: "GET", Target: "/v1/phones/" + long + "/customers", Status: 414, Type: api.TypeURITooLong},
		errorCase{Name: "query over the limit", Method: "GET", Target: "/v1/phones/%2B442079460958/customers?region=" + long, Status: 414, Type: api.TypeURITooLong},
		errorCase{Name: "unlink path over the limit", Method: "DELETE", Target: "/v1/customers/" + long + "/phones/1", Status: 414, Type: api.TypeURITooLong},
		errorCase{Name: "forget path over the limit", Method: "DELETE", Target: "/v1/customers/" + long, Status: 414, Type: api.TypeURITooLong},
	)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			resp, body := apitest.Do(t, h, c.Method, c.Target)
			require.Equal(t, c.Status, resp.StatusCode, "%s %s: %s", c.Method, c.Target, body)
			assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
			p := apitest.Problem(t, body)
			assert.Equal(t, c.Type, p.Type)
			assert.Equal(t, c.Status, p.Status)
			assert.NotEmpty(t, p.Title)
			assert.NotEmpty(t, p.RequestID)
			assert.Equal(t, c.Allow, resp.Header.Get("Allow"))
			if c.Secret != "" {
				assert.NotContains(t, string(body), c.Secret, "the answer echoes the input")
			}
		})
	}
}

// auditLog is a concurrency-safe buffer of audit lines.
type auditLog struct{ syncbuf.Buffer }

// lines returns the audit lines written so far, decoded.
func (a *auditLog) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(a.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), "audit line %q", l)
		out = append(out, m)
	}
	return out
}

// last returns the last audit line.
func (a *auditLog) last(t *testing.T) map[string]any {
	t.Helper()
	l := a.lines(t)
	require.NotEmpty(t, l, "no audit line")
	return l[len(l)-1]
}

func (a *auditLog) text() string { return a.String() }

func (a *auditLog) logger() zerolog.Logger { return zerolog.New(a) }

// phones is the real normaliser with no default region and no cache.
func phones(t testing.TB) *lookup.Normalizer {
	t.Helper()
	n, err := lookup.NewNormalizer("", 0)
	require.NoError(t, err)
	return n
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(body, &v), "body %s", body)
	return v
}
