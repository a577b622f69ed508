package dlq

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
)

func TestParseFilter(t *testing.T) {
	for _, tc := range []struct {
		expr, canonical string
	}{
		{"", ""},
		{"   ", ""},
		{"reason=order.id", "reason=order.id"},
		{" source = graphql , eventType=OrderCommitted ", "source=graphql,eventType=OrderCommitted"},
		{"eventId=evt-2026*", "eventId=evt-2026*"},
		{"orderId=*", "orderId=*"},
		{"reason=valid", "reason=valid"},
	} {
		f, err := ParseFilter(tc.expr)
		require.NoError(t, err, tc.expr)
		assert.Equal(t, tc.canonical, canonical(f), tc.expr)
		assert.Equal(t, tc.canonical == "", f.Empty(), tc.expr)
	}
}

// canonical writes the terms of f back as an expression.
func canonical(f Filter) string {
	parts := make([]string, len(f.terms))
	for i, t := range f.terms {
		parts[i] = t.key + "=" + t.value
		if t.prefix {
			parts[i] += "*"
		}
	}
	return strings.Join(parts, ",")
}

func TestParseFilterErrors(t *testing.T) {
	for expr, want := range map[string]string{
		"phone=+44":           `unknown key "phone"`,
		"EventId=x":           `unknown key "EventId"`,
		"eventId":             "want key=value",
		"eventId=":            "empty value",
		"eventId=a,,source=b": "empty term",
		"eventId=a*b":         "* only at the end",
		"eventId=*a*":         "* only at the end",
		",":                   "empty term",
	} {
		_, err := ParseFilter(expr)
		require.Error(t, err, expr)
		var fe *FilterError
		require.True(t, errors.As(err, &fe), expr)
		assert.Contains(t, err.Error(), want, expr)
	}
}

func TestFilterMatch(t *testing.T) {
	valid := Info{EventID: "evt-0001", OrderID: "ord-1001", Source: "graphql", EventType: "OrderCommitted", Reason: ReasonValid}
	bad := Info{EventID: "evt-0002", OrderID: "", Source: "fulfillment", Reason: "order.id"}
	body := Info{Reason: consumer.ReasonBody}
	for _, tc := range []struct {
		expr       string
		valid, bad bool
		body       bool
	}{
		{"", true, true, true},
		{"reason=valid", true, false, false},
		{"reason=order.id", false, true, false},
		{"reason=order*", false, true, false},
		{"reason=body", false, false, true},
		{"eventId=evt-*", true, true, false},
		{"eventId=evt-0001", true, false, false},
		{"eventId=evt-000", false, false, false},
		{"source=graphql,reason=valid", true, false, false},
		{"source=graphql,reason=order.id", false, false, false},
		{"orderId=ord-1*", true, false, false},
		{"orderId=*", true, true, true},
		{"eventType=OrderCommitted", true, false, false},
	} {
		f, err := ParseFilter(tc.expr)
		require.NoError(t, err)
		assert.Equal(t, tc.valid, f.Match(valid), "%q valid", tc.expr)
		assert.Equal(t, tc.bad, f.Match(bad), "%q invalid", tc.expr)
		assert.Equal(t, tc.body, f.Match(body), "%q body", tc.expr)
	}
}
