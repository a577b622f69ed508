//go:build integration

package dynamo_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/lookup"
)

// failTombstoneReads fails the next n reads of a tombstone (GetItem of a
// phone_user#~ key), as a network error or a deadline would.
func failTombstoneReads(n *atomic.Int32) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("failTombstone",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					if g, ok := in.Parameters.(*dynamodb.GetItemInput); ok && n.Load() > 0 {
						if pk, ok := g.Key["pk"]; ok && strings.HasPrefix(pkString(pk), "phone_user#~") {
							n.Add(-1)
							return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("injected: tombstone read failed")
						}
					}
					return next.HandleInitialize(ctx, in)
				}), middleware.Before)
		})
	}
}

// The writer that created a forgotten customer's link failed to read the
// tombstone; before its retry, other sightings of the same link moved its
// first (an older order) and last (a newer one) orders. The retry, and any
// later import, still finds the tombstone: nothing is left.
func TestForgottenLinkCreatorRetryAfterOtherSightings(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	var fail atomic.Int32
	flaky := dynamo.NewStore(emu.DynamoDBClient(emulator.Config(), failTombstoneReads(&fail)), s.Table(), "")
	const p = "+442079460958"
	_, err := s.Forget(ctx, "u")
	require.NoError(t, err)

	a := sighting("u", p, 10, "o-a", "graphql", lookup.ViaDropoff)
	fail.Store(1)
	_, err = flaky.Link(ctx, a)
	require.Error(t, err, "the creating write's tombstone read fails: the event is retried later")
	require.NotErrorIs(t, err, lookup.ErrForgotten)

	// Meanwhile an older and a newer order of the same link, whose writes
	// create nothing and so read no tombstone.
	for _, sg := range []lookup.Sighting{
		sighting("u", p, 0, "o-older", "graphql", lookup.ViaDropoff),
		sighting("u", p, 20, "o-newer", "graphql", lookup.ViaDropoff),
	} {
		_, err := s.Link(ctx, sg)
		require.NoError(t, err)
	}

	_, err = s.Link(ctx, a) // the retry of the creating event
	assert.ErrorIs(t, err, lookup.ErrForgotten, "the retry of the creating event finds the tombstone")
	links, err := s.ListByCustomer(ctx, "u")
	require.NoError(t, err)
	assert.Empty(t, links, "a forgotten customer's link came back")
	assert.Empty(t, customers(t, s, p))
}

// An import whose check after creating the link failed is run again: the
// second run finds the tombstone on its already-linked path.
func TestForgottenLegacyImportRunAgain(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	var fail atomic.Int32
	flaky := dynamo.NewStore(emu.DynamoDBClient(emulator.Config(), failTombstoneReads(&fail)), s.Table(), "")
	const p = "+442079460958"
	_, err := s.Forget(ctx, "u")
	require.NoError(t, err)
	fail.Store(1)
	_, err = flaky.ImportLegacy(ctx, "u", p)
	require.Error(t, err)
	_, err = s.ImportLegacy(ctx, "u", p)
	assert.ErrorIs(t, err, lookup.ErrForgotten, "the second import run finds the tombstone")
	links, err := s.ListByCustomer(ctx, "u")
	require.NoError(t, err)
	assert.Empty(t, links)
}

func pkString(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}
