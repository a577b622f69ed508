package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxLine is the longest line read: an SQS message is at most 256 KiB.
const maxLine = 1 << 20

// eachLine calls fn with every non-blank line of name ("-": standard input),
// trimmed, its line number and the file's label for messages ("stdin" or the
// name). line is only valid during the call.
func eachLine(e env, name string, fn func(label string, n int, line []byte)) error {
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
	n := 0
	for sc.Scan() {
		n++
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			fn(label, n, line)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%s:%d: line longer than %d bytes", label, n+1, maxLine)
		}
		return fmt.Errorf("read %s: %w", label, err)
	}
	return nil
}
