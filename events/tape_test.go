package events

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scanCases are documents at the edges of JSON's grammar, for the scanner
// to judge as json.Valid does.
var scanCases = []string{
	``, ` `, `{}`, ` {} `, "\t{\r\n}\n", `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`, `{"a":1 "b":2}`,
	`[]`, `[1,]`, `[,1]`, `[1 2]`, `[[[]]]`, `[{"a":[{}]}]`,
	`0`, `-0`, `01`, `-`, `1.`, `.5`, `1.5`, `1e`, `1e+`, `1E-7`, `1e07`, `-1.0e+10`, `+1`, `0x10`, `1_000`, `NaN`, `Infinity`,
	`true`, `tru`, `truex`, `false`, `null`, `nul`, `True`,
	`""`, `"`, `"a`, `"\"`, `"\\"`, `"\/"`, `"\'"`, `"\x41"`, `"\u00e9"`, `"\u00E9"`, `"\u00g9"`, `"\u00e"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00\ud83d"`,
	"\"a\x00b\"", "\"a\x1fb\"", "\"a\x7fb\"", "\"a\tb\"", "\"\xff\"", "\"\xc3\xa9\"", "\"\xed\xa0\x80\"",
	`{"a":1}x`, `{"a":1}{"a":1}`, `{"a":1} // c`, "\ufeff{}", "\u00a0{}",
	strings.Repeat("[", maxNestingDepth) + strings.Repeat("]", maxNestingDepth),
	strings.Repeat("[", maxNestingDepth+1) + strings.Repeat("]", maxNestingDepth+1),
	strings.Repeat(`{"a":`, maxNestingDepth) + "1" + strings.Repeat("}", maxNestingDepth),
	strings.Repeat(`{"a":`, maxNestingDepth+1) + "1" + strings.Repeat("}", maxNestingDepth+1),
}

func TestScanAgreesWithJSONValid(t *testing.T) {
	for _, c := range scanCases {
		name := c
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			checkScan(t, []byte(c))
		})
	}
}

// checkScan fails t unless scan judges data as json.Valid does and every
// recorded string unescapes as encoding/json unescapes it.
func checkScan(t *testing.T, data []byte) {
	t.Helper()
	tp := &tape{}
	ok := tp.scan(data)
	require.Equal(t, json.Valid(data), ok, "scan(%q) = %v, json.Valid %v", data, ok, json.Valid(data))
	if !ok {
		return
	}
	for n := range tp.nodes {
		if tp.kind(int32(n)) != '"' {
			continue
		}
		var want string
		require.NoError(t, json.Unmarshal(tp.raw(int32(n)), &want), "json.Unmarshal(%q)", tp.raw(int32(n)))
		assert.Equal(t, want, string(tp.text(int32(n))), "text of %q", tp.raw(int32(n)))
	}
}

// FuzzScan checks scan against json.Valid and string unescaping against
// json.Unmarshal; the seed corpus is scanCases and the testdata events.
func FuzzScan(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c))
	}
	files, err := filepath.Glob("../testdata/events/*.jsonl")
	require.NoError(f, err)
	for _, name := range files {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		for _, l := range strings.Split(string(data), "\n") {
			if l != "" && !strings.HasPrefix(l, "//") {
				f.Add([]byte(l))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScan(t, data)
		s := append(append([]byte{'"'}, data...), '"')
		var want string
		if json.Unmarshal(s, &want) == nil {
			got, ok := unquote(data)
			require.True(t, ok, "unquote(%q) failed, json.Unmarshal gives %q", data, want)
			assert.Equal(t, want, string(got), "unquote(%q)", data)
		}
	})
}

// TestScanRecordsDeepestEvent checks that maxRecordDepth reaches the
// deepest field an accepted body can hold: the dropoff phone of an event
// inside three nested EventBridge envelopes.
func TestScanRecordsDeepestEvent(t *testing.T) {
	body := `{"eventId":"e","eventType":"OrderCommitted","version":1,"source":"graphql","occurredAt":"2026-11-02T10:15:30Z",` +
		`"order":{"id":"o","fulfillmentType":"delivery","delivery":{"dropoff":{"phoneNumber":"+44 20 7946 0958"}}},` +
		`"user":{"cognitoId":"u","details":{"phoneNumber":"+44 20 7946 0001","countryCode":"GB"}}}`
	for range maxEnvelopeDepth {
		body = `{"detail-type":"OrderCommitted","detail":` + body + `}`
	}
	e, env, err := Decode([]byte(body))
	require.NoError(t, err, "Decode(%q)", body)
	assert.Equal(t, EnvelopeEventBridge, env, "Decode(%q) envelope", body)
	assert.Equal(t, "+44 20 7946 0958", e.Order.DropoffPhone, "Decode(%q).Order.DropoffPhone", body)
	assert.Equal(t, User{CognitoID: "u", Phone: "+44 20 7946 0001", CountryCode: "GB"}, e.User, "Decode(%q).User", body)
}

// TestNoControlPattern checks isControl against the schema's pattern for
// every rune.
func TestNoControlPattern(t *testing.T) {
	re := regexp.MustCompile(noControlPattern)
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		if re.MatchString(string(r)) == isControl(r) {
			t.Fatalf("rune %U: pattern match %v, isControl %v", r, re.MatchString(string(r)), isControl(r))
		}
	}
	assert.True(t, re.MatchString("\xff"), "pattern on a byte that is not UTF-8")
}
