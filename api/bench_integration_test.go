//go:build integration

package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/lookup"
)

// BenchmarkSearchLatency is a search through the handler against dynalite
// for a number with 1 to 2,000 customers (the read cap is the default
// 1,000): p50 and p99 of the requests, and the Query pages and items one
// search reads.
func BenchmarkSearchLatency(b *testing.B) {
	for _, n := range []int{1, 10, 100, 1000, 2000} {
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			s := seededTable(b, n)
			f, err := s.Search(context.Background(), uk, api.DefaultMaxRead)
			if err != nil {
				b.Fatal(err)
			}
			h := api.New(api.Options{Store: s, Phones: phones(b), Audit: zerolog.New(io.Discard)})
			var lat []time.Duration
			for b.Loop() {
				start := time.Now()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/phones/%2B442079460958/customers", nil))
				lat = append(lat, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(ms(lat[len(lat)*50/100]), "p50-ms")
			b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
			b.ReportMetric(float64(f.Pages), "pages")
			b.ReportMetric(float64(f.Read), "items")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// seededTable returns a table where n customers are linked to uk.
func seededTable(b *testing.B, n int) *dynamo.Store {
	b.Helper()
	s := newTable(b)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := s.Link(ctx, lookup.Sighting{CognitoID: fmt.Sprintf("eu-west-1:user-%05d", i), Phone: uk,
				Via: lookup.ViaDropoff, Source: "graphql", OrderID: fmt.Sprintf("ord-%05d", i),
				OccurredAt: t0.Add(time.Duration(i) * time.Second), Brand: "pizzaplace"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	return s
}
