package events_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// testdataDir holds the shared *.jsonl event files.
const testdataDir = "../testdata/events"

// jsonlLine is one event line of a testdata file.
type jsonlLine struct {
	Name string // file:line
	Data []byte
	Why  string // the last "// ..." comment before the line, if any
	Want string // from a "// want ..." comment before the line, if any
}

// readJSONL returns the event lines of a *.jsonl file in testdataDir,
// skipping blank lines and comment lines starting with "//".
func readJSONL(t testing.TB, name string) []jsonlLine {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testdataDir, name))
	require.NoError(t, err)
	var lines []jsonlLine
	var why, want string
	for i, text := range strings.Split(string(data), "\n") {
		text = strings.TrimSuffix(text, "\r")
		trimmed := strings.TrimSpace(text)
		switch {
		case trimmed == "":
			continue
		case strings.HasPrefix(trimmed, "// want "):
			want = strings.TrimPrefix(trimmed, "// want ")
			continue
		case strings.HasPrefix(trimmed, "//"):
			why = strings.TrimSpace(strings.TrimPrefix(trimmed, "//"))
			continue
		}
		lines = append(lines, jsonlLine{
			Name: name + ":" + strconv.Itoa(i+1),
			Data: []byte(text),
			Why:  why,
			Want: want,
		})
		why, want = "", ""
	}
	require.NotEmpty(t, lines, "no events in %s", name)
	return lines
}

// allJSONL returns the event lines of every *.jsonl file in testdataDir.
func allJSONL(t testing.TB) []jsonlLine {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testdataDir, "*.jsonl"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var lines []jsonlLine
	for _, f := range files {
		lines = append(lines, readJSONL(t, filepath.Base(f))...)
	}
	return lines
}
