//go:build integration

package sigv4check_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/sigv4check"
)

var emu *emulator.Emulators

func TestMain(m *testing.M) { os.Exit(emulator.Main(m, false, &emu)) }

// TestTypeScriptClient runs the node --test suites of clients/typescript
// (built by make client-ts) against the real `phonelookup serve` on
// dynalite, signed requests through the SigV4-checking proxy under the base
// path /admin, and fails if node fails.
func TestTypeScriptClient(t *testing.T) {
	root, err := emulator.Root()
	require.NoError(t, err)
	pkg := filepath.Join(root, "clients", "typescript")
	suites, err := filepath.Glob(filepath.Join(pkg, "build", "test", "*.test.js"))
	require.NoError(t, err)
	require.NotEmpty(t, suites, "no built suites under clients/typescript/build/test: run make client-ts")

	bin := filepath.Join(t.TempDir(), "phonelookup")
	build := exec.Command("go", "build", "-o", bin, "./cmd/phonelookup")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	table := emulator.UniqueName("tsclient")
	env := append(os.Environ(), append(emu.Env(), "LOOKUP_TABLE="+table, "PHONE_DEFAULT_REGION=")...)
	cli := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "phonelookup %s: %s", args[0], stderr.String())
		return string(out)
	}
	cli("setup")
	cli("process", "testdata/events.jsonl")
	putLegacy(t, table)
	var imported struct{ Imported int }
	require.NoError(t, json.Unmarshal([]byte(cli("import-legacy")), &imported))
	require.Equal(t, 1, imported.Imported)

	serve := startServe(t, bin, env)
	target, err := url.Parse(serve)
	require.NoError(t, err)
	creds := aws.Credentials{AccessKeyID: "AKIDPHONELOOKUPTEST", SecretAccessKey: "test-secret", SessionToken: "test-session"}
	proxy := sigv4check.New(target, creds, "eu-west-1", "/admin")
	front := httptest.NewServer(proxy)
	defer front.Close()

	args := append([]string{"--test", "--test-concurrency=1"}, suites...)
	node := exec.Command("node", args...)
	node.Dir = pkg
	node.Env = append(os.Environ(),
		"PHONELOOKUP_URL="+serve, "PHONELOOKUP_SIGNED_URL="+front.URL+"/admin", "PHONELOOKUP_TEST_REGION=eu-west-1",
		"PHONELOOKUP_TEST_KEY_ID="+creds.AccessKeyID, "PHONELOOKUP_TEST_SECRET="+creds.SecretAccessKey,
		"PHONELOOKUP_TEST_TOKEN="+creds.SessionToken)
	report, err := node.CombinedOutput()
	t.Logf("node --test:\n%s", summary(report))
	require.NoError(t, err, "node --test failed:\n%s", report)
	assert.Greater(t, proxy.Verified.Load(), int64(20), "signed requests the proxy verified")
	assert.GreaterOrEqual(t, proxy.Rejected.Load(), int64(4), "requests the proxy refused (wrong secret, unsigned, other region)")
}

// summary keeps node's closing counts (# tests, # pass, # fail, ...).
func summary(report []byte) string {
	var b strings.Builder
	for _, line := range strings.Split(string(report), "\n") {
		if strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "not ok") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// putLegacy writes testdata/legacy.jsonl as legacy lookup records, as the
// user service did, for import-legacy.
func putLegacy(t *testing.T, table string) {
	t.Helper()
	data, err := os.ReadFile("testdata/legacy.jsonl")
	require.NoError(t, err)
	db := emu.DynamoDBClient(emulator.Config())
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r struct{ CognitoID, Typed string }
		require.NoError(t, json.Unmarshal([]byte(line), &r))
		_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &table, Item: map[string]types.AttributeValue{
			"pk": s("phone#" + r.Typed), "sk": s("v0_UserPhone"), "pk2": s("phone_user#" + r.CognitoID), "sk2": s("v0_UserPhoneLookUp"),
		}})
		require.NoError(t, err)
	}
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startServe runs `phonelookup serve` on a free port until the test ends
// (SIGTERM) and returns its base URL.
func startServe(t *testing.T, bin string, env []string) string {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(env, "LOG_LEVEL=error")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr) // the audit lines
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("phonelookup serve did not listen within 30 s")
		return ""
	}
}
