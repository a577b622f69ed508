//go:build integration

package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/internal/emulator"
)

// missingTableArgs is the command line of each command against a table (and
// a queue) that does not exist: what it needs to get that far.
func missingTableArgs(c *cobra.Command) []string {
	const user = "eu-west-1:7f1c2a9e-4b3d-4c8e-9f10-2b6d7e8a1c01"
	switch strings.TrimPrefix(c.CommandPath(), "phonelookup ") {
	case "find":
		return []string{"+442079460958"}
	case "phones", "forget":
		return []string{"--user", user}
	case "unlink":
		return []string{"--user", user, "--phone", "+442079460958"}
	case "setup":
		return []string{"--table", "cli-setup-creates-it"}
	case "serve":
		return []string{"--addr", "127.0.0.1:0"}
	case "dlq export":
		return []string{"--queue", "no-such-queue", "--out", "-"}
	case "completion bash", "completion zsh", "completion fish", "completion powershell", "help", "version", "validate", "process":
		return nil
	}
	if c.Flags().Lookup("queue") != nil {
		return []string{"--queue", "no-such-queue"}
	}
	return nil
}

// TestCommandLinesMissingTable runs every command against a table that does
// not exist (and a queue that does not exist) and holds the stream, the
// exit status and the first line of each in
// testdata/commands-missing-table.tsv: exit 3 wherever the command needs
// them, before it does anything.
func TestCommandLinesMissingTable(t *testing.T) {
	t.Parallel()
	getenv := dlqCLIEnv(t, "no-such-table")
	var b strings.Builder
	b.WriteString("# command\tcase\texit\tstream\tfirst line\n")
	for _, c := range allCommands() {
		if c.HasSubCommands() {
			continue // the groups: nothing runs
		}
		r := runCLI(t, getenv, append(words(c), missingTableArgs(c)...)...)
		b.WriteString(row(c.CommandPath(), "missing table", r) + "\n")
	}
	golden(t, "testdata/commands-missing-table.tsv", b.String())
}

// TestSetupLeavesQueuesAlone: setup --queues on existing queues reports
// each attribute that differs and changes nothing; --update sets them.
func TestSetupLeavesQueuesAlone(t *testing.T) {
	t.Parallel()
	getenv := dlqCLIEnv(t, emulator.UniqueName("setupq"))
	queue := emulator.UniqueName("setupq-q")
	r := runCLI(t, getenv, "setup", "--queues", "--queue", queue, "--visibility-timeout", "120", "--max-receives", "3")
	require.Equal(t, 0, r.code, r.stderr)

	r = runCLI(t, getenv, "setup", "--queues", "--queue", queue)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "queue "+queue+": VisibilityTimeout is 120; setup sets 30\n")
	assert.Contains(t, r.stdout, "queue "+queue+": RedrivePolicy is ")
	assert.Contains(t, r.stdout, "queue "+queue+": left as it is (--update sets the values above)\n")
	assert.Equal(t, "120", queueAttr(t, getenv, queue, types.QueueAttributeNameVisibilityTimeout), "setup changed a live queue")

	r = runCLI(t, getenv, "setup", "--queues", "--queue", queue, "--update")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "queue "+queue+": VisibilityTimeout is 120; setup sets 30\n", "--update prints first")
	assert.Contains(t, r.stdout, "queue "+queue+": updated 2 attribute(s)\n")
	assert.Equal(t, "30", queueAttr(t, getenv, queue, types.QueueAttributeNameVisibilityTimeout))

	r = runCLI(t, getenv, "setup", "--queues", "--queue", queue)
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, " is ", "nothing differs any more:\n%s", r.stdout)
}

func queueAttr(t *testing.T, _ func(string) string, queue string, name types.QueueAttributeName) string {
	t.Helper()
	c := dlqEmulators(t).SQSClient(emulator.Config())
	u, err := c.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: &queue})
	require.NoError(t, err)
	out, err := c.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: u.QueueUrl, AttributeNames: []types.QueueAttributeName{name}})
	require.NoError(t, err)
	return out.Attributes[string(name)]
}

// TestPhones: phones --json is the API's answer; an unlinked number only
// with --include-unlinked; every read audited.
func TestPhones(t *testing.T) {
	t.Parallel()
	getenv := cliEnv(t, emulator.UniqueName("phones"))
	require.Equal(t, 0, runCLI(t, getenv, "setup").code)
	require.Equal(t, 1, runCLI(t, getenv, "process", samplesFile).code, "samples hold 3 invalid lines")

	r := runCLI(t, getenv, "phones", "--user", userA, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	got := decodeStrict[api.PhonesAnswer](t, "phones", r.stdout)
	assert.Equal(t, userA, got.CognitoID)
	require.NotEmpty(t, got.Phones)
	assert.Equal(t, api.PhoneView{LinkView: customerA, International: "+44 20 7946 0958"}, got.Phones[0], "the most recently seen number first")
	assert.Contains(t, r.stderr, `"command":"phones"`)
	assert.Contains(t, r.stderr, `"message":"customer's phones listed"`)
	n := len(got.Phones)

	require.Equal(t, 0, runCLI(t, getenv, "unlink", "--user", userA, "--phone", "+442079460958").code)
	r = runCLI(t, getenv, "phones", "--user", userA, "--json")
	assert.Len(t, decodeStrict[api.PhonesAnswer](t, "phones", r.stdout).Phones, n-1, "unlinked number hidden")
	r = runCLI(t, getenv, "phones", "--user", userA, "--json", "--include-unlinked")
	all := decodeStrict[api.PhonesAnswer](t, "phones", r.stdout).Phones
	require.Len(t, all, n, "--include-unlinked")

	r = runCLI(t, getenv, "phones", "--user", userA, "--include-unlinked")
	assert.Contains(t, r.stdout, "\nPHONE ")
	assert.Contains(t, r.stdout, " unlinked\n")

	r = runCLI(t, getenv, "unlink", "--user", userA, "--phone", "+15550000000")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `"message":"link not unlinked"`, "a failed unlink's audit line")
}
