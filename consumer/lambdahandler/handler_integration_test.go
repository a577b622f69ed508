//go:build integration

package lambdahandler_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/consumer/lambdahandler"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/lookup"
)

var batchEmu *emulator.Emulators

func TestMain(m *testing.M) { os.Exit(emulator.Main(m, true, &batchEmu)) }

// newBatchStore creates a fresh table on dynalite and returns a store
// on it and the raw client.
func newBatchStore(t *testing.T) (*dynamo.Store, *dynamodb.Client) {
	t.Helper()
	db := batchEmu.DynamoDBClient(emulator.Config())
	s := dynamo.NewStore(db, emulator.UniqueName("consumer"), "")
	created, err := s.CreateTable(context.Background(), time.Minute)
	require.NoError(t, err)
	require.True(t, created, "CreateTable of a fresh table = exists, want created")
	return s, db
}

func scanTable(t *testing.T, db *dynamodb.Client, table string) []string {
	t.Helper()
	items, err := emulator.ScanTable(context.Background(), db, table)
	require.NoError(t, err)
	return items
}

func TestHandleSQSPartialFailureDynalite(t *testing.T) {
	store, db := newBatchStore(t)
	phones, err := lookup.NewNormalizer("", lookup.DefaultCacheSize)
	require.NoError(t, err)
	newBatch := func(log zerolog.Logger) *lambdahandler.Handler {
		return &lambdahandler.Handler{Batch: &consumer.Batch{
			Processor:   &consumer.Processor{Linker: store, Phones: phones},
			Concurrency: 4,
			Log:         log,
		}}
	}

	// Ten records; records 3 and 7 (1-based) are invalid, the others are
	// valid delivery events of distinct users.
	type want struct{ user, phone, order string }
	var (
		ids, bodies []string
		links       []want
	)
	const (
		notJSON   = `{"eventId":"evt-3","eventType":"OrderCommitted",`
		noOrderID = `{"eventId":"evt-7","eventType":"OrderCommitted","version":1,"source":"graphql",` +
			`"occurredAt":"2026-11-02T10:15:30Z","order":{"fulfillmentType":"delivery","countryCode":"GB",` +
			`"delivery":{"dropoff":{"phoneNumber":"020 7946 0007"}}},"user":{"cognitoId":"user-7"}}`
	)
	for n := 1; n <= 10; n++ {
		id := fmt.Sprintf("msg-%02d", n)
		ids = append(ids, id)
		switch n {
		case 3:
			bodies = append(bodies, notJSON)
		case 7:
			bodies = append(bodies, noOrderID)
		default:
			user, order := fmt.Sprintf("user-%02d", n), fmt.Sprintf("ord-%02d", n)
			bodies = append(bodies, consumertest.DeliveryBody(order, user, fmt.Sprintf("020 7946 00%02d", n)))
			links = append(links, want{user, fmt.Sprintf("+44207946%04d", n), order})
		}
	}
	ev := consumertest.SQSEvent(ids, bodies)
	wantFailures := []string{"msg-03", "msg-07"}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	resp := newBatch(zerolog.Nop()).HandleSQS(ctx, ev)
	assert.Equal(t, wantFailures, consumertest.FailureIDs(resp), "HandleSQS failures = %v, want %v", consumertest.FailureIDs(resp), wantFailures)
	for _, w := range links {
		l, err := store.Get(ctx, w.user, w.phone)
		if !assert.NoError(t, err, "Get(%s, %s) after the batch", w.user, w.phone) {
			continue
		}
		assert.True(t, l.Active, "Get(%s, %s).Active = false, want true", w.user, w.phone)
		assert.Equal(t, w.order, l.LastOrderID, "Get(%s, %s).LastOrderID = %q, want %q", w.user, w.phone, l.LastOrderID, w.order)
		assert.Equal(t, []string{lookup.ViaDropoff}, l.Via, "Get(%s, %s).Via = %v, want [dropoff]", w.user, w.phone, l.Via)
	}
	first := scanTable(t, db, store.Table())
	require.Len(t, first, len(links), "table holds %d items after the first delivery, want %d", len(first), len(links))

	// Redeliver the whole batch three times at once.
	const redeliveries = 3
	var wg sync.WaitGroup
	resps := make([]lambdaevents.SQSEventResponse, redeliveries)
	logs := make([]*consumertest.SyncBuffer, redeliveries)
	for i := range redeliveries {
		logs[i] = &consumertest.SyncBuffer{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			resps[i] = newBatch(zerolog.New(logs[i])).HandleSQS(ctx, ev)
		}()
	}
	wg.Wait()
	for i, r := range resps {
		assert.Equal(t, wantFailures, consumertest.FailureIDs(r), "redelivery %d failures = %v, want %v", i, consumertest.FailureIDs(r), wantFailures)
		var summary map[string]any
		for _, l := range consumertest.LogLines(t, logs[i].String()) {
			if l["message"] == "batch done" {
				summary = l
			}
		}
		require.NotNil(t, summary, "redelivery %d logged no summary", i)
		assert.EqualValues(t, len(links), summary["unchanged"], "redelivery %d unchanged = %v, want %d", i, summary["unchanged"], len(links))
		assert.EqualValues(t, 2, summary["invalid"], "redelivery %d invalid = %v, want 2", i, summary["invalid"])
		assert.EqualValues(t, 0, summary["linked"], "redelivery %d linked = %v, want 0", i, summary["linked"])
		assert.EqualValues(t, 0, summary["refreshed"], "redelivery %d refreshed = %v, want 0", i, summary["refreshed"])
	}
	after := scanTable(t, db, store.Table())
	assert.Equal(t, first, after, "table after redeliveries differs from after the first delivery")
}
