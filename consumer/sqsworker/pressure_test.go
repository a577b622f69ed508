package sqsworker

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestPressureAIMD: failures halve the limit once per round, successes raise
// it by one per limit's worth, never above max nor below 1.
func TestPressureAIMD(t *testing.T) {
	p := newPressure(8)
	r := p.acquire()
	r2 := p.acquire() // started in the same round
	p.release(r, true)
	now, _ := p.Limit()
	assert.Equal(t, 4, now, "first overload halves")
	p.release(r2, true)
	now, _ = p.Limit()
	assert.Equal(t, 4, now, "a failure from before the cut does not cut again")
	for range 3 {
		p.release(p.acquire(), true)
	}
	now, low := p.Limit()
	assert.Equal(t, 1, now, "never below 1")
	assert.Equal(t, 1, low)
	for range 1 + 2 + 3 {
		p.release(p.acquire(), false)
	}
	now, _ = p.Limit()
	assert.Equal(t, 4, now, "1 success raises 1 to 2, 2 raise it to 3, 3 to 4")
	for range 100 {
		p.release(p.acquire(), false)
	}
	now, low = p.Limit()
	assert.Equal(t, 8, now, "never above max")
	assert.Equal(t, 1, low, "the lowest limit is kept")
}

// TestPressureBoundsConcurrency: never more than the limit at once.
func TestPressureBoundsConcurrency(t *testing.T) {
	p := newPressure(6)
	p.release(p.acquire(), true) // limit 3
	var busy, peak atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			r := p.acquire()
			n := busy.Add(1)
			for {
				m := peak.Load()
				if n <= m || peak.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			busy.Add(-1)
			p.release(r, true) // all overloaded: stays low
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, peak.Load(), int32(3))
}
