package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/lookup"
)

// Defaults for the table and its index (env LOOKUP_TABLE, LOOKUP_INDEX).
const (
	DefaultTable = "phone-lookup"
	DefaultIndex = "brand-index-2"
)

// Key prefixes. pk/sk identify a link by customer then phone; pk2/sk2 (the
// GSI, present only while the link is active) find it by phone.
const (
	userPrefix  = "phone_user#"
	phonePrefix = "phone#"
)

// maxAttempts bounds the conditional writes for one sighting or unlink when
// concurrent writers keep changing the item under it.
const maxAttempts = 10

// DynamoDB is the part of the DynamoDB client the store uses.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// Store keeps links in DynamoDB. It is safe for concurrent use.
type Store struct {
	db    DynamoDB
	table string
	index string
	// Now is the clock Unlink, Forget and the readers' hiding of expired
	// links use; tests replace it.
	Now func() time.Time
	// Retention (LINK_RETENTION) is how long a link stays evidence after its
	// last sighting: every write that moves lastSeenAt sets the TTL attribute
	// to lastSeenAt + Retention, never backwards. 0: no TTL is written.
	Retention time.Duration
	// TTLAttribute (LINK_TTL_ATTRIBUTE) is the table's TTL attribute, epoch
	// seconds; empty: DefaultTTLAttribute.
	TTLAttribute string
	// Log receives a line for each item read that is not a link (its key
	// prefixes only). The zero value logs nothing.
	Log zerolog.Logger
}

// NewStore returns a Store on table and its GSI index (empty: the defaults).
func NewStore(db DynamoDB, table, index string) *Store {
	if table == "" {
		table = DefaultTable
	}
	if index == "" {
		index = DefaultIndex
	}
	return &Store{db: db, table: table, index: index, Now: time.Now}
}

// Table returns the table name.
func (s *Store) Table() string { return s.table }

func linkKey(cognitoID, phone string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": str(userPrefix + cognitoID),
		"sk": str(phonePrefix + phone),
	}
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func strSet(v string) types.AttributeValue { return &types.AttributeValueMemberSS{Value: []string{v}} }

// Link records sighting sg. It is idempotent and order-independent: whatever
// multiset of sightings arrives, in any order and concurrency, the item ends
// as firstSeenAt/firstOrderId = the earliest sighting, lastSeenAt/lastOrderId/
// brand/normVersion = the latest, sources and via = the unions, and the link
// visible (pk2/sk2 present) iff its latest sighting came after its last
// Unlink and after every sighting that Unlink hid.
//
// A new link or a newer order costs one UpdateItem; a duplicate costs one
// failed conditional UpdateItem (plus a GetItem where the store does not return
// the item on a failed condition, as dynalite does not).
func (s *Store) Link(ctx context.Context, sg lookup.Sighting) (_ lookup.Outcome, err error) {
	defer markBusy(&err)
	if err := sg.Validate(); err != nil {
		return "", err
	}
	k := seenKey{lookup.FormatTime(sg.OccurredAt), sg.OrderID}
	st := stepNewest
	ttl := s.expiry(sg.OccurredAt)
	checked := false
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if st == stepNone {
			return lookup.Unchanged, nil
		}
		in := s.linkUpdate(sg, k, st, ttl)
		var applied mayHaveApplied
		out, err := s.db.UpdateItem(ctx, in, applied.watch)
		if err == nil {
			if st == stepNewest && len(out.Attributes) == 0 {
				// A new item: the customer may have been forgotten.
				if err := s.checkForgotten(ctx, sg.CognitoID, sg.Phone); err != nil {
					return "", fmt.Errorf("link %s: %w", lookup.MaskPhone(sg.Phone), err)
				}
				return lookup.Linked, nil
			}
			if st == stepNewest && out.Attributes["pk2"] == nil {
				return lookup.Linked, nil
			}
			return lookup.Refreshed, nil
		}
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return "", fmt.Errorf("link %s: %w", lookup.MaskPhone(sg.Phone), err)
		}
		old, err := s.itemOnFailure(ctx, ccf.Item, sg.CognitoID, sg.Phone)
		if err != nil {
			return "", fmt.Errorf("link %s: %w", lookup.MaskPhone(sg.Phone), err)
		}
		if o, ok := ownLostWrite(old, sg, k, st, applied.seen.Load()); ok {
			return s.confirmLostWrite(ctx, o, sg)
		}
		st = plan(old, sg, k)
		ttl = ttlAfter(old, s.expiry(sg.OccurredAt))
		if old != nil && st == stepNone && !checked {
			// The sighting is already part of the link: this event may be
			// the one that created the item and failed before its check (a
			// read error, a deadline, a crash), whatever other sightings
			// moved first or last since. Check now; only redeliveries pay.
			checked = true
			if err := s.checkForgotten(ctx, sg.CognitoID, sg.Phone); err != nil {
				return "", fmt.Errorf("link %s: %w", lookup.MaskPhone(sg.Phone), err)
			}
		}
	}
	return "", fmt.Errorf("link %s: still contended after %d conditional writes", lookup.MaskPhone(sg.Phone), maxAttempts)
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

// The gate attribute is the key a sighting must exceed to become the latest
// visible sighting: max(lastSeenAt#lastOrderId, unlinkedAt$). '$' sorts after
// '#', so a sighting at the unlink time itself stays below it. One comparison
// keeps the common write's condition short, which matters: dynalite spends
// most of a conditional write parsing its expressions.

// gateKey is a sighting's key as the gate compares it: "<time>#<orderId>".
func gateKey(k seenKey) string { return k.at + "#" + k.orderID }

// unlinkGate is the gate of a link unlinked at at: "<at>$", above every
// sighting at that time.
func unlinkGate(at string) string { return at + "$" }

// linkUpdate builds the conditional UpdateItem for step st. Attribute names
// are constants of this package, none a DynamoDB reserved word (dynalite
// checks), so the expressions use them directly; the TTL attribute, which is
// configurable, is #ttl. ttl > 0 is the TTL to set in a step that moves
// lastSeenAt, in the same request, guarded so that it never moves backwards.
func (s *Store) linkUpdate(sg lookup.Sighting, k seenKey, st step, ttl int64) *dynamodb.UpdateItemInput {
	vals := map[string]types.AttributeValue{
		":src": strSet(sg.Source),
		":via": strSet(sg.Via),
	}
	var set, remove []string
	var cond string
	latest := func() {
		set = append(set, "lastSeenAt = :t", "lastOrderId = :o", "normVersion = :nv")
		vals[":t"], vals[":o"], vals[":nv"] = str(k.at), str(k.orderID), str(lookup.NormVersion)
		if sg.Brand != "" {
			set = append(set, "brand = :b")
			vals[":b"] = str(sg.Brand)
		} else {
			remove = append(remove, "brand")
		}
	}
	switch st {
	case stepNewest:
		latest()
		set = append(set, "gate = :k",
			"firstSeenAt = if_not_exists(firstSeenAt, :t)", "firstOrderId = if_not_exists(firstOrderId, :o)",
			"pk2 = :pk2", "sk2 = :sk2")
		vals[":k"] = str(gateKey(k))
		vals[":pk2"] = str(phonePrefix + sg.Phone)
		vals[":sk2"] = str(userPrefix + sg.CognitoID)
		cond = "attribute_not_exists(pk) OR gate < :k"
		if ttl > 0 {
			cond = "attribute_not_exists(pk) OR (gate < :k AND NOT #ttl > :e)"
		}
	case stepLast:
		latest()
		// A legacy link has no first order yet.
		set = append(set, "firstSeenAt = if_not_exists(firstSeenAt, :t)", "firstOrderId = if_not_exists(firstOrderId, :o)")
		vals[":k"] = str(gateKey(k))
		cond = "gate > :k AND (lastSeenAt < :t OR (lastSeenAt = :t AND lastOrderId < :o))"
		if ttl > 0 {
			cond += " AND NOT #ttl > :e"
		}
	case stepFirst:
		set = append(set, "firstSeenAt = :t", "firstOrderId = :o")
		vals[":t"], vals[":o"] = str(k.at), str(k.orderID)
		cond = "firstSeenAt > :t OR (firstSeenAt = :t AND firstOrderId > :o)"
	case stepBrand:
		set = append(set, "brand = :b")
		vals[":t"], vals[":o"], vals[":b"] = str(k.at), str(k.orderID), str(sg.Brand)
		cond = "lastSeenAt = :t AND lastOrderId = :o AND (attribute_not_exists(brand) OR brand < :b)"
	case stepSets:
		cond = "attribute_exists(pk)"
	}
	var names map[string]string
	if ttl > 0 && (st == stepNewest || st == stepLast) {
		set = append(set, "#ttl = :e")
		vals[":e"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(ttl, 10)}
		names = map[string]string{"#ttl": s.ttlAttribute()}
	}
	var expr []string
	if len(set) > 0 {
		expr = append(expr, "SET "+strings.Join(set, ", "))
	}
	if len(remove) > 0 {
		expr = append(expr, "REMOVE "+strings.Join(remove, ", "))
	}
	expr = append(expr, "ADD sources :src, via :via")
	in := &dynamodb.UpdateItemInput{
		TableName:                           &s.table,
		Key:                                 linkKey(sg.CognitoID, sg.Phone),
		UpdateExpression:                    aws.String(strings.Join(expr, " ")),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           vals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	if st == stepNewest {
		in.ReturnValues = types.ReturnValueAllOld
	}
	return in
}

// Unlink hides the link between cognitoID and phone (E.164) from FindByPhone
// from now on. Sightings that occurred up to the unlink time (for example a
// replayed dead-letter message), or up to the link's lastSeenAt if that is
// later, do not bring it back; a later order does. unlinkedAt becomes the
// store's clock (Now), never a later time: not for a link last seen after it
// (an event within the consumer's clock-skew bound), whose gate alone keeps it
// hidden, nor over an unlinkedAt stored later than now (a link poisoned before
// the bound), which is lowered to now with its gate. It returns
// lookup.ErrNotFound if there is no such link.
func (s *Store) Unlink(ctx context.Context, cognitoID, phone string) (err error) {
	defer markBusy(&err)
	if err := lookup.ValidateCognitoID(cognitoID); err != nil {
		return err
	}
	if err := lookup.ValidatePhone(phone); err != nil {
		return err
	}
	now := lookup.FormatTime(s.Now())
	var old *lookup.Link // nil: the first, optimistic write
	for attempt := 0; attempt < maxAttempts; attempt++ {
		_, err := s.db.UpdateItem(ctx, s.unlinkUpdate(cognitoID, phone, now, old))
		if err == nil {
			return nil
		}
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return fmt.Errorf("unlink %s: %w", lookup.MaskPhone(phone), err)
		}
		old, err = s.itemOnFailure(ctx, ccf.Item, cognitoID, phone)
		if err != nil {
			return fmt.Errorf("unlink %s: %w", lookup.MaskPhone(phone), err)
		}
		if old == nil {
			return fmt.Errorf("unlink %s: %w", lookup.MaskPhone(phone), lookup.ErrNotFound)
		}
	}
	return fmt.Errorf("unlink %s: still contended after %d conditional writes", lookup.MaskPhone(phone), maxAttempts)
}

// unlinkUpdate builds Unlink's conditional write: unlinkedAt = now and gate =
// max(lastSeenAt#lastOrderId, now$), the gate's invariant for the new
// unlinkedAt. Without a read (old nil) it assumes the common case, a gate at
// most now$ (so lastSeenAt and any stored unlinkedAt are not later than now,
// and the gate is now$), and its condition checks exactly that. After a read
// the gate is computed from old's latest sighting, and the condition is that
// the latest sighting is still the one read: a sighting that moved it in
// between (hidden, under a stored unlinkedAt later than now) fails the write,
// and the loop reads again. The condition does not hold the gate or
// unlinkedAt: of two concurrent unlinks the last written wins, each with its
// own clock.
func (s *Store) unlinkUpdate(cognitoID, phone, now string, old *lookup.Link) *dynamodb.UpdateItemInput {
	g := unlinkGate(now)
	vals := map[string]types.AttributeValue{":u": str(now)}
	cond := "attribute_exists(pk) AND gate <= :g"
	if old != nil {
		last := seenKey{lookup.FormatTime(old.LastSeenAt), old.LastOrderID}
		g = max(g, gateKey(last))
		vals[":t"] = str(last.at)
		if last.orderID == "" { // a legacy link has no order
			cond = "lastSeenAt = :t AND attribute_not_exists(lastOrderId)"
		} else {
			cond = "lastSeenAt = :t AND lastOrderId = :o"
			vals[":o"] = str(last.orderID)
		}
	}
	vals[":g"] = str(g)
	return &dynamodb.UpdateItemInput{
		TableName:                           &s.table,
		Key:                                 linkKey(cognitoID, phone),
		UpdateExpression:                    aws.String("SET unlinkedAt = :u, gate = :g REMOVE pk2, sk2"),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeValues:           vals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
}

// Get returns the link between cognitoID and phone, active or not, with a
// strongly consistent read.
func (s *Store) Get(ctx context.Context, cognitoID, phone string) (_ *lookup.Link, err error) {
	defer markBusy(&err)
	if err := lookup.ValidateCognitoID(cognitoID); err != nil {
		return nil, err
	}
	if err := lookup.ValidatePhone(phone); err != nil {
		return nil, err
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: linkKey(cognitoID, phone), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", lookup.MaskPhone(phone), err)
	}
	if len(out.Item) == 0 {
		return nil, lookup.ErrNotFound
	}
	return s.parseLink(out.Item)
}

// FindByPhone returns every active link of phone (E.164), most recently seen
// first. It reads the GSI, which is eventually consistent: a link written a
// moment ago may not be there yet.
func (s *Store) FindByPhone(ctx context.Context, phone string) ([]lookup.Link, error) {
	f, err := s.Search(ctx, phone, 0)
	return f.Links, err
}

// Search is FindByPhone reading at most maxItems items of the index (0: no
// cap), so that a number shared by very many customers costs a bounded read.
func (s *Store) Search(ctx context.Context, phone string, maxItems int) (_ lookup.Found, err error) {
	defer markBusy(&err)
	f := lookup.Found{Links: []lookup.Link{}}
	if err := lookup.ValidatePhone(phone); err != nil {
		return f, err
	}
	in := &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              &s.index,
		KeyConditionExpression: aws.String("pk2 = :p AND begins_with(sk2, :u)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": str(phonePrefix + phone), ":u": str(userPrefix),
		},
	}
	err = s.query(ctx, in, maxItems, &f)
	if err != nil {
		return f, fmt.Errorf("find %s: %w", lookup.MaskPhone(phone), err)
	}
	lookup.SortRecentFirst(f.Links)
	return f, nil
}

// ListByCustomer returns every link of cognitoID, active or not, ordered by
// phone, with a strongly consistent read of the base table. Links whose TTL
// has passed are left out, as in Search.
func (s *Store) ListByCustomer(ctx context.Context, cognitoID string) (_ []lookup.Link, err error) {
	defer markBusy(&err)
	f := lookup.Found{Links: []lookup.Link{}}
	if err := lookup.ValidateCognitoID(cognitoID); err != nil {
		return nil, err
	}
	in := &dynamodb.QueryInput{
		TableName:              &s.table,
		ConsistentRead:         aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :u AND begins_with(sk, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":u": str(userPrefix + cognitoID), ":p": str(phonePrefix),
		},
	}
	if err := s.query(ctx, in, 0, &f); err != nil {
		return nil, fmt.Errorf("list links of a customer: %w", err)
	}
	return f.Links, nil
}

// query reads the pages of in into f, at most maxItems items (0: all),
// skipping (and logging by key prefix) items that are not links.
func (s *Store) query(ctx context.Context, in *dynamodb.QueryInput, maxItems int, f *lookup.Found) error {
	for {
		if maxItems > 0 {
			in.Limit = aws.Int32(int32(min(maxItems-f.Read, 1000)))
		}
		page, err := s.db.Query(ctx, in)
		if err != nil {
			return err
		}
		f.Pages++
		f.Read += len(page.Items)
		now := s.Now()
		for _, item := range page.Items {
			l, err := s.parseLink(item)
			if err != nil {
				f.Foreign++
				s.Log.Warn().Str("pk", keyPrefix(item, "pk")).Str("sk", keyPrefix(item, "sk")).
					Str("reason", err.Error()).Msg("item is not a link: skipped")
				continue
			}
			if l.Expired(now) {
				f.Expired++
				continue
			}
			f.Links = append(f.Links, *l)
		}
		if len(page.LastEvaluatedKey) == 0 {
			return nil
		}
		if maxItems > 0 && f.Read >= maxItems {
			f.Truncated = true
			return nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}
