//go:build integration

package main

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/api/apitest"
	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/consumer/sqsworker"
	"github.com/phonelookup/phonelookup/dynamo"
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
		if consumertest.IsBadEvent(b) {
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
	return consumertest.ItemsWrong(want, got)
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
	links := 30
	bodies := consumertest.FaultEvents(3, links, 2)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runFaults(t, bodies, links, 2, consumer.RetryBackoff{Base: time.Second, Max: 4 * time.Second}, tt.rules...)
			t.Logf("%s: %+v", tt.name, r)
			assert.Zero(t, r.DLQValid, "valid events in the dead-letter queue")
			assert.Equal(t, 2, r.DLQInvalid, "invalid events in the dead-letter queue")
			assert.Zero(t, r.Wrong, "items that differ from a fault-free run")
			// A message that failed after its write landed is counted
			// unchanged when it comes back (docs/THROTTLING.md), so the
			// count may fall short; it never counts a link twice.
			assert.LessOrEqual(t, r.Summary.Linked, links, "new links counted as linked")
			assert.Greater(t, r.Requests, len(bodies), "the faults made the SDK retry")
		})
	}
}

// TestServeThroughFaults: `phonelookup serve` (the API face's retries)
// through the fault proxy. At 30% throttling nearly every search answers
// 200 (the SDK's retries are not spent by earlier throttling: there is no
// shared retry quota); when every Query throttles, or fails with HTTP 500,
// the answer is an honest 503 of the right type with Retry-After.
func TestServeThroughFaults(t *testing.T) {
	table := emulator.UniqueName("serve-faults")
	getenv := cliEnv(t, table)
	require.Equal(t, 0, runCLI(t, getenv, "setup").code)
	require.Equal(t, 1, runCLI(t, getenv, "process", samplesFile).code, "samples hold invalid lines")
	proxy, err := faultproxy.New(cliEmu.DynamoDB, 30)
	require.NoError(t, err)
	defer proxy.Close()
	viaProxy := withDynamoDB(getenv, proxy.URL)
	base, _, _ := startServe(t, viaProxy, "--addr", "127.0.0.1:0")
	search := base + "/v1/phones/%2B442079460958/customers"

	proxy.SetRules(faultproxy.Bursts{}, faultproxy.Rule{Fault: faultproxy.Throughput, Share: 0.15}, faultproxy.Rule{Fault: faultproxy.Throttling, Share: 0.15})
	statuses := map[int]int{}
	for range 100 {
		resp, _ := call(t, http.MethodGet, search)
		statuses[resp.StatusCode]++
	}
	t.Logf("30%% throttled: %v, faults %v", statuses, proxy.Faults())
	assert.GreaterOrEqual(t, statuses[http.StatusOK], 95, "searches answered at 30%% throttling: %v", statuses)

	for _, tt := range []struct {
		fault faultproxy.Fault
		typ   string
	}{{faultproxy.Throughput, api.TypeThrottled}, {faultproxy.Internal, api.TypeUnavailable}} {
		proxy.SetRules(faultproxy.Bursts{}, faultproxy.Rule{Fault: tt.fault, Share: 1, Ops: []string{"Query"}})
		start := time.Now()
		resp, body := call(t, http.MethodGet, search)
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "every Query %s", tt.fault)
		assert.Equal(t, tt.typ, apitest.Problem(t, body).Type, "every Query %s", tt.fault)
		assert.Equal(t, "1", resp.Header.Get("Retry-After"))
		assert.Less(t, time.Since(start), 3*time.Second, "the API gives up within its budget")
	}
}

// TestImportLegacyThroughThrottling: a long CLI command (the CLI face's
// retries) keeps going through 60% throttling and imports exactly what it
// imports without faults.
func TestImportLegacyThroughThrottling(t *testing.T) {
	table := emulator.UniqueName("legacy-faults")
	getenv := cliEnv(t, table)
	require.Equal(t, 0, runCLI(t, getenv, "setup").code)
	require.Equal(t, 1, runCLI(t, getenv, "process", samplesFile).code, "3 invalid samples")
	putLegacy(t, cliEmu.DynamoDBClient(emulator.Config()), table)
	before := tableItems(t, table)
	proxy, err := faultproxy.New(cliEmu.DynamoDB, 60,
		faultproxy.Rule{Fault: faultproxy.Throughput, Share: 0.3}, faultproxy.Rule{Fault: faultproxy.Throttling, Share: 0.3})
	require.NoError(t, err)
	defer proxy.Close()
	viaProxy := withDynamoDB(getenv, proxy.URL)
	r := runCLI(t, viaProxy, "import-legacy", "--segments", "2")
	require.Equal(t, 0, r.code, r.stderr)
	assertImport(t, dynamo.LegacyImportSummary{Scanned: len(before), Records: 4, Imported: 2, AlreadyLinked: 1, Unparseable: 1}, decodeImport(t, r.stdout))
	assert.Contains(t, r.stderr, "throttled requests retried", "the throttling shows in the command's output")
	assert.Positive(t, proxy.Faults()[faultproxy.Throughput]+proxy.Faults()[faultproxy.Throttling])
	assert.Len(t, tableItems(t, table), len(before)+2)
	t.Logf("faults: %v; stderr:\n%s", proxy.Faults(), r.stderr)
}

// withDynamoDB is getenv with the DynamoDB endpoint replaced by url.
func withDynamoDB(getenv func(string) string, url string) func(string) string {
	return func(k string) string {
		if k == "AWS_ENDPOINT_URL_DYNAMODB" {
			return url
		}
		return getenv(k)
	}
}
