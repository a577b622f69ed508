package dlq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// FIFO choices of a client redrive into a FIFO queue.
const (
	// DefaultGroupID is the MessageGroupId of a message that comes from a
	// standard queue (it has none) and goes to a FIFO queue.
	DefaultGroupID = "phonelookup-redrive"
	// sendAttempts bounds the attempts of an entry that failed on SQS's side.
	sendAttempts = 3
)

// Redrive moves the messages of a dead-letter queue to a destination queue
// with ordinary calls (client mode): receive under a lease, send in batches
// (at most MaxBatchEntries entries and MaxBatchBytes bytes, message
// attributes included), then delete from the dead-letter queue exactly the
// entries whose send succeeded. Body and message attributes are forwarded
// unchanged; system attributes are not, except that a FIFO destination gets
// the message's MessageGroupId (DefaultGroupID if it has none) and its
// dead-letter MessageId as MessageDeduplicationId, so that a second run
// within SQS's five-minute deduplication window does not deliver it twice.
//
// Messages that do not match Filter, that fail, or that a dry run would
// move are held until the end and then released, never deleted.
type Redrive struct {
	SQS SQS
	// Source is the dead-letter queue's URL, Destination the URL to move to
	// (see OriginalQueue and CheckDistinct; Run refuses identical URLs).
	Source, Destination string
	Filter              Filter
	// Max: at most this many messages matching Filter are moved (0: all).
	Max int
	// Rate: at most this many messages sent per second (0: no limit).
	Rate float64
	// DryRun: nothing is sent or deleted; DryRunOut gets a line per message
	// that would move.
	DryRun    bool
	DryRunOut io.Writer
	Audit     *Audit
	Options
}

// RedriveSummary is what a redrive did.
type RedriveSummary struct {
	Mode        string `json:"mode"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	DryRun      bool   `json:"dryRun,omitempty"`
	Received    int    `json:"received"`
	Moved       int    `json:"moved"`
	Failed      int    `json:"failed"`
	Filtered    int    `json:"filtered"`
	Skipped     int    `json:"skipped"`
	WouldMove   int    `json:"wouldMove,omitempty"`
	// InBoth counts failed messages that were sent but could not be deleted:
	// they are at the destination and still in the dead-letter queue.
	InBoth int `json:"inBoth,omitempty"`
	// Left counts matching messages not attempted because the run was
	// interrupted: they are in the dead-letter queue.
	Left  int      `json:"left,omitempty"`
	End   DrainEnd `json:"end"`
	After *Counts  `json:"after,omitempty"` // the dead-letter queue's counts at the end
}

// OK reports whether nothing failed and the run was not interrupted.
func (s RedriveSummary) OK() bool {
	return s.Failed == 0 && s.End != EndInterrupted
}

func (s RedriveSummary) detail() string {
	if s.DryRun {
		return fmt.Sprintf("would move %d, filtered %d", s.WouldMove, s.Filtered)
	}
	return fmt.Sprintf("moved %d, failed %d, filtered %d, skipped %d", s.Moved, s.Failed, s.Filtered, s.Skipped)
}

// Run redrives until the dead-letter queue is drained, Max messages were
// moved, or ctx is cancelled. On cancellation it stops receiving and
// sending, but a batch already sent is still deleted, and every message held
// is released before Run returns. Failed messages are counted in the
// summary; the error is for a run that could not go on (receives failing).
func (r *Redrive) Run(ctx context.Context) (RedriveSummary, error) {
	s := RedriveSummary{Mode: "client", Source: r.Source, Destination: r.Destination, DryRun: r.DryRun}
	switch {
	case r.Source == "" || r.Destination == "":
		return s, errors.New("redrive: source and destination queues are required")
	case sameURL(r.Source, r.Destination):
		return s, fmt.Errorf("redrive: destination %s is the dead-letter queue itself", r.Destination)
	}
	lease := r.lease(r.SQS, r.Source)
	lease.Start(ctx)
	progress := r.progress()
	lim := &limiter{rate: r.Rate}
	matched := 0
	want := func() int {
		if r.Max <= 0 {
			return MaxBatchEntries
		}
		return r.Max - matched
	}
	end, err := lease.Drain(ctx, want, func(fresh, again []types.Message) {
		var todo []types.Message
		var infos []Info
		for _, m := range fresh {
			info := Describe(m)
			switch {
			case !r.Filter.Match(info):
				s.Filtered++
				r.audit(ActionFiltered, info, "")
			case r.DryRun:
				matched++
				s.WouldMove++
				r.audit(ActionWouldMove, info, "")
				if r.DryRunOut != nil {
					fmt.Fprintf(r.DryRunOut, "would move messageId=%s eventId=%s orderId=%s source=%s reason=%s envelope=%s\n",
						info.MessageID, info.EventID, info.OrderID, info.Source, info.Reason, info.Envelope)
				}
			default:
				matched++
				todo = append(todo, m)
				infos = append(infos, info)
			}
		}
		for _, m := range again {
			s.Skipped++
			r.audit(ActionSkipped, Info{MessageID: aws.ToString(m.MessageId)}, "received again after it was handled in this run")
		}
		r.move(ctx, lease, lim, todo, infos, &s)
		progress.Update(lease.Stats().Received, s.detail())
	})
	lease.End(ctx)
	s.Received = lease.Stats().Received
	s.End = end
	progress.Finish(s.Received, s.detail())
	if c, cerr := QueueCounts(context.WithoutCancel(ctx), r.SQS, r.Source); cerr == nil {
		s.After = &c
	}
	if err == nil {
		err = r.Audit.Err()
	}
	return s, err
}

// move sends todo in batches and deletes what was sent. Once a batch is
// sent, its delete runs even if ctx is cancelled meanwhile.
func (r *Redrive) move(ctx context.Context, lease *Lease, lim *limiter, todo []types.Message, infos []Info, s *RedriveSummary) {
	byID := map[string]Info{}
	for _, info := range infos {
		byID[info.MessageID] = info
	}
	work := context.WithoutCancel(ctx)
	for _, batch := range SplitBatches(todo, MaxBatchEntries, MaxBatchBytes) {
		if lim.wait(ctx, len(batch)) != nil || ctx.Err() != nil {
			s.Left += len(batch)
			continue
		}
		sent, failed := r.send(work, batch)
		for id, why := range failed {
			s.Failed++
			r.audit(ActionFailed, byID[id], "not sent: "+why)
			r.Log.Error().Str("messageId", id).Str("eventId", byID[id].EventID).Str("error", why).Msg("send failed; the message stays in the dead-letter queue")
		}
		if len(sent) == 0 {
			continue
		}
		deleted, notDeleted := lease.Delete(work, sent)
		for _, id := range deleted {
			s.Moved++
			r.audit(ActionMoved, byID[id], "")
		}
		for id, why := range notDeleted {
			s.Failed++
			s.InBoth++
			r.audit(ActionFailed, byID[id], "sent to the destination but not deleted from the dead-letter queue (it is in both): "+why)
			r.Log.Error().Str("messageId", id).Str("eventId", byID[id].EventID).Str("error", why).
				Msg("sent but not deleted: the message is at the destination and still in the dead-letter queue")
		}
	}
}

// send sends batch to the destination with SendMessageBatch, checking every
// entry; entries that failed on SQS's side are tried again. It returns the
// message ids sent and, for the others, why not.
func (r *Redrive) send(ctx context.Context, batch []types.Message) (sent []string, failed map[string]string) {
	failed = map[string]string{}
	todo := batch
	for attempt := 1; len(todo) > 0; attempt++ {
		entries := make([]types.SendMessageBatchRequestEntry, len(todo))
		for i, m := range todo {
			entries[i] = r.entry(strconv.Itoa(i), m)
		}
		out, err := r.SQS.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &r.Destination, Entries: entries})
		if err != nil {
			// The SDK has retried already. The batch may or may not have
			// arrived: not deleting keeps the messages (at least once).
			for _, m := range todo {
				failed[aws.ToString(m.MessageId)] = err.Error()
			}
			return sent, failed
		}
		var retry []types.Message
		answered := map[int]bool{}
		for _, e := range out.Successful {
			if i, ok := entryIndex(e.Id, len(todo)); ok && !answered[i] {
				answered[i] = true
				sent = append(sent, aws.ToString(todo[i].MessageId))
			}
		}
		for _, e := range out.Failed {
			i, ok := entryIndex(e.Id, len(todo))
			if !ok || answered[i] {
				continue
			}
			answered[i] = true
			why := aws.ToString(e.Code) + ": " + aws.ToString(e.Message)
			if e.SenderFault || attempt >= sendAttempts {
				failed[aws.ToString(todo[i].MessageId)] = why
			} else {
				retry = append(retry, todo[i])
			}
		}
		for i, m := range todo {
			if answered[i] {
				continue
			}
			if attempt >= sendAttempts {
				failed[aws.ToString(m.MessageId)] = "no answer for this entry"
			} else {
				retry = append(retry, m)
			}
		}
		todo = retry
		if len(todo) > 0 {
			sleep(ctx, time.Duration(attempt*attempt)*200*time.Millisecond)
		}
	}
	return sent, failed
}

// entry is the SendMessageBatch entry of m: its body and message attributes
// unchanged, and the FIFO fields if the destination is a FIFO queue.
func (r *Redrive) entry(id string, m types.Message) types.SendMessageBatchRequestEntry {
	e := types.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: m.Body}
	if len(m.MessageAttributes) > 0 {
		e.MessageAttributes = m.MessageAttributes
	}
	if IsFIFO(r.Destination) {
		group := m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)]
		if group == "" {
			group = DefaultGroupID
		}
		e.MessageGroupId = aws.String(group)
		e.MessageDeduplicationId = m.MessageId
	}
	return e
}

func entryIndex(id *string, n int) (int, bool) {
	i, err := strconv.Atoi(aws.ToString(id))
	return i, err == nil && i >= 0 && i < n
}

func (r *Redrive) audit(action string, info Info, detail string) {
	rec := AuditRecord{Command: "redrive", Action: action, Info: info, Detail: detail}
	if action == ActionMoved || action == ActionWouldMove || action == ActionFailed {
		rec.Destination = r.Destination
	}
	r.Audit.Write(rec)
}

// limiter paces sends to rate messages per second.
type limiter struct {
	rate float64
	next time.Time
}

// wait blocks until n more messages may be sent.
func (l *limiter) wait(ctx context.Context, n int) error {
	if l.rate <= 0 {
		return ctx.Err()
	}
	now := time.Now()
	if l.next.Before(now) {
		l.next = now
	}
	d := l.next.Sub(now)
	l.next = l.next.Add(time.Duration(float64(n) / l.rate * float64(time.Second)))
	if d > 0 {
		sleep(ctx, d)
	}
	return ctx.Err()
}
