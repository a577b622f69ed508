package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// publishStats is publish's summary.
type publishStats struct {
	Lines  int `json:"lines"`
	Sent   int `json:"sent"`
	Failed int `json:"failed"`
}

func newPublishCmd(e proc) *cobra.Command {
	var queue string
	cmd := &cobra.Command{
		Use:   "publish [FILE|-]...",
		Short: "send JSON lines as SQS messages (SendMessageBatch)",
		Long: `publish sends each JSON line of the files (standard input by default) as
one SQS message. A line that is not a JSON object, or is over 256 KiB, is
reported by its number and not sent. Exit 1 if a line was not sent.`,
		RunE: func(cmd *cobra.Command, files []string) error {
			return runPublish(cmd.Context(), e, queue, files)
		},
	}
	cmd.Flags().StringVar(&queue, "queue", defaultQueue, "queue NAME or URL")
	return cmd
}

func runPublish(ctx context.Context, e proc, queue string, files []string) error {
	if len(files) == 0 {
		files = []string{"-"}
	}
	a, err := build(ctx, e, tableFlags{})
	if err != nil {
		return err
	}
	url, err := queueURL(ctx, a.SQS, queue)
	if err != nil {
		return err
	}
	p := publisher{send: &sqsengine.Sender{SQS: a.SQS, QueueURL: url}, stderr: e.stderr}
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

// publisher sends lines as messages. Each line is checked first (checkLine)
// and a bad one is reported by its number, never sent; the others go out in
// batches (sqsengine.Batcher, Sender), and every line is reported once, sent
// or not.
type publisher struct {
	send   *sqsengine.Sender
	batch  sqsengine.Batcher
	stderr io.Writer
	stats  publishStats
}

func (p *publisher) file(ctx context.Context, e proc, name string) error {
	err := eachLine(e, name, func(label string, n int, line []byte, lineErr error) {
		p.stats.Lines++
		key := fmt.Sprintf("%s:%d", label, n)
		if lineErr == nil {
			lineErr = checkLine(line)
		}
		if lineErr != nil {
			p.fail(key, lineErr.Error())
			return
		}
		if full := p.batch.Add(sqsengine.Message{Key: key, Body: string(line)}); full != nil {
			p.flush(ctx, full)
		}
	})
	p.flush(ctx, p.batch.Flush())
	return err
}

// checkLine says why line cannot be sent as it is: publish sends JSON
// objects within SQS's message size (the same 256 KiB as a batch), as SQS
// stores them unchanged.
func checkLine(line []byte) error {
	if len(line) > sqsengine.MaxBatchBytes {
		return fmt.Errorf("%d bytes, more than the SQS limit of %d", len(line), sqsengine.MaxBatchBytes)
	}
	if err := sqsengine.CheckBody(string(line)); err != nil {
		return err
	}
	if line[0] != '{' || !json.Valid(line) {
		return errors.New("not a JSON object")
	}
	return nil
}

// flush sends batch and reports its lines.
func (p *publisher) flush(ctx context.Context, batch []sqsengine.Message) {
	if len(batch) == 0 {
		return
	}
	sent, failed := p.send.Send(ctx, batch)
	p.stats.Sent += len(sent)
	for _, m := range batch { // in line order
		if why, ok := failed[m.Key]; ok {
			p.fail(m.Key, why)
		}
	}
}

func (p *publisher) fail(key, why string) {
	p.stats.Failed++
	fmt.Fprintf(p.stderr, "%s: not sent: %s\n", key, why)
}
