package lookup

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/internal/phonecases"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The fixtures of testdata/phones, shared with the consumer's and find's tests.
const (
	// casesFile holds hand-written spellings: the issue's, and the decisions
	// (letters, vanity numbers, extensions, no region).
	casesFile = "../testdata/phones/cases.jsonl"
	// spellingsFile is the spelling table as a golden file, which the
	// consumer's and find's tests read. Rewritten by
	// go test -run TestPhoneSpellingsGolden -update.
	spellingsFile = "../testdata/phones/spellings.jsonl"
	// ambiguousFile lists the spellings of the table that the library itself
	// cannot read as the example's number, with the reason.
	ambiguousFile = "../testdata/phones/ambiguous.jsonl"
)

// phoneCase is one line of cases.jsonl and spellings.jsonl: a number as typed,
// the region given with it, and the E.164 it must normalise to ("" when it
// must be rejected).
type phoneCase = phonecases.Case

// ambiguous is one line of ambiguous.jsonl.
type ambiguous struct {
	Region   string `json:"region"`
	Type     string `json:"type"`
	Spelling string `json:"spelling"`
	Why      string `json:"why"`
}

// spelling is one way people write a number.
type spelling struct {
	name string
	// write returns num as typed in this spelling and the region given with
	// it ("": none); region is the example's region.
	write func(num *phonenumbers.PhoneNumber, region string) (raw, withRegion string)
}

var spellings = []spelling{
	{"e164", func(n *phonenumbers.PhoneNumber, _ string) (string, string) {
		return phonenumbers.Format(n, phonenumbers.E164), ""
	}},
	{"international", func(n *phonenumbers.PhoneNumber, _ string) (string, string) {
		return phonenumbers.Format(n, phonenumbers.INTERNATIONAL), ""
	}},
	{"national+region", func(n *phonenumbers.PhoneNumber, r string) (string, string) {
		return phonenumbers.Format(n, phonenumbers.NATIONAL), r
	}},
	{"rfc3966", func(n *phonenumbers.PhoneNumber, _ string) (string, string) {
		return phonenumbers.Format(n, phonenumbers.RFC3966), ""
	}},
	{"Tel: international", func(n *phonenumbers.PhoneNumber, _ string) (string, string) {
		return "Tel: " + phonenumbers.Format(n, phonenumbers.INTERNATIONAL), ""
	}},
	{"Phone: national+region", func(n *phonenumbers.PhoneNumber, r string) (string, string) {
		return "Phone: " + phonenumbers.Format(n, phonenumbers.NATIONAL), r
	}},
	{"full-width plus", func(n *phonenumbers.PhoneNumber, _ string) (string, string) {
		return "＋" + strings.TrimPrefix(phonenumbers.Format(n, phonenumbers.E164), "+"), ""
	}},
	{"full-width international", func(n *phonenumbers.PhoneNumber, _ string) (string, string) {
		return fullWidth(phonenumbers.Format(n, phonenumbers.INTERNATIONAL)), ""
	}},
	{"00 international from abroad", func(n *phonenumbers.PhoneNumber, _ string) (string, string) {
		// Typed in a country whose international prefix is 00 (DE, or FR for
		// a German number), as the region of the order.
		from := "DE"
		if n.GetCountryCode() == 49 {
			from = "FR"
		}
		return "00 " + strings.TrimPrefix(phonenumbers.Format(n, phonenumbers.INTERNATIONAL), "+"), from
	}},
	{"dots", func(n *phonenumbers.PhoneNumber, _ string) (string, string) {
		return strings.NewReplacer(" ", ".", "-", ".").Replace(phonenumbers.Format(n, phonenumbers.INTERNATIONAL)), ""
	}},
	{"dashes national+region", func(n *phonenumbers.PhoneNumber, r string) (string, string) {
		return strings.ReplaceAll(phonenumbers.Format(n, phonenumbers.NATIONAL), " ", "-"), r
	}},
	{"parentheses", func(n *phonenumbers.PhoneNumber, _ string) (string, string) {
		f := strings.Fields(phonenumbers.Format(n, phonenumbers.INTERNATIONAL))
		if len(f) > 1 {
			f[1] = "(" + f[1] + ")"
		}
		return strings.Join(f, " "), ""
	}},
	{"national+region ext. 12", func(n *phonenumbers.PhoneNumber, r string) (string, string) {
		// An extension is not part of the number: the line is linked.
		return phonenumbers.Format(n, phonenumbers.NATIONAL) + " ext. 12", r
	}},
}

// misspellings are ways to write a number with letters in it: each must be
// rejected, never read as the number without them (or with them on a keypad).
var misspellings = []spelling{
	{"international+AB", func(n *phonenumbers.PhoneNumber, _ string) (string, string) {
		return phonenumbers.Format(n, phonenumbers.INTERNATIONAL) + "AB", ""
	}},
	{"national+region, letter O for the last digit", func(n *phonenumbers.PhoneNumber, r string) (string, string) {
		f := phonenumbers.Format(n, phonenumbers.NATIONAL)
		i := strings.LastIndexFunc(f, func(r rune) bool { return r >= '0' && r <= '9' })
		return f[:i] + "O" + f[i+1:], r
	}},
	{"e164, last three digits as letters", func(n *phonenumbers.PhoneNumber, _ string) (string, string) {
		f := phonenumbers.Format(n, phonenumbers.E164)
		return f[:len(f)-3] + "ABC", ""
	}},
}

// fullWidth writes the ASCII digits and plus of s in their full-width forms.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r - '0' + '０'
		case r == '+':
			return '＋'
		}
		return r
	}, s)
}

// exampleTypes are the number types of the table.
var exampleTypes = []struct {
	name string
	typ  phonenumbers.PhoneNumberType
}{{"fixed-line", phonenumbers.FIXED_LINE}, {"mobile", phonenumbers.MOBILE}}

// spellingRow is one spelling of one example number.
type spellingRow struct {
	region, typ, spelling string
	raw, withRegion       string
	want                  string // the example in E.164
}

func (r spellingRow) key() string { return r.region + "/" + r.typ + "/" + r.spelling }

// spellingTable returns every spelling of the example fixed-line and mobile
// numbers of every region the library supports, in a fixed order.
func spellingTable(t *testing.T, spellings []spelling) []spellingRow {
	t.Helper()
	regions := make([]string, 0, len(phonenumbers.GetSupportedRegions()))
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	var rows []spellingRow
	for _, region := range regions {
		for _, et := range exampleTypes {
			num := phonenumbers.GetExampleNumberForTypeInRegion(region, et.typ)
			if num == nil {
				continue
			}
			want := phonenumbers.Format(num, phonenumbers.E164)
			for _, sp := range spellings {
				raw, withRegion := sp.write(num, region)
				rows = append(rows, spellingRow{region, et.name, sp.name, raw, withRegion, want})
			}
		}
	}
	require.NotEmpty(t, rows, "no example numbers")
	return rows
}

// readJSONL reads a table of testdata/phones.
func readJSONL[T any](t *testing.T, file string) []T {
	t.Helper()
	out, err := phonecases.Read[T](file)
	require.NoError(t, err)
	return out
}

// TestPhoneSpellings is the measurement of issue 9: every spelling of the
// example numbers of every supported region must normalise to the example's
// E.164, except the spellings of ambiguous.jsonl, which must be rejected
// (never read as another number).
func TestPhoneSpellings(t *testing.T) {
	n, err := NewNormalizer("", DefaultCacheSize)
	require.NoError(t, err)
	known := map[string]ambiguous{}
	for _, a := range readJSONL[ambiguous](t, ambiguousFile) {
		known[a.Region+"/"+a.Type+"/"+a.Spelling] = a
	}

	type tally struct{ tried, accepted, rejected, wrong int }
	bySpelling := map[string]*tally{}
	var total tally
	const maxReports = 5 // failures reported per spelling, the rest counted
	for _, row := range spellingTable(t, spellings) {
		tl := bySpelling[row.spelling]
		if tl == nil {
			tl = &tally{}
			bySpelling[row.spelling] = tl
		}
		tl.tried++
		got, err := n.Normalize(row.raw, row.withRegion)
		switch {
		case err != nil:
			tl.rejected++
		case got == row.want:
			tl.accepted++
		default:
			tl.wrong++
		}
		_, isAmbiguous := known[row.key()]
		delete(known, row.key())
		failures := tl.rejected + tl.wrong
		switch {
		case err == nil && got != row.want:
			// Never acceptable, ambiguous or not.
			if failures <= maxReports {
				t.Errorf("%s: Normalize(%q, %q) = %q, want %q", row.key(), row.raw, row.withRegion, got, row.want)
			}
		case isAmbiguous && err == nil:
			t.Errorf("%s: Normalize(%q, %q) = %q, listed in %s as ambiguous: remove it", row.key(), row.raw, row.withRegion, got, ambiguousFile)
		case !isAmbiguous && err != nil:
			if failures <= maxReports {
				t.Errorf("%s: Normalize(%q, %q) = %v, want %q", row.key(), row.raw, row.withRegion, err, row.want)
			}
		}
	}
	for k := range known {
		t.Errorf("%s lists %s, which is not in the table", ambiguousFile, k)
	}

	var sum strings.Builder
	fmt.Fprintf(&sum, "%-30s %6s %8s %8s %6s\n", "spelling", "tried", "accepted", "rejected", "wrong")
	for _, sp := range spellings {
		tl := bySpelling[sp.name]
		fmt.Fprintf(&sum, "%-30s %6d %8d %8d %6d\n", sp.name, tl.tried, tl.accepted, tl.rejected, tl.wrong)
		total.tried += tl.tried
		total.accepted += tl.accepted
		total.rejected += tl.rejected
		total.wrong += tl.wrong
	}
	fmt.Fprintf(&sum, "%-30s %6d %8d %8d %6d", "all", total.tried, total.accepted, total.rejected, total.wrong)
	t.Logf("spellings of the example numbers of %d regions (at most %d failures reported per spelling):\n%s",
		len(phonenumbers.GetSupportedRegions()), maxReports, sum.String())
}

// TestPhoneMisspellings holds every example number, written with letters in
// it, to the rule that a number is never linked as another one.
func TestPhoneMisspellings(t *testing.T) {
	n, err := NewNormalizer("", DefaultCacheSize)
	require.NoError(t, err)
	rows := spellingTable(t, misspellings)
	accepted := 0
	for _, row := range rows {
		got, err := n.Normalize(row.raw, row.withRegion)
		if err == nil {
			accepted++
			if accepted <= 10 {
				t.Errorf("%s: Normalize(%q, %q) = %q, want ErrInvalidPhone", row.key(), row.raw, row.withRegion, got)
			}
		}
	}
	t.Logf("misspellings with letters: %d tried, %d accepted", len(rows), accepted)
}

// TestPhoneSpellingsGolden keeps spellings.jsonl, the whole table, in step
// with it: the consumer's test runs every line through the processor, find's
// test the lines of a few regions against the emulators.
func TestPhoneSpellingsGolden(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString("// Generated by go test ./lookup -run TestPhoneSpellingsGolden -update: every spelling of the\n")
	buf.WriteString("// example fixed-line and mobile numbers of every region phonenumbers v2.0.7 supports; why = region/type/spelling.\n")
	for _, row := range spellingTable(t, spellings) {
		line, err := json.Marshal(phoneCase{Raw: row.raw, Region: row.withRegion, Want: row.want, Why: row.key()})
		require.NoError(t, err)
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if *update {
		require.NoError(t, os.WriteFile(spellingsFile, buf.Bytes(), 0o644))
	}
	got, err := os.ReadFile(spellingsFile)
	require.NoError(t, err, "run go test ./lookup -run TestPhoneSpellingsGolden -update")
	assert.Equal(t, buf.String(), string(got), "%s is out of date: run go test ./lookup -run TestPhoneSpellingsGolden -update", spellingsFile)
}

// TestPhoneCases runs the hand-written spellings of cases.jsonl.
func TestPhoneCases(t *testing.T) {
	n, err := NewNormalizer("", DefaultCacheSize)
	require.NoError(t, err)
	cases := readJSONL[phoneCase](t, casesFile)
	require.NotEmpty(t, cases)
	for _, c := range cases {
		for range 2 { // the second time from the cache
			got, err := n.Normalize(c.Raw, c.Region)
			switch {
			case c.Want == "" && !errors.Is(err, ErrInvalidPhone):
				t.Errorf("Normalize(%q, %q) = %q, %v, want ErrInvalidPhone (%s)", c.Raw, c.Region, got, err, c.Why)
			case c.Want != "" && (err != nil || got != c.Want):
				t.Errorf("Normalize(%q, %q) = %q, %v, want %q (%s)", c.Raw, c.Region, got, err, c.Want, c.Why)
			}
		}
	}
}
