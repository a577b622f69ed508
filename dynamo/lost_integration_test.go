//go:build integration

package dynamo_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/internal/faultproxy"
	"github.com/phonelookup/phonelookup/lookup"
)

// TestLinkLostAnswers: an UpdateItem is applied and its answer lost (the
// SDK retries and the retry's condition fails on the write itself):
// a new link is still counted Linked and a newer order Refreshed, not
// Unchanged.
func TestLinkLostAnswers(t *testing.T) {
	proxy, err := faultproxy.New(emu.DynamoDB, 1)
	require.NoError(t, err)
	defer proxy.Close()
	store, _ := newStore(t, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(proxy.URL) })
	lostOnce := faultproxy.Rule{Fault: faultproxy.Lost, Share: 1, Ops: []string{"UpdateItem"}, Max: 1}
	proxy.SetRules(faultproxy.Bursts{}, lostOnce)
	ctx := context.Background()
	out, err := store.Link(ctx, sighting("user-lost", "+442079460958", 1, "ord-1", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)
	assert.Equal(t, lookup.Linked, out, "a new link whose answer was lost")
	proxy.SetRules(faultproxy.Bursts{}, lostOnce)
	out, err = store.Link(ctx, sighting("user-lost", "+442079460958", 2, "ord-2", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)
	assert.Equal(t, lookup.Refreshed, out, "a newer order whose answer was lost")
	assert.Positive(t, proxy.Faults()[faultproxy.Lost])
	proxy.SetRules(faultproxy.Bursts{})
	out, err = store.Link(ctx, sighting("user-lost", "+442079460958", 2, "ord-2", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)
	assert.Equal(t, lookup.Unchanged, out, "a duplicate whose answer arrives")
}
