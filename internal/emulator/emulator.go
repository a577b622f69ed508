// Package emulator starts the local AWS emulators (dynalite for DynamoDB,
// local-aws-sqs for SQS) on free loopback ports for integration tests, through
// the project's node script emulators.js. Run `npm ci` at the repository root
// first (make test does).
package emulator

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Emulators are running emulator processes: dynalite, and local-aws-sqs if
// asked for, each in its own node process (its own event loop, as the real
// services are separate), both on 127.0.0.1.
type Emulators struct {
	DynamoDB string // endpoint URL
	SQS      string // endpoint URL, "" if not started

	procs []*proc
}

// proc is one emulators.js process.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan error
}

// Start starts the emulators and waits until they listen. sqs=false starts
// only dynalite.
func Start(ctx context.Context, sqs bool) (*Emulators, error) {
	e := &Emulators{}
	var ep struct {
		DynamoDB string `json:"dynamodb"`
		SQS      string `json:"sqs"`
	}
	p, err := startProc(ctx, "--no-sqs", &ep)
	if err != nil {
		return nil, err
	}
	e.procs = append(e.procs, p)
	e.DynamoDB = ep.DynamoDB
	if sqs {
		p, err := startProc(ctx, "--no-dynamodb", &ep)
		if err != nil {
			_ = e.Close()
			return nil, err
		}
		e.procs = append(e.procs, p)
		e.SQS = ep.SQS
	}
	return e, nil
}

// startProc starts emulators.js with flag and decodes its ready line into ep.
func startProc(ctx context.Context, flag string, ep any) (*proc, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "dynalite")); err != nil {
		return nil, fmt.Errorf("emulators not installed: run `npm ci` in %s: %w", root, err)
	}
	cmd := exec.Command("node", filepath.Join(root, "internal", "emulator", "emulators.js"), flag)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start emulators: %w", err)
	}
	p := &proc{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil {
			err = json.Unmarshal([]byte(line), ep)
		}
		ready <- err
		_, _ = io.Copy(io.Discard, stdout)
		p.done <- cmd.Wait()
	}()
	select {
	case err = <-ready:
	case <-ctx.Done():
		err = ctx.Err()
	case <-time.After(30 * time.Second):
		err = errors.New("timed out after 30s")
	}
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("start emulators: %w", err)
	}
	return p, nil
}

// Close stops the emulators.
func (e *Emulators) Close() error {
	for _, p := range e.procs {
		_ = p.stdin.Close()
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	return nil
}

// Config returns an AWS SDK configuration with dummy credentials and the
// standard retryer; the clients below add the emulators' endpoints.
func Config() aws.Config {
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")),
	)
	if err != nil {
		panic(fmt.Sprintf("static AWS config: %v", err)) // no I/O: cannot fail
	}
	return cfg
}

// DynamoDB returns a client of the DynamoDB emulator.
func (e *Emulators) DynamoDBClient(cfg aws.Config, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(e.DynamoDB)
	}}, opts...)...)
}

// SQSClient returns a client of the SQS emulator (started with sqs=true).
func (e *Emulators) SQSClient(cfg aws.Config, opts ...func(*sqs.Options)) *sqs.Client {
	return sqs.NewFromConfig(cfg, append([]func(*sqs.Options){func(o *sqs.Options) {
		o.BaseEndpoint = aws.String(e.SQS)
	}}, opts...)...)
}

// Env returns the environment variables that point the AWS SDK (and the
// project's binaries) at the emulators, as KEY=VALUE.
func (e *Emulators) Env() []string {
	env := []string{
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL_DYNAMODB=" + e.DynamoDB,
	}
	if e.SQS != "" {
		env = append(env, "AWS_ENDPOINT_URL_SQS="+e.SQS)
	}
	return env
}

var tableSeq atomic.Int64

// UniqueName returns a table or queue name not used before in this process.
func UniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", strings.ToLower(prefix), os.Getpid(), tableSeq.Add(1))
}

// Root returns the repository root: the nearest directory above the working
// directory that holds package.json and go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		_, e1 := os.Stat(filepath.Join(dir, "go.mod"))
		_, e2 := os.Stat(filepath.Join(dir, "package.json"))
		if e1 == nil && e2 == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod and package.json) not found")
		}
		dir = parent
	}
}

// Main is the body of an integration test binary's TestMain: it starts the
// emulators (with SQS if sqs), stores them in *e, runs the tests, stops the
// emulators and returns the exit code:
//
//	func TestMain(m *testing.M) { os.Exit(emulator.Main(m, false, &emu)) }
func Main(m *testing.M, sqs bool, e **Emulators) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	started, err := Start(ctx, sqs)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*e = started
	defer started.Close()
	return m.Run()
}

// ScanTable returns every item of table as canonical JSON (attribute types
// kept, string sets sorted), sorted: two tables hold the same items iff their
// scans are equal. It reads with strong consistency.
func ScanTable(ctx context.Context, db *dynamodb.Client, table string) ([]string, error) {
	var items []string
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: &table, ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", table, err)
		}
		for _, it := range page.Items {
			m := map[string]any{}
			for k, v := range it {
				switch v := v.(type) {
				case *ddbtypes.AttributeValueMemberS:
					m[k] = map[string]any{"S": v.Value}
				case *ddbtypes.AttributeValueMemberN:
					m[k] = map[string]any{"N": v.Value}
				case *ddbtypes.AttributeValueMemberSS:
					m[k] = map[string]any{"SS": slices.Sorted(slices.Values(v.Value))}
				case *ddbtypes.AttributeValueMemberBOOL:
					m[k] = map[string]any{"BOOL": v.Value}
				default:
					m[k] = fmt.Sprintf("%T %v", v, v)
				}
			}
			b, err := json.Marshal(m)
			if err != nil {
				return nil, err
			}
			items = append(items, string(b))
		}
	}
	slices.Sort(items)
	return items, nil
}
