//go:build integration

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/sqsworker"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/faultproxy"
)

// faultRun is a consume of generated events through the fault proxy, with
// the worker's own wiring (app.FaceWorker's retries).
type faultRun struct {
	Links, Messages int // distinct links, messages sent (duplicates and invalid ones included)
	Invalid         int // invalid messages sent
	Elapsed         time.Duration
	Summary         sqsworker.WorkerStats
	DLQValid        int // valid events in the dead-letter queue
	DLQInvalid      int // invalid events in the dead-letter queue
	Wrong           int // items that differ from a fault-free run over the same events
	Requests        int // DynamoDB requests through the proxy
	LinkedShort     int // new links the summary did not count as linked
}

// faultEvents returns the bodies of n links, each seen by one or two
// orders, some sent twice (a producer's retry), shuffled, then invalid
// events.
func faultEvents(seed uint64, n, invalid int) (bodies []string, links int) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for i := range n {
		user, phone := fmt.Sprintf("user-%d", i), fmt.Sprintf("+44 20 7946 %04d", i%1000)
		orders := 1 + rng.IntN(2)
		for o := range orders {
			b := fmt.Sprintf(`{"eventId":"evt-%d-%d","eventType":"OrderCommitted","version":1,"source":"graphql",`+
				`"occurredAt":"2026-11-%02dT10:00:00Z","order":{"id":"ord-%d-%d","fulfillmentType":"delivery",`+
				`"delivery":{"dropoff":{"phoneNumber":%q}}},"user":{"cognitoId":%q}}`, i, o, 1+o, i, o, phone, user)
			bodies = append(bodies, b)
			if rng.IntN(4) == 0 {
				bodies = append(bodies, b)
			}
		}
	}
	rng.Shuffle(len(bodies), func(i, j int) { bodies[i], bodies[j] = bodies[j], bodies[i] })
	for i := range invalid {
		bodies = append(bodies, fmt.Sprintf(`{"eventId":"bad-%d","eventType":"OrderCommitted","version":1}`, i))
	}
	return bodies, n
}

// runFaults sets up a table and a queue (maxReceiveCount 5, visibility 1 s),
// sends the events, consumes them through a proxy with rules, and compares
// the table with a fault-free processing of the same events. backoff is the
// worker's visibility backoff.
func runFaults(t testing.TB, bodies []string, links, invalid int, backoff consumer.RetryBackoff, rules ...faultproxy.Rule) faultRun {
	ctx := context.Background()
	table, queue := emulator.UniqueName("faults"), emulator.UniqueName("faults")
	getenv := cliEnv(t.(*testing.T), table)
	r := runCLI(t.(*testing.T), getenv, "setup", "--queues", "--queue", queue, "--max-receives", "5", "--visibility-timeout", "1")
	require.Equal(t, 0, r.code, "setup: %s", r.stderr)
	proxy, err := faultproxy.New(cliEmu.DynamoDB, 18, rules...)
	require.NoError(t, err)
	defer proxy.Close()
	cfg, err := app.FromEnv(getenv)
	require.NoError(t, err)
	cfg.Face, cfg.AWS.DynamoDBEndpoint = app.FaceWorker, proxy.URL
	a, err := app.Build(ctx, cfg)
	require.NoError(t, err)
	url, err := queueURL(ctx, a.SQS, queue)
	require.NoError(t, err)
	dlqURL, err := queueURL(ctx, a.SQS, queue+"-dlq")
	require.NoError(t, err)
	sendBodies(t, a.SQS, url, bodies)

	w := &sqsworker.Worker{SQS: a.SQS, QueueURL: url, Processor: a.Processor, Concurrency: 10, UntilEmpty: true,
		Log: cfg.Logger(io.Discard), Backoff: backoff}
	start := time.Now()
	stats, err := w.Run(ctx)
	require.NoError(t, err)
	out := faultRun{Links: links, Messages: len(bodies), Invalid: invalid, Elapsed: time.Since(start), Summary: stats}
	proxy.Close() // late writes landed
	for _, n := range proxy.Requests() {
		out.Requests += n
	}
	for _, b := range receiveAllBodies(t, a.SQS, dlqURL) {
		var ev struct{ EventID string }
		_ = json.Unmarshal([]byte(b), &ev)
		if len(ev.EventID) > 4 && ev.EventID[:4] == "bad-" {
			out.DLQInvalid++
		} else {
			out.DLQValid++
		}
	}
	out.Wrong = wrongItems(t, getenv, table, bodies)
	out.LinkedShort = max(0, links-stats.Linked)
	return out
}

// wrongItems processes bodies fault-free into a fresh table and returns how
// many items differ between it and table (missing, extra or changed).
func wrongItems(t testing.TB, getenv func(string) string, table string, bodies []string) int {
	ctx := context.Background()
	clean := emulator.UniqueName("clean")
	require.Equal(t, 0, runCLI(t.(*testing.T), func(k string) string {
		if k == "LOOKUP_TABLE" {
			return clean
		}
		return getenv(k)
	}, "setup").code)
	cfg, err := app.FromEnv(getenv)
	require.NoError(t, err)
	cfg.Table = clean
	a, err := app.Build(ctx, cfg)
	require.NoError(t, err)
	for i := len(bodies) - 1; i >= 0; i-- {
		a.Processor.Process(ctx, []byte(bodies[i]))
	}
	want, err := emulator.ScanTable(ctx, a.DynamoDB, clean)
	require.NoError(t, err)
	got, err := emulator.ScanTable(ctx, a.DynamoDB, table)
	require.NoError(t, err)
	in := map[string]int{}
	for _, it := range want {
		in[it]++
	}
	wrong := 0
	for _, it := range got {
		if in[it] > 0 {
			in[it]--
		} else {
			wrong++ // extra or changed
		}
	}
	for _, n := range in {
		wrong += n // missing
	}
	return wrong
}

func sendBodies(t testing.TB, c *sqs.Client, url string, bodies []string) {
	for start := 0; start < len(bodies); start += 10 {
		in := &sqs.SendMessageBatchInput{QueueUrl: &url}
		for i, b := range bodies[start:min(start+10, len(bodies))] {
			in.Entries = append(in.Entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(b)})
		}
		out, err := c.SendMessageBatch(context.Background(), in)
		require.NoError(t, err)
		require.Empty(t, out.Failed)
	}
}

func receiveAllBodies(t testing.TB, c *sqs.Client, url string) []string {
	var bodies []string
	for {
		out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, VisibilityTimeout: 60})
		require.NoError(t, err)
		if len(out.Messages) == 0 {
			return bodies
		}
		for _, m := range out.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
		}
	}
}

// TestConsumeThroughFaults is issue 18's goal, small: with the whole run's
// DynamoDB requests 60% throttled (or 30% failing with HTTP 500) and
// maxReceiveCount 5, no valid event reaches the dead-letter queue, the
// table is exact, and the invalid events still do.
func TestConsumeThroughFaults(t *testing.T) {
	tests := []struct {
		name  string
		rules []faultproxy.Rule
	}{
		{"60% throttled", []faultproxy.Rule{
			{Fault: faultproxy.Throughput, Share: 0.3}, {Fault: faultproxy.Throttling, Share: 0.3}}},
		{"30% HTTP 500", []faultproxy.Rule{{Fault: faultproxy.Internal, Share: 0.3}}},
	}
	bodies, links := faultEvents(3, 30, 2)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runFaults(t, bodies, links, 2, consumer.RetryBackoff{Base: time.Second, Max: 4 * time.Second}, tt.rules...)
			t.Logf("%s: %+v", tt.name, r)
			assert.Zero(t, r.DLQValid, "valid events in the dead-letter queue")
			assert.Equal(t, 2, r.DLQInvalid, "invalid events in the dead-letter queue")
			assert.Zero(t, r.Wrong, "items that differ from a fault-free run")
			assert.Equal(t, links, r.Summary.Linked, "new links counted as linked")
			assert.Greater(t, r.Requests, len(bodies), "the faults made the SDK retry")
		})
	}
}
