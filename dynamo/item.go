package dynamo

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/phonelookup/phonelookup/lookup"
)

// errNotLink is wrapped by parseLink's errors: the item is not a link this
// package wrote (a foreign or legacy item of a shared table, or a damaged one).
var errNotLink = errors.New("not a link")

// item is a link as stored (see docs/DESIGN.md, the table).
type item struct {
	PK           string   `dynamodbav:"pk"`
	SK           string   `dynamodbav:"sk"`
	PK2          *string  `dynamodbav:"pk2"`
	FirstSeenAt  string   `dynamodbav:"firstSeenAt"`
	FirstOrderID string   `dynamodbav:"firstOrderId"`
	LastSeenAt   string   `dynamodbav:"lastSeenAt"`
	LastOrderID  string   `dynamodbav:"lastOrderId"`
	Brand        string   `dynamodbav:"brand"`
	Sources      []string `dynamodbav:"sources,stringset"`
	Via          []string `dynamodbav:"via,stringset"`
	NormVersion  string   `dynamodbav:"normVersion"`
	UnlinkedAt   *string  `dynamodbav:"unlinkedAt"`
	Gate         string   `dynamodbav:"gate"`
}

// legacySeenAt is the lastSeenAt of a legacy link (no order): the earliest
// time a link can hold, so that any order is newer and the common write's
// condition (gate < the order's key) turns the link into an ordinary one.
const legacySeenAt = "1900-01-01T00:00:00.000Z"

// DefaultTTLAttribute is the TTL attribute of the links (LINK_TTL_ATTRIBUTE).
const DefaultTTLAttribute = "expiresAt"

func (s *Store) ttlAttribute() string {
	if s.TTLAttribute == "" {
		return DefaultTTLAttribute
	}
	return s.TTLAttribute
}

// parseLink reads a stored link strictly (parseItem) and its TTL attribute.
func (s *Store) parseLink(av map[string]types.AttributeValue) (*lookup.Link, error) {
	l, err := parseItem(av)
	if err != nil {
		return nil, err
	}
	if v, ok := av[s.ttlAttribute()]; ok {
		n, ok := v.(*types.AttributeValueMemberN)
		if !ok {
			return nil, fmt.Errorf("%w: %s is not a number", errNotLink, s.ttlAttribute())
		}
		sec, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: %s is not epoch seconds", errNotLink, s.ttlAttribute())
		}
		t := time.Unix(sec, 0).UTC()
		l.ExpiresAt = &t
	}
	return l, nil
}

// parseItem reads a stored link strictly: every required attribute present
// and well formed, never a zero value in place of a missing one. A legacy
// link (lastSeenAt = legacySeenAt, via legacy, no order) has no first or
// order attributes and comes back with zero times. An error wraps errNotLink.
func parseItem(av map[string]types.AttributeValue) (*lookup.Link, error) {
	var it item
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return nil, fmt.Errorf("%w: %v", errNotLink, err)
	}
	bad := func(what string) (*lookup.Link, error) { return nil, fmt.Errorf("%w: %s", errNotLink, what) }
	id, ok := strings.CutPrefix(it.PK, userPrefix)
	if !ok || lookup.ValidateCognitoID(id) != nil {
		return bad("pk is not " + userPrefix + "<cognitoId>")
	}
	phone, ok := strings.CutPrefix(it.SK, phonePrefix)
	if !ok || lookup.ValidatePhone(phone) != nil {
		return bad("sk is not " + phonePrefix + "<E.164>")
	}
	l := &lookup.Link{
		CognitoID: id, Phone: phone,
		FirstOrderID: it.FirstOrderID, LastOrderID: it.LastOrderID,
		Brand: it.Brand, NormVersion: it.NormVersion,
		Sources: slices.Sorted(slices.Values(it.Sources)), Via: slices.Sorted(slices.Values(it.Via)),
		Active: it.PK2 != nil,
	}
	if it.LastOrderID == "" && it.LastSeenAt == legacySeenAt {
		switch {
		case it.FirstSeenAt != "" || it.FirstOrderID != "":
			return bad("legacy link with a first order")
		case !slices.Contains(l.Via, lookup.ViaLegacy) || len(l.Sources) == 0:
			return bad("link without orders is not a legacy link")
		case it.Gate == "":
			return bad("gate missing")
		}
		return l, parseUnlinked(l, it.UnlinkedAt)
	}
	var err error
	if l.FirstSeenAt, err = parseTime(it.FirstSeenAt); err != nil {
		return bad("firstSeenAt " + err.Error())
	}
	if l.LastSeenAt, err = parseTime(it.LastSeenAt); err != nil {
		return bad("lastSeenAt " + err.Error())
	}
	if err := parseUnlinked(l, it.UnlinkedAt); err != nil {
		return nil, err
	}
	switch {
	case l.FirstOrderID == "" || l.LastOrderID == "":
		return bad("firstOrderId or lastOrderId missing")
	case len(l.Sources) == 0 || len(l.Via) == 0:
		return bad("sources or via missing")
	case it.Gate == "":
		return bad("gate missing")
	}
	return l, nil
}

// parseUnlinked sets l.UnlinkedAt from the stored attribute (nil: absent).
func parseUnlinked(l *lookup.Link, v *string) error {
	if v == nil {
		return nil
	}
	t, err := parseTime(*v)
	if err != nil {
		return fmt.Errorf("%w: unlinkedAt %s", errNotLink, err.Error())
	}
	l.UnlinkedAt = &t
	return nil
}

// parseTime reads a stored time (lookup.TimeLayout).
func parseTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, errors.New("missing")
	}
	t, err := time.Parse(lookup.TimeLayout, v)
	if err != nil {
		return time.Time{}, errors.New("not a stored time")
	}
	return t, nil
}

// keyPrefix is what may be logged of a key attribute of a foreign item: the
// part up to and including its first '#' (never the customer or the number).
func keyPrefix(av map[string]types.AttributeValue, name string) string {
	s, ok := av[name].(*types.AttributeValueMemberS)
	if !ok {
		return "(not a string)"
	}
	if i := strings.IndexByte(s.Value, '#'); i >= 0 {
		return s.Value[:i+1]
	}
	return "(no prefix)"
}
