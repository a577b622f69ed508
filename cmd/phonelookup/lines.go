package main

import (
	"fmt"
	"io"
	"os"

	"github.com/phonelookup/phonelookup/dlq"
)

// eachLine calls fn with every non-blank line of name ("-": standard input)
// as dlq.EachLine reads it, with the file's label for messages ("stdin" or
// the name).
func eachLine(e proc, name string, fn func(label string, n int, line []byte, err error)) error {
	var r io.Reader = e.stdin
	label := "stdin"
	if !isDash(name) {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r, label = f, name
	}
	if err := dlq.EachLine(r, func(n int, line []byte, err error) { fn(label, n, line, err) }); err != nil {
		return fmt.Errorf("read %s: %w", label, err)
	}
	return nil
}
