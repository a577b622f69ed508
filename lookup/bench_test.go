package lookup

import (
	"testing"
)

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
