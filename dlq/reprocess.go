package dlq

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
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
	Max int
	// Processor gives each message's verdict (Describe), the reason Filter
	// matches: the processor of Batch.
	Processor Decider
	Batch     Pipeline
	Audit     *Audit
	Options
}

// ReprocessSummary is what a reprocess run did; the embedded summary counts
// the pipeline's outcomes of the processed messages.
type ReprocessSummary struct {
	consumer.Summary
	Filtered     int `json:"filtered"`
	Deleted      int `json:"deleted"`
	DeleteFailed int `json:"deleteFailed"`
	Kept         int `json:"kept"`           // still invalid or failed: left in the dead-letter queue
	Left         int `json:"left,omitempty"` // not processed: the run was interrupted
	Drained
}

// OK reports whether every processed message succeeded and was deleted and
// the run was not interrupted.
func (s ReprocessSummary) OK() bool {
	return s.Kept == 0 && s.DeleteFailed == 0 && s.End != sqsengine.EndInterrupted
}

func (s *ReprocessSummary) detail() string {
	return fmt.Sprintf("deleted %d, kept %d, filtered %d", s.Deleted, s.Kept, s.Filtered)
}

// Run reprocesses until the queue is drained, Max messages were processed
// or ctx is cancelled; a batch being processed when ctx is cancelled is
// finished and its successes deleted.
func (rp *Reprocess) Run(ctx context.Context) (ReprocessSummary, error) {
	if rp.Batch == nil || rp.Processor == nil {
		return ReprocessSummary{}, errors.New("reprocess: no processor")
	}
	run := &reprocessRun{Reprocess: rp, ctx: ctx}
	var err error
	run.s.Drained, err = rp.drain(ctx, rp.SQS, rp.QueueURL, tool{want: run.want, handle: run.handle, detail: run.s.detail, err: rp.Audit.Err})
	return run.s, err
}

// reprocessRun is one run of a Reprocess.
type reprocessRun struct {
	*Reprocess
	ctx     context.Context
	s       ReprocessSummary
	matched int
}

func (run *reprocessRun) want() int { return upTo(run.Max, run.matched) }

// handle processes the fresh messages that match the filter (unless the
// run is interrupted) and deletes those that succeed.
func (run *reprocessRun) handle(lease *sqsengine.Lease, fresh, again []types.Message) {
	var msgs []consumer.Message
	infos := map[string]Info{}
	for _, m := range fresh {
		info := Describe(run.Processor, m)
		if !run.Filter.Match(info) {
			run.s.Filtered++
			run.audit(ActionFiltered, info, "", "")
			continue
		}
		run.matched++
		infos[info.MessageID] = info
		msgs = append(msgs, consumer.Message{ID: info.MessageID, Body: []byte(aws.ToString(m.Body))})
	}
	for _, m := range again {
		run.audit(ActionAgain, Info{MessageID: aws.ToString(m.MessageId)}, "", "received again after it was handled in this run")
	}
	if len(msgs) > 0 && run.ctx.Err() != nil {
		run.s.Left += len(msgs)
		return
	}
	work := context.WithoutCancel(run.ctx)
	var ok []string
	for i, r := range run.Batch.Run(work, msgs) {
		id := msgs[i].ID
		run.s.Add(r.Outcome)
		if r.EventID == "" { // an invalid event: the identifiers read loosely
			r.EventID, r.OrderID, r.Source = infos[id].EventID, infos[id].OrderID, infos[id].Source
		}
		r.Log(run.Log, id)
		if r.Outcome.OK() {
			ok = append(ok, id)
			continue
		}
		run.s.Kept++
		run.audit(ActionKept, infos[id], string(r.Outcome), r.Reason)
	}
	if len(ok) == 0 {
		return
	}
	deleted, failed := lease.Delete(work, ok)
	run.s.Deleted += len(deleted)
	for _, id := range deleted {
		run.audit(ActionDeleted, infos[id], "", "")
	}
	for id, why := range failed {
		run.s.DeleteFailed++
		run.audit(ActionFailed, infos[id], "", "processed but not deleted (it will be processed again, harmlessly): "+why)
		run.Log.Error().Str("messageId", id).Str("error", why).Msg("processed but not deleted; it stays in the dead-letter queue")
	}
}

func (rp *Reprocess) audit(action string, info Info, outcome, detail string) {
	rp.Audit.Write(AuditRecord{Command: "reprocess", Action: action, Info: info, Outcome: outcome, Detail: detail})
}
