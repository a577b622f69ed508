//go:build integration

package sqsworker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/sqsworker"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/faultproxy"
	"github.com/phonelookup/phonelookup/internal/syncbuf"
	"github.com/phonelookup/phonelookup/lookup"
)

// workerEmulators returns the package's dynalite and local-aws-sqs (started
// by TestMain).
func workerEmulators(t *testing.T) *emulator.Emulators {
	t.Helper()
	require.NotEmpty(t, workerEmu.SQS, "emulators started without SQS")
	return workerEmu
}

// ---------------------------------------------------------------------------
// Generated events.

// genPhone is a phone number as written in an event, with its E.164 form.
type genPhone struct {
	raw, region, e164 string
}

var genPhones = []genPhone{
	{"+44 20 7946 0958", "", "+442079460958"},
	{"020 7946 0123", "GB", "+442079460123"},
	{"+1 (202) 555-0143", "", "+12025550143"},
	{"(202) 555-0178", "US", "+12025550178"},
	{"+33 1 23 45 67 89", "", "+33123456789"},
	{"06 12 34 56 78", "FR", "+33612345678"},
	{"+49 30 901820", "", "+4930901820"},
	{"0151 23456789", "DE", "+4915123456789"},
}

// genEvent is a valid OrderCommitted event that links Phone to User.
type genEvent struct {
	EventID, OrderID, User, Source, Brand, Via string
	Phone                                      genPhone
	At                                         time.Time
}

var genBase = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// genEvents returns n events with distinct eventIds and orderIds over the
// given number of users, each user ordering with two of genPhones, either as
// a delivery (dropoff phone) or as a collection (account phone). Times are on
// a coarse grid so that some sightings of a link share a millisecond.
func genEvents(rng *rand.Rand, n, users int) []genEvent {
	userPhones := make([][]genPhone, users)
	for u := range userPhones {
		p := rng.Perm(len(genPhones))
		userPhones[u] = []genPhone{genPhones[p[0]], genPhones[p[1]]}
	}
	brands := []string{"", "pizzaplace", "burgerbar"}
	evs := make([]genEvent, n)
	for i := range evs {
		u := rng.IntN(users)
		ev := genEvent{
			EventID: fmt.Sprintf("evt-w-%04d", i),
			OrderID: fmt.Sprintf("ord-w-%04d", i),
			User:    fmt.Sprintf("eu-west-1:%08x-4b3d-4c8e-9f10-%012d", 0x7f1c2a00+u, u),
			Source:  []string{"graphql", "fulfillment"}[rng.IntN(2)],
			Brand:   brands[rng.IntN(len(brands))],
			Via:     []string{lookup.ViaDropoff, lookup.ViaAccount}[rng.IntN(2)],
			Phone:   userPhones[u][rng.IntN(2)],
			At:      genBase.Add(time.Duration(rng.IntN(600)) * time.Minute).Add(time.Duration(rng.IntN(2)) * 123 * time.Millisecond),
		}
		evs[i] = ev
	}
	return evs
}

// detail is the event object.
func (e genEvent) detail() map[string]any {
	order := map[string]any{"id": e.OrderID}
	user := map[string]any{"cognitoId": e.User}
	if e.Via == lookup.ViaDropoff {
		order["fulfillmentType"] = "delivery"
		if e.Phone.region != "" {
			order["countryCode"] = e.Phone.region
		}
		order["delivery"] = map[string]any{"dropoff": map[string]any{"phoneNumber": e.Phone.raw}}
		// An account phone the rule must not pick for a delivery.
		user["details"] = map[string]any{"phoneNumber": "+44 7700 900999", "countryCode": "GB"}
	} else {
		order["fulfillmentType"] = "collection"
		details := map[string]any{"phoneNumber": e.Phone.raw}
		if e.Phone.region != "" {
			details["countryCode"] = e.Phone.region
		}
		user["details"] = details
	}
	d := map[string]any{
		"eventId": e.EventID, "eventType": "OrderCommitted", "version": 1, "source": e.Source,
		"occurredAt": e.At.Format(lookup.TimeLayout), "order": order, "user": user,
	}
	if e.Brand != "" {
		d["brand"] = e.Brand
	}
	return d
}

// body returns the message body: the bare event, or the event in an
// EventBridge envelope.
func (e genEvent) body(t *testing.T, eventBridge bool) string {
	t.Helper()
	var v any = e.detail()
	if eventBridge {
		v = map[string]any{
			"version": "0", "id": "eb-" + e.EventID, "detail-type": "OrderCommitted", "source": "intl." + e.Source,
			"account": "123456789012", "time": e.At.Format(time.RFC3339), "region": "eu-west-1", "resources": []string{},
			"detail": v,
		}
	}
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// withDuplicates returns the bodies of evs, each from minCopies to maxCopies
// times in random envelopes, shuffled.
func withDuplicates(t *testing.T, rng *rand.Rand, evs []genEvent, minCopies, maxCopies int) []string {
	t.Helper()
	var bodies []string
	for _, e := range evs {
		for range minCopies + rng.IntN(maxCopies-minCopies+1) {
			bodies = append(bodies, e.body(t, rng.IntN(2) == 0))
		}
	}
	rng.Shuffle(len(bodies), func(i, j int) { bodies[i], bodies[j] = bodies[j], bodies[i] })
	return bodies
}

type genLinkID struct{ user, phone string }

type genSeen struct {
	at    time.Time
	order string
}

func (a genSeen) before(b genSeen) bool {
	return a.at.Before(b.at) || a.at.Equal(b.at) && a.order < b.order
}

// expectedGenLink is what the table must hold for a link after all its events.
type expectedGenLink struct {
	first, last  genSeen
	lastBrand    string
	sources, via map[string]bool
}

// expectedGenLinks computes the links evs must produce, independently of the store.
func expectedGenLinks(evs []genEvent) map[genLinkID]*expectedGenLink {
	m := map[genLinkID]*expectedGenLink{}
	for _, e := range evs {
		k := genLinkID{e.User, e.Phone.e164}
		s := genSeen{e.At, e.OrderID}
		l := m[k]
		if l == nil {
			l = &expectedGenLink{first: s, last: s, lastBrand: e.Brand, sources: map[string]bool{}, via: map[string]bool{}}
			m[k] = l
		}
		if s.before(l.first) {
			l.first = s
		}
		if l.last.before(s) {
			l.last, l.lastBrand = s, e.Brand
		}
		l.sources[e.Source] = true
		l.via[e.Via] = true
	}
	return m
}

func sortedSetKeys(m map[string]bool) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// requireGenLinks checks that every link evs imply is in the store, with the
// earliest and latest orders and the unions of sources and via.
func requireGenLinks(t *testing.T, store *dynamo.Store, evs []genEvent) {
	t.Helper()
	for k, want := range expectedGenLinks(evs) {
		got, err := store.Get(context.Background(), k.user, k.phone)
		require.NoError(t, err, "link %s %s", k.user, k.phone)
		assert.True(t, got.Active, "link %s %s", k.user, k.phone)
		assert.Equal(t, want.first.order, got.FirstOrderID, "first order of %s %s", k.user, k.phone)
		assert.True(t, want.first.at.Equal(got.FirstSeenAt), "firstSeenAt of %s %s: %s, want %s", k.user, k.phone, got.FirstSeenAt, want.first.at)
		assert.Equal(t, want.last.order, got.LastOrderID, "last order of %s %s", k.user, k.phone)
		assert.True(t, want.last.at.Equal(got.LastSeenAt), "lastSeenAt of %s %s: %s, want %s", k.user, k.phone, got.LastSeenAt, want.last.at)
		assert.Equal(t, want.lastBrand, got.Brand, "brand of %s %s", k.user, k.phone)
		assert.Equal(t, sortedSetKeys(want.sources), got.Sources, "sources of %s %s", k.user, k.phone)
		assert.Equal(t, sortedSetKeys(want.via), got.Via, "via of %s %s", k.user, k.phone)
		assert.Equal(t, lookup.NormVersion, got.NormVersion)
	}
}

// ---------------------------------------------------------------------------
// Queues, tables, the worker.

// createWorkerQueue creates a queue with attrs and returns its URL and ARN; it is
// deleted when the test ends.
func createWorkerQueue(t *testing.T, c *sqs.Client, prefix string, attrs map[string]string) (url, arn string) {
	t.Helper()
	ctx := context.Background()
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(emulator.UniqueName(prefix)), Attributes: attrs})
	require.NoError(t, err)
	url = aws.ToString(out.QueueUrl)
	t.Cleanup(func() { _, _ = c.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: &url}) })
	a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: &url, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	require.NoError(t, err)
	arn = a.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	require.NotEmpty(t, arn)
	return url, arn
}

// createWorkerQueueWithDLQ creates a queue and its dead-letter queue.
func createWorkerQueueWithDLQ(t *testing.T, c *sqs.Client, visibility, maxReceives int) (url, dlqURL string) {
	t.Helper()
	dlqURL, dlqARN := createWorkerQueue(t, c, "worker-dlq", nil)
	policy, err := json.Marshal(map[string]string{"deadLetterTargetArn": dlqARN, "maxReceiveCount": strconv.Itoa(maxReceives)})
	require.NoError(t, err)
	url, _ = createWorkerQueue(t, c, "worker-q", map[string]string{
		string(sqstypes.QueueAttributeNameVisibilityTimeout): strconv.Itoa(visibility),
		string(sqstypes.QueueAttributeNameRedrivePolicy):     string(policy),
	})
	return url, dlqURL
}

// sendWorkerBodies sends bodies with SendMessageBatch and returns the message id of
// each body, in order.
func sendWorkerBodies(t *testing.T, c *sqs.Client, url string, bodies []string) []string {
	t.Helper()
	ids := make([]string, len(bodies))
	for start := 0; start < len(bodies); start += 10 {
		end := min(start+10, len(bodies))
		var entries []sqstypes.SendMessageBatchRequestEntry
		for i := start; i < end; i++ {
			entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(bodies[i])})
		}
		out, err := c.SendMessageBatch(context.Background(), &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries})
		require.NoError(t, err)
		require.Empty(t, out.Failed)
		require.Len(t, out.Successful, end-start)
		for _, s := range out.Successful {
			i, err := strconv.Atoi(aws.ToString(s.Id))
			require.NoError(t, err)
			ids[i] = aws.ToString(s.MessageId)
		}
	}
	return ids
}

// workerQueueCounts returns ApproximateNumberOfMessages and ...NotVisible.
func workerQueueCounts(t *testing.T, c *sqs.Client, url string) (visible, notVisible string) {
	t.Helper()
	out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: &url,
		AttributeNames: []sqstypes.QueueAttributeName{
			sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	require.NoError(t, err)
	return out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)],
		out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)]
}

func requireWorkerQueueEmpty(t *testing.T, c *sqs.Client, url, what string) {
	t.Helper()
	v, nv := workerQueueCounts(t, c, url)
	require.Equal(t, "0", v, "%s: visible messages", what)
	require.Equal(t, "0", nv, "%s: in-flight messages", what)
}

// newWorkerTable creates a fresh table through db and returns a store on it.
func newWorkerTable(t *testing.T, db *dynamodb.Client) *dynamo.Store {
	t.Helper()
	s := dynamo.NewStore(db, emulator.UniqueName("worker-links"), "")
	created, err := s.CreateTable(context.Background(), time.Minute)
	require.NoError(t, err)
	require.True(t, created)
	return s
}

func newWorkerProcessor(t *testing.T, linker consumer.Linker) *consumer.Processor {
	t.Helper()
	phones, err := lookup.NewNormalizer("", lookup.DefaultCacheSize)
	require.NoError(t, err)
	return &consumer.Processor{Linker: linker, Phones: phones}
}

// workerLogBuffer is a concurrency-safe log sink.
type workerLogBuffer struct{ syncbuf.Buffer }

// workerLog returns a logger whose output is shown only if the test fails.
func workerLog(t *testing.T) zerolog.Logger {
	t.Helper()
	buf := &workerLogBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			out := buf.String()
			if len(out) > 20000 {
				out = "...\n" + out[len(out)-20000:]
			}
			t.Logf("worker log:\n%s", out)
		}
	})
	return zerolog.New(buf).Level(zerolog.InfoLevel).With().Timestamp().Logger()
}

// runWorkerGuarded runs w and fails the test if it does not return within limit
// (a hang guard, not a performance check) or returns an error.
func runWorkerGuarded(t *testing.T, ctx context.Context, w *sqsworker.Worker, limit time.Duration) sqsworker.WorkerStats {
	t.Helper()
	type result struct {
		stats sqsworker.WorkerStats
		err   error
	}
	done := make(chan result, 1)
	go func() {
		s, err := w.Run(ctx)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		require.NoError(t, r.err)
		t.Logf("worker stats: %+v", r.stats)
		return r.stats
	case <-time.After(limit):
		t.Fatalf("worker.Run did not return within %s", limit)
		return sqsworker.WorkerStats{}
	}
}

// recordingSQS is a sqsworker.SQS that records what the worker received and
// deleted.
type recordingSQS struct {
	c *sqs.Client

	mu          sync.Mutex
	received    map[string]int    // message id → times received
	handles     map[string]string // receipt handle → message id
	deleteAsked []string          // message ids in DeleteMessageBatch requests
	deleted     map[string]int    // message id → successful deletes
}

var _ sqsworker.SQS = (*recordingSQS)(nil)

func newRecordingSQS(c *sqs.Client) *recordingSQS {
	return &recordingSQS{c: c, received: map[string]int{}, handles: map[string]string{}, deleted: map[string]int{}}
}

func (r *recordingSQS) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	out, err := r.c.ReceiveMessage(ctx, in, optFns...)
	if err == nil {
		r.mu.Lock()
		for _, m := range out.Messages {
			id := aws.ToString(m.MessageId)
			r.received[id]++
			r.handles[aws.ToString(m.ReceiptHandle)] = id
		}
		r.mu.Unlock()
	}
	return out, err
}

func (r *recordingSQS) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	byEntry := map[string]string{}
	r.mu.Lock()
	for _, e := range in.Entries {
		id, ok := r.handles[aws.ToString(e.ReceiptHandle)]
		if !ok {
			id = "unknown receipt handle " + aws.ToString(e.ReceiptHandle)
		}
		byEntry[aws.ToString(e.Id)] = id
		r.deleteAsked = append(r.deleteAsked, id)
	}
	r.mu.Unlock()
	out, err := r.c.DeleteMessageBatch(ctx, in, optFns...)
	if err == nil {
		r.mu.Lock()
		for _, s := range out.Successful {
			r.deleted[byEntry[aws.ToString(s.Id)]]++
		}
		r.mu.Unlock()
	}
	return out, err
}

func (r *recordingSQS) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	return r.c.ChangeMessageVisibilityBatch(ctx, in, optFns...)
}

func (r *recordingSQS) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return r.c.GetQueueAttributes(ctx, in, optFns...)
}

func scanWorkerTable(t *testing.T, db *dynamodb.Client, table string) []string {
	t.Helper()
	items, err := emulator.ScanTable(context.Background(), db, table)
	require.NoError(t, err)
	return items
}

// ---------------------------------------------------------------------------
// Proofs.

// Many events, each delivered 2-3 times in random envelopes and order,
// through a real queue: every link is written as the events imply, the queue
// ends empty, nothing is invalid or failed.
func TestWorkerDuplicatesThroughQueue(t *testing.T) {
	e := workerEmulators(t)
	cfg := emulator.Config()
	sqsc, db := e.SQSClient(cfg), e.DynamoDBClient(cfg)
	store := newWorkerTable(t, db)
	url, _ := createWorkerQueue(t, sqsc, "worker-dups", map[string]string{string(sqstypes.QueueAttributeNameVisibilityTimeout): "2"})

	rng := rand.New(rand.NewPCG(1, 2))
	evs := genEvents(rng, 200, 50)
	bodies := withDuplicates(t, rng, evs, 2, 3)
	sendWorkerBodies(t, sqsc, url, bodies)

	w := &sqsworker.Worker{
		SQS: sqsc, QueueURL: url, Processor: newWorkerProcessor(t, store),
		Concurrency: 10, UntilEmpty: true, Log: workerLog(t),
	}
	stats := runWorkerGuarded(t, context.Background(), w, 60*time.Second)

	requireWorkerQueueEmpty(t, sqsc, url, "queue")
	assert.Zero(t, stats.Invalid)
	assert.Zero(t, stats.Failed)
	assert.Zero(t, stats.DeleteFailed)
	assert.GreaterOrEqual(t, stats.Deleted, len(bodies), "every message deleted")
	assert.Equal(t, stats.Received, stats.Events, "every received message processed")
	want := expectedGenLinks(evs)
	// Exactly one message creates each link; every other copy finds it.
	assert.Equal(t, len(want), stats.Linked, "linked outcomes")
	requireGenLinks(t, store, evs)
	assert.Len(t, scanWorkerTable(t, db, store.Table()), len(want), "no other item in the table")
}

// A poison message among good ones: the good ones are deleted after one
// receive, the poison one is received maxReceiveCount times and then sits,
// unchanged, in the dead-letter queue.
//
// The visibility timeout is 2 s, not 1 s: local-aws-sqs keeps a long poll
// open for its whole wait (1 s here) and, when the visibility timeout is not
// longer than that, returns a message a second time in the same response.
func TestWorkerPoisonToDLQ(t *testing.T) {
	e := workerEmulators(t)
	cfg := emulator.Config()
	sqsc, db := e.SQSClient(cfg), e.DynamoDBClient(cfg)
	store := newWorkerTable(t, db)
	url, dlqURL := createWorkerQueueWithDLQ(t, sqsc, 2, 3)

	evs := genEvents(rand.New(rand.NewPCG(3, 4)), 5, 5)
	const poison = `{"eventId":"p1","eventType":"OrderCommitted"}`
	var bodies []string
	for i, ev := range evs {
		bodies = append(bodies, ev.body(t, i%2 == 0))
	}
	bodies = append(bodies[:2], append([]string{poison}, bodies[2:]...)...)
	ids := sendWorkerBodies(t, sqsc, url, bodies)
	poisonID := ids[2]

	rec := newRecordingSQS(sqsc)
	w := &sqsworker.Worker{
		SQS: rec, QueueURL: url, Processor: newWorkerProcessor(t, store),
		Concurrency: 10, UntilEmpty: true, Log: workerLog(t),
	}
	stats := runWorkerGuarded(t, context.Background(), w, 30*time.Second)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, id := range ids {
		if id == poisonID {
			continue
		}
		assert.Equal(t, 1, rec.received[id], "good message %d received", i)
		assert.Equal(t, 1, rec.deleted[id], "good message %d deleted", i)
	}
	assert.Equal(t, 3, rec.received[poisonID], "poison message received maxReceiveCount times")
	assert.Zero(t, rec.deleted[poisonID], "poison message deleted")
	assert.NotContains(t, rec.deleteAsked, poisonID, "poison message asked to be deleted")
	assert.Len(t, rec.deleted, len(evs))
	assert.Equal(t, 3, stats.Invalid)
	assert.Zero(t, stats.Failed)
	assert.Equal(t, len(evs), stats.Deleted)
	requireWorkerQueueEmpty(t, sqsc, url, "queue")
	requireGenLinks(t, store, evs)

	out, err := sqsc.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: &dlqURL, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
	})
	require.NoError(t, err)
	require.Len(t, out.Messages, 1, "dead-letter queue")
	assert.Equal(t, poison, aws.ToString(out.Messages[0].Body), "dead-lettered body")
	assert.Equal(t, poisonID, aws.ToString(out.Messages[0].MessageId), "dead-lettered message id")
}

// DynamoDB faults (500s, throttling, stalls whose write lands late, writes
// whose answer is lost) on ~30% of the requests, with the SDK retrying only
// once: messages fail and come back through the queue, and the table ends
// exactly as a fault-free run over the same events leaves it; nothing reaches
// the dead-letter queue.
func TestWorkerDynamoDBFaults(t *testing.T) {
	e := workerEmulators(t)
	cfg := emulator.Config()
	sqsc, direct := e.SQSClient(cfg), e.DynamoDBClient(cfg)
	proxy, err := faultproxy.New(e.DynamoDB, 42,
		faultproxy.Rule{Fault: faultproxy.Internal, Share: 0.075},
		faultproxy.Rule{Fault: faultproxy.Throughput, Share: 0.075},
		faultproxy.Rule{Fault: faultproxy.Latency, Share: 0.075, Latency: 2500 * time.Millisecond},
		faultproxy.Rule{Fault: faultproxy.Lost, Share: 0.075})
	require.NoError(t, err)
	t.Cleanup(proxy.Close)
	faulty := e.DynamoDBClient(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(proxy.URL)
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 2
			so.MaxBackoff = 100 * time.Millisecond
			so.RateLimiter = ratelimit.None
		})
		o.HTTPClient = awshttp.NewBuildableClient().WithTimeout(time.Second)
	})

	faultTable := newWorkerTable(t, direct)
	faultStore := dynamo.NewStore(faulty, faultTable.Table(), "")
	// maxReceiveCount 20: the SDK retries only once here, so a message may
	// fail several receives in a row.
	url, dlqURL := createWorkerQueueWithDLQ(t, sqsc, 2, 20)

	// Many links with one or two events, and some events sent only once, so
	// that a lost event changes the table.
	rng := rand.New(rand.NewPCG(5, 6))
	evs := genEvents(rng, 60, 40)
	bodies := withDuplicates(t, rng, evs, 1, 3)
	sendWorkerBodies(t, sqsc, url, bodies)

	linker := &recordingLinker{next: faultStore, ok: map[string]int{}}
	w := &sqsworker.Worker{
		SQS: sqsc, QueueURL: url, Processor: newWorkerProcessor(t, linker),
		Concurrency: 10, UntilEmpty: true, Log: workerLog(t),
		Backoff: consumer.RetryBackoff{Base: time.Second, Max: 2 * time.Second},
	}
	stats := runWorkerGuarded(t, context.Background(), w, 90*time.Second)
	proxy.Close() // waits for stalled requests: every late write has landed
	t.Logf("faults injected: %v", proxy.Faults())

	requireWorkerQueueEmpty(t, sqsc, url, "queue")
	requireWorkerQueueEmpty(t, sqsc, dlqURL, "dead-letter queue")
	assert.Zero(t, stats.Invalid)
	assert.Positive(t, stats.Failed, "no message failed: the faults were not exercised")
	for _, f := range []faultproxy.Fault{faultproxy.Internal, faultproxy.Throughput, faultproxy.Latency, faultproxy.Lost} {
		assert.Positive(t, proxy.Faults()[f], "fault %s never injected", f)
	}
	// No event lost: each one was linked successfully at least once.
	linker.mu.Lock()
	for _, ev := range evs {
		assert.Positive(t, linker.ok[ev.OrderID], "event %s never linked", ev.EventID)
	}
	linker.mu.Unlock()

	// The same events, fault-free, in another order, into another table.
	clean := newWorkerTable(t, direct)
	p := newWorkerProcessor(t, clean)
	for i := len(bodies) - 1; i >= 0; i-- {
		r := p.Process(context.Background(), []byte(bodies[i]))
		require.True(t, r.Outcome.OK(), "fault-free run: %s %v", r.Outcome, r.Err)
	}
	want := scanWorkerTable(t, direct, clean.Table())
	require.Len(t, want, len(expectedGenLinks(evs)))
	require.Equal(t, want, scanWorkerTable(t, direct, faultTable.Table()))
	requireGenLinks(t, dynamo.NewStore(direct, faultTable.Table(), ""), evs)
}

// recordingLinker counts the successful links of each order.
type recordingLinker struct {
	next consumer.Linker
	mu   sync.Mutex
	ok   map[string]int // order id → successful links
}

func (l *recordingLinker) Link(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
	out, err := l.next.Link(ctx, s)
	if err == nil {
		l.mu.Lock()
		l.ok[s.OrderID]++
		l.mu.Unlock()
	}
	return out, err
}

// slowLinker links through next after a delay, records the orders it linked,
// and calls trigger once after the after-th.
type slowLinker struct {
	next    consumer.Linker
	delay   time.Duration
	after   int
	trigger func()

	mu     sync.Mutex
	linked map[string]bool // order ids
	once   sync.Once
}

func (l *slowLinker) Link(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
	time.Sleep(l.delay)
	out, err := l.next.Link(ctx, s)
	if err != nil {
		return out, err
	}
	l.mu.Lock()
	l.linked[s.OrderID] = true
	n := len(l.linked)
	l.mu.Unlock()
	if n == l.after {
		l.once.Do(l.trigger)
	}
	return out, nil
}

// SIGTERM while messages are in flight: Run stops receiving, finishes what
// it holds, deletes exactly the messages it processed (nothing deleted that
// was not processed) and returns nil; a second worker finishes the rest.
//
// The worker holds at most Receivers×10 + 2×Concurrency messages (receives
// waiting to hand over their batch, the jobs buffer, the processors): with
// Concurrency 4 and the default Receivers (Concurrency/2+1 = 3) that is 38,
// plus the 6 linked when SIGTERM is sent, fewer than the 80 messages queued.
func TestWorkerSIGTERMWhileInFlight(t *testing.T) {
	e := workerEmulators(t)
	cfg := emulator.Config()
	sqsc, db := e.SQSClient(cfg), e.DynamoDBClient(cfg)
	store := newWorkerTable(t, db)
	url, _ := createWorkerQueue(t, sqsc, "worker-term", map[string]string{string(sqstypes.QueueAttributeNameVisibilityTimeout): "2"})

	evs := genEvents(rand.New(rand.NewPCG(7, 8)), 80, 40)
	var bodies []string
	for _, ev := range evs {
		bodies = append(bodies, ev.body(t, false))
	}
	ids := sendWorkerBodies(t, sqsc, url, bodies)
	msgOfOrder := map[string]string{}
	for i, ev := range evs {
		msgOfOrder[ev.OrderID] = ids[i]
	}

	// As `phonelookup consume` does: SIGTERM cancels the worker's context.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	t.Cleanup(stop)
	linker := &slowLinker{
		next: store, delay: 200 * time.Millisecond, after: 6, linked: map[string]bool{},
		trigger: func() { _ = syscall.Kill(os.Getpid(), syscall.SIGTERM) },
	}
	rec := newRecordingSQS(sqsc)
	w := &sqsworker.Worker{
		SQS: rec, QueueURL: url, Processor: newWorkerProcessor(t, linker),
		Concurrency: 4, Log: workerLog(t),
	}
	stats := runWorkerGuarded(t, ctx, w, 30*time.Second)
	require.Error(t, ctx.Err(), "SIGTERM did not cancel the context")

	linker.mu.Lock()
	processed := map[string]bool{}
	for order := range linker.linked {
		processed[msgOfOrder[order]] = true
	}
	linker.mu.Unlock()
	rec.mu.Lock()
	deleteAsked := slices.Clone(rec.deleteAsked)
	deleted := map[string]bool{}
	for id, n := range rec.deleted {
		assert.Equal(t, 1, n, "message %s deleted %d times", id, n)
		deleted[id] = true
	}
	rec.mu.Unlock()

	require.GreaterOrEqual(t, len(processed), linker.after)
	require.Less(t, len(processed), len(evs), "the worker did not stop receiving: it processed every message")
	for _, id := range deleteAsked {
		assert.True(t, processed[id], "message %s deleted but not processed", id)
	}
	assert.Equal(t, processed, deleted, "the drain must delete exactly the messages it processed")
	assert.Equal(t, len(processed), stats.Deleted)
	assert.Zero(t, stats.Failed)
	assert.Zero(t, stats.Invalid)

	// A second worker finishes the queue; the deleted messages never come back.
	rec2 := newRecordingSQS(sqsc)
	w2 := &sqsworker.Worker{
		SQS: rec2, QueueURL: url, Processor: newWorkerProcessor(t, store),
		Concurrency: 10, UntilEmpty: true, Log: workerLog(t),
	}
	stats2 := runWorkerGuarded(t, context.Background(), w2, 30*time.Second)
	assert.Zero(t, stats2.Failed)
	assert.Zero(t, stats2.Invalid)
	rec2.mu.Lock()
	for id := range rec2.received {
		assert.False(t, deleted[id], "message %s was deleted yet received again", id)
	}
	assert.Len(t, rec2.deleted, len(evs)-len(deleted), "the second worker deletes the rest")
	rec2.mu.Unlock()
	requireWorkerQueueEmpty(t, sqsc, url, "queue")
	requireGenLinks(t, store, evs)
}

// A message whose processing outlasts the queue's visibility timeout keeps
// its lease: the worker extends it, so the message is received once and
// processed once (without the extension it reappears and is received again).
// The queue's maxReceiveCount is high because local-aws-sqs counts each
// extension as a receive.
func TestWorkerExtendsVisibilityOfSlowMessages(t *testing.T) {
	e := workerEmulators(t)
	cfg := emulator.Config()
	sqsc, db := e.SQSClient(cfg), e.DynamoDBClient(cfg)
	store := newWorkerTable(t, db)
	url, _ := createWorkerQueueWithDLQ(t, sqsc, 4, 50)

	evs := genEvents(rand.New(rand.NewPCG(7, 8)), 3, 3)
	var bodies []string
	for _, ev := range evs {
		bodies = append(bodies, ev.body(t, false))
	}
	ids := sendWorkerBodies(t, sqsc, url, bodies)

	rec := newRecordingSQS(sqsc)
	slow := &slowLinker{next: store, delay: 9 * time.Second, after: len(evs) + 1, trigger: func() {}, linked: map[string]bool{}}
	w := &sqsworker.Worker{
		SQS: rec, QueueURL: url, Processor: newWorkerProcessor(t, slow),
		Concurrency: 10, UntilEmpty: true, Log: workerLog(t),
	}
	stats := runWorkerGuarded(t, context.Background(), w, 40*time.Second)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, id := range ids {
		assert.Equal(t, 1, rec.received[id], "message %d received (a second receive means its visibility ran out)", i)
		assert.Equal(t, 1, rec.deleted[id], "message %d deleted", i)
	}
	assert.Positive(t, stats.Extended, "visibility extensions")
	assert.Equal(t, len(evs), stats.Events, "each message processed once")
	requireWorkerQueueEmpty(t, sqsc, url, "queue")
	requireGenLinks(t, store, evs)
}

// panicLinker panics for one order and links the others.
type panicLinker struct {
	next  consumer.Linker
	order string
}

func (l *panicLinker) Link(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
	if s.OrderID == l.order {
		panic("linker exploded")
	}
	return l.next.Link(ctx, s)
}

// A message whose processing panics fails alone, as consumer.Recovered
// says: reason panic, its eventId and order id logged, the panic value in
// the error; the others are linked and deleted.
func TestWorkerPanicFailsOnlyItsMessage(t *testing.T) {
	e := workerEmulators(t)
	cfg := emulator.Config()
	sqsc, db := e.SQSClient(cfg), e.DynamoDBClient(cfg)
	store := newWorkerTable(t, db)
	url, _ := createWorkerQueueWithDLQ(t, sqsc, 1, 1)
	evs := genEvents(rand.New(rand.NewPCG(5, 6)), 4, 4)
	var bodies []string
	for _, ev := range evs {
		bodies = append(bodies, ev.body(t, false))
	}
	sendWorkerBodies(t, sqsc, url, bodies)
	var logs syncbuf.Buffer
	w := &sqsworker.Worker{
		SQS: sqsc, QueueURL: url, Processor: newWorkerProcessor(t, &panicLinker{next: store, order: evs[1].OrderID}),
		Concurrency: 4, UntilEmpty: true, Log: zerolog.New(&logs),
	}
	stats := runWorkerGuarded(t, context.Background(), w, 30*time.Second)
	assert.Equal(t, 1, stats.Failed, "failed")
	assert.Equal(t, 3, stats.Deleted, "deleted")
	var line map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"outcome":"failed"`) {
			require.NoError(t, json.Unmarshal([]byte(l), &line), l)
		}
	}
	require.NotNil(t, line, "no failed line in the log:\n%s", logs.String())
	assert.Equal(t, consumer.ReasonPanic, line["reason"])
	assert.Equal(t, evs[1].EventID, line["eventId"], "eventId of the panicking message")
	assert.Equal(t, evs[1].OrderID, line["orderId"], "orderId of the panicking message")
	assert.Contains(t, line["error"], "linker exploded")
}
