package dlq

import (
	"context"
	"io"
	"strconv"

	"github.com/phonelookup/phonelookup/consumer"
)

// Replay runs at most ReplayChunk lines at a time, holding at most
// ReplayChunkBytes of bodies: 500 lines of up to 1 MiB would hold 500 MiB.
const (
	ReplayChunk      = 500
	ReplayChunkBytes = 8 << 20
)

// Replay runs every line of r through p as one message: an event, or an
// export line as its body (LineBody), for a backfill or an export file
// replayed. fn gets each line's number and result: a line that cannot be
// read or is a broken export line at once, as Invalid with its error; the
// others in line order, a chunk at a time. The error is r's.
func Replay(ctx context.Context, r io.Reader, p Pipeline, fn func(n int, res consumer.Result)) error {
	var msgs []consumer.Message
	var lines []int
	held := 0
	flush := func() {
		if len(msgs) == 0 {
			return
		}
		for i, res := range p.Run(ctx, msgs) {
			fn(lines[i], res)
		}
		clear(msgs) // drop the bodies before the next lines are read
		msgs, lines, held = msgs[:0], lines[:0], 0
	}
	err := EachLine(r, func(n int, line []byte, err error) {
		var body []byte
		if err == nil {
			body, err = LineBody(line)
		}
		if err != nil { // one invalid line; the rest goes on
			fn(n, consumer.Result{Outcome: consumer.Invalid, Err: err})
			return
		}
		msgs = append(msgs, consumer.Message{ID: strconv.Itoa(n), Body: body})
		lines = append(lines, n)
		if held += len(body); len(msgs) == ReplayChunk || held >= ReplayChunkBytes {
			flush()
		}
	})
	flush()
	return err
}
