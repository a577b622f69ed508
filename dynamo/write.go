package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/phonelookup/phonelookup/lookup"
)

// maxAttempts bounds the conditional writes for one sighting, unlink or
// import when concurrent writers keep changing the item under it.
const maxAttempts = 10

// nextWrite returns the write to try given the link item as last read: on
// the first call read is false and old nil (the optimistic write, made
// without a read); after a failed condition read is true and old is the item
// the condition saw (nil: there is none). A nil write means that nothing is
// left to write.
// applied says that the failed write may have been applied all the same:
// the SDK retried it after an attempt whose answer was lost
// (mayHaveApplied), so the condition may have failed on the caller's own
// write.
type nextWrite func(old *lookup.Link, read, applied bool) (*dynamodb.UpdateItemInput, error)

// conditionalWrite is the one loop of the conditional writes of the link
// between cognitoID and phone (Link, Unlink, ImportLegacy): it writes what
// next asks for until a write succeeds or next asks for none, and after each
// failed condition reads the item the condition saw (itemOnFailure) and asks
// next again, at most maxAttempts writes. It returns the output of the write
// that succeeded, nil when next asked for none.
func (s *Store) conditionalWrite(ctx context.Context, cognitoID, phone string, next nextWrite) (*dynamodb.UpdateItemOutput, error) {
	var old *lookup.Link
	read, applied := false, false
	for range maxAttempts {
		in, err := next(old, read, applied)
		if err != nil || in == nil {
			return nil, err
		}
		var watch mayHaveApplied
		out, err := s.db.UpdateItem(ctx, in, watch.watch)
		if err == nil {
			return out, nil
		}
		applied = watch.seen.Load()
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return nil, err
		}
		if old, err = s.itemOnFailure(ctx, ccf.Item, cognitoID, phone); err != nil {
			return nil, err
		}
		read = true
	}
	return nil, fmt.Errorf("still contended after %d conditional writes", maxAttempts)
}

// itemOnFailure returns the item a failed condition saw: from the error where
// the store returns it (ReturnValuesOnConditionCheckFailure), else by a
// consistent read.
func (s *Store) itemOnFailure(ctx context.Context, item map[string]types.AttributeValue, cognitoID, phone string) (*lookup.Link, error) {
	if len(item) == 0 {
		out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName:      &s.table,
			Key:            linkKey(cognitoID, phone),
			ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			return nil, fmt.Errorf("read after failed condition: %w", err)
		}
		item = out.Item
	}
	if len(item) == 0 {
		return nil, nil
	}
	return s.parseLink(item)
}
