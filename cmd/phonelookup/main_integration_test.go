//go:build integration

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/events"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/lookup"
)

var cliEmu *emulator.Emulators

func TestMain(m *testing.M) { os.Exit(emulator.Main(m, true, &cliEmu)) }

const samplesFile = "../../testdata/events/samples.jsonl"

// cliEnv returns the getenv of a CLI run against the emulators on table:
// the emulators' AWS variables and LOOKUP_TABLE, nothing else. The process
// environment is left alone (app.Build hands the injected region,
// endpoints and credentials to the SDK), so tests using it run in parallel.
func cliEnv(t *testing.T, table string) func(string) string {
	t.Helper()
	vars := map[string]string{"LOOKUP_TABLE": table}
	for _, kv := range cliEmu.Env() {
		k, v, ok := strings.Cut(kv, "=")
		require.True(t, ok, "emulator Env() entry %q", kv)
		vars[k] = v
	}
	return func(k string) string { return vars[k] }
}

// samplesTruth decodes samples.jsonl the way process reads it: the number
// of non-blank lines and of lines events.Decode rejects.
func samplesTruth(t *testing.T) (lines, invalid int) {
	t.Helper()
	f, err := os.Open(samplesFile)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		lines++
		if _, _, err := events.Decode(line); err != nil {
			invalid++
		}
	}
	require.NoError(t, sc.Err())
	return lines, invalid
}

// findOutput is the JSON of find --json.
type findOutput struct {
	Phone     string            `json:"phone"`
	Customers []lookup.LinkView `json:"customers"`
	Truncated bool              `json:"truncated"`
}

func decodeFind(t *testing.T, stdout string) findOutput {
	t.Helper()
	var out findOutput
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&out), "find --json printed %q, want JSON", stdout)
	return out
}

func decodeSummary(t *testing.T, stdout string) consumer.Summary {
	t.Helper()
	var s consumer.Summary
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&s), "process printed %q, want a JSON summary", stdout)
	return s
}

// The customers of +44 20 7946 0958 after samples.jsonl, most recently seen
// first:
//   - line 4 (SNS of EventBridge): delivery, dropoff "020 7946 0958" (GB), user 3b9d…;
//   - lines 1, 6 (duplicate), 7 (older) by dropoff and line 2 (newest, account
//     "0044 20 7946 0958", no brand) for user 7f1c….
var (
	userA = "eu-west-1:7f1c2a9e-4b3d-4c8e-9f10-2b6d7e8a1c01"
	userB = "eu-west-1:3b9d5f27-8e1a-4f6c-b2d4-6a0e9c7f1d02"

	customerB = lookup.LinkView{
		CognitoID: userB, Phone: "+442079460958", FirstSeenAt: "2026-11-02T13:45:10.789Z", LastSeenAt: "2026-11-02T13:45:10.789Z",
		FirstOrderID: "ord-1004", LastOrderID: "ord-1004", Sources: []string{"fulfillment"}, Via: []string{"dropoff"},
	}
	customerA = lookup.LinkView{
		CognitoID: userA, Phone: "+442079460958", FirstSeenAt: "2026-11-01T09:05:00.001Z", LastSeenAt: "2026-11-02T11:00:05.456Z",
		FirstOrderID: "ord-0999", LastOrderID: "ord-1002", Sources: []string{"fulfillment", "graphql"},
		Via: []string{"account", "dropoff"},
	}
)

// rawPhones are spellings of the phone numbers of samples.jsonl that must
// never be printed by process.
var rawPhones = []string{
	"+44 20 7946 0958", "0044 20 7946 0958", "020 7946 0958", "+442079460958", "442079460958", "2079460958",
	"7946 0958", "79460958", "7946 0001", "79460001", "7946 0123", "79460123", "7946 0555", "79460555",
	"+1 650 253 0077", "16502530077", "6502530077", "253 0077", "(650) 555-0142", "555-0142", "6505550142",
	"not a phone",
}

func TestCLI(t *testing.T) {
	t.Parallel()
	table := emulator.UniqueName("cli")
	getenv := cliEnv(t, table)
	wantEvents, wantInvalid := samplesTruth(t)
	require.Equal(t, 14, wantEvents, "samples.jsonl events (fixture changed?)")
	require.Equal(t, 3, wantInvalid, "samples.jsonl invalid events (fixture changed?)")

	// The first run in file order, one at a time, is deterministic:
	// linked 1,4,8,11; refreshed 2 (newer), 7 (older); unchanged 6 (the
	// duplicate of 1); skipped 3 (no phone), 5 (guest), 9 ("12"), 10 ("not a
	// phone"); invalid 12, 13, 14.
	firstProcess := consumer.Summary{Events: wantEvents, Linked: 4, Refreshed: 2, Unchanged: 1, Skipped: 4, Invalid: wantInvalid}
	// Any later run of the same file changes nothing, at any concurrency.
	replay := consumer.Summary{Events: wantEvents, Unchanged: 7, Skipped: 4, Invalid: wantInvalid}

	const phone = "+44 20 7946 0958"
	var findJSON string // find --json output of phone after processing

	steps := []struct {
		name     string
		args     []string
		wantCode int
		check    func(t *testing.T, r cliResult)
	}{
		{"setup creates the table", []string{"setup"}, 0, func(t *testing.T, r cliResult) {
			want := fmt.Sprintf("table %s (index brand-index-2): created\n", table)
			assert.Equal(t, want, r.stdout, "setup stdout = %q, want %q", r.stdout, want)
		}},
		{"setup again finds it", []string{"setup"}, 0, func(t *testing.T, r cliResult) {
			want := fmt.Sprintf("table %s (index brand-index-2): exists\n", table)
			assert.Equal(t, want, r.stdout, "setup stdout = %q, want %q", r.stdout, want)
		}},
		{"find before any event", []string{"find", phone, "--json"}, 0, func(t *testing.T, r cliResult) {
			assert.Contains(t, r.stdout, `"customers":[]`, "find stdout = %q", r.stdout)
		}},
		{"process samples", []string{"process", "--concurrency", "1", samplesFile}, 1, func(t *testing.T, r cliResult) {
			got := decodeSummary(t, r.stdout)
			assert.Equal(t, firstProcess, got, "process summary = %+v, want %+v", got, firstProcess)
			for _, n := range []int{12, 13, 14} {
				assert.Contains(t, r.stderr, fmt.Sprintf("%s:%d: invalid: ", samplesFile, n), "process stderr lacks line %d:\n%s", n, r.stderr)
			}
			assert.Contains(t, r.stderr, ":12: invalid: invalid event: order.id: missing", "process stderr:\n%s", r.stderr)
			assert.Contains(t, r.stderr, samplesFile+":8: warning:", "process stderr lacks the fallback warning of line 8:\n%s", r.stderr)
			for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 9, 10, 11} {
				assert.NotContains(t, r.stderr, fmt.Sprintf(":%d:", n), "process stderr mentions line %d:\n%s", n, r.stderr)
			}
			assert.Contains(t, r.stderr, "3 invalid, 0 failed of 14 events", "process stderr:\n%s", r.stderr)
			for _, p := range rawPhones {
				assert.NotContains(t, r.stderr+r.stdout, p, "process output contains the phone %q:\n%s", p, r.stderr)
			}
		}},
		{"process samples again (default concurrency)", []string{"process", samplesFile}, 1, func(t *testing.T, r cliResult) {
			got := decodeSummary(t, r.stdout)
			assert.Equal(t, replay, got, "process summary = %+v, want %+v", got, replay)
		}},
		{"process from stdin of nothing", []string{"process", "-"}, 0, func(t *testing.T, r cliResult) {
			got := decodeSummary(t, r.stdout)
			assert.Equal(t, consumer.Summary{}, got, "process of empty stdin = %+v, want zeros", got)
		}},
		{"find --json lists both customers, most recent first", []string{"find", phone, "--json"}, 0, func(t *testing.T, r cliResult) {
			got := decodeFind(t, r.stdout)
			want := findOutput{Phone: "+442079460958", Customers: []lookup.LinkView{customerB, customerA}}
			assert.Equal(t, want, got, "find %s = %+v, want %+v", phone, got, want)
			findJSON = r.stdout
		}},
		{"find another spelling with --region gives the same JSON", []string{"find", "020 7946 0958", "--region", "GB", "--json"}, 0, func(t *testing.T, r cliResult) {
			require.NotEmpty(t, findJSON, "previous find step did not run")
			assert.Equal(t, findJSON, r.stdout, "find \"020 7946 0958\" --region GB = %s, want %s", r.stdout, findJSON)
		}},
		{"find text output", []string{"find", phone, "--caller", "alice@support"}, 0, func(t *testing.T, r cliResult) {
			assert.True(t, strings.HasPrefix(r.stdout, "+442079460958: 2 customer(s)\n"), "find stdout = %q", r.stdout)
			// The search is audited: who asked, the number masked, how many found.
			var line map[string]any
			require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(r.stderr)), &line), "find's audit line: %q", r.stderr)
			assert.Equal(t, map[string]any{"audit": true, "command": "find", "caller": "alice@support", "phone": "+44********58",
				"results": 2.0, "done": true, "level": "info", "message": "phone searched", "time": line["time"]}, line)
			iB, iA := strings.Index(r.stdout, userB), strings.Index(r.stdout, userA)
			assert.True(t, iB >= 0 && iA > iB, "find stdout lists %s then %s? got:\n%s", userB, userA, r.stdout)
		}},
		{"find a number too short", []string{"find", "12"}, 2, func(t *testing.T, r cliResult) {
			assert.Contains(t, r.stderr, "cannot normalise the phone number", "find 12 stderr = %q", r.stderr)
			assert.Empty(t, r.stdout, "find 12 stdout")
		}},
		{"find a number too short with a region", []string{"find", "12", "--region", "US"}, 2, func(t *testing.T, r cliResult) {
			assert.Contains(t, r.stderr, "cannot normalise the phone number", "find 12 --region US stderr = %q", r.stderr)
		}},
		{"find an unknown number", []string{"find", "+44 20 7946 0999", "--json"}, 0, func(t *testing.T, r cliResult) {
			assert.Contains(t, r.stdout, `"customers":[]`, "find stdout = %q", r.stdout)
			got := decodeFind(t, r.stdout)
			assert.Equal(t, findOutput{Phone: "+442079460999", Customers: []lookup.LinkView{}}, got, "find unknown = %+v", got)
		}},
		{"find without a number", []string{"find"}, 2, nil},
		{"unlink", []string{"unlink", "--user", userA, "--phone", phone}, 0, func(t *testing.T, r cliResult) {
			want := fmt.Sprintf("unlinked %s from +442079460958\n", userA)
			assert.Equal(t, want, r.stdout, "unlink stdout = %q, want %q", r.stdout, want)
		}},
		{"find no longer lists the unlinked customer", []string{"find", phone, "--json"}, 0, func(t *testing.T, r cliResult) {
			got := decodeFind(t, r.stdout)
			want := findOutput{Phone: "+442079460958", Customers: []lookup.LinkView{customerB}}
			assert.Equal(t, want, got, "find %s after unlink = %+v, want %+v", phone, got, want)
		}},
		{"replaying the samples does not bring the link back", []string{"process", samplesFile}, 1, func(t *testing.T, r cliResult) {
			got := decodeSummary(t, r.stdout)
			assert.Equal(t, replay, got, "process summary = %+v, want %+v", got, replay)
		}},
		{"find after the replay", []string{"find", phone, "--json"}, 0, func(t *testing.T, r cliResult) {
			got := decodeFind(t, r.stdout)
			want := findOutput{Phone: "+442079460958", Customers: []lookup.LinkView{customerB}}
			assert.Equal(t, want, got, "find %s after replay = %+v, want %+v", phone, got, want)
		}},
		{"unlink an unknown link", []string{"unlink", "--user", "user-nobody", "--phone", phone}, 1, func(t *testing.T, r cliResult) {
			assert.Contains(t, r.stderr, "no link between user-nobody and +44********58", "unlink stderr = %q", r.stderr)
			assert.NotContains(t, r.stderr, "+442079460958", "the number is masked")
		}},
		{"unlink without --phone", []string{"unlink", "--user", userA}, 2, nil},
		{"unlink with a bad user id", []string{"unlink", "--user", "a b", "--phone", phone}, 2, nil},
		{"unknown command", []string{"frobnicate"}, 2, func(t *testing.T, r cliResult) {
			assert.Contains(t, r.stderr, `unknown command "frobnicate"`, "stderr = %q", r.stderr)
		}},
		{"no command", nil, 2, func(t *testing.T, r cliResult) {
			assert.Contains(t, r.stderr, "phonelookup: missing command (one of ", "stderr = %q", r.stderr)
		}},
		{"process a missing file", []string{"process", "no-such-file.jsonl"}, 1, nil},
	}
	for i, st := range steps {
		ok := t.Run(st.name, func(t *testing.T) {
			r := runCLI(t, getenv, st.args...)
			assert.Equal(t, st.wantCode, r.code, "phonelookup %q exit = %d, want %d\nstdout: %s\nstderr: %s",
				st.args, r.code, st.wantCode, r.stdout, r.stderr)
			if st.check != nil {
				st.check(t, r)
			}
		})
		if !ok && i == 0 {
			t.Fatalf("%s failed; the other steps depend on it", st.name)
		}
	}
}

// TestCLIProcessLongLine: a line over 1 MiB is one invalid line with its
// number; the rest of the file and the next file still run and the summary
// is printed. (Before, process stopped at it: "line longer than 1048576
// bytes", no summary.)
func TestCLIProcessLongLine(t *testing.T) {
	t.Parallel()
	getenv := cliEnv(t, emulator.UniqueName("clilong"))
	require.Equal(t, 0, runCLI(t, getenv, "setup").code)
	f, err := os.Open(samplesFile)
	require.NoError(t, err)
	defer f.Close()
	first, err := bufio.NewReader(f).ReadString('\n')
	require.NoError(t, err)
	huge := `{"eventId":"` + strings.Repeat("x", 3<<20) + `"}`
	in := first + huge + "\n" + first

	r := runCLIWithStdin(t, getenv, strings.NewReader(in), "process", "-", samplesFile)
	assert.Equal(t, 1, r.code, "process exit; stderr:\n%s", r.stderr)
	got := decodeSummary(t, r.stdout)
	// stdin: line 1 linked, line 2 invalid, line 3 unchanged; then the
	// samples (line 1 again unchanged) as in TestCLI's first run.
	want := consumer.Summary{Events: 3 + 14, Linked: 1 + 3, Refreshed: 2, Unchanged: 1 + 2, Skipped: 4, Invalid: 1 + 3}
	assert.Equal(t, want, got, "process summary = %+v, want %+v", got, want)
	assert.Contains(t, r.stderr, "stdin:2: invalid: line of 3145742 bytes, longer than 1048576\n", "process stderr")
	assert.Contains(t, r.stderr, samplesFile+":12: invalid: ", "the next file ran")
}

// TestCLIFindEscapesControlCharacters: ids stored with terminal escape
// sequences (written before the decoder rejected them) are printed escaped
// in find's table. (Before, the table printed them raw.)
func TestCLIFindEscapesControlCharacters(t *testing.T) {
	t.Parallel()
	table := emulator.UniqueName("cliesc")
	getenv := cliEnv(t, table)
	require.Equal(t, 0, runCLI(t, getenv, "setup").code)
	store := dynamo.NewStore(cliEmu.DynamoDBClient(emulator.Config()), table, dynamo.DefaultIndex)
	const evil = "ord-\x1b[2J\x1b]0;pwned\a-\u202eevil\u009b31m"
	_, err := store.Link(context.Background(), lookup.Sighting{
		CognitoID: userA, Phone: "+442079460958", Via: lookup.ViaDropoff, Source: "graphql",
		OrderID: evil, OccurredAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), Brand: "b\x1b[31m",
	})
	require.NoError(t, err)

	r := runCLI(t, getenv, "find", "+442079460958")
	require.Equal(t, 0, r.code, "find: %s", r.stderr)
	assert.Contains(t, r.stdout, `ord-\x1b[2J\x1b]0;pwned\a-\u202eevil\u009b31m`, "find table:\n%s", r.stdout)
	for _, raw := range []string{"\x1b", "\a", "\u202e", "\u009b"} {
		assert.NotContains(t, r.stdout+r.stderr, raw, "find prints %q raw", raw)
	}
	j := runCLI(t, getenv, "find", "+442079460958", "--json")
	require.Equal(t, 0, j.code)
	assert.Equal(t, evil, decodeFind(t, j.stdout).Customers[0].LastOrderID, "find --json keeps the stored value")
}
