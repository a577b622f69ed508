package sqsengine

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQS batch limits and the retry policy of every batch call.
const (
	// MaxBatchEntries is the most entries a batch call takes (and the most
	// messages a receive returns).
	MaxBatchEntries = 10
	// MaxBatchBytes is the most a SendMessageBatch may carry: bodies and
	// message attributes of all its entries together.
	MaxBatchBytes = 256 * 1024
	// Attempts is how many times, in all, an entry that failed on SQS's side
	// is tried.
	Attempts = 3
	// CallTimeout bounds one batch call (with the SDK's own retries).
	CallTimeout = 30 * time.Second
)

// backoff is the pause after the attempt-th try of a batch call.
func backoff(attempt int) time.Duration {
	return time.Duration(attempt*attempt) * 100 * time.Millisecond
}

// answer is what SQS said about the entries of one batch call.
type answer struct {
	ok     []*string // ids of the entries that succeeded
	failed []types.BatchResultErrorEntry
}

// answerOf is the answer of a batch call whose successful entries are
// successful (id reads an entry's id).
func answerOf[E any](successful []E, id func(E) *string, failed []types.BatchResultErrorEntry) answer {
	a := answer{ok: make([]*string, len(successful)), failed: failed}
	for i, e := range successful {
		a.ok[i] = id(e)
	}
	return a
}

// batchCall makes a batch call over n entries and checks every entry of the
// answer. call gets the indices of the entries to send (each entry's Id is
// its index, strconv.Itoa). It returns the indices SQS confirmed and, for
// the others, why not. An entry that failed on SQS's side is tried again,
// Attempts times in all. For an idempotent call (a delete, a visibility
// change) so is an entry SQS did not answer; a send is not repeated blindly,
// and its failures say that SQS may hold the message. A call that fails as
// a whole is not repeated.
func batchCall(ctx context.Context, n int, idempotent bool, call func(ctx context.Context, idx []int) (answer, error)) (ok []int, failed map[int]string) {
	failed = map[int]string{}
	todo := make([]int, n)
	for i := range todo {
		todo[i] = i
	}
	last := map[int]string{} // why the last attempt of an entry failed
	for attempt := 1; len(todo) > 0; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, CallTimeout)
		a, err := call(cctx, todo)
		cancel()
		if err != nil {
			why := err.Error()
			if !idempotent {
				why = "unconfirmed (SQS may hold it): " + why
			}
			for _, i := range todo {
				failed[i] = why
			}
			return ok, failed
		}
		confirmed, retry := sortAnswer(todo, a, idempotent, failed, last)
		ok = append(ok, confirmed...)
		if len(retry) > 0 && (attempt >= Attempts || Sleep(ctx, backoff(attempt)) != nil) {
			for _, i := range retry {
				failed[i] = last[i]
			}
			return ok, failed
		}
		todo = retry
	}
	return ok, failed
}

// sortAnswer reads the answer a to a call over the entries todo: it
// returns the entries confirmed and those to try again, and records the
// final failures in failed and why each entry to retry failed in last.
func sortAnswer(todo []int, a answer, idempotent bool, failed, last map[int]string) (ok, retry []int) {
	pending := make(map[int]bool, len(todo)) // sent and not answered yet
	for _, i := range todo {
		pending[i] = true
	}
	index := func(id *string) (int, bool) {
		i, err := strconv.Atoi(aws.ToString(id))
		if err != nil || !pending[i] {
			return 0, false
		}
		delete(pending, i)
		return i, true
	}
	for _, id := range a.ok {
		if i, found := index(id); found {
			ok = append(ok, i)
		}
	}
	for _, f := range a.failed {
		i, found := index(f.Id)
		if !found {
			continue
		}
		why := aws.ToString(f.Code) + ": " + aws.ToString(f.Message)
		if f.SenderFault {
			failed[i] = why
			continue
		}
		last[i] = why
		retry = append(retry, i)
	}
	for _, i := range todo {
		switch {
		case !pending[i]:
		case idempotent:
			last[i] = "no answer for this entry"
			retry = append(retry, i)
		default:
			failed[i] = "no answer for this entry (SQS may hold it)"
		}
	}
	return ok, retry
}

// chunks cuts s into slices of at most MaxBatchEntries.
func chunks[T any](s []T) [][]T {
	var out [][]T
	for len(s) > 0 {
		n := min(len(s), MaxBatchEntries)
		out = append(out, s[:n:n])
		s = s[n:]
	}
	return out
}

// Sleep waits d or until ctx is done, and returns ctx.Err().
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return ctx.Err()
}
