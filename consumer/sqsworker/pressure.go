package sqsworker

import "sync"

// pressure is the worker's back-pressure: an AIMD limit on the messages
// processed at once. A message that failed because the store throttled or
// did not answer halves the limit (once per round: failures of messages
// started before the last cut do not cut again); each run of limit
// successes raises it by one, up to max. The receivers follow the limit, so
// a throttled table slows receiving too instead of burning receives.
type pressure struct {
	mu        sync.Mutex
	cond      *sync.Cond
	limit     int
	max       int
	low       int // the lowest limit reached
	busy      int
	round     int // bumped by each cut
	successes int // since the last change
}

func newPressure(max int) *pressure {
	p := &pressure{limit: max, max: max, low: max}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// acquire waits for a slot under the limit and returns the round it was
// taken in.
func (p *pressure) acquire() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.busy >= p.limit {
		p.cond.Wait()
	}
	p.busy++
	return p.round
}

// release frees the slot taken in round; overloaded says the message failed
// because the store throttled or did not answer.
func (p *pressure) release(round int, overloaded bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.busy--
	switch {
	case overloaded && round == p.round:
		p.limit = max(1, p.limit/2)
		p.low = min(p.low, p.limit)
		p.round++
		p.successes = 0
	case !overloaded:
		p.successes++
		if p.successes >= p.limit && p.limit < p.max {
			p.limit++
			p.successes = 0
		}
	}
	p.cond.Broadcast()
}

// Limit returns the current limit and the lowest one reached.
func (p *pressure) Limit() (now, low int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limit, p.low
}
