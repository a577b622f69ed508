package dlq

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/phonelookup/phonelookup/consumer"
)

// Reprocess runs the messages of a dead-letter queue straight through the
// pipeline (the same consumer.Batch as the queue worker, with the real
// store) and deletes exactly those that now succeed (consumer.Outcome.OK).
// Messages still invalid or failing, and those that do not match Filter,
// are held until the end and released: they stay in the dead-letter queue.
type Reprocess struct {
	SQS      SQS
	QueueURL string
	Filter   Filter
	// Max: at most this many messages matching Filter are processed (0: all).
	Max   int
	Batch *consumer.Batch
	Audit *Audit
	Options
}

// ReprocessSummary is what a reprocess run did; the embedded summary counts
// the pipeline's outcomes of the processed messages.
type ReprocessSummary struct {
	consumer.Summary
	Received     int `json:"received"`
	Filtered     int `json:"filtered"`
	Deleted      int `json:"deleted"`
	DeleteFailed int `json:"deleteFailed"`
	Kept         int `json:"kept"` // still invalid or failed: left in the dead-letter queue
	// Repeated counts receipts of a message already handled in this run
	// (its lease had lapsed): it is not processed twice.
	Repeated int      `json:"repeated"`
	Left     int      `json:"left,omitempty"` // not processed: the run was interrupted
	End      DrainEnd `json:"end"`
	After    *Counts  `json:"after,omitempty"`
}

// OK reports whether every processed message succeeded and was deleted and
// the run was not interrupted.
func (s ReprocessSummary) OK() bool {
	return s.Kept == 0 && s.DeleteFailed == 0 && s.End != EndInterrupted
}

func (s ReprocessSummary) detail() string {
	return fmt.Sprintf("deleted %d, kept %d, filtered %d", s.Deleted, s.Kept, s.Filtered)
}

// Run reprocesses until the queue is drained, Max messages were processed
// or ctx is cancelled; a batch being processed when ctx is cancelled is
// finished and its successes deleted.
func (rp *Reprocess) Run(ctx context.Context) (ReprocessSummary, error) {
	var s ReprocessSummary
	if rp.Batch == nil || rp.Batch.Processor == nil {
		return s, errors.New("reprocess: no processor")
	}
	lease := rp.lease(rp.SQS, rp.QueueURL)
	lease.Start(ctx)
	progress := rp.progress()
	matched := 0
	want := func() int {
		if rp.Max <= 0 {
			return MaxBatchEntries
		}
		return rp.Max - matched
	}
	work := context.WithoutCancel(ctx)
	end, err := lease.Drain(ctx, want, func(fresh, again []types.Message) {
		var msgs []consumer.Message
		infos := map[string]Info{}
		for _, m := range fresh {
			info := Describe(m)
			if !rp.Filter.Match(info) {
				s.Filtered++
				rp.audit(ActionFiltered, info, "", "")
				continue
			}
			matched++
			infos[info.MessageID] = info
			msgs = append(msgs, consumer.Message{ID: info.MessageID, Body: []byte(aws.ToString(m.Body))})
		}
		for _, m := range again {
			s.Repeated++
			rp.audit(ActionSkipped, Info{MessageID: aws.ToString(m.MessageId)}, "", "received again after it was handled in this run")
		}
		if len(msgs) > 0 && ctx.Err() != nil {
			s.Left += len(msgs)
			msgs = nil
		}
		var ok []string
		for i, r := range rp.Batch.Run(work, msgs) {
			id := msgs[i].ID
			s.Add(r.Outcome)
			if r.EventID == "" { // an invalid event: the identifiers read loosely
				r.EventID, r.OrderID, r.Source = infos[id].EventID, infos[id].OrderID, infos[id].Source
			}
			r.Log(rp.Log, id)
			if r.Outcome.OK() {
				ok = append(ok, id)
				continue
			}
			s.Kept++
			rp.audit(ActionKept, infos[id], string(r.Outcome), r.Reason)
		}
		if len(ok) > 0 {
			deleted, failed := lease.Delete(work, ok)
			s.Deleted += len(deleted)
			for _, id := range deleted {
				rp.audit(ActionDeleted, infos[id], "", "")
			}
			for id, why := range failed {
				s.DeleteFailed++
				rp.audit(ActionFailed, infos[id], "", "processed but not deleted (it will be processed again, harmlessly): "+why)
				rp.Log.Error().Str("messageId", id).Str("error", why).Msg("processed but not deleted; it stays in the dead-letter queue")
			}
		}
		progress.Update(lease.Stats().Received, s.detail())
	})
	lease.End(ctx)
	s.Received = lease.Stats().Received
	s.End = end
	progress.Finish(s.Received, s.detail())
	if c, cerr := QueueCounts(work, rp.SQS, rp.QueueURL); cerr == nil {
		s.After = &c
	}
	if err == nil {
		err = rp.Audit.Err()
	}
	return s, err
}

func (rp *Reprocess) audit(action string, info Info, outcome, detail string) {
	rp.Audit.Write(AuditRecord{Command: "reprocess", Action: action, Info: info, Outcome: outcome, Detail: detail})
}
