package dlq

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"golang.org/x/time/rate"

	"github.com/phonelookup/phonelookup/internal/sqsengine"
	"github.com/phonelookup/phonelookup/internal/termtext"
)

// DefaultGroupID is the MessageGroupId of a message that comes from a
// standard queue (it has none) and goes to a FIFO queue in a client
// redrive.
const DefaultGroupID = "phonelookup-redrive"

// Redrive moves the messages of a dead-letter queue to a destination queue
// with ordinary calls (client mode): receive under a lease, send in batches
// (sqsengine.Sender: at most 10 entries and 256 KiB, message attributes
// included), then delete from the dead-letter queue exactly the entries
// whose send succeeded. Body and message attributes are forwarded
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
	// Processor gives each message's verdict (Describe: its dry run, what
	// the consumer would do with it now), the reason Filter matches. nil:
	// DefaultProcessor.
	Processor Decider
	Options
}

// RedriveSummary is what a redrive did.
type RedriveSummary struct {
	Mode        string `json:"mode"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	DryRun      bool   `json:"dryRun,omitempty"`
	Moved       int    `json:"moved"`
	Failed      int    `json:"failed"`
	Filtered    int    `json:"filtered"`
	WouldMove   int    `json:"wouldMove,omitempty"`
	// InBoth counts failed messages that were sent but could not be deleted:
	// they are at the destination and still in the dead-letter queue.
	InBoth int `json:"inBoth,omitempty"`
	// Left counts matching messages not attempted because the run was
	// interrupted: they are in the dead-letter queue.
	Left    int `json:"left,omitempty"`
	Drained     // of the dead-letter queue
}

// OK reports whether nothing failed and the run was not interrupted.
func (s RedriveSummary) OK() bool {
	return s.Failed == 0 && s.End != sqsengine.EndInterrupted
}

func (s *RedriveSummary) detail() string {
	if s.DryRun {
		return fmt.Sprintf("would move %d, filtered %d", s.WouldMove, s.Filtered)
	}
	return fmt.Sprintf("moved %d, failed %d, filtered %d", s.Moved, s.Failed, s.Filtered)
}

// Run redrives until the dead-letter queue is drained, Max messages were
// moved, or ctx is cancelled. On cancellation it stops receiving and
// sending, but a batch already sent is still deleted, and every message held
// is released before Run returns. Failed messages are counted in the
// summary; the error is for a run that could not go on (receives failing).
func (r *Redrive) Run(ctx context.Context) (RedriveSummary, error) {
	run := &redriveRun{Redrive: r, ctx: ctx, s: RedriveSummary{Mode: "client", Source: r.Source, Destination: r.Destination, DryRun: r.DryRun}}
	switch {
	case r.Source == "" || r.Destination == "":
		return run.s, errors.New("redrive: source and destination queues are required")
	case sameURL(r.Source, r.Destination):
		return run.s, fmt.Errorf("redrive: destination %s is the dead-letter queue itself", r.Destination)
	}
	if run.proc = r.Processor; run.proc == nil {
		var err error
		if run.proc, err = DefaultProcessor(); err != nil {
			return run.s, err
		}
	}
	run.send = &sqsengine.Sender{SQS: r.SQS, QueueURL: r.Destination}
	run.lim = rate.NewLimiter(rate.Inf, sqsengine.MaxBatchEntries)
	if r.Rate > 0 {
		run.lim = rate.NewLimiter(rate.Limit(r.Rate), sqsengine.MaxBatchEntries)
	}
	var err error
	run.s.Drained, err = r.drain(ctx, r.SQS, r.Source, tool{want: run.want, handle: run.handle, detail: run.s.detail, err: r.Audit.Err})
	return run.s, err
}

// redriveRun is one run of a Redrive.
type redriveRun struct {
	*Redrive
	ctx     context.Context
	s       RedriveSummary
	send    *sqsengine.Sender
	proc    Decider
	lim     *rate.Limiter
	matched int
}

func (run *redriveRun) want() int { return upTo(run.Max, run.matched) }

// handle sorts what a receive brought (filtered, would move, to move,
// received again) and moves what is to move.
func (run *redriveRun) handle(lease *sqsengine.Lease, fresh, again []types.Message) {
	var todo []sqsengine.Message
	infos := map[string]Info{}
	for _, m := range fresh {
		info := Describe(run.proc, m)
		switch {
		case !run.Filter.Match(info):
			run.s.Filtered++
			run.audit(ActionFiltered, info, "")
		case run.DryRun:
			run.matched++
			run.s.WouldMove++
			run.audit(ActionWouldMove, info, "")
			if run.DryRunOut != nil {
				fmt.Fprintln(run.DryRunOut, termtext.Escape(fmt.Sprintf("would move messageId=%s eventId=%s orderId=%s source=%s reason=%s envelope=%s",
					info.MessageID, info.EventID, info.OrderID, info.Source, info.Reason, info.Envelope)))
			}
		default:
			run.matched++
			todo = append(todo, run.message(m))
			infos[info.MessageID] = info
		}
	}
	for _, m := range again {
		run.audit(ActionAgain, Info{MessageID: aws.ToString(m.MessageId)}, "received again after it was handled in this run")
	}
	run.move(lease, todo, infos)
}

// move sends todo in batches and deletes what was sent. Once a batch is
// sent, its delete runs even if the run's context is cancelled meanwhile.
func (run *redriveRun) move(lease *sqsengine.Lease, todo []sqsengine.Message, infos map[string]Info) {
	work := context.WithoutCancel(run.ctx)
	for _, batch := range sqsengine.Split(todo) {
		if run.ctx.Err() != nil || run.lim.WaitN(run.ctx, len(batch)) != nil {
			run.s.Left += len(batch)
			continue
		}
		sent, failed := run.send.Send(work, batch)
		for id, why := range failed {
			run.s.Failed++
			run.audit(ActionFailed, infos[id], "not sent: "+why)
			run.Log.Error().Str("messageId", id).Str("eventId", infos[id].EventID).Str("error", why).Msg("send failed; the message stays in the dead-letter queue")
		}
		if len(sent) == 0 {
			continue
		}
		deleted, notDeleted := lease.Delete(work, sent)
		for _, id := range deleted {
			run.s.Moved++
			run.audit(ActionMoved, infos[id], "")
		}
		for id, why := range notDeleted {
			run.s.Failed++
			run.s.InBoth++
			run.audit(ActionFailed, infos[id], "sent to the destination but not deleted from the dead-letter queue (it is in both): "+why)
			run.Log.Error().Str("messageId", id).Str("eventId", infos[id].EventID).Str("error", why).
				Msg("sent but not deleted: the message is at the destination and still in the dead-letter queue")
		}
	}
}

// message is what is sent for m: its body and message attributes
// unchanged, keyed by its message id, and the FIFO fields if the
// destination is a FIFO queue.
func (r *Redrive) message(m types.Message) sqsengine.Message {
	out := sqsengine.Message{Key: aws.ToString(m.MessageId), Body: aws.ToString(m.Body), Attributes: m.MessageAttributes}
	if IsFIFO(r.Destination) {
		out.GroupID = cmp.Or(m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)], DefaultGroupID)
		out.DeduplicationID = aws.ToString(m.MessageId)
	}
	return out
}

func (r *Redrive) audit(action string, info Info, detail string) {
	rec := AuditRecord{Command: "redrive", Action: action, Info: info, Detail: detail}
	if action == ActionMoved || action == ActionWouldMove || action == ActionFailed {
		rec.Destination = r.Destination
	}
	r.Audit.Write(rec)
}
