package main

import (
	"fmt"
	"io"
	"os"

	"github.com/phonelookup/phonelookup/dlq"
)

// withInput calls fn with the file name ("-": standard input) open and its
// label for messages ("stdin" or the name); an error of fn is the reading's.
func withInput(e proc, name string, fn func(r io.Reader, label string) error) error {
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
	if err := fn(r, label); err != nil {
		return fmt.Errorf("read %s: %w", label, err)
	}
	return nil
}

// eachLine calls fn with every non-blank line of name ("-": standard input)
// as dlq.EachLine reads it, with the file's label for messages.
func eachLine(e proc, name string, fn func(label string, n int, line []byte, err error)) error {
	return withInput(e, name, func(r io.Reader, label string) error {
		return dlq.EachLine(r, func(n int, line []byte, err error) { fn(label, n, line, err) })
	})
}
