package dynamo

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/phonelookup/phonelookup/lookup"
)

func TestPlan(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	unlinked := at(30)
	stored := &lookup.Link{FirstSeenAt: at(0), FirstOrderID: "o-0", LastSeenAt: at(20), LastOrderID: "o-20",
		Sources: []string{"graphql"}, Via: []string{"dropoff"}}
	hidden := *stored
	hidden.UnlinkedAt = &unlinked
	branded := *stored
	branded.Brand = "m"
	legacy := &lookup.Link{Sources: []string{"legacy"}, Via: []string{"legacy"}}
	hiddenLegacy := *legacy
	hiddenLegacy.UnlinkedAt = &unlinked
	withBrand := func(s lookup.Sighting, b string) lookup.Sighting { s.Brand = b; return s }
	sg := func(min int, order, source, via string) lookup.Sighting {
		return lookup.Sighting{OccurredAt: at(min), OrderID: order, Source: source, Via: via}
	}
	tests := []struct {
		name string
		old  *lookup.Link
		s    lookup.Sighting
		want step
	}{
		{"no item", nil, sg(0, "o", "graphql", lookup.ViaDropoff), stepNewest},
		{"newer", stored, sg(25, "o-25", "graphql", lookup.ViaDropoff), stepNewest},
		{"same time, larger order id", stored, sg(20, "o-21", "graphql", lookup.ViaDropoff), stepNewest},
		{"duplicate of last", stored, sg(20, "o-20", "graphql", lookup.ViaDropoff), stepNone},
		{"older", stored, sg(-5, "o-x", "graphql", lookup.ViaDropoff), stepFirst},
		{"same time as first, smaller order id", stored, sg(0, "o-", "graphql", lookup.ViaDropoff), stepFirst},
		{"middle, known sets", stored, sg(10, "o-10", "graphql", lookup.ViaDropoff), stepNone},
		{"middle, new source", stored, sg(10, "o-10", "fulfillment", lookup.ViaDropoff), stepSets},
		{"middle, new via", stored, sg(10, "o-10", "graphql", lookup.ViaAccount), stepSets},
		{"newer but not after the unlink", &hidden, sg(25, "o-25", "graphql", lookup.ViaDropoff), stepLast},
		{"at the unlink time", &hidden, sg(30, "o-30", "graphql", lookup.ViaDropoff), stepLast},
		{"after the unlink", &hidden, sg(31, "o-31", "graphql", lookup.ViaDropoff), stepNewest},
		{"latest order again, larger brand", &branded, withBrand(sg(20, "o-20", "graphql", lookup.ViaDropoff), "zz"), stepBrand},
		{"latest order again, smaller brand", &branded, withBrand(sg(20, "o-20", "graphql", lookup.ViaDropoff), "aa"), stepNone},
		{"latest order again, no brand", &branded, sg(20, "o-20", "graphql", lookup.ViaDropoff), stepNone},
		{"legacy link, any order", legacy, sg(-60*24*365*100, "o", "graphql", lookup.ViaDropoff), stepNewest},
		{"unlinked legacy link, order before the unlink", &hiddenLegacy, sg(25, "o-25", "graphql", lookup.ViaDropoff), stepLast},
	}
	for _, tt := range tests {
		k := seenKey{lookup.FormatTime(tt.s.OccurredAt), tt.s.OrderID}
		assert.Equal(t, tt.want, plan(tt.old, tt.s, k), "plan(%s)", tt.name)
	}
}

func TestGateOrdersLikeSeenKey(t *testing.T) {
	// The one-comparison condition of the common write must agree with the
	// (time, order id) order and with the unlink time.
	u := "2026-11-02T10:30:00.000Z"
	for _, k := range []seenKey{
		{"2026-11-02T10:29:59.999Z", "zzz"}, {u, ""}, {u, "o"}, {u, "\U0010FFFF"},
	} {
		assert.Less(t, gateKey(k), unlinkGate(u), "gateKey(%v) must stay below the unlink gate", k)
	}
	assert.Greater(t, gateKey(seenKey{"2026-11-02T10:30:00.001Z", ""}), unlinkGate(u))
	assert.Less(t, gateKey(seenKey{u, "o-1"}), gateKey(seenKey{u, "o-2"}))
	assert.Less(t, gateKey(seenKey{u, "o-9"}), gateKey(seenKey{"2026-11-02T10:30:00.001Z", "o-1"}))
}
