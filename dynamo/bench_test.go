package dynamo

import (
	"testing"
	"time"

	"github.com/phonelookup/phonelookup/lookup"
)

// BenchmarkBuildWrite is building the conditional UpdateItem of a new link.
func BenchmarkBuildWrite(b *testing.B) {
	s := NewStore(nil, "", "")
	sg := lookup.Sighting{CognitoID: "eu-west-1:7f1c2a9e", Phone: "+442079460958", Via: lookup.ViaDropoff, Source: "graphql",
		OrderID: "ord-1", OccurredAt: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), Brand: "b"}
	k := seenKey{lookup.FormatTime(sg.OccurredAt), sg.OrderID}
	b.ReportAllocs()
	for b.Loop() {
		if err := sg.Validate(); err != nil {
			b.Fatal(err)
		}
		_ = s.linkUpdate(sg, k, stepNewest, 0)
	}
}
