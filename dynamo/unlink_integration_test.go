//go:build integration

package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/lookup"
)

// Unlink stores the unlink time as the store's clock says, never a later
// one, even when the link was last seen after it (an event within the
// consumer's clock-skew bound, or one stored before the bound existed): the
// link is hidden all the same, and only an order later than its lastSeenAt
// brings it back.
func TestUnlinkNeverStoresAFutureTime(t *testing.T) {
	ctx := context.Background()
	const p = "+442079460958"
	tests := []struct {
		name    string
		seen    time.Time // the link's lastSeenAt
		between time.Time // an order after the unlink, before lastSeenAt: stays hidden
	}{
		{"seen 2 minutes ahead of the clock", t0.Add(2 * time.Minute), t0.Add(time.Minute)},
		{"seen in year 2999 (stored before the bound)", time.Date(2999, 12, 31, 23, 59, 59, 999e6, time.UTC), t0.Add(time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t)
			now := t0
			s.Now = func() time.Time { return now }
			future := sighting("u", p, 0, "o-future", "graphql", lookup.ViaDropoff)
			future.OccurredAt = tt.seen
			_, err := s.Link(ctx, future)
			require.NoError(t, err)

			require.NoError(t, s.Unlink(ctx, "u", p))
			l, err := s.Get(ctx, "u", p)
			require.NoError(t, err)
			require.NotNil(t, l.UnlinkedAt)
			assert.Equal(t, now, *l.UnlinkedAt, "Unlink stored unlinkedAt %s, want the clock's %s", *l.UnlinkedAt, now)
			assert.False(t, l.Active, "unlinked")
			assert.Empty(t, customers(t, s, p), "unlinked link found")

			// A replay of the stored order, and an order between the unlink
			// and lastSeenAt, do not bring it back.
			for _, sg := range []lookup.Sighting{future, sighting("u", p, 0, "o-between", "graphql", lookup.ViaDropoff)} {
				if sg.OrderID == "o-between" {
					sg.OccurredAt = tt.between
				}
				_, err := s.Link(ctx, sg)
				require.NoError(t, err)
				assert.Empty(t, customers(t, s, p), "after %s", sg.OrderID)
			}

			// Unlinking again, a minute later, is fine and still not in the future.
			now = t0.Add(time.Minute)
			require.NoError(t, s.Unlink(ctx, "u", p))
			l, err = s.Get(ctx, "u", p)
			require.NoError(t, err)
			assert.Equal(t, now, *l.UnlinkedAt, "second Unlink stored unlinkedAt %s, want %s", *l.UnlinkedAt, now)

			// An order after lastSeenAt brings it back (none can follow
			// year 2999: such a link needs the RUNBOOK's repair).
			if tt.seen.Year() == 2999 {
				return
			}
			later := future
			later.OrderID, later.OccurredAt = "o-later", tt.seen.Add(time.Millisecond)
			got, err := s.Link(ctx, later)
			require.NoError(t, err)
			assert.Equal(t, lookup.Linked, got)
			assert.Equal(t, []string{"u"}, customers(t, s, p))
		})
	}
}
