package consumer_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/internal/phonecases"
	"github.com/phonelookup/phonelookup/lookup"
)

func readPhoneSpellings(t *testing.T, file string) []phonecases.Case {
	t.Helper()
	cases, err := phonecases.Read[phonecases.Case](file)
	require.NoError(t, err)
	require.NotEmpty(t, cases, file)
	return cases
}

// spellingLinker is a consumer.Linker that keeps the sightings it is given.
type spellingLinker struct {
	mu        sync.Mutex
	sightings []lookup.Sighting
}

func (l *spellingLinker) Link(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sightings = append(l.sightings, s)
	return lookup.Linked, nil
}

func (l *spellingLinker) take() []lookup.Sighting {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.sightings
	l.sightings = nil
	return s
}

// spellingEvent returns the JSON of an order with phone as its dropoff phone
// (a delivery, region as the order's countryCode) or as the account phone (a
// collection, region as the user's countryCode); region "" leaves the
// countryCode out.
func spellingEvent(t *testing.T, via, phone, region string) []byte {
	t.Helper()
	order := map[string]any{"id": "ord-phone", "fulfillmentType": "collection"}
	user := map[string]any{"cognitoId": "eu-west-1:7f1c2a9e-4b3d-4c8e-9f10-2b6d7e8a1c01"}
	switch via {
	case lookup.ViaDropoff:
		order["fulfillmentType"] = "delivery"
		order["delivery"] = map[string]any{"dropoff": map[string]any{"phoneNumber": phone}}
		if region != "" {
			order["countryCode"] = region
		}
	case lookup.ViaAccount:
		details := map[string]any{"phoneNumber": phone}
		if region != "" {
			details["countryCode"] = region
		}
		user["details"] = details
	}
	body, err := json.Marshal(map[string]any{
		"eventId": "evt-phone", "eventType": "OrderCommitted", "version": 1, "source": "graphql",
		"occurredAt": "2026-11-02T10:15:30.123Z", "order": order, "user": user,
	})
	require.NoError(t, err)
	return body
}

// TestProcessPhoneSpellings runs the phones of testdata/phones through the
// consumer's path, with the real normaliser: every spelling of cases.jsonl
// and of spellings.jsonl (the whole table: every supported region's example
// fixed-line and mobile numbers in every spelling), as a dropoff and as an account
// phone. An accepted one is linked as its E.164; a rejected one is skipped as
// invalid-phone, links nothing and shows only masked.
func TestProcessPhoneSpellings(t *testing.T) {
	phones, err := lookup.NewNormalizer("", lookup.DefaultCacheSize)
	require.NoError(t, err)
	linker := &spellingLinker{}
	p := &consumer.Processor{Linker: linker, Phones: phones}
	cases := append(readPhoneSpellings(t, "../testdata/phones/cases.jsonl"), readPhoneSpellings(t, "../testdata/phones/spellings.jsonl")...)
	ctx := context.Background()
	var tried, asWanted int
	defer func() { t.Logf("%d phones through Process, %d as wanted", tried, asWanted) }()
	for _, c := range cases {
		if c.Raw == "" {
			continue // no phone at all: the rule's business (TestPick)
		}
		for _, via := range []string{lookup.ViaDropoff, lookup.ViaAccount} {
			r := p.Process(ctx, spellingEvent(t, via, c.Raw, c.Region))
			got := linker.take()
			tried++
			if (c.Want == "" && r.Reason == consumer.ReasonInvalidPhone && len(got) == 0) ||
				(c.Want != "" && len(got) == 1 && got[0].Phone == c.Want) {
				asWanted++
			}
			if c.Want == "" {
				assert.Equal(t, consumer.Skipped, r.Outcome, "Process(%s %q, %q) = %s, want skipped (%s)", via, c.Raw, c.Region, r.Outcome, c.Why)
				assert.Equal(t, consumer.ReasonInvalidPhone, r.Reason, "Process(%s %q, %q) reason (%s)", via, c.Raw, c.Region, c.Why)
				assert.Empty(t, got, "Process(%s %q, %q) linked %+v, want nothing (%s)", via, c.Raw, c.Region, got, c.Why)
				assert.Equal(t, lookup.MaskPhone(c.Raw), r.Phone, "Process(%s %q, %q) result phone", via, c.Raw, c.Region)
				continue
			}
			if !assert.Len(t, got, 1, "Process(%s %q, %q) = %s %s: sightings %+v, want one (%s)", via, c.Raw, c.Region, r.Outcome, r.Reason, got, c.Why) {
				continue
			}
			assert.Equal(t, consumer.Linked, r.Outcome, "Process(%s %q, %q) = %s, want linked (%s)", via, c.Raw, c.Region, r.Outcome, c.Why)
			assert.Equal(t, c.Want, got[0].Phone, "Process(%s %q, %q) linked %q, want %q (%s)", via, c.Raw, c.Region, got[0].Phone, c.Want, c.Why)
			assert.Equal(t, via, got[0].Via, "Process(%s %q, %q) via", via, c.Raw, c.Region)
			assert.Equal(t, lookup.MaskPhone(c.Want), r.Phone, "Process(%s %q, %q) result phone", via, c.Raw, c.Region)
		}
	}
}
