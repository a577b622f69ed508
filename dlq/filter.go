package dlq

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/phonelookup/phonelookup/internal/termtext"
)

// filterKeys are the keys a filter term may name.
var filterKeys = []string{"eventId", "orderId", "source", "eventType", "reason"}

// Filter selects messages: comma-separated key=value terms, all of which must
// match (AND). Keys are eventId, orderId, source, eventType (fields of the
// event in the body, unwrapped from any envelope) and reason (Info.Reason,
// the processor's verdict: ReasonValid for a message the consumer would take
// now, else the pipeline's reason of an invalid message, like "order.id",
// "occurredAt" or "body"). A value ending in * matches by prefix. The
// zero Filter matches everything.
//
//	reason=order.id,source=graphql
//	eventId=evt-2026-11-02*
type Filter struct {
	terms []term
}

type term struct {
	key, value string
	prefix     bool
}

// FilterError is a malformed filter expression (a usage error).
type FilterError struct {
	Expr, Problem string
}

// Error quotes the expression, and each quoted term or key of the problem,
// clipped to 64 bytes: an expression can be long.
func (e *FilterError) Error() string {
	const n = 64
	var p strings.Builder
	for rest := e.Problem; rest != ""; {
		i := strings.IndexByte(rest, '"')
		if i < 0 {
			p.WriteString(rest)
			break
		}
		p.WriteString(rest[:i])
		rest = rest[i:]
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			p.WriteString(rest)
			break
		}
		s, _ := strconv.Unquote(q)
		p.WriteString(strconv.Quote(termtext.Clip(s, n)))
		rest = rest[len(q):]
	}
	return fmt.Sprintf("filter %q: %s", termtext.Clip(e.Expr, n), p.String())
}

// ParseFilter parses expr; "" is the filter that matches everything.
func ParseFilter(expr string) (Filter, error) {
	var f Filter
	if strings.TrimSpace(expr) == "" {
		return f, nil
	}
	for _, part := range strings.Split(expr, ",") {
		part = strings.TrimSpace(part)
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case part == "":
			return Filter{}, &FilterError{expr, "empty term"}
		case !ok:
			return Filter{}, &FilterError{expr, fmt.Sprintf("term %q: want key=value", part)}
		case !validKey(k):
			return Filter{}, &FilterError{expr, fmt.Sprintf("unknown key %q (want one of %s)", k, strings.Join(filterKeys, ", "))}
		case v == "":
			return Filter{}, &FilterError{expr, fmt.Sprintf("term %q: empty value", part)}
		}
		t := term{key: k, value: v}
		if strings.HasSuffix(v, "*") {
			t.prefix, t.value = true, strings.TrimSuffix(v, "*")
		}
		if strings.Contains(t.value, "*") {
			return Filter{}, &FilterError{expr, fmt.Sprintf("term %q: * only at the end of a value", part)}
		}
		f.terms = append(f.terms, t)
	}
	return f, nil
}

func validKey(k string) bool { return slices.Contains(filterKeys, k) }

// Empty reports whether the filter matches everything.
func (f Filter) Empty() bool { return len(f.terms) == 0 }

// Match reports whether info satisfies every term.
func (f Filter) Match(info Info) bool {
	for _, t := range f.terms {
		var got string
		switch t.key {
		case "eventId":
			got = info.EventID
		case "orderId":
			got = info.OrderID
		case "source":
			got = info.Source
		case "eventType":
			got = info.EventType
		case "reason":
			got = info.Reason
		}
		if t.prefix && !strings.HasPrefix(got, t.value) || !t.prefix && got != t.value {
			return false
		}
	}
	return true
}
