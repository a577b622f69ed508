// Package lambdahandler is the consumer's Lambda face: one handler for an SQS
// batch from an event source mapping (partial batch responses) and for a
// direct EventBridge event, with its EMF metrics and its log lines.
package lambdahandler

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/emf"
)

// Handler is the Lambda function: one handler for an SQS batch (event source
// mapping with ReportBatchItemFailures) and for a direct EventBridge event.
type Handler struct {
	Batch   *consumer.Batch
	Metrics *emf.Metrics // nil: no metrics
	// SQS, if set, hides each batch item that failed for a transient reason
	// (the store throttled or did not answer) for Backoff's delay, which
	// grows with its receive count, before the function answers (it needs
	// sqs:ChangeMessageVisibility on the queue). nil: the items come back
	// after the queue's visibility timeout.
	SQS     VisibilityChanger
	Backoff consumer.RetryBackoff // zero: consumer.DefaultRetryBackoff
}

// Invoke handles one Lambda invocation. For an SQS batch it answers the
// batchItemFailures response and no error; for a direct EventBridge event it
// answers an error when the event is invalid or failed, so Lambda's retries
// and on-failure destination keep it: an *InvalidEventError, *StoreError,
// *DeadlineError or *InternalError, whose type name is the errorType Lambda
// reports. A payload of another kind is an *UnsupportedPayloadError.
func (h *Handler) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	b := *h.Batch
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		b.Log = b.Log.With().Str("requestId", lc.AwsRequestID).Logger()
	}
	var probe struct {
		Records []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
		DetailType *string `json:"detail-type"`
	}
	// A payload that does not parse is reported below as unsupported.
	_ = json.Unmarshal(payload, &probe)
	switch {
	case len(probe.Records) > 0 && probe.Records[0].EventSource == "aws:sqs":
		var ev lambdaevents.SQSEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, &UnsupportedPayloadError{Err: fmt.Errorf("decode SQS event: %w", err)}
		}
		return h.handleSQS(ctx, &b, ev), nil
	case probe.DetailType != nil:
		id := ""
		var env struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(payload, &env) == nil {
			id = env.ID
		}
		start := time.Now()
		results := b.Run(ctx, []consumer.Message{{ID: id, Body: payload}})
		r := results[0]
		r.Log(b.Log, id)
		if err := h.Metrics.Batch(results, time.Since(start)); err != nil {
			b.Log.Warn().Err(err).Msg("metrics not written")
		}
		if !r.Outcome.OK() {
			return nil, resultError(r)
		}
		return map[string]string{"outcome": string(r.Outcome)}, nil
	case len(probe.Records) == 0 && string(payload) != "" && isEmptySQS(payload):
		return lambdaevents.SQSEventResponse{BatchItemFailures: []lambdaevents.SQSBatchItemFailure{}}, nil
	}
	b.Log.Error().Int("bytes", len(payload)).Msg("unsupported payload")
	return nil, &UnsupportedPayloadError{Err: ErrUnsupportedPayload}
}

// isEmptySQS reports whether payload is {"Records": []}.
func isEmptySQS(payload []byte) bool {
	var v struct {
		Records *[]json.RawMessage `json:"Records"`
	}
	return json.Unmarshal(payload, &v) == nil && v.Records != nil && len(*v.Records) == 0
}

// HandleSQS processes an SQS batch and answers with the messages that failed
// (Invalid or Failed), each once, so that Lambda deletes the others. It logs
// one line per failed message and one summary line.
func (h *Handler) HandleSQS(ctx context.Context, ev lambdaevents.SQSEvent) lambdaevents.SQSEventResponse {
	return h.handleSQS(ctx, h.Batch, ev)
}

func (h *Handler) handleSQS(ctx context.Context, b *consumer.Batch, ev lambdaevents.SQSEvent) lambdaevents.SQSEventResponse {
	start := time.Now()
	msgs := make([]consumer.Message, len(ev.Records))
	for i, r := range ev.Records {
		msgs[i] = consumer.Message{ID: r.MessageId, Body: []byte(r.Body)}
	}
	results := b.Run(ctx, msgs)
	resp := lambdaevents.SQSEventResponse{BatchItemFailures: []lambdaevents.SQSBatchItemFailure{}}
	seen := make(map[string]bool)
	var sum consumer.Summary
	for i, r := range results {
		sum.Add(r.Outcome)
		r.Log(b.Log, msgs[i].ID)
		if !r.Outcome.OK() && !seen[msgs[i].ID] {
			seen[msgs[i].ID] = true
			resp.BatchItemFailures = append(resp.BatchItemFailures,
				lambdaevents.SQSBatchItemFailure{ItemIdentifier: msgs[i].ID})
		}
	}
	h.postpone(ctx, b.Log, ev.Records, results)
	if err := h.Metrics.Batch(results, time.Since(start)); err != nil {
		b.Log.Warn().Err(err).Msg("metrics not written")
	}
	sum.Log(b.Log.Info(), time.Since(start)).Msg("batch done")
	return resp
}
