//go:build integration

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Lambda binary, run as Lambda runs it, answers a failed direct
// EventBridge invocation with an errorType that says what failed and an
// errorMessage that names the event.
func TestLambdaBinaryEventBridgeErrors(t *testing.T) {
	bin := buildBootstrap(t)

	eb := func(detail string) []byte {
		return []byte(`{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"OrderCommitted",` +
			`"source":"intl.whitelabel.graphql","account":"123456789012","time":"2026-11-02T10:15:30Z",` +
			`"region":"eu-west-1","resources":[],"detail":` + detail + `}`)
	}
	event := func(id, at, order string) string {
		return `{"eventId":"` + id + `","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"` + at +
			`","order":` + order + `,"user":{"cognitoId":"u-1"}}`
	}
	const delivery = `{"id":"ord-1","fulfillmentType":"delivery","countryCode":"GB","delivery":{"dropoff":{"phoneNumber":"+44 20 7946 0958"}}}`
	tests := []struct {
		name     string
		payload  []byte
		wantType string
		wantIn   []string
	}{
		{"invalid event", eb(event("evt-inv", "2026-11-02T10:15:30Z", `{"fulfillmentType":"delivery"}`)),
			"InvalidEventError", []string{"eventId evt-inv: ", "order.id: missing"}},
		{"dated in year 2999", eb(event("evt-2999", "2999-12-31T23:59:59.999Z", delivery)),
			"InvalidEventError", []string{"eventId evt-2999: ", "occurredAt", "ahead of the consumer's clock"}},
		{"fulfillment posing as graphql", []byte(strings.Replace(string(eb(event("evt-pose", "2026-11-02T10:15:30Z", delivery))),
			`"source":"intl.whitelabel.graphql"`, `"source":"intl.fulfillment"`, 1)),
			"InvalidEventError", []string{`source: does not match the EventBridge source "intl.fulfillment"`}},
		{"store unreachable", eb(event("evt-store", "2026-11-02T10:15:30Z", delivery)),
			"StoreError", []string{"eventId evt-store: ", "link +44********58"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _, stderr := invokeBootstrap(t, bin, "8476a536-e9f4-11e8-9739-2dfe598c3fcd", tt.payload, []string{
				"AWS_REGION=eu-west-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
				"AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:1", // nothing listens: the store fails
				"AWS_MAX_ATTEMPTS=1",
			})
			require.Equal(t, "error", res.kind, "body: %s\nstderr:\n%s", res.body, stderr.String())
			var answer struct {
				ErrorMessage string `json:"errorMessage"`
				ErrorType    string `json:"errorType"`
			}
			require.NoError(t, json.Unmarshal(res.body, &answer), "error body %s", res.body)
			t.Logf("answer: %s", res.body)
			assert.Equal(t, tt.wantType, answer.ErrorType, "errorType of %s", res.body)
			for _, s := range tt.wantIn {
				assert.Contains(t, answer.ErrorMessage, s, "errorMessage")
			}
			assert.NotContains(t, answer.ErrorMessage, "7946", "errorMessage holds a phone number")
			assert.False(t, strings.Contains(stderr.String(), "7946 0958"), "phone in clear in the logs")
		})
	}
}
