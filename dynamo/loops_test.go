package dynamo

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/lookup"
)

// fakeDB answers the calls these tests make; any other call panics (nil
// embedded interface).
type fakeDB struct {
	DynamoDB
	mu      sync.Mutex
	updates int
	gets    int
	limits  []int32
	scan    func(ctx context.Context, in *dynamodb.ScanInput) (*dynamodb.ScanOutput, error)
}

// UpdateItem always fails its condition, returning no item (as dynalite).
func (f *fakeDB) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates++
	return nil, &types.ConditionalCheckFailedException{Message: aws.String("the conditional request failed")}
}

// GetItem finds no item.
func (f *fakeDB) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	return &dynamodb.GetItemOutput{}, nil
}

// Query returns a full page of Limit items and always one more page.
func (f *fakeDB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := aws.ToInt32(in.Limit)
	f.limits = append(f.limits, n)
	items := make([]map[string]types.AttributeValue, n)
	for i := range items {
		items[i] = map[string]types.AttributeValue{"pk": str("other#" + strconv.Itoa(i))}
	}
	return &dynamodb.QueryOutput{Items: items, LastEvaluatedKey: items[len(items)-1]}, nil
}

func (f *fakeDB) Scan(ctx context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	return f.scan(ctx, in)
}

// TestConditionalWriteGivesUp: a write whose condition keeps failing (the
// item created and deleted under it, each time) stops after maxAttempts
// writes, each followed by one read, and says so.
func TestConditionalWriteGivesUp(t *testing.T) {
	db := &fakeDB{}
	s := NewStore(db, "", "")
	sg := lookup.Sighting{CognitoID: "u", Phone: "+442079460958", Via: lookup.ViaDropoff, Source: "graphql",
		OrderID: "o-1", OccurredAt: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
	_, err := s.Link(context.Background(), sg)
	require.ErrorContains(t, err, "still contended after 10 conditional writes")
	assert.Equal(t, maxAttempts, db.updates, "writes")
	assert.Equal(t, maxAttempts, db.gets, "reads after a failed condition")

	// Unlink reads once and finds nothing: not found, no second write.
	db = &fakeDB{}
	s = NewStore(db, "", "")
	err = s.Unlink(context.Background(), "u", "+442079460958")
	require.ErrorIs(t, err, lookup.ErrNotFound)
	assert.Equal(t, 1, db.updates, "writes")
}

// TestReadCap: a capped search asks each page for what is left of the cap
// (at most 1000 items), reads exactly the cap and says it is truncated.
func TestReadCap(t *testing.T) {
	db := &fakeDB{}
	s := NewStore(db, "", "")
	f, err := s.Search(context.Background(), "+442079460958", 2500)
	require.NoError(t, err)
	assert.Equal(t, []int32{1000, 1000, 500}, db.limits, "page limits")
	assert.Equal(t, 2500, f.Read)
	assert.Equal(t, 3, f.Pages)
	assert.Equal(t, 2500, f.Foreign, "the fake's items are not links")
	assert.True(t, f.Truncated)
}

// TestParallelScanFirstError: the first failing segment stops the others,
// and its error is the one returned.
func TestParallelScanFirstError(t *testing.T) {
	boom := errors.New("boom")
	db := &fakeDB{scan: func(ctx context.Context, in *dynamodb.ScanInput) (*dynamodb.ScanOutput, error) {
		if aws.ToInt32(in.Segment) == 2 {
			return nil, boom
		}
		<-ctx.Done() // the other segments wait until cancelled
		return nil, ctx.Err()
	}}
	s := NewStore(db, "", "")
	in := &dynamodb.ScanInput{TableName: aws.String("t")}
	err := s.parallelScan(context.Background(), in, 4, func(context.Context, *dynamodb.ScanOutput) error { return nil })
	require.ErrorIs(t, err, boom)
	assert.EqualError(t, err, "scan segment 2: boom")

	err = s.parallelScan(context.Background(), in, MaxSegments+1, nil)
	assert.EqualError(t, err, "segments 65: want 1 to 64")
}
