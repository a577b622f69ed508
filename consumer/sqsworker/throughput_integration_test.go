//go:build integration

package sqsworker_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/consumer/sqsworker"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/lookup"
)

// benchEmulators returns the package's emulators (started by TestMain).
func benchEmulators(b *testing.B) *emulator.Emulators {
	b.Helper()
	return workerEmu
}

const throughputEvents = 500

// throughputBodies are distinct valid events (one link each).
func throughputBodies(run int) []string {
	bodies := make([]string, throughputEvents)
	for i := range bodies {
		bodies[i] = fmt.Sprintf(`{"eventId":"r%d-e%d","eventType":"OrderCommitted","version":1,"source":"graphql",`+
			`"occurredAt":"2026-11-02T10:00:00.000Z","order":{"id":"o-%d","fulfillmentType":"delivery",`+
			`"delivery":{"dropoff":{"phoneNumber":"+44 20 7946 %04d"}}},"user":{"cognitoId":"u-%d-%d"}}`,
			run, i, i, i%10000, run, i)
	}
	return bodies
}

func benchQueue(b *testing.B, ctx context.Context, q *sqs.Client, bodies []string) string {
	b.Helper()
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(emulator.UniqueName("bench")),
		Attributes: map[string]string{"VisibilityTimeout": "30"}})
	if err != nil {
		b.Fatal(err)
	}
	url := aws.ToString(out.QueueUrl)
	for i := 0; i < len(bodies); i += 10 {
		var entries []sqstypes.SendMessageBatchRequestEntry
		for j := i; j < min(i+10, len(bodies)); j++ {
			entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(j)), MessageBody: &bodies[j]})
		}
		res, err := q.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries})
		if err != nil || len(res.Failed) > 0 {
			b.Fatalf("send: %v %v", err, res)
		}
	}
	return url
}

func benchTable(b *testing.B, ctx context.Context, db *dynamodb.Client) *dynamo.Store {
	b.Helper()
	s := dynamo.NewStore(db, emulator.UniqueName("bench"), "")
	if _, err := s.CreateTable(ctx, time.Minute); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkThroughput measures events per second end to end against the
// emulators, side by side in one run:
//   - worker: the queue worker at concurrency 10 (receive 10, process
//     concurrently, conditional UpdateItem, DeleteMessageBatch);
//   - sequential-putitem: one message at a time written with one PutItem, as
//     the design's proof of concept wrote (the baseline to beat);
//   - worker-no-store: the same worker with a store that does nothing (the
//     SQS emulator's share: on 2 cores both emulators compete for the CPU);
//   - raw-link-c10: the worker's own write (the conditional UpdateItem of
//     Store.Link) at concurrency 10 with no queue and no decoding: the
//     store's ceiling for this work on this machine;
//   - raw-putitem-c10: unconditional PutItem at concurrency 10, for scale
//     (dynalite spends most of a conditional write parsing its expressions).
func BenchmarkThroughput(b *testing.B) {
	e := benchEmulators(b)
	ctx := context.Background()
	cfg := emulator.Config()
	db := e.DynamoDBClient(cfg)
	q := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(e.SQS) })
	phones, err := lookup.NewNormalizer("", lookup.DefaultCacheSize)
	if err != nil {
		b.Fatal(err)
	}
	run := 0

	// Warm both emulators up (node compiles its hot paths on first use), so
	// that the first sub-benchmark is not charged for it.
	{
		run++
		store := benchTable(b, ctx, db)
		url := benchQueue(b, ctx, q, throughputBodies(run))
		w := &sqsworker.Worker{SQS: q, QueueURL: url, Processor: &consumer.Processor{Linker: store, Phones: phones},
			UntilEmpty: true, WaitTime: time.Millisecond}
		if _, err := w.Run(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()

	b.Run("worker", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			run++
			store := benchTable(b, ctx, db)
			url := benchQueue(b, ctx, q, throughputBodies(run))
			w := &sqsworker.Worker{SQS: q, QueueURL: url, Processor: &consumer.Processor{Linker: store, Phones: phones},
				Concurrency: consumer.DefaultConcurrency, UntilEmpty: true, WaitTime: time.Millisecond}
			b.StartTimer()
			st, err := w.Run(ctx)
			if err != nil || st.Linked != throughputEvents || st.Deleted != throughputEvents {
				b.Fatalf("worker: %v %+v", err, st)
			}
		}
		b.ReportMetric(float64(throughputEvents*b.N)/b.Elapsed().Seconds(), "events/s")
	})

	// The queue half alone: the same worker with a store that does nothing,
	// to show what the SQS emulator costs on this machine.
	b.Run("worker-no-store", func(b *testing.B) {
		noop := &consumertest.FakeLinker{LinkFn: consumertest.LinkOK}
		for b.Loop() {
			b.StopTimer()
			run++
			url := benchQueue(b, ctx, q, throughputBodies(run))
			w := &sqsworker.Worker{SQS: q, QueueURL: url, Processor: &consumer.Processor{Linker: noop, Phones: phones},
				Concurrency: consumer.DefaultConcurrency, UntilEmpty: true, WaitTime: time.Millisecond}
			b.StartTimer()
			st, err := w.Run(ctx)
			if err != nil || st.Deleted != throughputEvents {
				b.Fatalf("worker: %v %+v", err, st)
			}
		}
		b.ReportMetric(float64(throughputEvents*b.N)/b.Elapsed().Seconds(), "events/s")
	})

	b.Run("sequential-putitem", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			run++
			table := benchTable(b, ctx, db).Table()
			url := benchQueue(b, ctx, q, throughputBodies(run))
			b.StartTimer()
			for done := 0; done < throughputEvents; {
				out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 1})
				if err != nil {
					b.Fatal(err)
				}
				for _, m := range out.Messages {
					ev, _, err := events.Decode([]byte(aws.ToString(m.Body)))
					if err != nil {
						b.Fatal(err)
					}
					phone, err := phones.Normalize(ev.Order.DropoffPhone, ev.Order.CountryCode)
					if err != nil {
						b.Fatal(err)
					}
					at := lookup.FormatTime(ev.OccurredAt)
					_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: map[string]dbtypes.AttributeValue{
						"pk":  &dbtypes.AttributeValueMemberS{Value: "phone_user#" + ev.User.CognitoID},
						"sk":  &dbtypes.AttributeValueMemberS{Value: "createdAt#" + at},
						"pk2": &dbtypes.AttributeValueMemberS{Value: "phone#" + phone},
						"sk2": &dbtypes.AttributeValueMemberS{Value: "createdAt#" + at},
					}})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
						b.Fatal(err)
					}
					done++
				}
			}
		}
		b.ReportMetric(float64(throughputEvents*b.N)/b.Elapsed().Seconds(), "events/s")
	})

	b.Run("raw-link-c10", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			run++
			store := benchTable(b, ctx, db)
			sightings := make([]lookup.Sighting, throughputEvents)
			for i := range sightings {
				sightings[i] = lookup.Sighting{CognitoID: fmt.Sprintf("u-%d-%d", run, i), Phone: fmt.Sprintf("+4420794%05d", i),
					Via: lookup.ViaDropoff, Source: "graphql", OrderID: fmt.Sprint("o-", i),
					OccurredAt: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
			}
			b.StartTimer()
			var wg sync.WaitGroup
			next := make(chan int)
			for range consumer.DefaultConcurrency {
				wg.Go(func() {
					for i := range next {
						if _, err := store.Link(ctx, sightings[i]); err != nil {
							b.Error(err)
						}
					}
				})
			}
			for i := range throughputEvents {
				next <- i
			}
			close(next)
			wg.Wait()
		}
		b.ReportMetric(float64(throughputEvents*b.N)/b.Elapsed().Seconds(), "events/s")
	})

	b.Run("raw-putitem-c10", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			table := benchTable(b, ctx, db).Table()
			b.StartTimer()
			var wg sync.WaitGroup
			next := make(chan int)
			for range consumer.DefaultConcurrency {
				wg.Go(func() {
					for i := range next {
						_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: map[string]dbtypes.AttributeValue{
							"pk":  &dbtypes.AttributeValueMemberS{Value: fmt.Sprintf("phone_user#u-%d", i)},
							"sk":  &dbtypes.AttributeValueMemberS{Value: "phone#+4420794" + fmt.Sprintf("%05d", i)},
							"pk2": &dbtypes.AttributeValueMemberS{Value: "phone#+4420794" + fmt.Sprintf("%05d", i)},
							"sk2": &dbtypes.AttributeValueMemberS{Value: fmt.Sprintf("phone_user#u-%d", i)},
						}})
						if err != nil {
							b.Error(err)
						}
					}
				})
			}
			for i := range throughputEvents {
				next <- i
			}
			close(next)
			wg.Wait()
		}
		b.ReportMetric(float64(throughputEvents*b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
