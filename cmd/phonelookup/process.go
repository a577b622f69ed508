package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/internal/termtext"
)

// chunk is how many lines are processed concurrently at a time.
const chunk = 500

func cmdProcess(ctx context.Context, e proc, args []string) error {
	var c tableFlags
	fs := newFlags("process", e, &c)
	conc := intFlag(fs, "concurrency", 0, 0, 1000, "events processed at once (default $CONSUMER_CONCURRENCY or 10)")
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
		return fmt.Errorf("%d invalid, %d failed of %d events", sum.Invalid, sum.Failed, sum.Events)
	}
	return nil
}

// processFile runs the JSON lines of name ("-": standard input) through b,
// adding to sum and printing one line per invalid or failed event (the line
// number and the reason, never the content).
func processFile(ctx context.Context, e proc, b *consumer.Batch, name string, sum *consumer.Summary) error {
	var msgs []consumer.Message
	var labels []string
	flush := func() {
		for i, res := range b.Run(ctx, msgs) {
			sum.Add(res.Outcome)
			switch {
			case !res.Outcome.OK():
				fmt.Fprintf(e.stderr, "%s: %s: %s\n", labels[i], res.Outcome, termtext.Escape(fmt.Sprint(res.Err)))
			case res.Warning == consumer.WarnNoDropoff && res.Outcome == consumer.Skipped:
				fmt.Fprintf(e.stderr, "%s: warning: delivery order %s has no dropoff phone and no usable account phone; nothing linked\n", labels[i], termtext.Escape(res.OrderID))
			case res.Warning == consumer.WarnNoDropoff:
				fmt.Fprintf(e.stderr, "%s: warning: delivery order %s has no dropoff phone; linked the account phone\n", labels[i], termtext.Escape(res.OrderID))
			}
		}
		msgs, labels = msgs[:0], labels[:0]
	}
	err := eachLine(e, name, func(label string, n int, line []byte, lineErr error) {
		if lineErr != nil { // one invalid line; the rest of the file goes on
			sum.Add(consumer.Invalid)
			fmt.Fprintf(e.stderr, "%s:%d: %s: %v\n", termtext.Escape(label), n, consumer.Invalid, lineErr)
			return
		}
		msgs = append(msgs, consumer.Message{ID: fmt.Sprint(n), Body: exportBody(line)})
		labels = append(labels, fmt.Sprintf("%s:%d", termtext.Escape(label), n))
		if len(msgs) == chunk {
			flush()
		}
	})
	flush()
	return err
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
