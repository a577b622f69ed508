package dlq

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/phonelookup/phonelookup/events/contract"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// ExportVersion is the value of the "phonelookupExport" marker that every
// export line carries.
const ExportVersion = 1

// ExportLine is one line of an export file, which Export writes and
// LineBody reads back as its body (what `phonelookup process` runs): a line is an export line only when it has
// the "phonelookupExport" marker (any other line is an event), so that
// process and consume cannot read one line two ways.
type ExportLine struct {
	Export            int                        `json:"phonelookupExport"`
	MessageID         string                     `json:"messageId"`
	Body              string                     `json:"body"`
	MessageAttributes map[string]ExportAttribute `json:"messageAttributes,omitempty"`
	// Attributes are the system attributes as received (SentTimestamp,
	// ApproximateReceiveCount, DeadLetterQueueSourceArn, MessageGroupId...).
	Attributes map[string]string `json:"attributes,omitempty"`
}

// ExportAttribute is a message attribute; BinaryValue is base64 in JSON.
type ExportAttribute struct {
	DataType    string  `json:"dataType"`
	StringValue *string `json:"stringValue,omitempty"`
	BinaryValue []byte  `json:"binaryValue,omitempty"`
}

// MessageAttributeValue returns the attribute as SQS takes it.
func (a ExportAttribute) MessageAttributeValue() types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String(a.DataType), StringValue: a.StringValue, BinaryValue: a.BinaryValue}
}

// NewExportLine returns the export line of m.
func NewExportLine(m types.Message) ExportLine {
	l := ExportLine{Export: ExportVersion, MessageID: aws.ToString(m.MessageId), Body: aws.ToString(m.Body), Attributes: m.Attributes}
	if len(m.MessageAttributes) > 0 {
		l.MessageAttributes = make(map[string]ExportAttribute, len(m.MessageAttributes))
		for k, v := range m.MessageAttributes {
			l.MessageAttributes[k] = ExportAttribute{DataType: aws.ToString(v.DataType), StringValue: v.StringValue, BinaryValue: v.BinaryValue}
		}
	}
	return l
}

// Export copies the messages of a queue to Out, one JSON line each
// (ExportLine), without consuming them: they are held while the export runs
// and released at the end. The file holds the bodies, personal data
// included: treat it like the queue.
type Export struct {
	SQS      SQS
	QueueURL string
	Out      io.Writer
	// Max: at most this many messages (0: all).
	Max int
	Options
}

// ExportSummary is what an export wrote.
type ExportSummary struct {
	Exported int                `json:"exported"`
	End      sqsengine.DrainEnd `json:"end"`
	After    *sqsengine.Counts  `json:"after,omitempty"`
}

// Run exports until the queue is drained, Max messages were written, or ctx
// is cancelled (the file then holds what was written so far).
func (ex *Export) Run(ctx context.Context) (ExportSummary, error) {
	var s ExportSummary
	enc := json.NewEncoder(ex.Out)
	enc.SetEscapeHTML(false)
	var werr error
	d, err := ex.drain(ctx, ex.SQS, ex.QueueURL, tool{
		want: func() int {
			if werr != nil {
				return 0
			}
			return upTo(ex.Max, s.Exported)
		},
		handle: func(_ *sqsengine.Lease, fresh, _ []types.Message) {
			for _, m := range fresh {
				if werr = enc.Encode(NewExportLine(m)); werr != nil {
					werr = fmt.Errorf("write export: %w", werr)
					return
				}
				s.Exported++
			}
		},
		detail: func() string { return fmt.Sprintf("exported %d", s.Exported) },
		err:    func() error { return werr },
	})
	s.End, s.After = d.End, d.After
	return s, err
}

// exportMarker is the key that makes a line a `dlq export` line
// (ExportLine); its value is ExportVersion.
const exportMarker = `"phonelookupExport"`

// LineBody returns the body a line of a file of messages stands for (see
// EachLine): the body of an export line, or a copy of line itself. A line
// is an export line only when it is a JSON object with the
// "phonelookupExport" key (exact case); its value must then be
// ExportVersion and its "body" a string. Any other line is an event, as
// events.Decode reads it, whatever other keys ("messageId", "body") it has:
// process and consume read it the same way.
func LineBody(line []byte) ([]byte, error) {
	if !bytes.Contains(line, []byte(exportMarker)) {
		return append([]byte(nil), line...), nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(line, &obj) != nil || obj[exportMarker[1:len(exportMarker)-1]] == nil {
		return append([]byte(nil), line...), nil // not an object, or the key is nested: an event
	}
	var version int
	if err := json.Unmarshal(obj["phonelookupExport"], &version); err != nil || version != ExportVersion {
		return nil, fmt.Errorf("export line: phonelookupExport: want %d", ExportVersion)
	}
	var body string
	if raw := obj["body"]; len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &body) != nil {
		return nil, errors.New("export line: body: want a string")
	}
	return []byte(body), nil
}

// CheckLine holds a line against the contract as process runs it: an export
// line as its body (LineBody), any other line as an event (contract.Check).
// The error is LineBody's, or an *events.InvalidError for the first problem.
func CheckLine(line []byte) error {
	body, err := LineBody(line)
	if err != nil {
		return err
	}
	return contract.Check(body)
}
