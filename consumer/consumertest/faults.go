package consumertest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// FaultEvents returns the bodies of n links (user-I and +44 20 7946 IIII),
// each seen by one or two orders, a quarter of them sent twice (a
// producer's retry), shuffled with seed, followed by invalid events whose
// eventId starts with "bad-".
func FaultEvents(seed uint64, n, invalid int) []string {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	var bodies []string
	for i := range n {
		user, phone := fmt.Sprintf("user-%d", i), fmt.Sprintf("+44 20 7946 %04d", i%1000)
		for o := range 1 + rng.IntN(2) {
			b := fmt.Sprintf(`{"eventId":"evt-%d-%d","eventType":"OrderCommitted","version":1,"source":"graphql",`+
				`"occurredAt":"2026-11-%02dT10:00:00Z","order":{"id":"ord-%d-%d","fulfillmentType":"delivery",`+
				`"delivery":{"dropoff":{"phoneNumber":%q}}},"user":{"cognitoId":%q}}`, i, o, 1+o, i, o, phone, user)
			bodies = append(bodies, b)
			if rng.IntN(4) == 0 {
				bodies = append(bodies, b)
			}
		}
	}
	rng.Shuffle(len(bodies), func(i, j int) { bodies[i], bodies[j] = bodies[j], bodies[i] })
	for i := range invalid {
		bodies = append(bodies, fmt.Sprintf(`{"eventId":"bad-%d","eventType":"OrderCommitted","version":1}`, i))
	}
	return bodies
}

// IsBadEvent reports whether body is one of FaultEvents' invalid events.
func IsBadEvent(body string) bool { return strings.HasPrefix(body, `{"eventId":"bad-`) }

// ItemsWrong returns how many items differ between two table scans
// (emulator.ScanTable): missing from got, extra in it, or changed.
func ItemsWrong(want, got []string) int {
	in := map[string]int{}
	for _, it := range want {
		in[it]++
	}
	wrong := 0
	for _, it := range got {
		if in[it] > 0 {
			in[it]--
		} else {
			wrong++
		}
	}
	for _, n := range in {
		wrong += n
	}
	return wrong
}
