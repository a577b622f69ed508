package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQS limits for SendMessageBatch.
const (
	maxBatchEntries = 10
	maxBatchBytes   = 256 * 1024 // a message, and a whole batch
	sendAttempts    = 4
)

// publishStats is publish's summary.
type publishStats struct {
	Lines  int `json:"lines"`
	Sent   int `json:"sent"`
	Failed int `json:"failed"`
}

func cmdPublish(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs := newFlags("publish", e, &c)
	queue := fs.String("queue", defaultQueue, "queue NAME or URL")
	files, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	a, err := build(ctx, e, c)
	if err != nil {
		return err
	}
	url, err := queueURL(ctx, a.SQS, *queue)
	if err != nil {
		return err
	}
	p := publisher{client: a.SQS, url: url, stderr: e.stderr}
	for _, name := range files {
		if err := p.file(ctx, e, name); err != nil {
			return err
		}
	}
	out, _ := json.Marshal(p.stats)
	fmt.Fprintln(e.stdout, string(out))
	if p.stats.Failed > 0 {
		return fmt.Errorf("%d of %d lines not sent", p.stats.Failed, p.stats.Lines)
	}
	return nil
}

type publisher struct {
	client *sqs.Client
	url    string
	stderr io.Writer
	stats  publishStats
}

// entry is one line to send.
type entry struct {
	label string // file:line
	body  string
}

func (p *publisher) file(ctx context.Context, e proc, name string) error {
	var batch []entry
	size := 0
	err := eachLine(e, name, func(label string, n int, line []byte, lineErr error) {
		p.stats.Lines++
		en := entry{label: fmt.Sprintf("%s:%d", label, n), body: string(line)}
		if lineErr != nil {
			p.fail(en, lineErr.Error())
			return
		}
		if len(line) > maxBatchBytes {
			p.stats.Failed++
			fmt.Fprintf(p.stderr, "%s: not sent: %d bytes, more than the SQS limit of %d\n", en.label, len(line), maxBatchBytes)
			return
		}
		if len(batch) == maxBatchEntries || size+len(line) > maxBatchBytes {
			p.send(ctx, batch)
			batch, size = batch[:0], 0
		}
		batch = append(batch, en)
		size += len(line)
	})
	p.send(ctx, batch)
	return err
}

// send sends batch with SendMessageBatch, checking every entry: entries that
// failed on SQS's side are retried with backoff; entries SQS rejected as the
// sender's fault, and entries still failing after the attempts, are reported.
func (p *publisher) send(ctx context.Context, batch []entry) {
	todo := append([]entry(nil), batch...)
	for attempt := 1; len(todo) > 0; attempt++ {
		entries := make([]types.SendMessageBatchRequestEntry, len(todo))
		for i, en := range todo {
			entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(en.body)}
		}
		out, err := p.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &p.url, Entries: entries})
		var retry []entry
		if err != nil {
			var tooLong *types.BatchRequestTooLong
			if errors.As(err, &tooLong) || attempt == sendAttempts || ctx.Err() != nil {
				for _, en := range todo {
					p.fail(en, err.Error())
				}
				return
			}
			retry = todo
		} else {
			p.stats.Sent += len(out.Successful)
			for _, f := range out.Failed {
				i, convErr := strconv.Atoi(aws.ToString(f.Id))
				if convErr != nil || i < 0 || i >= len(todo) {
					continue
				}
				msg := aws.ToString(f.Code) + ": " + aws.ToString(f.Message)
				if f.SenderFault || attempt == sendAttempts {
					p.fail(todo[i], msg)
				} else {
					retry = append(retry, todo[i])
				}
			}
			// An entry SQS answered neither way was not sent.
			if answered := len(out.Successful) + len(out.Failed); answered < len(todo) {
				seen := map[string]bool{}
				for _, s := range out.Successful {
					seen[aws.ToString(s.Id)] = true
				}
				for _, f := range out.Failed {
					seen[aws.ToString(f.Id)] = true
				}
				for i, en := range todo {
					switch {
					case seen[strconv.Itoa(i)]:
					case attempt == sendAttempts:
						p.fail(en, "no answer from SQS for this entry")
					default:
						retry = append(retry, en)
					}
				}
			}
		}
		todo = retry
		if len(todo) > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 100 * time.Millisecond)
		}
	}
}

func (p *publisher) fail(en entry, why string) {
	p.stats.Failed++
	fmt.Fprintf(p.stderr, "%s: not sent: %s\n", en.label, why)
}
