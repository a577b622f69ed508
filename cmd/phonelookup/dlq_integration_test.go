//go:build integration

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/dlq"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// dlqEmulators returns the package's dynalite and local-aws-sqs (started by
// TestMain).
func dlqEmulators(t *testing.T) *emulator.Emulators {
	t.Helper()
	require.NotEmpty(t, cliEmu.SQS, "emulators started without SQS")
	return cliEmu
}

// dlqCLIEnv is cliEnv for the emulators with SQS (AWS_ENDPOINT_URL_SQS
// included). It leaves the process environment alone: parallel tests may
// use it.
func dlqCLIEnv(t *testing.T, table string) func(string) string {
	t.Helper()
	dlqEmulators(t)
	getenv := cliEnv(t, table)
	require.NotEmpty(t, getenv("AWS_ENDPOINT_URL_SQS"), "emulator Env() lacks AWS_ENDPOINT_URL_SQS")
	return getenv
}

// waitDepth runs `dlq depth --queue queue` until it reports visible
// messages and none in flight. local-aws-sqs makes a released message
// visible a moment after it answered the release, and moves a message to the
// dead-letter queue only on a receive.
func waitDepth(t *testing.T, getenv func(string) string, queue string, visible int) {
	t.Helper()
	want := fmt.Sprintf("%s: %d messages visible, 0 in flight\n", queue, visible)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := runCLI(t, getenv, "dlq", "depth", "--queue", queue)
		require.Equal(t, 0, r.code, "dlq depth: %s", r.stderr)
		if r.stdout == want {
			return
		}
		require.True(t, time.Now().Before(deadline), "dlq depth --queue %s = %q, want %q", queue, r.stdout, want)
		time.Sleep(100 * time.Millisecond)
	}
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func decodeStrict[T any](t *testing.T, what, s string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&v), "%s printed %q, want JSON", what, s)
	return v
}

func groupCounts(gs []dlq.Group) map[string]int {
	m := map[string]int{}
	for _, g := range gs {
		m[g.Key] = g.Count
	}
	return m
}

func sampleEventIDs(gs []dlq.Group) map[string][]string {
	m := map[string][]string{}
	for _, g := range gs {
		for _, s := range g.Samples {
			m[g.Key] = append(m[g.Key], s.EventID+"/"+s.OrderID)
		}
	}
	return m
}

// The dead-letter tools end to end through the CLI: the invalid events of
// samples.jsonl reach the dead-letter queue through a real consume; inspect,
// export and a dry run leave it as it was; process reads the export back; a
// filtered redrive moves exactly the matching message; reprocess deletes
// nothing while the events are still invalid; a malformed filter is a usage
// error.
//
// A dlq run that drains the queue costs at least 8 s on local-aws-sqs: the
// CLI's lease long-polls 2 s (the emulator holds every poll for its whole
// wait), and the run ends after 3 empty receives. Inspect and the filtered
// redrive run that way; export, the dry run and reprocess are given --max
// with the number of messages in the queue, which ends them as soon as they
// have all (end "max") and keeps the test near 25 s.
func TestCLIDeadLetterTools(t *testing.T) {
	t.Parallel()
	table := emulator.UniqueName("clidlq")
	getenv := dlqCLIEnv(t, table)
	queue := emulator.UniqueName("clidlq-q")
	dlqName := queue + "-dlq"
	dir := t.TempDir()
	var printed strings.Builder // everything the dlq commands printed

	step := func(wantCode int, args ...string) cliResult {
		t.Helper()
		start := time.Now()
		r := runCLI(t, getenv, args...)
		t.Logf("phonelookup %s: exit %d in %s", strings.Join(args, " "), r.code, time.Since(start).Round(time.Millisecond))
		require.Equal(t, wantCode, r.code, "phonelookup %q exit = %d, want %d\nstdout: %s\nstderr: %s", args, r.code, wantCode, r.stdout, r.stderr)
		if args[0] == "dlq" || args[0] == "process" {
			printed.WriteString(r.stdout + r.stderr)
		}
		return r
	}

	// A queue that dead-letters after one receive, with a visibility
	// timeout longer than the worker's 1 s long poll (local-aws-sqs would
	// hand a message out twice in one response otherwise).
	r := step(0, "setup", "--queues", "--queue", queue, "--dlq", dlqName, "--max-receives", "1", "--visibility-timeout", "2")
	assert.Contains(t, r.stdout, "queue "+dlqName+": created\nqueue "+queue+": created\n", "setup stdout")

	r = step(0, "publish", samplesFile, "--queue", queue)
	assert.Equal(t, `{"lines":14,"sent":14,"failed":0}`+"\n", r.stdout, "publish stdout")

	// The 11 valid events are processed and deleted; the 3 invalid ones are
	// left, received again after 2 s and then moved by SQS: exit 1.
	r = step(1, "consume", "--queue", queue, "--until-empty")
	consumed := decodeStrict[consumer.Summary](t, "consume", r.stdout)
	assert.GreaterOrEqual(t, consumed.Invalid, 3, "consume summary %+v", consumed)
	assert.Zero(t, consumed.Failed, "consume summary %+v", consumed)
	assert.Equal(t, 11, consumed.Linked+consumed.Refreshed+consumed.Unchanged+consumed.Skipped, "consume summary %+v", consumed)
	waitDepth(t, getenv, dlqName, 3)
	waitDepth(t, getenv, queue, 0)
	r = step(0, "dlq", "depth", "--queue", dlqName)
	assert.Equal(t, dlqName+": 3 messages visible, 0 in flight\n", r.stdout)

	t.Run("inspect", func(t *testing.T) {
		r := step(0, "dlq", "inspect", "--queue", dlqName, "--json")
		rep := decodeStrict[dlq.Report](t, "dlq inspect --json", r.stdout)
		assert.Equal(t, 3, rep.Inspected, "inspected")
		assert.Equal(t, dlqName, rep.Queue, "named as --queue named it")
		assert.Equal(t, sqsengine.EndDrained, rep.End, "end")
		assert.Equal(t, sqsengine.Counts{Visible: 3}, rep.Before, "counts before")
		assert.Equal(t, map[string]int{"invalid: order.id": 1, "invalid: source": 1, "invalid: version": 1}, groupCounts(rep.ByReason), "by reason")
		assert.Equal(t, map[string][]string{
			"invalid: order.id": {"evt-0901/"}, "invalid: source": {"evt-0902/ord-1902"}, "invalid: version": {"evt-0903/ord-1903"},
		}, sampleEventIDs(rep.ByReason), "samples by reason (eventId/orderId, read loosely from the invalid events)")
		assert.Equal(t, map[string]int{"graphql": 2, "pos": 1}, groupCounts(rep.BySource), "by source")
		assert.Equal(t, map[string]int{"event": 3}, groupCounts(rep.ByEnvelope), "by envelope")
		assert.Equal(t, map[string]int{"(none)": 3}, groupCounts(rep.ByError), "by error")
		require.Len(t, rep.ByOrigin, 1, "by origin: %+v", rep.ByOrigin)
		assert.Equal(t, 3, rep.ByOrigin[0].Count, "by origin")
		assert.True(t, strings.HasPrefix(rep.ByOrigin[0].Key, "sqs ") && strings.HasSuffix(rep.ByOrigin[0].Key, ":"+queue),
			"origin %q: want the DeadLetterQueueSourceArn of %s", rep.ByOrigin[0].Key, queue)
		for _, g := range rep.ByReason {
			for _, s := range g.Samples {
				assert.Empty(t, s.Phone, "an invalid event has no verdict, so no phone: %+v", s)
			}
		}
		waitDepth(t, getenv, dlqName, 3)
	})

	export := filepath.Join(dir, "before.jsonl")
	t.Run("export, and process reads it back", func(t *testing.T) {
		r := step(0, "dlq", "export", "--queue", dlqName, "--out", export, "--max", "3")
		s := decodeStrict[dlq.ExportSummary](t, "dlq export", r.stdout)
		assert.Equal(t, 3, s.Exported, "export summary %+v", s)
		assert.Equal(t, sqsengine.EndMax, s.End, "export summary %+v", s)
		fi, err := os.Stat(export)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "export file mode")
		lines := readExport(t, export)
		require.Len(t, lines, 3, "export lines")
		var ids []string
		for _, l := range lines {
			assert.NotEmpty(t, l.MessageID)
			assert.Contains(t, l.Body, `"eventType":"OrderCommitted"`, "exported body")
			assert.NotEmpty(t, l.Attributes["SentTimestamp"], "system attributes exported: %v", l.Attributes)
			var ev struct {
				EventID string `json:"eventId"`
			}
			require.NoError(t, json.Unmarshal([]byte(l.Body), &ev))
			ids = append(ids, ev.EventID)
		}
		assert.ElementsMatch(t, []string{"evt-0901", "evt-0902", "evt-0903"}, ids, "exported events")
		waitDepth(t, getenv, dlqName, 3)

		// Never over an earlier export.
		r = step(1, "dlq", "export", "--queue", dlqName, "--out", export)
		assert.Contains(t, r.stderr, "file exists", "export over an existing file")
		assert.Len(t, readExport(t, export), 3, "the earlier export is untouched")

		r = step(1, "process", export)
		got := decodeSummary(t, r.stdout)
		assert.Equal(t, consumer.Summary{Events: 3, Invalid: 3}, got, "process of the export")
		for n := 1; n <= 3; n++ {
			assert.Contains(t, r.stderr, fmt.Sprintf("%s:%d: invalid: invalid event: ", export, n), "process stderr")
		}
		assert.Contains(t, r.stderr, "3 invalid, 0 failed of 3 events", "process stderr")

		// The dry run gives inspect's verdicts and writes nothing; validate
		// reads the export lines as process does.
		r = step(1, "process", "--dry-run", export)
		verdicts := map[string]int{}
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n")[:3] {
			_, rest, _ := strings.Cut(l, ": ") // after "file:n"
			v, _, _ := strings.Cut(rest, " eventId=")
			verdicts[v]++
		}
		assert.Equal(t, map[string]int{"invalid: order.id": 1, "invalid: source": 1, "invalid: version": 1}, verdicts,
			"process --dry-run verdicts, the same as inspect's by reason:\n%s", r.stdout)
		assert.Equal(t, `{"events":3,"valid":0,"invalid":3}`, lastLine(r.stdout))
		r = step(1, "validate", export)
		assert.Equal(t, `{"lines":3,"valid":0,"invalid":3}`+"\n", r.stdout, "validate of the export")
		assert.NotContains(t, r.stderr, "eventId: missing", "validate reads the body of an export line")
		waitDepth(t, getenv, dlqName, 3)
	})

	t.Run("redrive --dry-run moves nothing", func(t *testing.T) {
		r := step(0, "dlq", "redrive", "--queue", dlqName, "--dry-run", "--max", "3")
		assert.Contains(t, r.stderr, "redrive: client mode (per-message work for --dry-run, --max)", "stderr")
		lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
		require.Len(t, lines, 4, "3 would-move lines and the summary:\n%s", r.stdout)
		for _, l := range lines[:3] {
			assert.True(t, strings.HasPrefix(l, "would move messageId="), "dry-run line %q", l)
		}
		assert.Contains(t, r.stdout, "eventId=evt-0902 orderId=ord-1902 source=pos reason=source envelope=event", "dry-run lines")
		s := decodeStrict[dlq.RedriveReport](t, "dlq redrive --dry-run", lastLine(r.stdout))
		assert.True(t, s.DryRun)
		assert.Equal(t, 3, *s.WouldMove, "summary %+v", s)
		assert.Zero(t, s.Moved, "summary %+v", s)
		assert.Equal(t, dlqName, s.Queue, "the queue as given")
		require.NotNil(t, s.Destination)
		assert.True(t, strings.HasSuffix(*s.Destination, "/"+queue), "--to original resolves to %s: %+v", queue, s)
		assert.Nil(t, s.ToMove, "client mode cannot know a move task's count: null")
		assert.Contains(t, lastLine(r.stdout), `"toMove":null`, "null, not missing")
		waitDepth(t, getenv, dlqName, 3)
		waitDepth(t, getenv, queue, 0)
	})

	t.Run("redrive --filter reason=source moves exactly one", func(t *testing.T) {
		audit := filepath.Join(dir, "redrive-audit.jsonl")
		r := step(0, "dlq", "redrive", "--queue", dlqName, "--filter", "reason=source", "--to", queue, "--audit", audit)
		assert.Contains(t, r.stderr, "redrive: client mode (per-message work for --filter, --audit)", "stderr")
		s := decodeStrict[dlq.RedriveReport](t, "dlq redrive", r.stdout)
		assert.Equal(t, int64(1), s.Moved, "summary %+v", s)
		assert.Equal(t, 2, *s.Filtered, "summary %+v", s)
		assert.Zero(t, *s.Failed, "summary %+v", s)
		assert.Equal(t, string(sqsengine.EndDrained), *s.End, "summary %+v", s)
		assert.Equal(t, "completed", s.Status, "summary %+v", s)

		actions := map[string][]string{}
		for _, rec := range readJSONLines[dlq.AuditRecord](t, audit) {
			actions[rec.Action] = append(actions[rec.Action], rec.EventID)
			assert.Equal(t, "redrive", rec.Command)
		}
		assert.Equal(t, []string{"evt-0902"}, actions[dlq.ActionMoved], "audit: moved")
		assert.ElementsMatch(t, []string{"evt-0901", "evt-0903"}, actions[dlq.ActionFiltered], "audit: filtered")

		waitDepth(t, getenv, dlqName, 2)
		waitDepth(t, getenv, queue, 1)
	})

	t.Run("reprocess deletes nothing still invalid", func(t *testing.T) {
		// The dead-letter queue holds only invalid events now: reprocess
		// keeps them and exits 1 (ReprocessSummary.OK is false while any
		// message is kept).
		r := step(1, "dlq", "reprocess", "--queue", dlqName, "--max", "2")
		s := decodeStrict[dlq.ReprocessSummary](t, "dlq reprocess", r.stdout)
		assert.Equal(t, consumer.Summary{Events: 2, Invalid: 2}, s.Summary, "summary %+v", s)
		assert.Equal(t, 2, s.Received, "summary %+v", s)
		assert.Zero(t, s.Deleted, "summary %+v", s)
		assert.Equal(t, 2, s.Kept, "summary %+v", s)
		assert.Equal(t, sqsengine.EndMax, s.End, "summary %+v", s)
		assert.Contains(t, r.stderr, "2 messages stay in the dead-letter queue (2 invalid, 0 failed, 0 not deleted)", "stderr")
		waitDepth(t, getenv, dlqName, 2)
	})

	t.Run("usage errors exit 2", func(t *testing.T) {
		for _, args := range [][]string{
			{"dlq", "redrive", "--queue", dlqName, "--filter", "colour=red"},
			{"dlq", "reprocess", "--queue", dlqName, "--filter", "reason"},
			{"dlq", "export", "--queue", dlqName},
			{"dlq", "frobnicate"},
		} {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := run(ctx, args, getenv, strings.NewReader(""), io.Discard, io.Discard)
			cancel()
			require.Error(t, err, "%q", args)
			var ue *usageError
			assert.True(t, errors.As(err, &ue), "%q: %v is not a usageError", args, err)
			assert.Equal(t, 2, exitCode(err, io.Discard), "%q: exit status of %v", args, err)
		}
		err := run(context.Background(), []string{"dlq", "redrive", "--filter", "colour=red"}, getenv, strings.NewReader(""), io.Discard, io.Discard)
		assert.ErrorContains(t, err, `unknown key "colour"`)
		waitDepth(t, getenv, dlqName, 2)
	})

	out := printed.String()
	for _, p := range rawPhones {
		assert.NotContains(t, out, p, "the dlq commands printed the phone %q", p)
	}
}

func readExport(t *testing.T, path string) []dlq.ExportLine {
	t.Helper()
	return readJSONLines[dlq.ExportLine](t, path)
}

func readJSONLines[T any](t *testing.T, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		var v T
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&v), "%s: line %q", path, sc.Text())
		out = append(out, v)
	}
	require.NoError(t, sc.Err())
	return out
}
