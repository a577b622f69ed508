package dynamo

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// SharedNumber is a phone number with the number of customers linked to it.
type SharedNumber struct {
	Phone     string `json:"phone"`     // E.164
	Customers int    `json:"customers"` // active, unexpired links
}

// SharedReport is the answer of SharedNumbers; its JSON is what
// `phonelookup report shared --json` prints (the numbers masked there
// unless revealed).
type SharedReport struct {
	Numbers []SharedNumber `json:"numbers"` // at least min customers, most customers first (ties: by phone)
	Links   int            `json:"links"`   // active, unexpired links counted
	Phones  int            `json:"phones"`  // distinct numbers with at least one link
	Read    int            `json:"read"`    // index items read
	Foreign int            `json:"foreign"` // index items that are not links (legacy records, other items of a shared table)
	Expired int            `json:"expired"` // links whose TTL has passed (not counted)
}

// SharedNumbers counts the active links of every number with a parallel Scan
// of the index (segments segments), and returns the numbers linked to at
// least min customers. It holds one counter per distinct number in memory.
// progress, if not nil, is called after every page with the items read so far.
func (s *Store) SharedNumbers(ctx context.Context, segments, min int, progress func(read int)) (SharedReport, error) {
	var mu sync.Mutex
	counts := map[string]int{}
	var r SharedReport
	in := &dynamodb.ScanInput{TableName: &s.table, IndexName: &s.index}
	now := s.Now()
	err := s.parallelScan(ctx, in, segments, func(_ context.Context, page *dynamodb.ScanOutput) error {
		mu.Lock()
		defer mu.Unlock()
		r.Read += len(page.Items)
		for _, item := range page.Items {
			l, err := s.parseLink(item)
			switch {
			case err != nil || !l.Active:
				r.Foreign++
			case l.Expired(now):
				r.Expired++
			default:
				r.Links++
				counts[l.Phone]++
			}
		}
		if progress != nil {
			progress(r.Read)
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	r.Phones = len(counts)
	r.Numbers = []SharedNumber{}
	for p, n := range counts {
		if n >= min {
			r.Numbers = append(r.Numbers, SharedNumber{Phone: p, Customers: n})
		}
	}
	slices.SortFunc(r.Numbers, func(a, b SharedNumber) int {
		return cmp.Or(cmp.Compare(b.Customers, a.Customers), cmp.Compare(a.Phone, b.Phone))
	})
	return r, nil
}
