//go:build integration

package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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

// The RUNBOOK's repair of a link taken over by a future-dated event before
// the clock-skew bound, with its expressions: the first sighting becomes the
// latest again, and a replay of the real orders restores the rest. An
// unlinked link stays unlinked at the time support gives.
func TestRepairPoisonedLinkAsTheRunbookSays(t *testing.T) {
	ctx := context.Background()
	const p = "+442079460958"
	str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	for _, unlinked := range []bool{false, true} {
		t.Run(fmt.Sprintf("unlinked %v", unlinked), func(t *testing.T) {
			s, db := newStore(t)
			s.Now = func() time.Time { return t0.Add(time.Hour) }
			real1 := sighting("u", p, 0, "o-1", "graphql", lookup.ViaDropoff)
			bad := sighting("u", p, 1, "o-bad", "graphql", lookup.ViaDropoff)
			bad.OccurredAt = time.Date(2999, 12, 31, 23, 59, 59, 999e6, time.UTC)
			real2 := sighting("u", p, 30, "o-2", "graphql", lookup.ViaDropoff)
			for _, sg := range []lookup.Sighting{real1, bad, real2} {
				_, err := s.Link(ctx, sg)
				require.NoError(t, err)
			}
			key := map[string]types.AttributeValue{"pk": str("phone_user#u"), "sk": str("phone#" + p)}
			first, firstOrder := lookup.FormatTime(real1.OccurredAt), "o-1"
			in := &dynamodb.UpdateItemInput{TableName: aws.String(s.Table()), Key: key}
			if !unlinked {
				in.UpdateExpression = aws.String("SET lastSeenAt = :f, lastOrderId = :fo, gate = :g REMOVE brand")
				in.ConditionExpression = aws.String("lastOrderId = :bad AND attribute_not_exists(unlinkedAt)")
				in.ExpressionAttributeValues = map[string]types.AttributeValue{
					":f": str(first), ":fo": str(firstOrder), ":g": str(first + "#" + firstOrder), ":bad": str("o-bad")}
			} else {
				require.NoError(t, s.Unlink(ctx, "u", p))
				at := lookup.FormatTime(t0.Add(time.Hour)) // support's unlink, from the ticket
				in.UpdateExpression = aws.String("SET lastSeenAt = :f, lastOrderId = :fo, unlinkedAt = :u, gate = :g REMOVE brand, pk2, sk2")
				in.ConditionExpression = aws.String("lastOrderId = :bad")
				in.ExpressionAttributeValues = map[string]types.AttributeValue{
					":f": str(first), ":fo": str(firstOrder), ":u": str(at), ":g": str(at + "$"), ":bad": str("o-bad")}
			}
			_, err := db.UpdateItem(ctx, in)
			require.NoError(t, err)

			// The replay of the real orders.
			for _, sg := range []lookup.Sighting{real1, real2} {
				_, err := s.Link(ctx, sg)
				require.NoError(t, err)
			}
			l, err := s.Get(ctx, "u", p)
			require.NoError(t, err)
			if unlinked {
				assert.False(t, l.Active, "repaired unlinked link is visible")
				assert.Equal(t, t0.Add(time.Hour), *l.UnlinkedAt)
				assert.Equal(t, "o-2", l.LastOrderID, "history moves while hidden")
				// A real order after the unlink brings it back.
				got, err := s.Link(ctx, sighting("u", p, 61, "o-3", "graphql", lookup.ViaDropoff))
				require.NoError(t, err)
				assert.Equal(t, lookup.Linked, got)
				return
			}
			assert.True(t, l.Active)
			assert.Equal(t, "o-2", l.LastOrderID)
			assert.Equal(t, real2.OccurredAt, l.LastSeenAt)
			assert.Equal(t, "brand-o-2", l.Brand)
			assert.Equal(t, []string{"u"}, customers(t, s, p))
		})
	}
}
