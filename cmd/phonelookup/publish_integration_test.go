//go:build integration

package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// publishMixed holds 12 JSON objects and, among them, 3 lines of invalid
// UTF-8 (lines 3, 8 and 12) and 3 lines that are not JSON objects (14, 16,
// 17), so that every batch of 10 holds a bad line.
const publishMixed = "testdata/publish-mixed.jsonl"

// publish sends every good line exactly once and reports every bad line by
// its number, without sending it. Before the lines were checked, the invalid
// UTF-8 made the SDK's MD5 check fail after SQS had accepted a batch, and
// publish sent the batch again (4 attempts): the queue held each line of
// those batches 4 times, all reported "not sent".
func TestPublishSendsEachLineOnce(t *testing.T) {
	t.Parallel()
	getenv := dlqCLIEnv(t, emulator.UniqueName("pub-links"))
	c := dlqEmulators(t).SQSClient(emulator.Config())
	q, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(emulator.UniqueName("pub"))})
	require.NoError(t, err)
	url := aws.ToString(q.QueueUrl)

	raw, err := os.ReadFile(publishMixed)
	require.NoError(t, err)
	var want []string // the good lines
	for _, l := range bytes.Split(bytes.TrimRight(raw, "\n"), []byte("\n")) {
		if bytes.HasPrefix(l, []byte(`{"eventId":"evt-pub-`)) {
			want = append(want, string(l))
		}
	}
	require.Len(t, want, 12)

	r := runCLI(t, getenv, "publish", publishMixed, "--queue", url)
	assert.Equal(t, 1, r.code, "exit status; stderr:\n%s", r.stderr)
	assert.Equal(t, `{"lines":18,"sent":12,"failed":6}`+"\n", r.stdout, "publish summary")
	var bad []int
	for _, m := range regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(publishMixed)+`:(\d+): not sent: (.*)$`).FindAllStringSubmatch(r.stderr, -1) {
		n, _ := strconv.Atoi(m[1])
		bad = append(bad, n)
		assert.NotContains(t, m[2], "evt-", "line %d: the report quotes the line", n)
	}
	sort.Ints(bad)
	assert.Equal(t, []int{3, 8, 12, 14, 16, 17}, bad, "lines reported not sent; stderr:\n%s", r.stderr)
	assert.Contains(t, r.stderr, publishMixed+":3: not sent: invalid UTF-8")
	assert.Contains(t, r.stderr, publishMixed+":14: not sent: not a JSON object")

	assert.Equal(t, want, receiveAll(t, c, url), "what the queue holds: each good line once")
}

// receiveAll drains the queue through a lease (deleting what it gets) and
// returns the bodies, sorted.
func receiveAll(t *testing.T, c *sqs.Client, url string) []string {
	t.Helper()
	ctx := context.Background()
	l := &sqsengine.Lease{SQS: c, QueueURL: url, Visibility: 30 * time.Second, WaitTime: 50 * time.Millisecond}
	l.Start(ctx)
	defer l.End(ctx)
	var bodies []string
	end, err := l.Drain(ctx, func() int { return sqsengine.MaxBatchEntries }, func(fresh, again []types.Message) {
		require.Empty(t, again)
		var ids []string
		for _, m := range fresh {
			bodies = append(bodies, aws.ToString(m.Body))
			ids = append(ids, aws.ToString(m.MessageId))
		}
		_, failed := l.Delete(ctx, ids)
		require.Empty(t, failed)
	})
	require.NoError(t, err)
	require.Equal(t, sqsengine.EndDrained, end)
	sort.Strings(bodies)
	return bodies
}
