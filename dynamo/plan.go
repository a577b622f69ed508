package dynamo

import (
	"slices"
	"strings"

	"github.com/phonelookup/phonelookup/lookup"
)

// seenKey orders sightings: by time, then by order id, so that the first and
// last orders of a link are well defined even when two share a millisecond.
type seenKey struct{ at, orderID string }

func (a seenKey) compare(b seenKey) int {
	if c := strings.Compare(a.at, b.at); c != 0 {
		return c
	}
	return strings.Compare(a.orderID, b.orderID)
}

// step is the write a sighting needs given the stored link.
type step int

const (
	stepNone   step = iota // nothing to change: unchanged
	stepNewest             // new or newest and visible: the optimistic write
	stepLast               // newer than lastSeenAt but not after unlinkedAt: move last, stay hidden
	stepFirst              // older than firstSeenAt: move first
	stepSets               // between first and last: only sources/via grow
	stepBrand              // the latest order again with a larger brand: the larger wins
)

// plan decides the write for sighting s (key k) against the stored link old
// (nil: no item).
func plan(old *lookup.Link, sg lookup.Sighting, k seenKey) step {
	if old == nil {
		return stepNewest
	}
	last := seenKey{lookup.FormatTime(old.LastSeenAt), old.LastOrderID}
	first := seenKey{lookup.FormatTime(old.FirstSeenAt), old.FirstOrderID}
	switch {
	case k.compare(last) > 0 && old.UnlinkedAt != nil && lookup.FormatTime(*old.UnlinkedAt) >= k.at:
		return stepLast
	case k.compare(last) > 0:
		return stepNewest
	case k.compare(last) == 0 && sg.Brand > old.Brand:
		// Two sightings of the latest order that disagree on the brand (one
		// producer leaves it out): the larger brand wins, whatever the order.
		return stepBrand
	case k.compare(first) < 0:
		return stepFirst
	case !slices.Contains(old.Sources, sg.Source) || !slices.Contains(old.Via, sg.Via):
		return stepSets
	}
	return stepNone
}
