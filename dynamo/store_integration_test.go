//go:build integration

package dynamo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/lookup"
)

var t0 = time.Date(2026, 11, 2, 10, 0, 0, 123_000_000, time.UTC)

func sighting(user, phone string, minutes int, order, source, via string) lookup.Sighting {
	return lookup.Sighting{
		CognitoID: user, Phone: phone, Via: via, Source: source, OrderID: order,
		OccurredAt: t0.Add(time.Duration(minutes) * time.Minute), Brand: "brand-" + order,
	}
}

func noBrand(s lookup.Sighting) lookup.Sighting { s.Brand = ""; return s }

// corpus is a set of sightings over 3 customers and 2 phones, with two
// sightings in the same millisecond (tie broken by order id).
func corpus() []lookup.Sighting {
	const a, b = "+442079460958", "+16502530000"
	return []lookup.Sighting{
		sighting("user-1", a, 0, "o-1", "graphql", lookup.ViaDropoff),
		sighting("user-1", a, 5, "o-2", "fulfillment", lookup.ViaDropoff),
		sighting("user-1", a, 5, "o-3", "graphql", lookup.ViaAccount),
		sighting("user-1", a, -30, "o-0", "graphql", lookup.ViaAccount),
		sighting("user-1", b, 1, "o-4", "graphql", lookup.ViaAccount),
		sighting("user-2", a, 2, "o-5", "fulfillment", lookup.ViaDropoff),
		sighting("user-2", a, 9, "o-6", "fulfillment", lookup.ViaDropoff),
		noBrand(sighting("user-2", a, 9, "o-6", "graphql", lookup.ViaDropoff)), // the same order from the other producer, without brand
		sighting("eu-west-1:7f1c-9a", b, 3, "o-7", "graphql", lookup.ViaDropoff),
	}
}

// scan returns every item of the table, as comparable JSON, sorted.
func scan(t *testing.T, db *dynamodb.Client, table string) []string {
	t.Helper()
	items, err := emulator.ScanTable(context.Background(), db, table)
	require.NoError(t, err)
	return items
}

func TestLinkIsIdempotentAndOrderIndependent(t *testing.T) {
	ctx := context.Background()
	events := corpus()

	// Reference: each sighting once, in order.
	ref, refDB := newStore(t)
	for _, s := range events {
		_, err := ref.Link(ctx, s)
		require.NoError(t, err)
	}
	want := scan(t, refDB, ref.Table())
	require.Len(t, want, 4, "one item per (customer, phone)")

	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprintf("shuffled-duplicated-concurrent-seed-%d", seed), func(t *testing.T) {
			s, db := newStore(t)
			rng := rand.New(rand.NewPCG(seed, seed))
			var all []lookup.Sighting
			for range 1 + rng.IntN(4) {
				all = append(all, events...)
			}
			rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
			var wg sync.WaitGroup
			errs := make(chan error, len(all))
			for _, sg := range all {
				wg.Go(func() {
					_, err := s.Link(ctx, sg)
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			assert.Equal(t, want, scan(t, db, s.Table()))
		})
	}
}

func TestLinkRecordsMinMaxAndSets(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	for _, sg := range corpus() {
		_, err := s.Link(ctx, sg)
		require.NoError(t, err)
	}
	l, err := s.Get(ctx, "user-1", "+442079460958")
	require.NoError(t, err)
	assert.Equal(t, t0.Add(-30*time.Minute), l.FirstSeenAt)
	assert.Equal(t, "o-0", l.FirstOrderID)
	assert.Equal(t, t0.Add(5*time.Minute), l.LastSeenAt)
	assert.Equal(t, "o-3", l.LastOrderID, "same millisecond: the larger order id is last")
	assert.Equal(t, "brand-o-3", l.Brand)
	assert.Equal(t, []string{"fulfillment", "graphql"}, l.Sources)
	assert.Equal(t, []string{"account", "dropoff"}, l.Via)
	assert.Equal(t, lookup.NormVersion, l.NormVersion)
	assert.True(t, l.Active)

	l, err = s.Get(ctx, "user-2", "+442079460958")
	require.NoError(t, err)
	assert.Equal(t, "brand-o-6", l.Brand, "the latest order seen with and without a brand keeps the brand")
}

func TestLinkOutcomes(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	const p = "+442079460958"
	steps := []struct {
		name string
		sg   lookup.Sighting
		want lookup.Outcome
	}{
		{"new", sighting("u", p, 10, "o-10", "graphql", lookup.ViaDropoff), lookup.Linked},
		{"duplicate", sighting("u", p, 10, "o-10", "graphql", lookup.ViaDropoff), lookup.Unchanged},
		{"newer", sighting("u", p, 20, "o-20", "graphql", lookup.ViaDropoff), lookup.Refreshed},
		{"older", sighting("u", p, 0, "o-0", "graphql", lookup.ViaDropoff), lookup.Refreshed},
		{"older duplicate", sighting("u", p, 0, "o-0", "graphql", lookup.ViaDropoff), lookup.Unchanged},
		{"middle, same sets", sighting("u", p, 15, "o-15", "graphql", lookup.ViaDropoff), lookup.Unchanged},
		{"middle, new source", sighting("u", p, 15, "o-15", "fulfillment", lookup.ViaDropoff), lookup.Refreshed},
		{"middle, new via", sighting("u", p, 15, "o-15", "fulfillment", lookup.ViaAccount), lookup.Refreshed},
	}
	for _, st := range steps {
		got, err := s.Link(ctx, st.sg)
		require.NoError(t, err, st.name)
		assert.Equal(t, st.want, got, "Link(%s)", st.name)
	}
}

func TestUnlink(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	const p = "+442079460958"
	now := t0.Add(time.Hour)
	s.Now = func() time.Time { return now }

	_, err := s.Link(ctx, sighting("u-1", p, 0, "o-1", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)
	_, err = s.Link(ctx, sighting("u-2", p, 1, "o-2", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)

	require.NoError(t, s.Unlink(ctx, "u-1", p))
	require.Equal(t, []string{"u-2"}, customers(t, s, p))

	// A replay of the old order, or any order up to the unlink time, does not bring it back.
	for _, sg := range []lookup.Sighting{
		sighting("u-1", p, 0, "o-1", "graphql", lookup.ViaDropoff),
		sighting("u-1", p, 30, "o-3", "fulfillment", lookup.ViaAccount),
		sighting("u-1", p, 60, "o-4", "graphql", lookup.ViaDropoff), // exactly at the unlink time
	} {
		_, err := s.Link(ctx, sg)
		require.NoError(t, err)
		assert.Equal(t, []string{"u-2"}, customers(t, s, p), "after replaying %s", sg.OrderID)
	}
	l, err := s.Get(ctx, "u-1", p)
	require.NoError(t, err)
	assert.False(t, l.Active)
	assert.Equal(t, "o-4", l.LastOrderID, "history is kept while hidden")

	// Unlink again is fine; unknown link is ErrNotFound.
	require.NoError(t, s.Unlink(ctx, "u-1", p))
	require.ErrorIs(t, s.Unlink(ctx, "u-3", p), lookup.ErrNotFound)

	// A later order brings it back.
	got, err := s.Link(ctx, sighting("u-1", p, 61, "o-5", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)
	assert.Equal(t, lookup.Linked, got)
	assert.Equal(t, []string{"u-1", "u-2"}, customers(t, s, p))
}

func TestUnlinkAfterFutureSightingStaysHidden(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	const p = "+442079460958"
	s.Now = func() time.Time { return t0 } // the clock is behind the order's time
	_, err := s.Link(ctx, sighting("u", p, 10, "o-1", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)
	require.NoError(t, s.Unlink(ctx, "u", p))
	_, err = s.Link(ctx, sighting("u", p, 10, "o-1", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)
	assert.Empty(t, customers(t, s, p), "a replay of an order already seen must not undo the unlink")
}

func customers(t *testing.T, s *dynamo.Store, phone string) []string {
	t.Helper()
	links, err := s.FindByPhone(context.Background(), phone)
	require.NoError(t, err)
	ids := []string{}
	for _, l := range links {
		ids = append(ids, l.CognitoID)
	}
	return ids
}

func TestFindByPhoneMostRecentFirst(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	const p = "+16502530000"
	for i, u := range []string{"u-b", "u-c", "u-a"} {
		_, err := s.Link(ctx, sighting(u, p, i*10, fmt.Sprint("o-", i), "graphql", lookup.ViaAccount))
		require.NoError(t, err)
	}
	_, err := s.Link(ctx, sighting("u-x", "+442079460958", 100, "o-x", "graphql", lookup.ViaAccount))
	require.NoError(t, err)
	assert.Equal(t, []string{"u-a", "u-c", "u-b"}, customers(t, s, p))
	assert.Empty(t, customers(t, s, "+33123456789"))
}

func TestKeysCannotBeForged(t *testing.T) {
	ctx := context.Background()
	s, db := newStore(t)
	for _, id := range []string{"", "u#phone#+1", "a b", "ü", string(make([]byte, 129))} {
		_, err := s.Link(ctx, sighting(id, "+442079460958", 0, "o", "graphql", lookup.ViaDropoff))
		assert.ErrorIs(t, err, lookup.ErrInvalidSighting, "Link(cognitoId %q)", id)
	}
	for _, p := range []string{"442079460958", "+44 20", "+44#1", ""} {
		_, err := s.Link(ctx, sighting("u", p, 0, "o", "graphql", lookup.ViaDropoff))
		assert.ErrorIs(t, err, lookup.ErrInvalidSighting, "Link(phone %q)", p)
	}
	assert.Empty(t, scan(t, db, s.Table()))
}

// countRequests adds a middleware that counts DynamoDB operations by name.
func countRequests(counts map[string]int, mu *sync.Mutex) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("count",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					mu.Lock()
					counts[middleware.GetOperationName(ctx)]++
					mu.Unlock()
					return next.HandleInitialize(ctx, in)
				}), middleware.After)
		})
	}
}

// TestRequestsPerEvent counts the requests of each kind of event, with and
// without LINK_RETENTION (the TTL is set in the same request), and for a
// forgotten customer. The README's table is these figures.
func TestRequestsPerEvent(t *testing.T) {
	ctx := context.Background()
	const p = "+442079460958"
	type want struct{ writes, reads, deletes int }
	cases := []struct {
		name string
		sg   lookup.Sighting
		want want // reads: dynalite returns no item on a failed condition (one GetItem), plus the tombstone read
	}{
		{"new link", sighting("u", p, 10, "o-10", "graphql", lookup.ViaDropoff), want{1, 1, 0}},
		{"redelivery of it", sighting("u", p, 10, "o-10", "graphql", lookup.ViaDropoff), want{1, 2, 0}},
		{"newer order", sighting("u", p, 20, "o-20", "graphql", lookup.ViaDropoff), want{1, 0, 0}},
		{"duplicate", sighting("u", p, 20, "o-20", "graphql", lookup.ViaDropoff), want{1, 2, 0}},
		{"older order", sighting("u", p, 0, "o-0", "graphql", lookup.ViaDropoff), want{2, 1, 0}},
		{"older duplicate", sighting("u", p, 0, "o-0", "graphql", lookup.ViaDropoff), want{1, 2, 0}},
		{"forgotten customer", sighting("gone", p, 30, "o-30", "graphql", lookup.ViaDropoff), want{1, 1, 1}},
	}
	for _, retention := range []time.Duration{0, 365 * 24 * time.Hour} {
		t.Run(fmt.Sprintf("retention-%v", retention), func(t *testing.T) {
			counts := map[string]int{}
			var mu sync.Mutex
			s, _ := newStore(t, countRequests(counts, &mu))
			s.Retention = retention
			_, err := s.Forget(ctx, "gone")
			require.NoError(t, err)
			for _, c := range cases {
				clear(counts)
				_, err := s.Link(ctx, c.sg)
				if c.sg.CognitoID == "gone" {
					require.ErrorIs(t, err, lookup.ErrForgotten)
				} else {
					require.NoError(t, err)
				}
				t.Logf("%-18s UpdateItem=%d GetItem=%d DeleteItem=%d", c.name, counts["UpdateItem"], counts["GetItem"], counts["DeleteItem"])
				got := want{counts["UpdateItem"], counts["GetItem"], counts["DeleteItem"]}
				assert.Equal(t, c.want, got, "%s: requests", c.name)
			}
		})
	}
}
