//go:build integration

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/lookup"
)

// putLegacy writes the legacy lookup records of testdata/legacy-records.jsonl
// as the user service did (the design's Solution 1).
func putLegacy(t *testing.T, db *dynamodb.Client, table string) {
	t.Helper()
	f, err := os.Open("testdata/legacy-records.jsonl")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct{ CognitoID, Typed string }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
		_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &table, Item: map[string]types.AttributeValue{
			"pk": s("phone#" + r.Typed), "sk": s("v0_UserPhone"), "pk2": s("phone_user#" + r.CognitoID), "sk2": s("v0_UserPhoneLookUp"),
		}})
		require.NoError(t, err)
	}
	require.NoError(t, sc.Err())
}

func tableItems(t *testing.T, table string) []string {
	t.Helper()
	items, err := emulator.ScanTable(context.Background(), cliEmu.DynamoDBClient(emulator.Config()), table)
	require.NoError(t, err)
	return items
}

// assertImport compares an import's summary with want. A Scan is not a
// snapshot: the links the import writes while it scans may be scanned too,
// so Scanned may exceed want's by up to the links imported.
func assertImport(t *testing.T, want, got dynamo.LegacyImportSummary) {
	t.Helper()
	assert.GreaterOrEqual(t, got.Scanned, want.Scanned, "items scanned")
	assert.LessOrEqual(t, got.Scanned, want.Scanned+want.Imported, "items scanned, the links written during the scan included")
	got.Scanned = want.Scanned
	assert.Equal(t, want, got)
}

func decodeImport(t *testing.T, stdout string) dynamo.LegacyImportSummary {
	t.Helper()
	var s dynamo.LegacyImportSummary
	require.NoError(t, json.Unmarshal([]byte(stdout), &s), "import-legacy stdout %q", stdout)
	return s
}

func TestCLIImportLegacyTwice(t *testing.T) {
	t.Parallel()
	table := emulator.UniqueName("legacy")
	getenv := cliEnv(t, table)
	require.Equal(t, 0, runCLI(t, getenv, "setup").code)
	require.Equal(t, 1, runCLI(t, getenv, "process", samplesFile).code, "3 invalid samples")
	putLegacy(t, cliEmu.DynamoDBClient(emulator.Config()), table)
	before := tableItems(t, table)

	r := runCLI(t, getenv, "import-legacy", "--dry-run")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, dynamo.LegacyImportSummary{DryRun: true, Scanned: len(before), Records: 4, Imported: 2, AlreadyLinked: 1, Unparseable: 1}, decodeImport(t, r.stdout))
	assert.Equal(t, before, tableItems(t, table), "a dry run writes nothing")

	r = runCLI(t, getenv, "import-legacy", "--segments", "3")
	require.Equal(t, 0, r.code, r.stderr)
	assertImport(t, dynamo.LegacyImportSummary{Scanned: len(before), Records: 4, Imported: 2, AlreadyLinked: 1, Unparseable: 1}, decodeImport(t, r.stdout))
	assert.Contains(t, r.stderr, "import-legacy: unparseable number "+lookup.MaskPhone("+222222")+" ", "masked")
	assert.NotContains(t, r.stderr+r.stdout, "222222")
	assert.Regexp(t, `(?m)^import-legacy: \d+ items scanned, `, r.stderr, "progress lines when stderr is not a terminal, counting items")
	assert.NotContains(t, r.stderr, "messages", "a scan counts items, not messages")
	first := tableItems(t, table)
	for _, it := range before {
		if strings.Contains(it, `"v0_UserPhone"`) {
			assert.Contains(t, first, it, "legacy records are never changed")
		}
	}
	assert.Len(t, first, len(before)+2)

	r = runCLI(t, getenv, "import-legacy")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, dynamo.LegacyImportSummary{Scanned: len(first), Records: 4, AlreadyLinked: 3, Unparseable: 1}, decodeImport(t, r.stdout))
	assert.Equal(t, first, tableItems(t, table), "the second import changes nothing")

	// find: the order-backed customer first, the legacy one after, marked.
	r = runCLI(t, getenv, "find", "+44 20 7946 0958", "--json")
	require.Equal(t, 0, r.code)
	got := decodeFind(t, r.stdout)
	require.Len(t, got.Customers, 3)
	assert.Equal(t, []string{userB, userA}, []string{got.Customers[0].CognitoID, got.Customers[1].CognitoID}, "order-backed, most recent first")
	assert.Equal(t, []string{"account", "dropoff", "legacy"}, got.Customers[1].Via, "userA's legacy record marks the link")
	assert.Equal(t, "legacy-ann", got.Customers[2].CognitoID, "the legacy link last")
	assert.Contains(t, r.stdout, `"via":["legacy"],"legacy":true}`)
	r = runCLI(t, getenv, "find", "+44 20 7946 0958")
	assert.Regexp(t, `(?m)^legacy-ann +\(legacy record\) +- +- +- +legacy +legacy$`, r.stdout)
}

func TestCLIForgetThenReplay(t *testing.T) {
	t.Parallel()
	table := emulator.UniqueName("forget")
	getenv := cliEnv(t, table)
	require.Equal(t, 0, runCLI(t, getenv, "setup").code)
	require.Equal(t, 1, runCLI(t, getenv, "process", samplesFile).code)
	var others []string
	for _, it := range tableItems(t, table) {
		if !strings.Contains(it, userA) {
			others = append(others, it)
		}
	}

	r := runCLI(t, getenv, "forget", "--user", userA, "--caller", "alice@support")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "forgot "+userA+": removed 1 link(s); later events for this customer are skipped\n", r.stdout)
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(r.stderr)), &line), "one audit line: %q", r.stderr)
	assert.Equal(t, "alice@support", line["caller"])
	assert.Equal(t, lookup.ForgottenRef(userA), line["customer"])
	assert.EqualValues(t, 1, line["removed"])

	after := tableItems(t, table)
	require.Len(t, after, len(others)+1, "the others' links and one tombstone")
	for _, it := range after {
		if contains := strings.Contains(it, lookup.ForgottenRef(userA)); contains {
			assert.NotContains(t, it, userA)
			for _, p := range rawPhones {
				assert.NotContains(t, it, strings.ReplaceAll(p, " ", ""), "the tombstone holds no phone")
			}
		} else {
			assert.Contains(t, others, it)
		}
	}

	// The same events again through the real processor and store: the
	// forgotten customer's are skipped, nothing comes back.
	r = runCLI(t, getenv, "process", "--concurrency", "1", samplesFile)
	want := consumer.Summary{Events: 14, Unchanged: 3, Skipped: 8, Invalid: 3}
	assert.Equal(t, want, decodeSummary(t, r.stdout), "the 4 events of the forgotten customer skipped")
	assert.Equal(t, after, tableItems(t, table))

	r = runCLI(t, getenv, "forget", "--user", userA, "--caller", "alice@support")
	require.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "removed 0 link(s)")
	assert.Equal(t, 2, runCLI(t, getenv, "forget", "--user", "bad id").code)
	assert.Equal(t, 2, runCLI(t, getenv, "forget").code)
}

func TestCLIReportShared(t *testing.T) {
	t.Parallel()
	table := emulator.UniqueName("report")
	getenv := cliEnv(t, table)
	require.Equal(t, 0, runCLI(t, getenv, "setup").code)
	require.Equal(t, 1, runCLI(t, getenv, "process", samplesFile).code)
	putLegacy(t, cliEmu.DynamoDBClient(emulator.Config()), table)
	require.Equal(t, 0, runCLI(t, getenv, "import-legacy").code)

	r := runCLI(t, getenv, "report", "shared", "--json", "--segments", "2")
	require.Equal(t, 0, r.code, r.stderr)
	var got struct {
		Numbers []struct {
			Phone     string
			Customers int
		}
		Links, Phones, Foreign int
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	require.Len(t, got.Numbers, 1, "only +442079460958 has several customers: %s", r.stdout)
	assert.Equal(t, "+44********58", got.Numbers[0].Phone)
	assert.Equal(t, 3, got.Numbers[0].Customers, "two order-backed customers and a legacy one")
	assert.Equal(t, 4, got.Foreign, "the legacy records are in the index too")
	assert.NotContains(t, r.stderr, `"audit"`, "masked output is not audited")

	r = runCLI(t, getenv, "report", "shared", "--min", "1", "--reveal", "--caller", "bob")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "+442079460958  3\n")
	assert.Contains(t, r.stderr, `"caller":"bob"`)
	assert.Contains(t, r.stderr, `"command":"report shared"`)
	assert.Equal(t, 2, runCLI(t, getenv, "report").code)
	assert.Equal(t, 2, runCLI(t, getenv, "report", "shared", "--min", "0").code)
}

func TestCLIIgnorePhones(t *testing.T) {
	t.Parallel()
	table := emulator.UniqueName("ignore")
	base := cliEnv(t, table)
	getenv := func(k string) string {
		if k == "IGNORE_PHONES" {
			return "+44 20 7946 0958"
		}
		return base(k)
	}
	require.Equal(t, 0, runCLI(t, getenv, "setup").code)
	r := runCLI(t, getenv, "process", "--concurrency", "1", samplesFile)
	assert.Equal(t, consumer.Summary{Events: 14, Linked: 2, Skipped: 9, Invalid: 3}, decodeSummary(t, r.stdout),
		"the five events of the ignored number are skipped")
	r = runCLI(t, getenv, "find", "+442079460958", "--json")
	assert.Contains(t, r.stdout, `"customers":[]`)
}
