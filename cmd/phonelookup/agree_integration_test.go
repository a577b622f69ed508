//go:build integration

package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/internal/emulator"
)

// agreeFile holds lines with "messageId" and "body" keys and no export
// marker: an object that is not an event ({"messageId":"m1","body":"{}"}),
// two valid events that also carry them (with a body of "{}" and of another
// event), and two invalid ones.
const agreeFile = "testdata/process-consume-agree.jsonl"

// process reads every line that lacks the "phonelookupExport" marker as an
// event, the way consume (events.Decode) reads the same line from the queue:
// the two runs give the same summary. Before the marker, process ran the
// "body" of any line with "messageId" and "body" keys: 3 invalid, 0 linked,
// against consume's 2 linked.
func TestProcessAndConsumeAgree(t *testing.T) {
	t.Parallel()
	penv := dlqCLIEnv(t, emulator.UniqueName("agree-p"))
	require.Equal(t, 0, runCLI(t, penv, "setup").code, "setup")
	byProcess := runCLI(t, penv, "process", "--concurrency", "1", agreeFile)
	require.Equal(t, 1, byProcess.code, "process exit; stderr:\n%s", byProcess.stderr)
	processed := decodeStrict[consumer.Summary](t, "process", byProcess.stdout)
	assert.Equal(t, consumer.Summary{Events: 5, Linked: 2, Invalid: 3}, processed, "process summary; stderr:\n%s", byProcess.stderr)

	getenv := dlqCLIEnv(t, emulator.UniqueName("agree-c"))
	queue := emulator.UniqueName("agree-q")
	for _, args := range [][]string{
		{"setup", "--queues", "--queue", queue, "--max-receives", "1", "--visibility-timeout", "2"},
		{"publish", agreeFile, "--queue", queue},
	} {
		r := runCLI(t, getenv, args...)
		require.Equal(t, 0, r.code, "%q: stderr:\n%s", args, r.stderr)
	}
	r := runCLI(t, getenv, "consume", "--queue", queue, "--until-empty")
	require.Equal(t, 1, r.code, "consume exit (invalid messages left for the dead-letter queue); stderr:\n%s", r.stderr)
	consumed := decodeStrict[consumer.Summary](t, "consume", r.stdout)
	// An invalid message is left for SQS to dead-letter and may be received
	// again before it moves: consume counts receives, so its invalid count
	// is at least process's, and the dead-letter queue holds exactly the
	// invalid lines.
	assert.GreaterOrEqual(t, consumed.Invalid, processed.Invalid, "consume summary %+v", consumed)
	extra := consumed.Invalid - processed.Invalid
	consumed.Invalid -= extra
	consumed.Events -= extra
	assert.Equal(t, processed, consumed, "consume summary (repeated receives of invalid messages taken out)")
	waitDepth(t, getenv, queue+dlqSuffix, processed.Invalid)
}
