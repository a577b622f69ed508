package events

// Envelope names how the event arrived.
type Envelope string

// The envelopes Unwrap recognises.
const (
	// EnvelopeNone is an event sent as-is.
	EnvelopeNone Envelope = "event"
	// EnvelopeEventBridge is an EventBridge event whose detail is the event.
	EnvelopeEventBridge Envelope = "eventbridge"
	// EnvelopeSNS is an SNS notification whose Message is the event as a
	// JSON string.
	EnvelopeSNS Envelope = "sns"
	// EnvelopeLambdaDestination is the record a Lambda on-failure
	// destination receives for an asynchronous invocation: the event is its
	// requestPayload (as found in a dead-letter queue behind a direct
	// EventBridge to Lambda path).
	EnvelopeLambdaDestination Envelope = "lambda-destination"
)

// maxEnvelopeDepth is how many envelopes may be nested around an event, as
// in an SQS body holding an SNS notification of an EventBridge event.
const maxEnvelopeDepth = 3

// Unwrap detects the envelope around an event and returns the bytes of the
// inner event, always a JSON object, and the outermost envelope. The bytes
// may share memory with body.
//
// An object is the event itself if it has an "eventId" or an "eventType"
// key, whatever their values (null included) and whatever else it holds:
// it is then decoded and validated as the event, never as an envelope.
// Only an object with neither key may be an envelope:
//   - with both "detail-type" and "detail" keys, an EventBridge event: its
//     detail-type must be "OrderCommitted" and its detail, an object, is
//     the event;
//   - with "requestContext" and "requestPayload" keys, a Lambda on-failure
//     destination record: its requestPayload, an object, is the event;
//   - with a "Type" of "Notification" and a "Message" key, an SNS
//     notification: its Message must be a string holding the event.
//
// Any other object is the event itself (and lacks its eventId). Envelopes
// may be nested up to three deep.
//
// Unwrap returns an *InvalidError if the body is not a JSON object
// (Field ""), if an EventBridge detail-type is not "OrderCommitted" (Field
// "detail-type") or its detail not an object (Field "detail"), if an
// EventBridge source is not its detail's (Field "source": a graphql event
// must come from a source named graphql or ending in ".graphql", a
// fulfillment event from fulfillment or "*.fulfillment"), if a Lambda
// requestPayload is not an object (Field "requestPayload"), if an SNS
// Message is not a string or does not hold a JSON object (Field "Message"),
// or if envelopes are nested too deep (Field ""). On error env is the
// outermost envelope detected so far, EnvelopeNone if none.
func Unwrap(body []byte) (inner []byte, env Envelope, err error) {
	t := getTape()
	defer putTape(t)
	n, env, err := t.unwrap(body)
	if err != nil {
		return nil, env, err
	}
	return t.raw(n), env, nil
}

// unwrap scans body onto t and returns the node of the event object. After
// an SNS notification t holds the document of its Message.
func (t *tape) unwrap(body []byte) (n int32, env Envelope, err error) {
	env = EnvelopeNone
	if err := t.scanObject(body, ""); err != nil {
		return noNode, env, err
	}
	n = 0
	for depth := 0; ; depth++ {
		next, kind, err := t.unwrapOnce(n)
		if depth == 0 {
			env = kind
		}
		switch {
		case err != nil:
			return noNode, env, err
		case kind == EnvelopeNone:
			return n, env, nil
		case depth == maxEnvelopeDepth:
			return noNode, env, invalid("", "envelopes nested more than 3 deep")
		}
		n = next
	}
}

// scanObject scans data onto t and checks that it is a JSON object; field
// names where data came from in errors, "" for the body.
func (t *tape) scanObject(data []byte, field string) error {
	if !t.scan(data) {
		return invalidBody(field, reasonNotJSON)
	}
	if t.kind(0) != '{' {
		return invalidBody(field, reasonNotObject)
	}
	return nil
}

// unwrapOnce detects one envelope around the object n and returns the node
// of its content, or kind EnvelopeNone when n is the event. For an SNS
// notification it scans the Message onto t, whose node 0 it returns.
func (t *tape) unwrapOnce(n int32) (next int32, kind Envelope, err error) {
	var detailType, detail, source, context, payload, typ, message int32 = noNode, noNode, noNode, noNode, noNode, noNode, noNode
	for m := t.nodes[n].first; m != noNode; m = t.nodes[m].next {
		key := t.data[t.nodes[m].keyStart:t.nodes[m].keyEnd]
		if t.nodes[m].keyEscaped {
			key, _ = unquote(key)
		}
		switch string(key) {
		case "eventId", "eventType":
			return noNode, EnvelopeNone, nil
		case "detail-type":
			detailType = m
		case "detail":
			detail = m
		case "source":
			source = m
		case "requestContext":
			context = m
		case "requestPayload":
			payload = m
		case "Type":
			typ = m
		case "Message":
			message = m
		}
	}

	if detailType != noNode && detail != noNode {
		if !t.stringIs(detailType, EventTypeOrderCommitted) {
			return noNode, EnvelopeEventBridge, invalid("detail-type", `must be "OrderCommitted"`)
		}
		if t.kind(detail) != '{' {
			return noNode, EnvelopeEventBridge, invalid("detail", reasonNotObjectTy)
		}
		if err := t.sameSource(source, detail); err != nil {
			return noNode, EnvelopeEventBridge, err
		}
		return detail, EnvelopeEventBridge, nil
	}

	if context != noNode && payload != noNode {
		if t.kind(payload) != '{' {
			return noNode, EnvelopeLambdaDestination, invalid("requestPayload", reasonNotObjectTy)
		}
		return payload, EnvelopeLambdaDestination, nil
	}

	if message != noNode && typ != noNode && t.stringIs(typ, "Notification") {
		if t.kind(message) != '"' {
			return noNode, EnvelopeSNS, invalid("Message", reasonNotString)
		}
		if err := t.scanObject(t.text(message), "Message"); err != nil {
			return noNode, EnvelopeSNS, err
		}
		return 0, EnvelopeSNS, nil
	}
	return noNode, EnvelopeNone, nil
}

// sameSource holds an EventBridge event to its producer: the envelope's
// source (the producer's EventBridge Source, which the bus policy ties to the
// producer's role) must be the detail's source or end in "." and it, as
// intl.fulfillment for fulfillment and intl.whitelabel.graphql for graphql.
// Only a detail source of the contract is compared (any other fails the
// event's own check, with its own reason); an envelope without a source
// has none to contradict.
func (t *tape) sameSource(envSource, detail int32) error {
	if envSource == noNode || t.kind(envSource) == 'n' {
		return nil
	}
	var want string
	switch m := t.member(detail, "source"); {
	case m == noNode || t.kind(m) != '"':
		return nil
	case string(t.text(m)) == SourceGraphQL:
		want = SourceGraphQL
	case string(t.text(m)) == SourceFulfillment:
		want = SourceFulfillment
	default:
		return nil
	}
	if t.kind(envSource) == '"' && sourceOf(t.text(envSource), want) {
		return nil
	}
	reason := "does not match the EventBridge source"
	if raw := t.raw(envSource); len(raw) <= 66 {
		reason += " " + string(raw)
	}
	return invalid("source", reason)
}

// sourceOf reports whether the EventBridge source ebSource is source's:
// source itself, or a name ending in "." and source.
func sourceOf(ebSource []byte, source string) bool {
	n, m := len(ebSource), len(source)
	return string(ebSource) == source || n > m && ebSource[n-m-1] == '.' && string(ebSource[n-m:]) == source
}

// stringIs reports whether node n is a string equal to s.
func (t *tape) stringIs(n int32, s string) bool {
	return t.kind(n) == '"' && string(t.text(n)) == s
}
