//go:build integration

package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/lookup"
)

// invocationResult is what the function posted for an invocation.
type invocationResult struct {
	requestID string
	kind      string // "response" or "error"
	body      []byte
}

// fakeRuntimeAPI is the Lambda Runtime API for one invocation: the first
// /next returns event, later ones block until release is closed or the
// client goes away.
type fakeRuntimeAPI struct {
	*httptest.Server
	results chan invocationResult
}

func newFakeRuntimeAPI(t *testing.T, requestID string, event []byte) *fakeRuntimeAPI {
	t.Helper()
	api := &fakeRuntimeAPI{results: make(chan invocationResult, 4)}
	release := make(chan struct{})
	var mu sync.Mutex
	served := false
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !served
		served = true
		mu.Unlock()
		if !first {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			http.Error(w, "no more invocations", http.StatusGone)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", requestID)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:test")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
		_, _ = w.Write(event)
	})
	post := func(kind string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			api.results <- invocationResult{requestID: r.PathValue("id"), kind: kind, body: body}
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"status":"OK"}`))
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", post("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", post("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		api.results <- invocationResult{kind: "init error", body: body}
		w.WriteHeader(http.StatusAccepted)
	})
	api.Server = httptest.NewServer(mux)
	t.Cleanup(api.Close)                 // last: after the blocked /next returned
	t.Cleanup(func() { close(release) }) // then unblock a pending /next
	return api
}

// sqsRecord is one record of a realistic SQS event.
func sqsRecord(messageID, body string) map[string]any {
	sum := md5.Sum([]byte(body))
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	return map[string]any{
		"messageId":     messageID,
		"receiptHandle": "AQEB" + strings.Repeat(messageID[:8], 8) + "==",
		"body":          body,
		"attributes": map[string]string{
			"ApproximateReceiveCount":          "1",
			"SentTimestamp":                    now,
			"SenderId":                         "AIDAIENQZJOLO23YVJ4VO",
			"ApproximateFirstReceiveTimestamp": now,
		},
		"messageAttributes": map[string]any{},
		"md5OfBody":         hex.EncodeToString(sum[:]),
		"eventSource":       "aws:sqs",
		"eventSourceARN":    "arn:aws:sqs:eu-west-1:123456789012:order-committed",
		"awsRegion":         "eu-west-1",
	}
}

// The Lambda binary, run as Lambda runs it (provided.al2023: bootstrap
// talking to the Runtime API), handles an SQS batch with a poison record: it
// answers the poison record, and only it, as a batch item failure, writes the
// two good links, and logs no phone number in clear.
func TestLambdaBinarySQSBatch(t *testing.T) {
	ctx := context.Background()
	startCtx, cancel := context.WithTimeout(ctx, time.Minute)
	e, err := emulator.Start(startCtx, false)
	cancel()
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	store := dynamo.NewStore(e.DynamoDBClient(emulator.Config()), emulator.UniqueName("lambda-links"), "")
	created, err := store.CreateTable(ctx, time.Minute)
	require.NoError(t, err)
	require.True(t, created)

	bin := buildBootstrap(t)

	const (
		userA = "eu-west-1:7f1c2a9e-4b3d-4c8e-9f10-2b6d7e8a1c01"
		userB = "eu-west-1:3b9d5f27-8e1a-4f6c-b2d4-6a0e9c7f1d02"
		// A delivery: the dropoff phone is linked, the account phone is not.
		good1 = `{"eventId":"evt-l-1","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"2026-11-02T10:15:30.123Z","brand":"pizzaplace","order":{"id":"ord-l-1","fulfillmentType":"delivery","countryCode":"GB","delivery":{"dropoff":{"phoneNumber":"+44 20 7946 0958"}}},"user":{"cognitoId":"` + userA + `","details":{"phoneNumber":"+44 7700 900123","countryCode":"GB"}}}`
		// A collection: the account phone, written without +, is linked.
		good2  = `{"eventId":"evt-l-2","eventType":"OrderCommitted","version":1,"source":"fulfillment","occurredAt":"2026-11-02T11:00:05.456Z","order":{"id":"ord-l-2","fulfillmentType":"collection"},"user":{"cognitoId":"` + userB + `","details":{"phoneNumber":"(202) 555-0143","countryCode":"US"}}}`
		poison = `{"eventId":"p1","eventType":"OrderCommitted"}`

		id1, idPoison, id2 = "059f36b4-87a3-44ab-83d2-661975830a7d", "2e1424d4-f796-459a-8184-9c92662be6da", "9a3b6c1d-2f4e-4a5b-8c7d-0e1f2a3b4c5d"
	)
	event, err := json.Marshal(map[string]any{"Records": []any{
		sqsRecord(id1, good1), sqsRecord(idPoison, poison), sqsRecord(id2, good2),
	}})
	require.NoError(t, err)

	const requestID = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
	res, stdout, stderr := invokeBootstrap(t, bin, requestID, event, append(e.Env(),
		"LOOKUP_TABLE="+store.Table(),
		"LOG_LEVEL=debug",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/test",
		"AWS_LAMBDA_LOG_STREAM_NAME=2026/11/02/[$LATEST]0123456789abcdef",
	))
	require.Equal(t, "response", res.kind, "body: %s\nstderr:\n%s", res.body, stderr.String())
	assert.Equal(t, requestID, res.requestID)
	assert.Equal(t, `{"batchItemFailures":[{"itemIdentifier":"`+idPoison+`"}]}`, string(res.body))

	l1, err := store.Get(ctx, userA, "+442079460958")
	require.NoError(t, err)
	assert.Equal(t, "ord-l-1", l1.LastOrderID)
	assert.Equal(t, []string{lookup.ViaDropoff}, l1.Via)
	assert.Equal(t, "pizzaplace", l1.Brand)
	l2, err := store.Get(ctx, userB, "+12025550143")
	require.NoError(t, err)
	assert.Equal(t, "ord-l-2", l2.LastOrderID)
	assert.Equal(t, []string{lookup.ViaAccount}, l2.Via)
	_, err = store.Get(ctx, userA, "+447700900123")
	assert.ErrorIs(t, err, lookup.ErrNotFound, "the account phone of a delivery is not linked")

	// The process keeps running (waiting for the next invocation); its logs so
	// far. At debug level every message has a log line.
	logs := stdout.String() + stderr.String()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("bootstrap logs:\n%s", logs)
		}
	})
	assert.Contains(t, logs, "batch done")
	assert.Contains(t, logs, idPoison, "the failed message is logged by id")
	assert.Contains(t, logs, lookup.MaskPhone("+442079460958"), "the linked phone is logged masked")
	assert.Contains(t, logs, lookup.MaskPhone("+12025550143"), "the linked phone is logged masked")
	for _, p := range []string{
		"+44 20 7946 0958", "+442079460958", "442079460958", "2079460958", "20 7946 0958",
		"+44 7700 900123", "+447700900123", "447700900123", "7700900123", "7700 900123",
		"(202) 555-0143", "+12025550143", "12025550143", "2025550143", "555-0143",
	} {
		if strings.Contains(logs, p) {
			t.Errorf("phone number %q in clear in the logs", p)
		}
	}
}

// buildBootstrap builds the Lambda binary, as make build does but for this
// machine.
func buildBootstrap(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bootstrap")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build:\n%s", out)
	return bin
}

// invokeBootstrap runs bin as Lambda does, with env, against a fake Runtime
// API that hands it payload as invocation requestID, and returns its answer
// and what it wrote.
func invokeBootstrap(t *testing.T, bin, requestID string, payload []byte, env []string) (res invocationResult, stdout, stderr *consumertest.SyncBuffer) {
	t.Helper()
	api := newFakeRuntimeAPI(t, requestID, payload)
	stdout, stderr = &consumertest.SyncBuffer{}, &consumertest.SyncBuffer{}
	cmd := exec.Command(bin)
	cmd.Env = append(env, "HOME="+t.TempDir(), "AWS_LAMBDA_RUNTIME_API="+api.Listener.Addr().String(),
		"_HANDLER=bootstrap", "AWS_LAMBDA_FUNCTION_NAME=test")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	select {
	case res = <-api.results:
	case err := <-exited:
		t.Fatalf("bootstrap exited (%v) without answering\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("no answer from bootstrap\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	return res, stdout, stderr
}
