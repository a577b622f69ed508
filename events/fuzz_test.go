package events_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/events"
)

// FuzzDecode checks that Decode never panics, that every error is an
// *InvalidError, that it rejects as "body is not valid JSON" exactly what
// json.Valid rejects, that a decoded event re-encoded in the version-1 shape
// decodes to an equal event, and that the schema agrees with Decode on the
// raw body and on the unwrapped event (checkSchemaAgrees). The seed corpus is
// every event line of the testdata files.
func FuzzDecode(f *testing.F) {
	for _, l := range allJSONL(f) {
		f.Add(l.Data)
	}
	sch := compileSchema(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		e, _, err := events.Decode(body)
		_, _, unwrapErr := events.Unwrap(body)
		var ie *events.InvalidError
		if unwrapErr != nil {
			require.True(t, errors.As(unwrapErr, &ie), "Unwrap(%q) = %T %v, want *events.InvalidError", body, unwrapErr, unwrapErr)
		}
		checkSchemaAgrees(t, sch, body, "fuzz")
		if t.Failed() {
			t.FailNow()
		}
		if err != nil {
			require.True(t, errors.As(err, &ie), "Decode(%q) = %T %v, want *events.InvalidError", body, err, err)
			notJSON := ie.Field == "" && ie.Reason == "body is not valid JSON"
			require.Equal(t, !json.Valid(body), notJSON, "Decode(%q) = %v, json.Valid %v", body, err, json.Valid(body))
			return
		}
		require.True(t, json.Valid(body), "Decode(%q) succeeded on invalid JSON", body)

		again := encodeV1(t, e)
		got, env, err := events.Decode(again)
		require.NoError(t, err, "Decode(%q) of re-encoded %q", again, body)
		assert.Equal(t, events.EnvelopeNone, env, "Decode(%q) envelope", again)
		assert.True(t, e.OccurredAt.Equal(got.OccurredAt), "Decode(%q).OccurredAt = %v, want %v", again, got.OccurredAt, e.OccurredAt)
		_, wantOffset := e.OccurredAt.Zone()
		_, gotOffset := got.OccurredAt.Zone()
		assert.Equal(t, wantOffset, gotOffset, "Decode(%q).OccurredAt offset", again)
		want := *e
		want.OccurredAt, got.OccurredAt = time.Time{}, time.Time{}
		assert.Equal(t, &want, got, "Decode(%q) = %+v, want %+v", again, got, want)
	})
}

// encodeV1 encodes e in the version-1 JSON shape, leaving out empty
// optional fields.
func encodeV1(t *testing.T, e *events.OrderCommitted) []byte {
	t.Helper()
	type phone struct {
		PhoneNumber string `json:"phoneNumber,omitempty"`
	}
	type delivery struct {
		Dropoff *phone `json:"dropoff,omitempty"`
	}
	type order struct {
		ID              string    `json:"id"`
		FulfillmentType string    `json:"fulfillmentType"`
		CountryCode     string    `json:"countryCode,omitempty"`
		Delivery        *delivery `json:"delivery,omitempty"`
	}
	type details struct {
		PhoneNumber string `json:"phoneNumber,omitempty"`
		CountryCode string `json:"countryCode,omitempty"`
	}
	type user struct {
		CognitoID string  `json:"cognitoId,omitempty"`
		Details   details `json:"details"`
	}
	v := struct {
		EventID    string `json:"eventId"`
		EventType  string `json:"eventType"`
		Version    int    `json:"version"`
		Source     string `json:"source"`
		OccurredAt string `json:"occurredAt"`
		Brand      string `json:"brand,omitempty"`
		Order      order  `json:"order"`
		User       *user  `json:"user,omitempty"`
	}{
		EventID:    e.EventID,
		EventType:  e.EventType,
		Version:    e.Version,
		Source:     e.Source,
		OccurredAt: e.OccurredAt.Format(time.RFC3339Nano),
		Brand:      e.Brand,
		Order: order{
			ID:              e.Order.ID,
			FulfillmentType: e.Order.FulfillmentType,
			CountryCode:     e.Order.CountryCode,
		},
	}
	if e.Order.DropoffPhone != "" {
		v.Order.Delivery = &delivery{Dropoff: &phone{PhoneNumber: e.Order.DropoffPhone}}
	}
	if e.User != (events.User{}) {
		v.User = &user{
			CognitoID: e.User.CognitoID,
			Details:   details{PhoneNumber: e.User.Phone, CountryCode: e.User.CountryCode},
		}
	}
	b, err := json.Marshal(v)
	require.NoError(t, err, "encode %+v", e)
	return b
}
