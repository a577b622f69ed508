package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/lookup"
)

// instantStore answers every search with the same links, at once.
type instantStore struct {
	api.Store
	found lookup.Found
}

func (s instantStore) Search(context.Context, string, int) (lookup.Found, error) { return s.found, nil }

// BenchmarkHandlerCPU is the handler's own cost per request (routing,
// query checks, normalising the number, the answer's JSON, the audit
// line) with a store that answers instantly: what the API adds to
// DynamoDB's time.
func BenchmarkHandlerCPU(b *testing.B) {
	for _, n := range []int{0, 2, 20} {
		links := make([]lookup.Link, n)
		for i := range links {
			links[i] = memLink(fmt.Sprintf("user-%02d", i), "+442079460958", i)
		}
		for _, c := range []struct{ name, target string }{
			{"e164", "/v1/phones/%2B442079460958/customers"},
			{"national-GB", "/v1/phones/020%207946%200958/customers?region=GB"},
		} {
			b.Run(fmt.Sprintf("customers=%d/%s", n, c.name), func(b *testing.B) {
				ph, err := lookup.NewNormalizer("", lookup.DefaultCacheSize)
				if err != nil {
					b.Fatal(err)
				}
				h := api.New(api.Options{Store: instantStore{found: lookup.Found{Links: links, Read: n, Pages: 1}},
					Phones: ph, Audit: zerolog.New(io.Discard)})
				b.ReportAllocs()
				for b.Loop() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.target, nil))
					if rec.Code != http.StatusOK {
						b.Fatalf("status %d", rec.Code)
					}
				}
			})
		}
	}
	b.Run("invalid-phone", func(b *testing.B) {
		h := api.New(api.Options{Store: instantStore{}, Phones: phones(b), Audit: zerolog.New(io.Discard)})
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/phones/12/customers", nil))
			if rec.Code != http.StatusBadRequest {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}
