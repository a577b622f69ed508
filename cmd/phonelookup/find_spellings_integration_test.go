//go:build integration

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/phonecases"
	"github.com/phonelookup/phonelookup/lookup"
)

func readSpellingCases(t *testing.T, file string) []phonecases.Case {
	t.Helper()
	cases, err := phonecases.Read[phonecases.Case](file)
	require.NoError(t, err)
	require.NotEmpty(t, cases, file)
	return cases
}

// findRegions are the regions of the spelling table that find runs.
var findRegions = []string{"GB", "US", "DE", "FR", "IN", "BR", "JP"}

// TestFindSpellings links one customer to each number of testdata/phones (by
// processing an order with the number in E.164) and finds it with every
// spelling of cases.jsonl and of spellings.jsonl for findRegions: find
// prints the E.164 and that customer; a spelling that must be rejected exits 2
// without echoing the number.
func TestFindSpellings(t *testing.T) {
	t.Parallel()
	table := emulator.UniqueName("spellings")
	getenv := cliEnv(t, table)
	cases := readSpellingCases(t, "../../testdata/phones/cases.jsonl")
	// The whole table of every region runs through the processor (consumer's
	// TestProcessPhoneSpellings); here, against the emulators, the regions
	// of findRegions.
	for _, c := range readSpellingCases(t, "../../testdata/phones/spellings.jsonl") {
		if region, _, _ := strings.Cut(c.Why, "/"); slices.Contains(findRegions, region) {
			cases = append(cases, c)
		}
	}

	// One customer per number, linked by an order with the tidy E.164.
	users := map[string]string{} // E.164 -> cognito id
	var events strings.Builder
	for _, c := range cases {
		if c.Want == "" || users[c.Want] != "" {
			continue
		}
		users[c.Want] = fmt.Sprintf("user-%d", len(users)+1)
		ev, err := json.Marshal(map[string]any{
			"eventId": "evt-" + users[c.Want], "eventType": "OrderCommitted", "version": 1, "source": "graphql",
			"occurredAt": "2026-11-02T10:15:30.123Z",
			"order": map[string]any{"id": "ord-" + users[c.Want], "fulfillmentType": "delivery",
				"delivery": map[string]any{"dropoff": map[string]any{"phoneNumber": c.Want}}},
			"user": map[string]any{"cognitoId": users[c.Want]},
		})
		require.NoError(t, err)
		events.Write(ev)
		events.WriteByte('\n')
	}
	file := filepath.Join(t.TempDir(), "spellings.jsonl")
	require.NoError(t, os.WriteFile(file, []byte(events.String()), 0o600))

	r := runCLI(t, getenv, "setup")
	require.Equal(t, 0, r.code, "setup: %s", r.stderr)
	r = runCLI(t, getenv, "process", "--concurrency", "1", file)
	require.Equal(t, 0, r.code, "process: %s", r.stderr)
	got := decodeSummary(t, r.stdout)
	want := consumer.Summary{Events: len(users), Linked: len(users)}
	require.Equal(t, want, got, "process summary = %+v, want %+v", got, want)

	found := 0
	for _, c := range cases {
		args := []string{"find", "--json"}
		if c.Region != "" {
			args = append(args, "--region", c.Region)
		}
		args = append(args, "--", c.Raw)
		r := runCLI(t, getenv, args...)
		if c.Region != "" && !lookup.IsRegion(c.Region) { // refused as the API refuses it, whatever the number
			assert.Equal(t, 2, r.code, "find %q --region %q exit = %d, want 2", c.Raw, c.Region, r.code)
			assert.Contains(t, r.stderr, "is not a region", "find %q --region %q stderr", c.Raw, c.Region)
			continue
		}
		if c.Want == "" {
			assert.Equal(t, 2, r.code, "find %q --region %q exit = %d, want 2 (%s)\nstdout: %s", c.Raw, c.Region, r.code, c.Why, r.stdout)
			assert.Contains(t, r.stderr, "cannot normalise the phone number", "find %q --region %q stderr (%s)", c.Raw, c.Region, c.Why)
			if len(c.Raw) >= 6 {
				assert.NotContains(t, r.stderr+r.stdout, c.Raw, "find %q --region %q echoes the number", c.Raw, c.Region)
			}
			continue
		}
		if !assert.Equal(t, 0, r.code, "find %q --region %q exit = %d, want 0 (%s)\nstderr: %s", c.Raw, c.Region, r.code, c.Why, r.stderr) {
			continue
		}
		out := decodeFind(t, r.stdout)
		wantOut := []string{users[c.Want]}
		var gotOut []string
		for _, cu := range out.Customers {
			gotOut = append(gotOut, cu.CognitoID)
		}
		if assert.Equal(t, c.Want, out.Phone, "find %q --region %q phone = %q, want %q (%s)", c.Raw, c.Region, out.Phone, c.Want, c.Why) &&
			assert.Equal(t, wantOut, gotOut, "find %q --region %q customers = %v, want %v (%s)", c.Raw, c.Region, gotOut, wantOut, c.Why) {
			found++
		}
	}
	t.Logf("find: %d spellings, %d of the %d that must be found were", len(cases), found, len(cases)-countRejected(cases))
}

func countRejected(cases []phonecases.Case) int {
	n := 0
	for _, c := range cases {
		if c.Want == "" {
			n++
		}
	}
	return n
}
