package dlq

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// Modes of a redrive.
const (
	ModeAuto   = "auto"
	ModeNative = "native"
	ModeClient = "client"
)

// MaxNativeRate is the highest MaxNumberOfMessagesPerSecond SQS takes.
const MaxNativeRate = 500

// ParseRate reads a rate: "N/s" or "N" messages per second; "" is no limit.
func ParseRate(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseFloat(strings.TrimSuffix(s, "/s"), 64)
	if err != nil || math.IsNaN(n) || n < 0.01 || n > 1e6 {
		return 0, fmt.Errorf("rate %q: want N/s with N from 0.01 to 1000000", s)
	}
	return n, nil
}

// Plan is what ChooseMode needs to know about a redrive.
type Plan struct {
	Mode string // ModeAuto, ModeNative or ModeClient
	// Sources are the queues that redrive to the dead-letter queue
	// (SourceQueues); none for a dead-letter queue fed by EventBridge or
	// Lambda.
	Sources []string
	Filter  Filter
	DryRun  bool
	Max     int
	Audit   bool
	Rate    float64
}

// ChooseMode returns the mode a redrive runs in and why. auto picks native
// (SQS's own move task) when the dead-letter queue is fed by SQS queues and
// nothing asks for per-message work (no filter, dry run, max or audit file),
// client otherwise. An explicit native mode that the move task cannot do is
// an error.
func ChooseMode(p Plan) (mode, why string, err error) {
	var needsClient []string
	if !p.Filter.Empty() {
		needsClient = append(needsClient, "--filter")
	}
	if p.DryRun {
		needsClient = append(needsClient, "--dry-run")
	}
	if p.Max > 0 {
		needsClient = append(needsClient, "--max")
	}
	if p.Audit {
		needsClient = append(needsClient, "--audit")
	}
	nativeOK := len(needsClient) == 0 && len(p.Sources) > 0
	switch p.Mode {
	case ModeClient:
		return ModeClient, "asked for", nil
	case ModeNative:
		if len(needsClient) > 0 {
			return "", "", fmt.Errorf("--mode native cannot take %s: use --mode client", strings.Join(needsClient, ", "))
		}
		if len(p.Sources) == 0 {
			return "", "", errors.New("--mode native: no SQS queue redrives to this dead-letter queue (SQS's move task takes only dead-letter queues of SQS queues): use --mode client")
		}
		if p.Rate > 0 && (p.Rate != float64(int(p.Rate)) || p.Rate > MaxNativeRate) {
			return "", "", fmt.Errorf("--mode native: --rate must be a whole number from 1 to %d", MaxNativeRate)
		}
		return ModeNative, "asked for", nil
	case ModeAuto, "":
		if nativeOK && (p.Rate == 0 || p.Rate == float64(int(p.Rate)) && p.Rate <= MaxNativeRate) {
			return ModeNative, fmt.Sprintf("no filter, fed by %d SQS queue(s)", len(p.Sources)), nil
		}
		if len(needsClient) > 0 {
			return ModeClient, "per-message work for " + strings.Join(needsClient, ", "), nil
		}
		if len(p.Sources) == 0 {
			return ModeClient, "no SQS queue redrives to it (fed by EventBridge or Lambda?)", nil
		}
		return ModeClient, "--rate is not a whole number of messages per second up to 500", nil
	}
	return "", "", fmt.Errorf("mode %q: want auto, native or client", p.Mode)
}

// Native redrives with SQS's own message move task: StartMessageMoveTask
// with a velocity, progress from ListMessageMoveTasks, and
// CancelMessageMoveTask when ctx is cancelled.
type Native struct {
	SQS       SQS
	SourceARN string
	// DestinationARN is the queue to move to; "" sends each message back to
	// the queue it was dead-lettered from (its DeadLetterQueueSourceArn).
	DestinationARN string
	// Rate is MaxNumberOfMessagesPerSecond (0: SQS's default).
	Rate int32
	// Poll is how often the task's progress is read (default 2 s).
	Poll     time.Duration
	Log      zerolog.Logger
	Progress Progress
}

// NativeResult is a move task's last known state.
type NativeResult struct {
	Mode          string `json:"mode"`
	Source        string `json:"source"`
	Destination   string `json:"destination,omitempty"`
	Status        string `json:"status"`
	Moved         int64  `json:"moved"`
	ToMove        int64  `json:"toMove"`
	FailureReason string `json:"failureReason,omitempty"`
	Interrupted   bool   `json:"interrupted,omitempty"`
}

// OK reports whether the task completed.
func (r NativeResult) OK() bool { return r.Status == "COMPLETED" && !r.Interrupted }

// cancelWait bounds how long Run waits for a cancelled task to stop.
const cancelWait = 30 * time.Second

// Run starts the move task and follows it until it completes, fails or is
// cancelled. When ctx is cancelled it cancels the task (messages already
// moved stay moved; the others stay in the dead-letter queue) and waits for
// it to stop.
func (n *Native) Run(ctx context.Context) (NativeResult, error) {
	res := NativeResult{Mode: ModeNative, Source: n.SourceARN, Destination: n.DestinationARN}
	handle, startedAt, err := n.start(ctx)
	if err != nil {
		return res, err
	}
	poll := n.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	progress := n.Progress
	if progress == nil {
		progress = nopProgress{}
	}
	var started int64
	var cancelDeadline time.Time
	work := context.WithoutCancel(ctx)
	for {
		if ctx.Err() != nil && !res.Interrupted {
			res.Interrupted = true
			cancelDeadline = time.Now().Add(cancelWait)
			n.cancel(work, handle)
		}
		t, err := n.task(work, handle, &started, startedAt)
		if err != nil {
			return res, err
		}
		if t != nil {
			res.Status = aws.ToString(t.Status)
			res.Moved, res.ToMove = t.ApproximateNumberOfMessagesMoved, aws.ToInt64(t.ApproximateNumberOfMessagesToMove)
			res.FailureReason = aws.ToString(t.FailureReason)
			progress.Update(int(res.Moved), fmt.Sprintf("moved %d of ~%d, %s", res.Moved, res.ToMove, res.Status))
			switch res.Status {
			case "COMPLETED", "CANCELLED", "FAILED":
				progress.Finish(int(res.Moved), fmt.Sprintf("moved %d of ~%d, %s", res.Moved, res.ToMove, res.Status))
				return res, nil
			}
		}
		if res.Interrupted && time.Now().After(cancelDeadline) {
			return res, fmt.Errorf("message move task still %s %s after cancelling", res.Status, cancelWait)
		}
		if res.Interrupted {
			_ = sqsengine.Sleep(work, poll)
		} else {
			_ = sqsengine.Sleep(ctx, poll)
		}
	}
}

// start starts the move task and returns its handle and a time before it
// started, by SQS's clock. It is started on a context a SIGINT cannot cut
// short: a task SQS started must be known, so that it can be cancelled.
func (n *Native) start(ctx context.Context) (handle string, startedAt int64, err error) {
	in := &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(n.SourceARN)}
	if n.DestinationARN != "" {
		in.DestinationArn = aws.String(n.DestinationARN)
	}
	if n.Rate > 0 {
		in.MaxNumberOfMessagesPerSecond = aws.Int32(n.Rate)
	}
	startedAt = time.Now().Add(-time.Minute).UnixMilli() // SQS's clock may be a little behind ours
	out, err := n.SQS.StartMessageMoveTask(context.WithoutCancel(ctx), in)
	if err != nil {
		return "", 0, fmt.Errorf("start message move task on %s: %w", n.SourceARN, err)
	}
	n.Log.Info().Str("source", n.SourceARN).Str("destination", n.DestinationARN).Msg("message move task started")
	return aws.ToString(out.TaskHandle), startedAt, nil
}

// cancel asks SQS to cancel the task; it may have finished meanwhile (the
// status read next says).
func (n *Native) cancel(ctx context.Context, handle string) {
	if _, err := n.SQS.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: aws.String(handle)}); err != nil {
		n.Log.Warn().Err(err).Msg("cancel message move task")
		return
	}
	n.Log.Warn().Msg("interrupted: message move task cancelled")
}

// task finds our task among the source's recent move tasks: by its handle
// while it runs, then by its start time.
func (n *Native) task(ctx context.Context, handle string, started *int64, notBefore int64) (*types.ListMessageMoveTasksResultEntry, error) {
	out, err := n.SQS.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(n.SourceARN), MaxResults: aws.Int32(10)})
	if err != nil {
		return nil, fmt.Errorf("list message move tasks of %s: %w", n.SourceARN, err)
	}
	for i, t := range out.Results {
		if aws.ToString(t.TaskHandle) == handle && handle != "" {
			*started = t.StartedTimestamp
			return &out.Results[i], nil
		}
	}
	for i, t := range out.Results {
		if *started != 0 && t.StartedTimestamp == *started {
			return &out.Results[i], nil
		}
	}
	if *started == 0 && len(out.Results) > 0 && out.Results[0].StartedTimestamp >= notBefore {
		// Finished before the first look: the most recent task, if it started
		// after our request, is ours (never an older, finished one).
		*started = out.Results[0].StartedTimestamp
		return &out.Results[0], nil
	}
	return nil, nil
}
