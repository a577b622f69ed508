package lookup

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	n, err := NewNormalizer("", 16)
	require.NoError(t, err)
	gb, err := NewNormalizer("gb", 0)
	require.NoError(t, err)
	tests := []struct {
		n           *Normalizer
		raw, region string
		want        string // "" = ErrInvalidPhone
	}{
		{n, "+44 20 7946 0958", "", "+442079460958"},
		{n, "0044 20 7946 0958", "GB", "+442079460958"},
		{n, "020 7946 0958", "GB", "+442079460958"},
		{n, "020 7946 0958", "gb", "+442079460958"},
		{gb, "020 7946 0958", "", "+442079460958"},   // PHONE_DEFAULT_REGION
		{gb, "(650) 253-0000", "US", "+16502530000"}, // the event's region wins
		{n, "(650) 253-0000,", "US", "+16502530000"}, // trailing junk (v2)
		{n, "+1 650 253 0000 ext. 12", "", "+16502530000"},
		{n, "020 7946 0958", "", ""}, // no + and no region
		{n, "0044 20 7946 0958", "", ""},
		{n, "12", "US", ""},
		{n, "not a phone", "US", ""},
		{n, "", "GB", ""},
		{n, "020 7946 0958", "ZZ", ""},
		{n, "+44 20 7946 0958 " + strings.Repeat("9", 300), "", ""},
	}
	for _, tt := range tests {
		for range 2 { // the second time from the cache, if any
			got, err := tt.n.Normalize(tt.raw, tt.region)
			if tt.want == "" {
				assert.ErrorIs(t, err, ErrInvalidPhone, "Normalize(%q, %q) = %q", tt.raw, tt.region, got)
				continue
			}
			require.NoError(t, err, "Normalize(%q, %q)", tt.raw, tt.region)
			assert.Equal(t, tt.want, got, "Normalize(%q, %q)", tt.raw, tt.region)
			assert.NoError(t, ValidatePhone(got))
		}
	}
	_, err = NewNormalizer("XX", 0)
	assert.Error(t, err, "unknown default region")
}

// TestNormalizeCacheByRegion: the cache is keyed by spelling and region, so
// one spelling read in two regions is two numbers (or an error), in any order.
func TestNormalizeCacheByRegion(t *testing.T) {
	n, err := NewNormalizer("", 16)
	require.NoError(t, err)
	const raw = "06 12 34 56 78"
	tests := []struct{ region, want string }{
		{"FR", "+33612345678"}, {"NL", "+31612345678"}, {"", ""}, {"fr", "+33612345678"}, {"NL", "+31612345678"}, {"", ""},
	}
	for _, tt := range tests {
		got, err := n.Normalize(raw, tt.region)
		if tt.want == "" {
			assert.ErrorIs(t, err, ErrInvalidPhone, "Normalize(%q, %q) = %q, want ErrInvalidPhone", raw, tt.region, got)
			continue
		}
		assert.NoError(t, err, "Normalize(%q, %q)", raw, tt.region)
		assert.Equal(t, tt.want, got, "Normalize(%q, %q) = %q, want %q", raw, tt.region, got, tt.want)
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+442079460958", "+44********58"},
		{"+16502530000", "+1********00"},
		{"+35312345678", "+353******78"},
		{"020 7946 0958", "***58"},
		{"12", "***"},
		{"", "***"},
	}
	for _, tt := range tests {
		got := MaskPhone(tt.in)
		assert.Equal(t, tt.want, got, "MaskPhone(%q)", tt.in)
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, tt.in)
		if len(digits) > 6 {
			assert.NotContains(t, got, digits[len(digits)-6:], "MaskPhone(%q) leaks digits", tt.in)
		}
	}
}

func TestValidateCognitoID(t *testing.T) {
	for _, id := range []string{"u", "eu-west-1:7f1c2a9e-4b3d", "a.b_c+d@e", strings.Repeat("a", 128)} {
		assert.NoError(t, ValidateCognitoID(id), "ValidateCognitoID(%q)", id)
	}
	for _, id := range []string{"", "a#b", "phone#+44", "a b", "ü", "a/b", strings.Repeat("a", 129)} {
		err := ValidateCognitoID(id)
		assert.True(t, errors.Is(err, ErrInvalidSighting), "ValidateCognitoID(%q) = %v, want ErrInvalidSighting", id, err)
	}
}

func TestSightingValidate(t *testing.T) {
	ok := Sighting{CognitoID: "u", Phone: "+442079460958", Via: ViaDropoff, Source: "graphql", OrderID: "o",
		OccurredAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	require.NoError(t, ok.Validate())
	bad := map[string]func(s *Sighting){
		"via":      func(s *Sighting) { s.Via = "sms" },
		"source":   func(s *Sighting) { s.Source = "POS#1" },
		"order id": func(s *Sighting) { s.OrderID = "" },
		"time":     func(s *Sighting) { s.OccurredAt = time.Time{} },
		"year 10000 in UTC": func(s *Sighting) {
			s.OccurredAt = time.Date(9999, 12, 31, 23, 30, 0, 0, time.FixedZone("-01:00", -3600))
		},
		"phone":      func(s *Sighting) { s.Phone = "442079460958" },
		"cognito id": func(s *Sighting) { s.CognitoID = "u#x" },
	}
	for name, mutate := range bad {
		s := ok
		mutate(&s)
		assert.ErrorIs(t, s.Validate(), ErrInvalidSighting, "Validate with bad %s", name)
	}
}

func TestValidatePhone(t *testing.T) {
	for _, p := range []string{"+12", "+442079460958", "+123456789012345"} {
		assert.NoError(t, ValidatePhone(p), "ValidatePhone(%q)", p)
	}
	for _, p := range []string{"", "+", "+1", "+0123", "442079460958", "+1234567890123456", "+44 20", "+44#1", "+４４"} {
		assert.ErrorIs(t, ValidatePhone(p), ErrInvalidSighting, "ValidatePhone(%q)", p)
	}
}
