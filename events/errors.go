package events

// InvalidError says why an event is invalid.
//
// Field is the JSON path of the offending field relative to the event, like
// "order.id" or "occurredAt", or an envelope key such as "detail-type" or
// "Message". It is "" when the body itself is at fault. Reason never holds
// personal data such as a phone number or a Cognito identity.
type InvalidError struct {
	Field  string
	Reason string
}

// Error returns the message, for example "invalid event: order.id: missing".
func (e *InvalidError) Error() string {
	if e.Field == "" {
		return "invalid event: " + e.Reason
	}
	return "invalid event: " + e.Field + ": " + e.Reason
}

// Reasons shared by the envelope and the event decoder.
const (
	reasonNotJSON     = "is not valid JSON"
	reasonNotObject   = "is not a JSON object"
	reasonMissing     = "missing"
	reasonNotString   = "must be a string"
	reasonNotObjectTy = "must be an object"
	reasonNotNumber   = "must be a number"
)

// invalid returns an *InvalidError for field.
func invalid(field, reason string) *InvalidError {
	return &InvalidError{Field: field, Reason: reason}
}

// invalidBody returns the *InvalidError for a body that is not valid JSON or
// not a JSON object; field names the envelope key holding it, "" for the body.
func invalidBody(field, reason string) *InvalidError {
	if field == "" {
		return invalid("", "body "+reason)
	}
	return invalid(field, reason)
}
