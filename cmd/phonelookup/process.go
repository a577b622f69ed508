package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/phonelookup/phonelookup/consumer"
)

// maxLine is the longest line process reads: an SQS message is at most 256 KiB.
const maxLine = 1 << 20

// chunk is how many lines are processed concurrently at a time.
const chunk = 500

func cmdProcess(ctx context.Context, e env, args []string) error {
	var c common
	fs := newFlags("process", e, &c)
	conc := fs.Int("concurrency", 0, "events processed at once (default $CONSUMER_CONCURRENCY or 10)")
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
	if *conc > 0 {
		a.Config.Concurrency = *conc
	}
	b := a.Batch(a.Config.Logger(e.stderr))
	var sum consumer.Summary
	for _, name := range files {
		if err := processFile(ctx, e, b, name, &sum); err != nil {
			return err
		}
	}
	out, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, string(out))
	if !sum.OK() {
		return &exitError{code: 1, err: fmt.Errorf("%d invalid, %d failed of %d events", sum.Invalid, sum.Failed, sum.Events)}
	}
	return nil
}

// processFile runs the JSON lines of name ("-": standard input) through b,
// adding to sum and printing one line per invalid or failed event (the line
// number and the reason, never the content).
func processFile(ctx context.Context, e env, b *consumer.Batch, name string, sum *consumer.Summary) error {
	var r io.Reader = e.stdin
	label := "stdin"
	if !isStdin(name) {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r, label = f, name
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	var msgs []consumer.Message
	var lines []int
	flush := func() {
		for i, res := range b.Run(ctx, msgs) {
			sum.Add(res.Outcome)
			switch {
			case !res.Outcome.OK():
				fmt.Fprintf(e.stderr, "%s:%d: %s: %v\n", label, lines[i], res.Outcome, res.Err)
			case res.Reason == "delivery-without-dropoff":
				fmt.Fprintf(e.stderr, "%s:%d: warning: delivery order %s has no dropoff phone; linked the account phone\n", label, lines[i], res.OrderID)
			}
		}
		msgs, lines = msgs[:0], lines[:0]
	}
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(trimSpace(line)) == 0 {
			continue
		}
		msgs = append(msgs, consumer.Message{ID: fmt.Sprint(n), Body: exportBody(line)})
		lines = append(lines, n)
		if len(msgs) == chunk {
			flush()
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%s:%d: line longer than %d bytes", label, n+1, maxLine)
		}
		return fmt.Errorf("read %s: %w", label, err)
	}
	return nil
}

// exportBody returns the body of a `dlq export` line (a JSON object with a
// string "body" and a string "messageId"), or a copy of line itself.
func exportBody(line []byte) []byte {
	if bytes.Contains(line, []byte(`"messageId"`)) && bytes.Contains(line, []byte(`"body"`)) {
		var obj map[string]json.RawMessage
		var id, body string
		if json.Unmarshal(line, &obj) == nil && json.Unmarshal(obj["messageId"], &id) == nil && json.Unmarshal(obj["body"], &body) == nil {
			return []byte(body)
		}
	}
	return append([]byte(nil), line...)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
