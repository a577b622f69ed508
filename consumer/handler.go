package consumer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// ErrUnsupportedPayload is returned for a Lambda payload that is neither an
// SQS batch nor an EventBridge event.
var ErrUnsupportedPayload = errors.New("payload is neither an SQS batch nor an EventBridge event")

// Handler is the Lambda function: one handler for an SQS batch (event source
// mapping with ReportBatchItemFailures) and for a direct EventBridge event.
type Handler struct {
	Batch *Batch
}

// Invoke handles one Lambda invocation. For an SQS batch it answers the
// batchItemFailures response and no error; for a direct EventBridge event it
// answers an error when the event is invalid or failed, so Lambda's retries
// and on-failure destination keep it.
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
			return nil, fmt.Errorf("decode SQS event: %w", err)
		}
		return b.HandleSQS(ctx, ev), nil
	case probe.DetailType != nil:
		id := ""
		var env struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(payload, &env) == nil {
			id = env.ID
		}
		start := time.Now()
		results := b.Run(ctx, []Message{{ID: id, Body: payload}})
		r := results[0]
		r.Log(b.Log, id)
		if err := b.Metrics.Batch(results, time.Since(start)); err != nil {
			b.Log.Warn().Err(err).Msg("metrics not written")
		}
		if !r.Outcome.OK() {
			return nil, fmt.Errorf("event %s %s (%s): %w", r.EventID, r.Outcome, r.Reason, r.Err)
		}
		return map[string]string{"outcome": string(r.Outcome)}, nil
	case len(probe.Records) == 0 && string(payload) != "" && isEmptySQS(payload):
		return lambdaevents.SQSEventResponse{BatchItemFailures: []lambdaevents.SQSBatchItemFailure{}}, nil
	}
	b.Log.Error().Int("bytes", len(payload)).Msg("unsupported payload")
	return nil, ErrUnsupportedPayload
}

// isEmptySQS reports whether payload is {"Records": []}.
func isEmptySQS(payload []byte) bool {
	var v struct {
		Records *[]json.RawMessage `json:"Records"`
	}
	return json.Unmarshal(payload, &v) == nil && v.Records != nil && len(*v.Records) == 0
}
