package events_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/phonelookup/phonelookup/events"
)

func TestReadIDs(t *testing.T) {
	tests := []struct {
		name, body string
		want       events.IDs
	}{
		{"invalid event", `{"eventId":"e-1","eventType":"OrderCommitted","source":"graphql","order":{"id":"o-1"}}`,
			events.IDs{EventID: "e-1", OrderID: "o-1", Source: "graphql", EventType: "OrderCommitted"}},
		{"inside EventBridge", `{"detail-type":"OrderCommitted","detail":{"eventId":"e-2","order":{"id":"o-2"}}}`,
			events.IDs{EventID: "e-2", OrderID: "o-2"}},
		{"keys in another case are not the event's", `{"EventId":"e-3","ORDER":{"ID":"o-3"},"Source":"x"}`, events.IDs{}},
		{"control characters", `{"eventId":"\u001b[2J","order":{"id":"o\u0007"}}`, events.IDs{}},
		{"too long", `{"eventId":"` + strings.Repeat("a", 129) + `"}`, events.IDs{}},
		{"not strings", `{"eventId":7,"order":{"id":["o"]}}`, events.IDs{}},
		{"not JSON", `{"eventId":"e-4"`, events.IDs{}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, events.ReadIDs([]byte(tt.body)), "ReadIDs(%s)", tt.name)
	}
}
