package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/phonelookup/phonelookup/lookup"
)

// tombstoneSK is the sort key of a forgotten customer's tombstone.
const tombstoneSK = "forgotten"

// tombstoneKey is the key of cognitoID's tombstone: pk phone_user#~<sha256>,
// in the store's key prefix (so IAM's LeadingKeys condition admits it) but
// never a customer's partition ('~' is not a Cognito id character), sk
// "forgotten". It holds no phone number and not the id itself.
func tombstoneKey(cognitoID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": str(userPrefix + "~" + lookup.ForgottenRef(cognitoID)),
		"sk": str(tombstoneSK),
	}
}

// Forget erases customer cognitoID for good (an account deletion): it writes
// the customer's tombstone first, then deletes every item of the customer's
// links (active, unlinked, expired, or unreadable), and returns how many it
// deleted. It is idempotent: forgetting again deletes what a writer may have
// left and returns 0 otherwise.
//
// The tombstone stops any later write for the customer without a
// transaction: every write that creates a link item reads it afterwards
// (strongly consistent) and deletes the item it created if it is there. A
// late event, a replayed dead-letter message, a backfill or a legacy import
// therefore never brings a link back, and neither does a new order: a
// forgotten Cognito id stays forgotten. Whatever Forget leaves (the
// tombstone: the id's hash and forgottenAt) holds no phone number.
func (s *Store) Forget(ctx context.Context, cognitoID string) (_ int, err error) {
	defer markBusy(&err)
	if err := lookup.ValidateCognitoID(cognitoID); err != nil {
		return 0, err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       tombstoneKey(cognitoID),
		UpdateExpression:          aws.String("SET forgottenAt = if_not_exists(forgottenAt, :t)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str(lookup.FormatTime(s.Now()))},
	})
	if err != nil {
		return 0, fmt.Errorf("forget: write tombstone: %w", err)
	}
	// One pass suffices: a link created after the tombstone is deleted by
	// its writer (checkForgotten); one created before it is listed here.
	removed, err := s.deleteLinks(ctx, cognitoID)
	if err != nil {
		return removed, fmt.Errorf("forget: %w", err)
	}
	return removed, nil
}

// deleteLinks deletes every item under the customer's key prefix, reading
// only keys (strongly consistent), and returns how many it deleted (an item
// deleted meanwhile by its own writer is not counted).
func (s *Store) deleteLinks(ctx context.Context, cognitoID string) (deleted int, err error) {
	in := &dynamodb.QueryInput{
		TableName:              &s.table,
		ConsistentRead:         aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :u AND begins_with(sk, :p)"),
		ProjectionExpression:   aws.String("pk, sk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":u": str(userPrefix + cognitoID), ":p": str(phonePrefix),
		},
	}
	pages := dynamodb.NewQueryPaginator(s.db, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return deleted, fmt.Errorf("list links: %w", err)
		}
		for _, key := range page.Items {
			out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
				TableName: &s.table, Key: key, ReturnValues: types.ReturnValueAllOld,
			})
			if err != nil {
				return deleted, fmt.Errorf("delete a link: %w", err)
			}
			if len(out.Attributes) > 0 {
				deleted++
			}
		}
	}
	return deleted, nil
}

// Forgotten reports whether cognitoID was forgotten (strongly consistent).
func (s *Store) Forgotten(ctx context.Context, cognitoID string) (bool, error) {
	if err := lookup.ValidateCognitoID(cognitoID); err != nil {
		return false, err
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: tombstoneKey(cognitoID), ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("pk"),
	})
	if err != nil {
		return false, fmt.Errorf("read tombstone: %w", err)
	}
	return len(out.Item) > 0, nil
}

// checkForgotten is run by a write that created the link item of cognitoID
// and phone: if the customer was forgotten, it deletes the item and returns
// lookup.ErrForgotten. Reading after the write closes the race with a
// concurrent Forget: either this read sees the tombstone, or the tombstone
// was written after it, and so after the item, and Forget's strongly
// consistent listing that follows its tombstone finds and deletes the item.
func (s *Store) checkForgotten(ctx context.Context, cognitoID, phone string) error {
	gone, err := s.Forgotten(ctx, cognitoID)
	if err != nil || !gone {
		return err
	}
	_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: linkKey(cognitoID, phone)})
	if err != nil {
		return fmt.Errorf("delete the link of a forgotten customer: %w", err)
	}
	return lookup.ErrForgotten
}
