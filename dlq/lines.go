package dlq

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxLine is the longest line read: an SQS message is at most 256 KiB, and a
// longer line is reported as such, never read whole.
const MaxLine = 1 << 20

// LineTooLongError is a line longer than MaxLine: one bad line, not the end
// of the file.
type LineTooLongError struct{ Size int }

func (e *LineTooLongError) Error() string {
	return fmt.Sprintf("line of %d bytes, longer than %d", e.Size, MaxLine)
}

// EachLine calls fn with every non-blank line of r, trimmed, and its line
// number: the lines of an export file (LineBody reads each), or of events.
// A line longer than MaxLine comes as a nil line and a *LineTooLongError,
// and the reading goes on. line is only valid during the call. Memory is
// bounded by MaxLine, whatever r holds. The error is r's.
func EachLine(r io.Reader, fn func(n int, line []byte, err error)) error {
	br := bufio.NewReaderSize(r, 64*1024)
	buf := make([]byte, 0, 64*1024)
	for n := 1; ; n++ {
		line, size, err := readLine(br, buf[:0])
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("line %d: %w", n, err)
		}
		switch {
		case size > MaxLine:
			fn(n, nil, &LineTooLongError{Size: size})
		case len(bytes.TrimSpace(line)) > 0:
			fn(n, bytes.TrimSpace(line), nil)
		}
		if err != nil { // io.EOF
			return nil
		}
		if cap(line) <= MaxLine+2 {
			buf = line // keep the grown buffer
		}
	}
}

// readLine reads one line into buf (without its "\n" or "\r\n") and returns
// it with its size; past MaxLine it only counts the bytes. err is io.EOF at
// the end of the input.
func readLine(br *bufio.Reader, buf []byte) (line []byte, size int, err error) {
	var last byte // the byte before the chunk
	for {
		chunk, err := br.ReadSlice('\n')
		size += len(chunk)
		if len(buf)+len(chunk) <= MaxLine+2 { // room for the content and "\r\n"
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
		if size <= MaxLine { // buf holds the whole line
			buf = buf[:size]
		}
		return buf, size, err
	}
}
