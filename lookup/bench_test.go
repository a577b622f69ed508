package lookup

import (
	"testing"
	"time"
)

// BenchmarkBuildWrite is building the conditional UpdateItem of a new link.
func BenchmarkBuildWrite(b *testing.B) {
	s := NewStore(nil, "", "")
	sg := Sighting{CognitoID: "eu-west-1:7f1c2a9e", Phone: "+442079460958", Via: ViaDropoff, Source: "graphql",
		OrderID: "ord-1", OccurredAt: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), Brand: "b"}
	k := seenKey{FormatTime(sg.OccurredAt), sg.OrderID}
	b.ReportAllocs()
	for b.Loop() {
		if err := sg.Validate(); err != nil {
			b.Fatal(err)
		}
		_ = s.linkUpdate(sg, k, stepNewest)
	}
}

// BenchmarkNormalize is one phone number, parsed each time or from the cache.
func BenchmarkNormalize(b *testing.B) {
	for _, size := range []int{0, DefaultCacheSize} {
		n, err := NewNormalizer("GB", size)
		if err != nil {
			b.Fatal(err)
		}
		name := map[bool]string{true: "cache", false: "nocache"}[size > 0]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := n.Normalize("020 7946 0958", ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
