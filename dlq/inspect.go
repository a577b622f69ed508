package dlq

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
	"github.com/phonelookup/phonelookup/lookup"
)

// errorAttributes are the message attributes that carry why a message was
// dead-lettered: an EventBridge target dead-letter queue sets ERROR_CODE,
// ERROR_MESSAGE, RULE_ARN and TARGET_ARN; a Lambda asynchronous-invocation
// dead-letter queue sets RequestID, ErrorCode and ErrorMessage.
var errorAttributes = []string{"ERROR_CODE", "ERROR_MESSAGE", "RULE_ARN", "TARGET_ARN", "ErrorCode", "ErrorMessage"}

// DefaultSamples is how many sample messages a group of a report lists.
const DefaultSamples = 3

// Inspect reads a dead-letter queue without consuming it: every message is
// received under a lease, decoded and classified, and released (visibility
// 0) at the end, so the queue's counts are the same afterwards.
type Inspect struct {
	SQS      SQS
	QueueURL string
	// Queue names the queue in the report as the caller named it (default
	// QueueURL).
	Queue string
	// Max: at most this many messages are read (0: all).
	Max int
	// Processor gives the verdict of a message (Describe): its dry run,
	// what the consumer would do with it now; nothing is written. nil:
	// DefaultProcessor.
	Processor Decider
	Samples   int // per group (default DefaultSamples)
	Options
}

// Report is what Inspect found.
type Report struct {
	Queue     string             `json:"queue"`
	Inspected int                `json:"inspected"`
	End       sqsengine.DrainEnd `json:"end"`
	Before    sqsengine.Counts   `json:"before"`
	After     *sqsengine.Counts  `json:"after,omitempty"`
	// ByReason: "invalid: <field>" for a message that does not decode or
	// that the processor would refuse (occurredAt ahead of its clock),
	// "valid: would link" or "valid: would skip (<reason>)" for one that it
	// would take, by its dry run, without writing.
	ByReason   []Group `json:"byReason"`
	BySource   []Group `json:"bySource"`
	ByEnvelope []Group `json:"byEnvelope"`
	// ByError groups by the error attributes (ERROR_CODE, ERROR_MESSAGE,
	// RULE_ARN, TARGET_ARN, ErrorCode, ErrorMessage) and, for a
	// Lambda on-failure destination record, its condition and error type.
	ByError []Group `json:"byError"`
	// ByOrigin: where the message came from (the SQS queue it was
	// dead-lettered from, the EventBridge rule, the Lambda function).
	ByOrigin []Group `json:"byOrigin"`
}

// Group is a count with a few sample messages.
type Group struct {
	Key     string   `json:"key"`
	Count   int      `json:"count"`
	Samples []Sample `json:"samples,omitempty"`
}

// Sample identifies a message; Phone is masked.
type Sample struct {
	MessageID string `json:"messageId"`
	EventID   string `json:"eventId,omitempty"`
	OrderID   string `json:"orderId,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// Run reads the queue and returns the report.
func (in *Inspect) Run(ctx context.Context) (Report, error) {
	rep := Report{Queue: cmp.Or(in.Queue, in.QueueURL)}
	before, err := sqsengine.QueueCounts(ctx, in.SQS, in.QueueURL)
	if err != nil {
		return rep, err
	}
	rep.Before = before
	proc, err := in.processor()
	if err != nil {
		return rep, err
	}
	g := grouping{samples: cmp.Or(max(in.Samples, 0), DefaultSamples), groups: map[string]map[string]*Group{}}
	d, err := in.drain(ctx, in.SQS, in.QueueURL, tool{
		want: func() int { return upTo(in.Max, g.n) },
		handle: func(_ *sqsengine.Lease, fresh, _ []types.Message) {
			for _, m := range fresh {
				g.classify(proc, m)
			}
		},
		detail: func() string { return fmt.Sprintf("%d groups by reason", len(g.groups["reason"])) },
	})
	rep.Inspected, rep.End, rep.After = d.Received, d.End, d.After
	rep.ByReason, rep.BySource, rep.ByEnvelope = sorted(g.groups["reason"]), sorted(g.groups["source"]), sorted(g.groups["envelope"])
	rep.ByError, rep.ByOrigin = sorted(g.groups["error"]), sorted(g.groups["origin"])
	return rep, err
}

// grouping counts messages in groups by dimension and key.
type grouping struct {
	samples int                          // per group
	groups  map[string]map[string]*Group // by dimension, by key
	n       int                          // messages classified
}

func (g *grouping) add(dim, key string, s Sample) {
	if g.groups[dim] == nil {
		g.groups[dim] = map[string]*Group{}
	}
	gr := g.groups[dim][key]
	if gr == nil {
		gr = &Group{Key: key}
		g.groups[dim][key] = gr
	}
	gr.Count++
	if len(gr.Samples) < g.samples {
		gr.Samples = append(gr.Samples, s)
	}
}

// classify adds m to its group of every dimension, with the verdict of
// proc's dry run.
func (g *grouping) classify(proc Decider, m types.Message) {
	g.n++
	info := Describe(proc, m)
	verdict, phone := info.Verdict()
	s := Sample{MessageID: info.MessageID, EventID: info.EventID, OrderID: info.OrderID, Phone: phone}
	g.add("reason", verdict, s)
	g.add("source", cmp.Or(info.Source, "(unknown)"), s)
	g.add("envelope", string(info.Envelope), s)
	errs := errorKeys(m, info)
	if len(errs) == 0 {
		errs = []string{"(none)"}
	}
	for _, k := range errs {
		g.add("error", k, s)
	}
	g.add("origin", origin(m, info), s)
}

// processor returns in.Processor, or the default one.
func (in *Inspect) processor() (Decider, error) {
	if in.Processor != nil {
		return in.Processor, nil
	}
	return DefaultProcessor()
}

// errorKeys returns the "name=value" keys of the error attributes of m and,
// for a Lambda on-failure destination record, of its condition and error.
func errorKeys(m types.Message, info Info) []string {
	var keys []string
	for _, name := range errorAttributes {
		if v, ok := m.MessageAttributes[name]; ok {
			val := aws.ToString(v.StringValue)
			if strings.HasSuffix(strings.ToLower(name), "message") {
				val = scrub(val) // free text: may quote data
			}
			keys = append(keys, name+"="+cut(val))
		}
	}
	if info.Envelope == events.EnvelopeLambdaDestination {
		rec := lambdaRecordOf(m)
		if rec.RequestContext.Condition != "" {
			keys = append(keys, "condition="+cut(rec.RequestContext.Condition))
		}
		if rec.ResponseContext.FunctionError != "" {
			keys = append(keys, "functionError="+cut(rec.ResponseContext.FunctionError))
		}
		var payload struct {
			ErrorType    string `json:"errorType"`
			ErrorMessage string `json:"errorMessage"`
		}
		if json.Unmarshal(rec.ResponsePayload, &payload) == nil {
			if payload.ErrorType != "" {
				keys = append(keys, "errorType="+cut(payload.ErrorType))
			}
			if payload.ErrorMessage != "" {
				keys = append(keys, "errorMessage="+cut(scrub(payload.ErrorMessage)))
			}
		}
	}
	return keys
}

// origin names where a message came from.
func origin(m types.Message, info Info) string {
	if arn := m.Attributes[string(types.MessageSystemAttributeNameDeadLetterQueueSourceArn)]; arn != "" {
		return "sqs " + arn
	}
	if v, ok := m.MessageAttributes["RULE_ARN"]; ok {
		return "eventbridge rule " + aws.ToString(v.StringValue)
	}
	if _, ok := m.MessageAttributes["ErrorCode"]; ok {
		return "lambda asynchronous invocation"
	}
	if info.Envelope == events.EnvelopeLambdaDestination {
		if arn := lambdaRecordOf(m).RequestContext.FunctionArn; arn != "" {
			return "lambda destination " + arn
		}
		return "lambda destination"
	}
	return "(unknown)"
}

// lambdaRecord is the part of a Lambda on-failure destination record that
// says why the invocation failed.
type lambdaRecord struct {
	RequestContext struct {
		Condition   string `json:"condition"`
		FunctionArn string `json:"functionArn"`
	} `json:"requestContext"`
	ResponseContext struct {
		FunctionError string `json:"functionError"`
	} `json:"responseContext"`
	ResponsePayload json.RawMessage `json:"responsePayload"`
}

func lambdaRecordOf(m types.Message) lambdaRecord {
	var rec lambdaRecord
	_ = json.Unmarshal([]byte(aws.ToString(m.Body)), &rec)
	return rec
}

// phoneLike is a run of digits, with the separators people write, long
// enough to be a phone number.
var phoneLike = regexp.MustCompile(`\+?\d[\d ()\-.]{4,}\d`)

// scrub makes an error text safe to print: anything that looks like a phone
// number is masked.
func scrub(s string) string {
	return phoneLike.ReplaceAllStringFunc(s, func(m string) string {
		digits := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits < 6 {
			return m
		}
		return lookup.MaskPhone(m)
	})
}

// cut shortens s to 120 bytes, on a rune boundary.
func cut(s string) string {
	if len(s) <= 120 {
		return s
	}
	i := 117
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

func sorted(m map[string]*Group) []Group {
	out := make([]Group, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out
}
