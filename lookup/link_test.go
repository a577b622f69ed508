package lookup

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestSortRecentFirstRanksLegacyLast(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	links := []Link{
		{CognitoID: "legacy-b"},
		{CognitoID: "old", LastSeenAt: t0, LastOrderID: "o-1"},
		{CognitoID: "legacy-a"},
		{CognitoID: "new", LastSeenAt: t0.Add(time.Hour), LastOrderID: "o-2"},
	}
	SortRecentFirst(links)
	var ids []string
	for _, l := range links {
		ids = append(ids, l.CognitoID)
	}
	assert.Equal(t, []string{"new", "old", "legacy-a", "legacy-b"}, ids)
}

func TestCustomerPhones(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	links := func() []Link {
		return []Link{
			{Phone: "+441", LastSeenAt: t0, Active: true},
			{Phone: "+442", LastSeenAt: t0.Add(2 * time.Hour)},
			{Phone: "+443", LastSeenAt: t0.Add(time.Hour), Active: true},
			{Phone: "+444", LastSeenAt: t0, Active: true},
		}
	}
	for _, tc := range []struct {
		unlinked bool
		want     []string
	}{
		{false, []string{"+443", "+441", "+444"}},
		{true, []string{"+442", "+443", "+441", "+444"}},
	} {
		var got []string
		for _, l := range CustomerPhones(links(), tc.unlinked) {
			got = append(got, l.Phone)
		}
		assert.Equal(t, tc.want, got, "CustomerPhones(unlinked=%v): most recent first, ties in the given order", tc.unlinked)
	}
}

func TestViewOfALegacyLink(t *testing.T) {
	v := View(Link{CognitoID: "u", Phone: "+442079460958", Sources: []string{ViaLegacy}, Via: []string{ViaLegacy}, Active: true})
	assert.Equal(t, LinkView{CognitoID: "u", Phone: "+442079460958", Sources: []string{"legacy"}, Via: []string{"legacy"}, Legacy: true}, v)
}

func TestExpired(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	assert.False(t, Link{}.Expired(t0), "no TTL: never")
	l := Link{ExpiresAt: &t0}
	assert.False(t, l.Expired(t0.Add(-time.Second)))
	assert.True(t, l.Expired(t0), "expired at its TTL")
}
