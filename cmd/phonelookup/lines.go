package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxLine is the longest line read: an SQS message is at most 256 KiB, and a
// longer line is reported as such, never read whole.
const maxLine = 1 << 20

// tooLongError is a line longer than maxLine: one bad line, not the end of
// the file.
type tooLongError struct{ size int }

func (e *tooLongError) Error() string {
	return fmt.Sprintf("line of %d bytes, longer than %d", e.size, maxLine)
}

// eachLine calls fn with every non-blank line of name ("-": standard input),
// trimmed, its line number and the file's label for messages ("stdin" or the
// name); a line longer than maxLine comes as a nil line and a
// *tooLongError, and the reading goes on. line is only valid during the
// call. Memory is bounded by maxLine, whatever the file holds.
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
	br := bufio.NewReaderSize(r, 64*1024)
	buf := make([]byte, 0, 64*1024)
	for n := 1; ; n++ {
		line, size, err := readLine(br, buf[:0])
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read %s: %w", label, err)
		}
		switch {
		case size > maxLine:
			fn(label, n, nil, &tooLongError{size: size})
		case len(bytes.TrimSpace(line)) > 0:
			fn(label, n, bytes.TrimSpace(line), nil)
		}
		if err != nil { // io.EOF
			return nil
		}
		if cap(line) <= maxLine+2 {
			buf = line // keep the grown buffer
		}
	}
}

// readLine reads one line into buf (without its "\n" or "\r\n") and returns
// it with its size; past maxLine it only counts the bytes. err is io.EOF at
// the end of the input.
func readLine(br *bufio.Reader, buf []byte) (line []byte, size int, err error) {
	var last byte // the byte before the chunk
	for {
		chunk, err := br.ReadSlice('\n')
		size += len(chunk)
		if len(buf)+len(chunk) <= maxLine+2 { // room for the content and "\r\n"
			buf = append(buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			last = chunk[len(chunk)-1]
			continue
		}
		if n := len(chunk); n > 0 && chunk[n-1] == '\n' {
			size--
			if (n > 1 && chunk[n-2] == '\r') || (n == 1 && last == '\r') {
				size--
			}
		}
		if size <= maxLine { // buf holds the whole line
			buf = buf[:size]
		}
		return buf, size, err
	}
}
