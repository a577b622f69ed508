//go:build integration

package dynamo_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/dynamo"
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
// unlinked link stays unlinked at the time support gives. With
// LINK_RETENTION on, the repair sets the TTL back to the repaired lastSeenAt
// + retention (the event's year-2999 TTL would stop every replay, whose TTL
// never moves backwards, and the link would never expire).
func TestRepairPoisonedLinkAsTheRunbookSays(t *testing.T) {
	ctx := context.Background()
	const p = "+442079460958"
	const retention = 730 * 24 * time.Hour
	str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	for _, tc := range []struct{ unlinked, retention bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		t.Run(fmt.Sprintf("unlinked %v retention %v", tc.unlinked, tc.retention), func(t *testing.T) {
			s, db := newStore(t)
			s.Now = func() time.Time { return t0.Add(time.Hour) }
			if tc.retention {
				s.Retention = retention
			}
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
			if !tc.unlinked {
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
			if tc.retention {
				// The RUNBOOK: with LINK_RETENTION on, add ", #ttl = :e" to the SET,
				// EXPIRES=$(( $(date -u -d "$FIRST" +%s) + RETENTION_SECONDS )).
				in.UpdateExpression = aws.String(strings.Replace(*in.UpdateExpression, " REMOVE", ", #ttl = :e REMOVE", 1))
				in.ExpressionAttributeNames = map[string]string{"#ttl": dynamo.DefaultTTLAttribute}
				in.ExpressionAttributeValues[":e"] = &types.AttributeValueMemberN{
					Value: strconv.FormatInt(real1.OccurredAt.Unix()+int64(retention/time.Second), 10)}
			}
			_, err := db.UpdateItem(ctx, in)
			require.NoError(t, err)
			expires := func(at time.Time) *time.Time {
				if !tc.retention {
					return nil
				}
				e := time.Unix(at.Add(retention).Unix(), 0).UTC()
				return &e
			}
			l, err := s.Get(ctx, "u", p)
			require.NoError(t, err)
			assert.Equal(t, expires(real1.OccurredAt), l.ExpiresAt, "TTL after the repair, before any replay")

			// The replay of the real orders.
			for _, sg := range []lookup.Sighting{real1, real2} {
				_, err := s.Link(ctx, sg)
				require.NoError(t, err)
			}
			l, err = s.Get(ctx, "u", p)
			require.NoError(t, err)
			assert.Equal(t, expires(real2.OccurredAt), l.ExpiresAt, "TTL after the replay")
			if tc.unlinked {
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

// poison gives the link the unlinkedAt and gate a pre-fix Unlink left
// (unlinkedAt = at, gate = at$), hidden, as the raw table holds it.
func poison(t *testing.T, db *dynamodb.Client, table, user, phone string, at time.Time) {
	t.Helper()
	u := lookup.FormatTime(at)
	_, err := db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName:                 aws.String(table),
		Key:                       rawKey(user, phone),
		UpdateExpression:          aws.String("SET unlinkedAt = :u, gate = :g REMOVE pk2, sk2"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":u": rawStr(u), ":g": rawStr(u + "$")},
	})
	require.NoError(t, err)
}

func rawStr(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func rawKey(user, phone string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": rawStr("phone_user#" + user), "sk": rawStr("phone#" + phone)}
}

// rawLink is the part of the raw item the gate's invariant is about.
type rawLink struct{ lastSeenAt, lastOrderID, unlinkedAt, gate string }

func readRaw(t *testing.T, db *dynamodb.Client, table, user, phone string) rawLink {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: rawKey(user, phone), ConsistentRead: aws.Bool(true)})
	require.NoError(t, err)
	s := func(name string) string {
		if v, ok := out.Item[name].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	return rawLink{s("lastSeenAt"), s("lastOrderId"), s("unlinkedAt"), s("gate")}
}

// assertGate checks the table's invariant: gate = max(lastSeenAt#lastOrderId,
// unlinkedAt$).
func assertGate(t *testing.T, r rawLink) {
	t.Helper()
	want := r.lastSeenAt + "#" + r.lastOrderID
	if r.unlinkedAt != "" {
		want = max(want, r.unlinkedAt+"$")
	}
	assert.Equal(t, want, r.gate, "gate of %+v", r)
}

// An unlinkedAt stored in the future before the clock-skew bound (the
// pre-fix Unlink stored max(now, lastSeenAt)) is lowered to now by the next
// Unlink, with the gate, so that an order after now and after lastSeenAt
// brings the link back.
func TestUnlinkLowersAFutureUnlinkedAt(t *testing.T) {
	ctx := context.Background()
	const p = "+442079460958"
	tests := []struct {
		name     string
		seen     time.Time // lastSeenAt
		poisoned time.Time // the stored unlinkedAt
		back     time.Time // an order that brings it back after the Unlink
	}{
		{"unlinked 2 minutes ahead, as last seen", t0.Add(2 * time.Minute), t0.Add(2 * time.Minute), t0.Add(3 * time.Minute)},
		{"unlinked in 2999, lastSeenAt repaired", t0.Add(-time.Hour), time.Date(2999, 12, 31, 23, 59, 59, 999e6, time.UTC), t0.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, db := newStore(t)
			s.Now = func() time.Time { return t0 }
			sg := sighting("u", p, 0, "o-1", "graphql", lookup.ViaDropoff)
			sg.OccurredAt = tt.seen
			_, err := s.Link(ctx, sg)
			require.NoError(t, err)
			poison(t, db, s.Table(), "u", p, tt.poisoned)

			require.NoError(t, s.Unlink(ctx, "u", p))
			r := readRaw(t, db, s.Table(), "u", p)
			assert.Equal(t, lookup.FormatTime(t0), r.unlinkedAt, "Unlink kept a future unlinkedAt")
			assertGate(t, r)
			assert.Empty(t, customers(t, s, p), "unlinked link found")

			// A replay of the stored order stays hidden; a later one brings it back.
			_, err = s.Link(ctx, sg)
			require.NoError(t, err)
			assert.Empty(t, customers(t, s, p), "replay of %s", sg.OrderID)
			later := sg
			later.OrderID, later.OccurredAt = "o-2", tt.back
			got, err := s.Link(ctx, later)
			require.NoError(t, err)
			assert.Equal(t, lookup.Linked, got)
			assert.Equal(t, []string{"u"}, customers(t, s, p))
		})
	}
}

// interleave is the raw client with a hook run once, after the first
// GetItem has read and before its answer reaches the store: the write of a
// concurrent writer between Unlink's read and its write.
type interleave struct {
	*dynamodb.Client
	hook func()
}

func (c *interleave) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := c.Client.GetItem(ctx, in, opts...)
	if h := c.hook; h != nil {
		c.hook = nil
		h()
	}
	return out, err
}

// Unlink over a future unlinkedAt reads the item before it writes (its
// optimistic condition fails); a writer landing between that read and the
// write must not leave a gate below the latest sighting: a newer sighting
// hidden by the stored unlinkedAt moves lastSeenAt, and the Unlink then
// gates at it; a second unlink in between is overwritten by this one.
func TestUnlinkConcurrentWithAFutureUnlinkedAt(t *testing.T) {
	ctx := context.Background()
	const p = "+442079460958"
	poisoned := time.Date(2999, 12, 31, 23, 59, 59, 999e6, time.UTC)
	tests := []struct {
		name       string
		concurrent func(ctx context.Context, other *dynamo.Store) error
		latest     lookup.Sighting // the link's latest sighting after both
	}{
		{"a newer sighting", func(ctx context.Context, other *dynamo.Store) error {
			_, err := other.Link(ctx, sighting("u", p, 1, "o-2", "graphql", lookup.ViaDropoff))
			return err
		}, sighting("u", p, 1, "o-2", "graphql", lookup.ViaDropoff)},
		{"a second unlink", func(ctx context.Context, other *dynamo.Store) error {
			return other.Unlink(ctx, "u", p)
		}, sighting("u", p, -60, "o-1", "graphql", lookup.ViaDropoff)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, db := newStore(t)
			_, err := s.Link(ctx, sighting("u", p, -60, "o-1", "graphql", lookup.ViaDropoff))
			require.NoError(t, err)
			poison(t, db, s.Table(), "u", p, poisoned)

			other := dynamo.NewStore(db, s.Table(), "")
			other.Now = func() time.Time { return t0.Add(time.Second) }
			c := &interleave{Client: db}
			c.hook = func() { require.NoError(t, tt.concurrent(ctx, other)) }
			racing := dynamo.NewStore(c, s.Table(), "")
			racing.Now = func() time.Time { return t0 }
			require.NoError(t, racing.Unlink(ctx, "u", p))
			require.Nil(t, c.hook, "the concurrent write did not run")

			r := readRaw(t, db, s.Table(), "u", p)
			assert.Equal(t, lookup.FormatTime(t0), r.unlinkedAt, "the last Unlink written")
			assert.Equal(t, tt.latest.OrderID, r.lastOrderID)
			assertGate(t, r)
			assert.Empty(t, customers(t, s, p), "unlinked link found")
			// A replay of the latest sighting stays hidden; the next one brings it back.
			_, err = s.Link(ctx, tt.latest)
			require.NoError(t, err)
			assert.Empty(t, customers(t, s, p), "a replay brought it back")
			got, err := s.Link(ctx, sighting("u", p, 2, "o-3", "graphql", lookup.ViaDropoff))
			require.NoError(t, err)
			assert.Equal(t, lookup.Linked, got)
		})
	}
}
