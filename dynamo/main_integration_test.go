//go:build integration

package dynamo_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/internal/emulator"
)

var emu *emulator.Emulators

func TestMain(m *testing.M) { os.Exit(emulator.Main(m, false, &emu)) }

// newStore creates a fresh table on dynalite and returns a store on it and
// the raw client.
func newStore(t *testing.T, opts ...func(*dynamodb.Options)) (*dynamo.Store, *dynamodb.Client) {
	t.Helper()
	db := emu.DynamoDBClient(emulator.Config(), opts...)
	s := dynamo.NewStore(db, emulator.UniqueName("links"), "")
	created, err := s.CreateTable(context.Background(), time.Minute)
	require.NoError(t, err)
	require.True(t, created)
	return s, db
}
