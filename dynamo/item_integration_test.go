//go:build integration

package dynamo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/lookup"
)

// foreignItems reads testdata/items/foreign.json: items of a shared table
// that are not links, in DynamoDB's JSON form.
func foreignItems(t *testing.T) []map[string]types.AttributeValue {
	t.Helper()
	data, err := os.ReadFile("../testdata/items/foreign.json")
	require.NoError(t, err)
	var cases []struct {
		Why  string                     `json:"why"`
		Item map[string]json.RawMessage `json:"item"`
	}
	require.NoError(t, json.Unmarshal(data, &cases))
	var items []map[string]types.AttributeValue
	for _, c := range cases {
		item := map[string]types.AttributeValue{}
		for name, raw := range c.Item {
			item[name] = ddbJSON(t, raw)
		}
		items = append(items, item)
	}
	return items
}

// ddbJSON turns one attribute value in DynamoDB's JSON form ({"S": "x"},
// {"N": "1"}, {"SS": [...]}) into an AttributeValue.
func ddbJSON(t *testing.T, raw json.RawMessage) types.AttributeValue {
	t.Helper()
	var v map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &v))
	for k, x := range v {
		switch k {
		case "S":
			var s string
			require.NoError(t, json.Unmarshal(x, &s))
			return &types.AttributeValueMemberS{Value: s}
		case "N":
			var s string
			require.NoError(t, json.Unmarshal(x, &s))
			return &types.AttributeValueMemberN{Value: s}
		case "SS":
			var ss []string
			require.NoError(t, json.Unmarshal(x, &ss))
			return &types.AttributeValueMemberSS{Value: ss}
		}
	}
	t.Fatalf("attribute %s: unsupported type", raw)
	return nil
}

// Foreign items of the shared table, next to real links of the same number and
// the same customers' keys, are never shown: skipped, counted and logged by
// key prefix only.
func TestForeignItemsAreNeverShown(t *testing.T) {
	ctx := context.Background()
	s, db := newStore(t)
	var logs bytes.Buffer
	s.Log = zerolog.New(&logs)
	const p = "+442079460958"
	for _, u := range []string{"real-1", "real-2"} {
		_, err := s.Link(ctx, sighting(u, p, 0, "o-"+u, "graphql", lookup.ViaDropoff))
		require.NoError(t, err)
	}
	foreign := foreignItems(t)
	for _, item := range foreign {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: new(s.Table()), Item: item})
		require.NoError(t, err)
	}

	f, err := s.Search(ctx, p, 0)
	require.NoError(t, err)
	got := []string{}
	for _, l := range f.Links {
		got = append(got, l.CognitoID)
	}
	assert.ElementsMatch(t, []string{"real-1", "real-2"}, got, "Search(%s) customers", p)
	assert.Equal(t, 4, f.Foreign, "Search(%s).Foreign = %d, want the 4 foreign items that reach the index query", p, f.Foreign)
	assert.Equal(t, 6, f.Read, "Search(%s).Read", p)

	links, err := s.FindByPhone(ctx, p)
	require.NoError(t, err)
	assert.Len(t, links, 2, "FindByPhone(%s) = %d links, want 2", p, len(links))

	for _, u := range []string{"damaged", "typed"} {
		l, err := s.ListByCustomer(ctx, u)
		require.NoError(t, err)
		assert.Empty(t, l, "ListByCustomer(%s) shows a damaged item", u)
	}

	out := logs.String()
	assert.Contains(t, out, "item is not a link")
	for _, secret := range []string{"7946", "legacy-2", "zz-profile", "damaged", "user#42"} {
		assert.NotContains(t, out, secret, "the skip log shows more than key prefixes")
	}
}

// A real link read back through attributevalue equals what was written.
func TestLinkItemRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, db := newStore(t)
	const p = "+442079460958"
	_, err := s.Link(ctx, sighting("u", p, 5, "o-5", "graphql", lookup.ViaDropoff))
	require.NoError(t, err)
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: new(s.Table()),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "phone_user#u"},
			"sk": &types.AttributeValueMemberS{Value: "phone#" + p}}})
	require.NoError(t, err)
	var raw map[string]any
	require.NoError(t, attributevalue.UnmarshalMap(out.Item, &raw))
	for _, name := range []string{"pk", "sk", "pk2", "sk2", "firstSeenAt", "lastSeenAt", "firstOrderId",
		"lastOrderId", "sources", "via", "normVersion", "gate"} {
		assert.Contains(t, raw, name, "stored link lacks %s", name)
	}
	l, err := s.Get(ctx, "u", p)
	require.NoError(t, err)
	assert.Equal(t, "o-5", l.LastOrderID)
	assert.True(t, l.Active)
}
