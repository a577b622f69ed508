package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CreateTable creates the table with its GSI (on-demand capacity) if it does
// not exist and waits until it is active. It is idempotent: an existing table
// is accepted if it has the keys and index the store needs.
func (s *Store) CreateTable(ctx context.Context, maxWait time.Duration) (created bool, err error) {
	attr := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(hash, rng string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange},
		}
	}
	_, err = s.db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            &s.table,
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{attr("pk"), attr("sk"), attr("pk2"), attr("sk2")},
		KeySchema:            key("pk", "sk"),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  &s.index,
			KeySchema:  key("pk2", "sk2"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	var inUse *types.ResourceInUseException
	switch {
	case err == nil:
		created = true
	case errors.As(err, &inUse):
	default:
		return false, fmt.Errorf("create table %s: %w", s.table, err)
	}
	w := dynamodb.NewTableExistsWaiter(s.db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 2 * time.Second
	})
	out, err := w.WaitForOutput(ctx, &dynamodb.DescribeTableInput{TableName: &s.table}, maxWait)
	if err != nil {
		return created, fmt.Errorf("wait for table %s: %w", s.table, err)
	}
	return created, s.checkTable(out.Table)
}

// checkTable verifies that an existing table has the store's keys and index.
func (s *Store) checkTable(t *types.TableDescription) error {
	hasKeys := func(ks []types.KeySchemaElement, hash, rng string) bool {
		return len(ks) == 2 && aws.ToString(ks[0].AttributeName) == hash && aws.ToString(ks[1].AttributeName) == rng
	}
	if !hasKeys(t.KeySchema, "pk", "sk") {
		return fmt.Errorf("table %s: key schema is not (pk, sk)", s.table)
	}
	for _, g := range t.GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) != s.index {
			continue
		}
		if !hasKeys(g.KeySchema, "pk2", "sk2") {
			return fmt.Errorf("table %s: index %s is not on (pk2, sk2)", s.table, s.index)
		}
		if g.Projection == nil || g.Projection.ProjectionType != types.ProjectionTypeAll {
			return fmt.Errorf("table %s: index %s must project ALL attributes", s.table, s.index)
		}
		return nil
	}
	return fmt.Errorf("table %s: no index %s (pk2, sk2): create it or set LOOKUP_INDEX", s.table, s.index)
}
