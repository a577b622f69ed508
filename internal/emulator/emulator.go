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
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Emulators is a running emulators.js process.
type Emulators struct {
	DynamoDB string `json:"dynamodb"` // endpoint URL
	SQS      string `json:"sqs"`      // endpoint URL

	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan error
}

// Start starts the emulators and waits until they listen. sqs=false starts
// only dynalite.
func Start(ctx context.Context, sqs bool) (*Emulators, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "dynalite")); err != nil {
		return nil, fmt.Errorf("emulators not installed: run `npm ci` in %s: %w", root, err)
	}
	args := []string{filepath.Join(root, "internal", "emulator", "emulators.js")}
	if !sqs {
		args = append(args, "--no-sqs")
	}
	cmd := exec.Command("node", args...)
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
	e := &Emulators{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil {
			err = json.Unmarshal([]byte(line), e)
		}
		ready <- err
		_, _ = io.Copy(io.Discard, stdout)
		e.done <- cmd.Wait()
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
	return e, nil
}

// Close stops the emulators.
func (e *Emulators) Close() error {
	_ = e.stdin.Close()
	select {
	case <-e.done:
	case <-time.After(5 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.done
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
