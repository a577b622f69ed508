package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/phonelookup/phonelookup/lookup"
)

// The legacy lookup record of the user table (the design's Solution 1): one
// customer per number as typed, "the first one to inform the number".
const (
	legacySK       = "v0_UserPhone"
	legacySK2      = "v0_UserPhoneLookUp"
	maxLegacyPhone = 64 // longer "numbers as typed" are not phone numbers
)

// LegacyRecord is a legacy lookup record: pk phone#<Phone as typed>, sk
// v0_UserPhone, pk2 phone_user#<CognitoID>, sk2 v0_UserPhoneLookUp.
type LegacyRecord struct {
	CognitoID string
	Phone     string // as typed: not normalised, may be anything
}

// legacyItem is a legacy record as stored.
type legacyItem struct {
	PK  string `dynamodbav:"pk"`
	SK  string `dynamodbav:"sk"`
	PK2 string `dynamodbav:"pk2"`
	SK2 string `dynamodbav:"sk2"`
}

// parseLegacy reads a legacy record strictly: every key attribute a string of
// the expected form, the customer a valid Cognito id.
func parseLegacy(av map[string]types.AttributeValue) (LegacyRecord, error) {
	var it legacyItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return LegacyRecord{}, fmt.Errorf("not a legacy record: %w", err)
	}
	phone, okPhone := strings.CutPrefix(it.PK, phonePrefix)
	id, okID := strings.CutPrefix(it.PK2, userPrefix)
	switch {
	case it.SK != legacySK || it.SK2 != legacySK2:
		return LegacyRecord{}, errors.New("not a legacy record: sk or sk2")
	case !okPhone || phone == "" || len(phone) > maxLegacyPhone:
		return LegacyRecord{}, errors.New("not a legacy record: pk is not " + phonePrefix + "<number>")
	case !okID || lookup.ValidateCognitoID(id) != nil:
		return LegacyRecord{}, errors.New("not a legacy record: pk2 is not " + userPrefix + "<cognitoId>")
	}
	return LegacyRecord{CognitoID: id, Phone: phone}, nil
}

// LegacyScan counts what ScanLegacy read.
type LegacyScan struct {
	Scanned int // items DynamoDB examined (the whole table)
	Records int // legacy records handed to the callback
	Foreign int // items with the legacy sort key that are not well-formed records (skipped, logged by key prefix)
}

// ScanLegacy reads every legacy lookup record of the table with a parallel
// Scan of segments segments (1 to MaxSegments), filtered on the legacy sort
// key, and calls fn for each record, from one goroutine per segment (fn must
// be safe for concurrent use). progress, if not nil, is called after every
// page with the items scanned so far. The first error of fn or of a Scan
// stops every segment. The scan reads and never writes.
func (s *Store) ScanLegacy(ctx context.Context, segments int, fn func(context.Context, LegacyRecord) error, progress func(scanned int)) (LegacyScan, error) {
	in := &dynamodb.ScanInput{
		TableName:            &s.table,
		FilterExpression:     aws.String("sk = :sk"),
		ProjectionExpression: aws.String("pk, sk, pk2, sk2"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sk": str(legacySK),
		},
	}
	var mu sync.Mutex
	var sum LegacyScan
	err := s.parallelScan(ctx, in, segments, func(ctx context.Context, page *dynamodb.ScanOutput) error {
		mu.Lock()
		sum.Scanned += int(page.ScannedCount)
		scanned := sum.Scanned
		mu.Unlock()
		for _, item := range page.Items {
			rec, err := parseLegacy(item)
			mu.Lock()
			if err != nil {
				sum.Foreign++
			} else {
				sum.Records++
			}
			mu.Unlock()
			if err != nil {
				s.Log.Warn().Str("pk", keyPrefix(item, "pk")).Str("sk", keyPrefix(item, "sk")).
					Str("reason", err.Error()).Msg("item is not a legacy record: skipped")
				continue
			}
			if err := fn(ctx, rec); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(scanned)
		}
		return nil
	})
	return sum, err
}

// ImportOutcome is what ImportLegacy did.
type ImportOutcome string

// The outcomes of ImportLegacy.
const (
	Imported      ImportOutcome = "imported"       // a new legacy link
	AlreadyLinked ImportOutcome = "already-linked" // the link existed (from orders or an earlier import); marked via legacy if it was not
)

// ImportLegacy writes the legacy link between cognitoID and phone (E.164,
// normalised from a legacy record): a link with via and sources {legacy}, no
// order, lastSeenAt legacySeenAt (so it ranks after every order-backed link
// and the next order for it turns it into an ordinary one), its TTL the
// import time + Retention. An existing link only gains legacy in its via and
// sources (once: an import run again writes nothing). A forgotten customer's
// link is not kept (lookup.ErrForgotten).
func (s *Store) ImportLegacy(ctx context.Context, cognitoID, phone string) (ImportOutcome, error) {
	if err := lookup.ValidateCognitoID(cognitoID); err != nil {
		return "", err
	}
	if err := lookup.ValidatePhone(phone); err != nil {
		return "", err
	}
	outcome := Imported
	_, err := s.conditionalWrite(ctx, cognitoID, phone, func(old *lookup.Link, _, _ bool) (*dynamodb.UpdateItemInput, error) {
		if old == nil { // the first write, or deleted in between (a forget, a TTL): create
			outcome = Imported
			return s.legacyCreate(cognitoID, phone), nil
		}
		outcome = AlreadyLinked
		if slices.Contains(old.Via, lookup.ViaLegacy) && slices.Contains(old.Sources, lookup.ViaLegacy) {
			return nil, nil // imported before
		}
		return s.legacyMark(cognitoID, phone), nil
	})
	if err == nil {
		// Every outcome checks, an already imported link too: it may come
		// from a run whose check after creating the item failed (imports
		// are rare; a read is cheap).
		err = s.checkForgotten(ctx, cognitoID, phone)
	}
	if err != nil {
		return "", fmt.Errorf("import %s: %w", lookup.MaskPhone(phone), err)
	}
	return outcome, nil
}

// legacyMark is the conditional write adding legacy to the via and sources
// of an existing link.
func (s *Store) legacyMark(cognitoID, phone string) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       linkKey(cognitoID, phone),
		UpdateExpression:          aws.String("ADD sources :l, via :l"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":l": strSet(lookup.ViaLegacy)},
	}
}

// legacyCreate is the conditional write creating a legacy link.
func (s *Store) legacyCreate(cognitoID, phone string) *dynamodb.UpdateItemInput {
	set := []string{"lastSeenAt = :t", "gate = :g", "normVersion = :nv", "pk2 = :pk2", "sk2 = :sk2"}
	vals := map[string]types.AttributeValue{
		":t": str(legacySeenAt), ":g": str(gateKey(seenKey{legacySeenAt, ""})), ":nv": str(lookup.NormVersion),
		":pk2": str(phonePrefix + phone), ":sk2": str(userPrefix + cognitoID), ":l": strSet(lookup.ViaLegacy),
	}
	var names map[string]string
	if e := s.expiry(s.Now()); e > 0 {
		set = append(set, "#ttl = :e")
		vals[":e"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(e, 10)}
		names = map[string]string{"#ttl": s.ttlAttribute()}
	}
	return &dynamodb.UpdateItemInput{
		TableName:                           &s.table,
		Key:                                 linkKey(cognitoID, phone),
		UpdateExpression:                    aws.String("SET " + strings.Join(set, ", ") + " ADD sources :l, via :l"),
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           vals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
}
