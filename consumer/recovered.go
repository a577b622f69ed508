package consumer

import (
	"fmt"
	"runtime/debug"

	"github.com/phonelookup/phonelookup/events"
)

// Recovered is the result of a message whose processing panicked with p (the
// value recover returned; call it in the deferred function, so the stack is
// the panic's): failed with ReasonPanic, the panic value and stack in Err, and
// the eventId and order id of body when they are readable.
func Recovered(p any, body []byte) Result {
	r := Result{Outcome: Failed, Reason: ReasonPanic, Err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
	ids := events.ReadIDs(body)
	r.EventID, r.OrderID = ids.EventID, ids.OrderID
	return r
}
