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
