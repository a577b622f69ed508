package consumer_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/consumer/consumertest"
	"github.com/phonelookup/phonelookup/lookup"
)

func TestBatchConcurrencyBound(t *testing.T) {
	tests := []struct {
		conc    int
		wantMax int // the bound
		wantMin int // at least this many at once (proves concurrency is used)
	}{
		{conc: 1, wantMax: 1, wantMin: 1},
		{conc: 3, wantMax: 3, wantMin: 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("concurrency %d", tt.conc), func(t *testing.T) {
			var active, maxActive atomic.Int64
			linker := &consumertest.FakeLinker{LinkFn: func(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
				n := active.Add(1)
				defer active.Add(-1)
				for {
					m := maxActive.Load()
					if n <= m || maxActive.CompareAndSwap(m, n) {
						break
					}
				}
				// Stay busy long enough for the others to start if they may.
				time.Sleep(10 * time.Millisecond)
				return lookup.Linked, nil
			}}
			b := consumertest.NewBatch(t, linker, tt.conc)
			msgs := consumertest.DeliveryMessages(20)
			results := b.Run(context.Background(), msgs)

			require.Len(t, results, len(msgs), "Run(20 messages) results")
			for i, r := range results {
				assert.Equal(t, consumer.Linked, r.Outcome, "Run result %d = %+v, want linked", i, r)
			}
			assert.EqualValues(t, 20, linker.Calls(), "Link calls = %d, want 20", linker.Calls())
			got := maxActive.Load()
			assert.LessOrEqual(t, got, int64(tt.wantMax), "max concurrent Link calls = %d, want <= %d", got, tt.wantMax)
			assert.GreaterOrEqual(t, got, int64(tt.wantMin), "max concurrent Link calls = %d, want >= %d", got, tt.wantMin)
		})
	}
}

func TestBatchResultsInOrder(t *testing.T) {
	linker := &consumertest.FakeLinker{LinkFn: func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
		// Finish in an order unrelated to the input order.
		var i int
		_, _ = fmt.Sscanf(s.OrderID, "ord-%d", &i)
		time.Sleep(time.Duration(10-i%10) * time.Millisecond)
		return lookup.Linked, nil
	}}
	b := consumertest.NewBatch(t, linker, 10)
	msgs := consumertest.DeliveryMessages(15)
	results := b.Run(context.Background(), msgs)
	require.Len(t, results, len(msgs))
	for i, r := range results {
		assert.Equal(t, consumertest.OrderN(i), r.OrderID, "Run result %d OrderID = %q, want %q", i, r.OrderID, consumertest.OrderN(i))
	}
}

func TestBatchPanicFailsOnlyItsMessage(t *testing.T) {
	const bad = 3
	linker := &consumertest.FakeLinker{LinkFn: func(_ context.Context, s lookup.Sighting) (lookup.Outcome, error) {
		if s.OrderID == consumertest.OrderN(bad) {
			panic("linker exploded")
		}
		return lookup.Linked, nil
	}}
	b := consumertest.NewBatch(t, linker, 4)
	msgs := consumertest.DeliveryMessages(8)

	results := b.Run(context.Background(), msgs)
	require.Len(t, results, len(msgs))
	for i, r := range results {
		if i == bad {
			assert.Equal(t, consumer.Failed, r.Outcome, "Run result %d (panics) = %+v, want failed", i, r)
			assert.Equal(t, "panic", r.Reason, "Run result %d (panics) Reason = %q, want panic", i, r.Reason)
			require.Error(t, r.Err, "Run result %d (panics) Err", i)
			assert.Contains(t, r.Err.Error(), "linker exploded", "Run result %d Err = %v, want the panic value", i, r.Err)
			continue
		}
		assert.Equal(t, consumer.Linked, r.Outcome, "Run result %d = %+v, want linked", i, r)
	}
}

func TestBatchDeadline(t *testing.T) {
	t.Run("a running record is failed and the batch answers before the deadline", func(t *testing.T) {
		tests := []struct {
			name string
			// block is how message 1's Link waits: for ctx, or for nothing it
			// is told about (a call that ignores its context).
			honoursContext bool
		}{
			{"Link honours its context", true},
			{"Link ignores its context", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				release := make(chan struct{})
				t.Cleanup(func() { close(release) })
				linker := &consumertest.FakeLinker{LinkFn: func(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
					if s.OrderID != consumertest.OrderN(1) {
						return lookup.Linked, nil
					}
					if tt.honoursContext {
						<-ctx.Done()
						return "", fmt.Errorf("link: %w", ctx.Err())
					}
					<-release
					return lookup.Linked, nil
				}}
				b := consumertest.NewBatch(t, linker, 3)
				b.StartMargin, b.ReturnMargin = 2*time.Second, 100*time.Millisecond
				deadline := time.Now().Add(2200 * time.Millisecond)
				ctx, cancel := context.WithDeadline(context.Background(), deadline)
				defer cancel()

				msgs := consumertest.DeliveryMessages(3)
				results := b.Run(ctx, msgs)
				returned := time.Now()

				assert.True(t, returned.Before(deadline), "Run returned at %v, after its deadline %v",
					returned.Format(time.StampMilli), deadline.Format(time.StampMilli))
				require.Len(t, results, len(msgs))
				assert.Equal(t, consumer.Failed, results[1].Outcome, "Run result 1 (blocked) = %+v, want failed", results[1])
				assert.Equal(t, "deadline", results[1].Reason, "Run result 1 (blocked) Reason = %q, want deadline", results[1].Reason)
				assert.Error(t, results[1].Err, "Run result 1 (blocked) Err")
				for _, i := range []int{0, 2} {
					assert.Equal(t, consumer.Linked, results[i].Outcome, "Run result %d = %+v, want linked", i, results[i])
				}
			})
		}
	})

	t.Run("nothing starts when less than the start margin is left", func(t *testing.T) {
		tests := []struct {
			name string
			ctx  func() (context.Context, context.CancelFunc)
		}{
			{"deadline within the start margin", func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), time.Second)
			}},
			{"deadline already passed", func() (context.Context, context.CancelFunc) {
				return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
			}},
			{"context already canceled", func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				linker := &consumertest.FakeLinker{LinkFn: consumertest.LinkOK}
				b := consumertest.NewBatch(t, linker, 3)
				b.StartMargin, b.ReturnMargin = 2*time.Second, 100*time.Millisecond
				ctx, cancel := tt.ctx()
				defer cancel()

				msgs := consumertest.DeliveryMessages(5)
				results := b.Run(ctx, msgs)
				require.Len(t, results, len(msgs))
				assert.Zero(t, linker.Calls(), "Link calls = %d, want 0 (none started)", linker.Calls())
				for i, r := range results {
					assert.Equal(t, consumer.Failed, r.Outcome, "Run result %d = %+v, want failed", i, r)
					assert.False(t, r.Outcome.OK(), "Run result %d OK() = true, want false", i)
				}
			})
		}
	})

	t.Run("a record waiting for a slot does not start inside the start margin", func(t *testing.T) {
		var started sync.Map
		linker := &consumertest.FakeLinker{LinkFn: func(ctx context.Context, s lookup.Sighting) (lookup.Outcome, error) {
			started.Store(s.OrderID, true)
			if s.OrderID == consumertest.OrderN(0) {
				// Hold the only slot until less than StartMargin is left.
				select {
				case <-time.After(time.Second):
				case <-ctx.Done():
				}
			}
			return lookup.Linked, nil
		}}
		b := consumertest.NewBatch(t, linker, 1)
		b.StartMargin, b.ReturnMargin = 2*time.Second, 100*time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
		defer cancel()

		results := b.Run(ctx, consumertest.DeliveryMessages(2))
		_, ok := started.Load(consumertest.OrderN(1))
		assert.False(t, ok, "message 1 was started with less than StartMargin left")
		assert.Equal(t, consumer.Failed, results[1].Outcome, "Run result 1 = %+v, want failed (not started)", results[1])
	})
}

func TestProcessOutcomes(t *testing.T) {
	body := []byte(consumertest.DeliveryBody("ord-1", "user-1", "+44 20 7946 0958"))
	canceled := func() (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx, cancel
	}
	expired := func() (context.Context, context.CancelFunc) {
		return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	}
	background := func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }
	ctxErr := func(ctx context.Context, _ lookup.Sighting) (lookup.Outcome, error) {
		return "", fmt.Errorf("link: %w", ctx.Err())
	}
	tests := []struct {
		name        string
		ctx         func() (context.Context, context.CancelFunc)
		link        func(context.Context, lookup.Sighting) (lookup.Outcome, error)
		wantOutcome consumer.Outcome
		wantReason  string
	}{
		{"linked", background, consumertest.LinkOK, consumer.Linked, ""},
		{"refreshed", background, func(context.Context, lookup.Sighting) (lookup.Outcome, error) { return lookup.Refreshed, nil },
			consumer.Refreshed, ""},
		{"unchanged", background, func(context.Context, lookup.Sighting) (lookup.Outcome, error) { return lookup.Unchanged, nil },
			consumer.Unchanged, ""},
		{"store error", background, func(context.Context, lookup.Sighting) (lookup.Outcome, error) {
			return "", errors.New("dynamodb: throttled")
		}, consumer.Failed, "store"},
		{"invalid sighting", background, func(context.Context, lookup.Sighting) (lookup.Outcome, error) {
			return "", fmt.Errorf("%w: source", lookup.ErrInvalidSighting)
		}, consumer.Invalid, "sighting"},
		{"deadline exceeded", expired, ctxErr, consumer.Failed, "deadline"},
		{"context canceled", canceled, ctxErr, consumer.Failed, "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			phones, err := lookup.NewNormalizer("", 0)
			require.NoError(t, err)
			p := &consumer.Processor{Linker: &consumertest.FakeLinker{LinkFn: tt.link}, Phones: phones}
			ctx, cancel := tt.ctx()
			defer cancel()
			r := p.Process(ctx, body)
			assert.Equal(t, tt.wantOutcome, r.Outcome, "Process(%s) = %+v, want outcome %s", tt.name, r, tt.wantOutcome)
			assert.Equal(t, tt.wantReason, r.Reason, "Process(%s) Reason = %q, want %q", tt.name, r.Reason, tt.wantReason)
			assert.Equal(t, tt.wantOutcome.OK(), r.Err == nil, "Process(%s) Err = %v", tt.name, r.Err)
		})
	}
}
