//go:build integration

package dynamo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/lookup"
)

// putRaw writes the items of testdata/name (DynamoDB JSON) as they are: the
// user table's own items, which the store never wrote.
func putRaw(t *testing.T, db *dynamodb.Client, table, name string) int {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	var items []map[string]map[string]string
	require.NoError(t, json.Unmarshal(data, &items))
	for _, it := range items {
		av := map[string]types.AttributeValue{}
		for k, v := range it {
			av[k] = &types.AttributeValueMemberS{Value: v["S"]}
		}
		_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &table, Item: av})
		require.NoError(t, err)
	}
	return len(items)
}

// importAll runs the legacy import (ImportLegacyRecords) and returns what it
// read and the outcomes counted (those not zero).
func importAll(t *testing.T, s *dynamo.Store, segments int) (dynamo.LegacyScan, map[string]int) {
	t.Helper()
	phones, err := lookup.NewNormalizer("", 0)
	require.NoError(t, err)
	var unparseable []string
	sum, err := s.ImportLegacyRecords(context.Background(), dynamo.LegacyImportOptions{
		Segments:    segments,
		Normalize:   func(raw string) (string, error) { return phones.Normalize(raw, "") },
		Unparseable: func(masked string, _ error) { unparseable = append(unparseable, masked) },
	})
	require.NoError(t, err)
	require.Len(t, unparseable, sum.Unparseable, "each unparseable number told")
	for _, m := range unparseable {
		require.Contains(t, m, "*", "told masked")
	}
	counts := map[string]int{}
	for k, v := range map[string]int{"imported": sum.Imported, "already-linked": sum.AlreadyLinked, "unparseable": sum.Unparseable,
		"ignored": sum.Ignored, "forgotten": sum.Forgotten} {
		if v > 0 {
			counts[k] = v
		}
	}
	return dynamo.LegacyScan{Scanned: sum.Scanned, Records: sum.Records, Foreign: sum.Foreign}, counts
}

func TestImportLegacyTwiceChangesNothing(t *testing.T) {
	ctx := context.Background()
	s, db := newStore(t)
	const p = "+442079460958"
	// An order-backed link of the number already there.
	_, err := s.Link(ctx, sighting("user-1", p, 0, "o-1", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)
	// legacy-2's number is one legacy-1 typed differently: same E.164.
	n := putRaw(t, db, s.Table(), "legacy.json")
	before := scan(t, db, s.Table())

	sum, counts := importAll(t, s, 3)
	// A Scan is not a snapshot: the 3 links written while it scans may be
	// scanned too.
	assert.GreaterOrEqual(t, sum.Scanned, n+1, "items scanned")
	assert.LessOrEqual(t, sum.Scanned, n+4, "items scanned, the links written during the scan included")
	sum.Scanned = n + 1
	assert.Equal(t, dynamo.LegacyScan{Scanned: n + 1, Records: 5, Foreign: 2}, sum)
	assert.Equal(t, map[string]int{"imported": 3, "unparseable": 2}, counts, "+222222 is not a possible number")
	first := scan(t, db, s.Table())
	assert.Len(t, first, len(before)+3)
	for _, it := range before {
		assert.Contains(t, first, it, "every item there before is unchanged (legacy records included)")
	}

	sum, counts = importAll(t, s, 2)
	assert.Equal(t, dynamo.LegacyScan{Scanned: n + 4, Records: 5, Foreign: 2}, sum)
	assert.Equal(t, map[string]int{"already-linked": 3, "unparseable": 2}, counts)
	assert.Equal(t, first, scan(t, db, s.Table()), "the second import changes nothing")

	// Legacy links rank after the order-backed one and say so.
	links, err := s.FindByPhone(ctx, p)
	require.NoError(t, err)
	require.Len(t, links, 3)
	assert.Equal(t, "user-1", links[0].CognitoID)
	assert.False(t, links[0].Legacy())
	assert.Equal(t, []string{"legacy-1", "legacy-2"}, []string{links[1].CognitoID, links[2].CognitoID})
	for _, l := range links[1:] {
		assert.True(t, l.Legacy())
		assert.Equal(t, []string{"legacy"}, l.Via)
		assert.True(t, lookup.View(l).Legacy)
		assert.Empty(t, lookup.View(l).LastSeenAt)
	}
}

func TestImportLegacyOnAnOrderBackedLinkAndBack(t *testing.T) {
	ctx := context.Background()
	const p = "+442079460958"
	order := sighting("u", p, 0, "o-1", "graphql", lookup.ViaDropoff)

	// Legacy first, then an order: the order turns it into an ordinary link.
	a, dbA := newStore(t)
	got, err := a.ImportLegacy(ctx, "u", p)
	require.NoError(t, err)
	assert.Equal(t, dynamo.Imported, got)
	out, err := a.Link(ctx, order)
	require.NoError(t, err)
	assert.Equal(t, lookup.Refreshed, out)
	l, err := a.Get(ctx, "u", p)
	require.NoError(t, err)
	assert.False(t, l.Legacy())
	assert.Equal(t, "o-1", l.FirstOrderID)
	assert.Equal(t, order.OccurredAt, l.FirstSeenAt)
	assert.Equal(t, []string{"dropoff", "legacy"}, l.Via)

	// An order first, then the import: the same item.
	b, dbB := newStore(t)
	_, err = b.Link(ctx, order)
	require.NoError(t, err)
	got, err = b.ImportLegacy(ctx, "u", p)
	require.NoError(t, err)
	assert.Equal(t, dynamo.AlreadyLinked, got)
	assert.Equal(t, scan(t, dbA, a.Table()), scan(t, dbB, b.Table()), "the same item whatever the order")

	// An unlinked legacy link stays hidden after a re-import and an older order.
	c, _ := newStore(t)
	c.Now = func() time.Time { return t0.Add(time.Hour) }
	_, err = c.ImportLegacy(ctx, "u", p)
	require.NoError(t, err)
	require.NoError(t, c.Unlink(ctx, "u", p))
	_, err = c.ImportLegacy(ctx, "u", p)
	require.NoError(t, err)
	_, err = c.Link(ctx, order)
	require.NoError(t, err)
	assert.Empty(t, customers(t, c, p))
	l, err = c.Get(ctx, "u", p)
	require.NoError(t, err)
	assert.Equal(t, "o-1", l.FirstOrderID, "history kept while hidden, first order set")
}

// phoneDigits are the national parts of the numbers the tests link: no item
// left by Forget may contain them.
var phoneDigits = []string{"2079460958", "6502530000"}

func TestForgetThenReplayBringsNothingBack(t *testing.T) {
	ctx := context.Background()
	s, db := newStore(t)
	events := corpus()
	for _, sg := range events {
		_, err := s.Link(ctx, sg)
		require.NoError(t, err)
	}
	require.NoError(t, s.Unlink(ctx, "user-1", "+16502530000"))
	_, err := s.ImportLegacy(ctx, "user-1", "+33123456789")
	require.NoError(t, err)
	others := func() []string {
		var out []string
		for _, it := range scan(t, db, s.Table()) {
			if !strings.Contains(it, "user-1") {
				out = append(out, it)
			}
		}
		return out
	}
	keep := others()

	removed, err := s.Forget(ctx, "user-1")
	require.NoError(t, err)
	assert.Equal(t, 3, removed, "two phones and the legacy link, the unlinked one included")
	left := scan(t, db, s.Table())
	require.Len(t, left, len(keep)+1, "the tombstone")
	tomb := ""
	for _, it := range left {
		if !contains(keep, it) {
			tomb = it
		}
	}
	require.NotEmpty(t, tomb)
	assert.NotContains(t, tomb, "user-1", "the tombstone names the customer by hash only")
	assert.Contains(t, tomb, lookup.ForgottenRef("user-1"))
	for _, d := range append(phoneDigits, "123456789") {
		assert.NotContains(t, tomb, d, "the tombstone holds no phone number")
	}

	// Replays, a new order days later, a re-import: nothing comes back.
	replay := append(corpus(), sighting("user-1", "+442079460958", 60*24*3, "o-new", "graphql", lookup.ViaDropoff))
	for _, sg := range replay {
		_, err := s.Link(ctx, sg)
		if sg.CognitoID == "user-1" {
			assert.ErrorIs(t, err, lookup.ErrForgotten, "Link(%s)", sg.OrderID)
		} else {
			assert.NoError(t, err)
		}
	}
	_, err = s.ImportLegacy(ctx, "user-1", "+33123456789")
	assert.ErrorIs(t, err, lookup.ErrForgotten)
	assert.Equal(t, left, scan(t, db, s.Table()), "after the replay: the same table")
	links, err := s.ListByCustomer(ctx, "user-1")
	require.NoError(t, err)
	assert.Empty(t, links)

	again, err := s.Forget(ctx, "user-1")
	require.NoError(t, err)
	assert.Zero(t, again, "forget is idempotent")
	assert.Equal(t, left, scan(t, db, s.Table()))
}

func contains(items []string, it string) bool {
	for _, x := range items {
		if x == it {
			return true
		}
	}
	return false
}

// TestForgetConcurrentWithLateEvents races Forget against writers of the
// customer's links: whatever the interleaving, no link is left.
func TestForgetConcurrentWithLateEvents(t *testing.T) {
	ctx := context.Background()
	for round := range 3 {
		t.Run(strconv.Itoa(round), func(t *testing.T) {
			s, _ := newStore(t)
			var wg sync.WaitGroup
			errs := make(chan error, 200)
			start := make(chan struct{})
			for w := range 8 {
				wg.Go(func() {
					<-start
					for i := range 10 {
						phone := fmt.Sprintf("+4420794600%d%d", w, i)
						_, err := s.Link(ctx, sighting("gone", phone, i, fmt.Sprint("o-", i), "graphql", lookup.ViaDropoff))
						if err != nil && !errors.Is(err, lookup.ErrForgotten) {
							errs <- err
						}
					}
				})
			}
			close(start)
			time.Sleep(time.Duration(round*20) * time.Millisecond)
			_, err := s.Forget(ctx, "gone")
			require.NoError(t, err)
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			links, err := s.ListByCustomer(ctx, "gone")
			require.NoError(t, err)
			assert.Empty(t, links, "no link of a forgotten customer survives")
		})
	}
}

func TestTTLSetMovesForwardAndHidesOncePast(t *testing.T) {
	ctx := context.Background()
	s, db := newStore(t)
	const p = "+442079460958"
	const retention = 30 * 24 * time.Hour
	s.Retention = retention
	now := t0.Add(time.Hour)
	s.Now = func() time.Time { return now }
	expires := func() time.Time {
		t.Helper()
		l, err := s.Get(ctx, "u", p)
		require.NoError(t, err)
		require.NotNil(t, l.ExpiresAt)
		return *l.ExpiresAt
	}
	link := func(sg lookup.Sighting) {
		t.Helper()
		_, err := s.Link(ctx, sg)
		require.NoError(t, err)
	}
	at := func(min int) time.Time {
		return t0.Add(time.Duration(min) * time.Minute).Add(retention).Truncate(time.Second)
	}

	link(sighting("u", p, 10, "o-10", "graphql", lookup.ViaDropoff))
	assert.Equal(t, at(10), expires(), "lastSeenAt + retention")
	link(sighting("u", p, 20, "o-20", "graphql", lookup.ViaDropoff))
	assert.Equal(t, at(20), expires(), "a newer order moves it")
	link(sighting("u", p, 0, "o-0", "graphql", lookup.ViaDropoff))
	link(sighting("u", p, 20, "o-20", "fulfillment", lookup.ViaAccount))
	assert.Equal(t, at(20), expires(), "older orders and duplicates leave it")

	// A shorter retention never moves it backwards, even with a newer order.
	s.Retention = time.Hour
	link(sighting("u", p, 30, "o-30", "graphql", lookup.ViaDropoff))
	assert.Equal(t, at(20), expires())
	l, err := s.Get(ctx, "u", p)
	require.NoError(t, err)
	assert.Equal(t, "o-30", l.LastOrderID, "the sighting itself was recorded")
	s.Retention = retention
	// Hidden (unlinked) links keep moving too.
	now = t0.Add(40 * time.Minute)
	require.NoError(t, s.Unlink(ctx, "u", p))
	link(sighting("u", p, 35, "o-35", "graphql", lookup.ViaDropoff))
	assert.Equal(t, at(35), expires())

	// TTL attribute as DynamoDB wants it: a number, epoch seconds.
	items := scan(t, db, s.Table())
	require.Len(t, items, 1)
	assert.Contains(t, items[0], fmt.Sprintf(`"expiresAt":{"N":"%d"}`, at(35).Unix()))

	// Past the TTL (DynamoDB has not deleted it yet): hidden from readers.
	link(sighting("u", p, 50, "o-50", "graphql", lookup.ViaDropoff))
	_, err = s.Link(ctx, sighting("v", p, 50, "o-v", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)
	now = at(50).Add(-time.Second)
	f, err := s.Search(ctx, p, 0)
	require.NoError(t, err)
	assert.Len(t, f.Links, 2)
	now = at(50)
	f, err = s.Search(ctx, p, 0)
	require.NoError(t, err)
	assert.Empty(t, f.Links, "expired links are hidden")
	assert.Equal(t, 2, f.Expired)
	links, err := s.ListByCustomer(ctx, "u")
	require.NoError(t, err)
	assert.Empty(t, links)
}

func TestTTLOffWritesNoneAndOnLater(t *testing.T) {
	ctx := context.Background()
	s, db := newStore(t)
	_, err := s.Link(ctx, sighting("u", "+442079460958", 0, "o-1", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)
	assert.NotContains(t, scan(t, db, s.Table())[0], "expiresAt")

	// Retention turned on: the next newer order sets it (the guard admits a
	// missing attribute).
	s.Retention = time.Hour
	_, err = s.Link(ctx, sighting("u", "+442079460958", 1, "o-2", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)
	assert.Contains(t, scan(t, db, s.Table())[0],
		fmt.Sprintf(`"expiresAt":{"N":"%d"}`, t0.Add(time.Minute+time.Hour).Unix()))
}

func TestSharedNumbers(t *testing.T) {
	ctx := context.Background()
	s, db := newStore(t)
	s.Retention = time.Hour
	s.Now = func() time.Time { return t0.Add(2 * time.Hour) } // links at t0 minus a day expire
	const shop, other, lone = "+442079460958", "+16502530000", "+33123456789"
	for i := range 7 {
		_, err := s.Link(ctx, sighting(fmt.Sprint("u-", i), shop, 70+i, fmt.Sprint("o-", i), "graphql", lookup.ViaDropoff))
		require.NoError(t, err)
	}
	for i := range 3 {
		_, err := s.Link(ctx, sighting(fmt.Sprint("v-", i), other, 70+i, fmt.Sprint("p-", i), "graphql", lookup.ViaDropoff))
		require.NoError(t, err)
	}
	_, err := s.Link(ctx, sighting("w", lone, 70, "q", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)
	_, err = s.Link(ctx, sighting("x-old", other, -24*60, "old", "graphql", lookup.ViaDropoff)) // expired
	require.NoError(t, err)
	require.NoError(t, s.Unlink(ctx, "u-0", shop)) // leaves the index
	_, err = s.ImportLegacy(ctx, "legacy", shop)
	require.NoError(t, err)
	putRaw(t, db, s.Table(), "legacy.json") // index items that are not links

	for _, segments := range []int{1, 4} {
		r, err := s.SharedNumbers(ctx, segments, 2, nil)
		require.NoError(t, err)
		assert.Equal(t, []dynamo.SharedNumber{{shop, 7}, {other, 3}}, r.Numbers, "segments %d", segments)
		assert.Equal(t, 11, r.Links)
		assert.Equal(t, 1, r.Expired)
		assert.Equal(t, 3, r.Phones)
		assert.Equal(t, 7, r.Foreign, "the legacy records and the other item in the index")
	}
	_, err = s.SharedNumbers(ctx, 0, 2, nil)
	assert.Error(t, err)
}
