package lookup

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/nyaruka/phonenumbers/v2"
)

// NormVersion names the normaliser that produced a stored number. It is kept
// on every link (attribute normVersion) so numbers written by an older
// normaliser can be found and rewritten if its rules change. "+2": the
// library reads every spelling it can, and a number with letters among its
// digits is rejected; links written before (normVersion exactly
// "phonenumbers/v2.0.7") may hold a number misread from letters.
const NormVersion = "phonenumbers/v2.0.7+2"

// ErrInvalidPhone is returned for a number that cannot be normalised: it does
// not parse, is not a possible number, or is written without + and no region is
// known. Retrying cannot fix it.
var ErrInvalidPhone = errors.New("invalid phone number")

// DefaultCacheSize is the number of spellings a Normalizer remembers.
const DefaultCacheSize = 4096

// maxCachedSpelling bounds the cache's memory: longer spellings (no real
// number needs more) are parsed every time.
const maxCachedSpelling = 64

// Normalizer turns a phone number as typed into E.164 ("+442079460958").
// Parsing costs microseconds (mostly regular expressions), so results are kept
// in a bounded LRU cache keyed by spelling and region. It is safe for
// concurrent use; the zero value is not: use NewNormalizer.
type Normalizer struct {
	defaultRegion string
	cache         *lru.Cache[normKey, normResult] // nil: no cache
}

type normKey struct{ raw, region string }

type normResult struct {
	e164 string
	err  error
}

// NewNormalizer returns a Normalizer that uses defaultRegion (ISO 3166-1
// alpha-2, may be empty) for numbers written without + when the caller gives
// no region, caching up to cacheSize spellings (0 disables the cache).
func NewNormalizer(defaultRegion string, cacheSize int) (*Normalizer, error) {
	n := &Normalizer{defaultRegion: strings.ToUpper(strings.TrimSpace(defaultRegion))}
	if n.defaultRegion != "" && !IsRegion(n.defaultRegion) {
		return nil, fmt.Errorf("default region %q: not a region phonenumbers knows", defaultRegion)
	}
	if cacheSize > 0 {
		c, err := lru.New[normKey, normResult](cacheSize)
		if err != nil {
			return nil, fmt.Errorf("phone cache: %w", err)
		}
		n.cache = c
	}
	return n, nil
}

// IsRegion reports whether region is an ISO 3166-1 alpha-2 code that the
// phone-number metadata knows.
func IsRegion(region string) bool {
	_, ok := phonenumbers.GetSupportedRegions()[strings.ToUpper(region)]
	return ok
}

// Normalize returns raw in E.164. region is the region of the number when it is
// written without +: the event's countryCode; empty means the default region.
// Every error wraps ErrInvalidPhone.
func (n *Normalizer) Normalize(raw, region string) (string, error) {
	if region == "" {
		region = n.defaultRegion
	}
	region = strings.ToUpper(region)
	if n.cache == nil || len(raw) > maxCachedSpelling {
		return normalize(raw, region)
	}
	k := normKey{raw, region}
	if r, ok := n.cache.Get(k); ok {
		return r.e164, r.err
	}
	e164, err := normalize(raw, region)
	n.cache.Add(k, normResult{e164, err})
	return e164, err
}

// normalize lets phonenumbers decide what it can read: a +, a full-width ＋,
// an RFC 3966 tel: URI, text before the number ("Tel: "), full-width and
// other Unicode digits, punctuation. Without a + (or a tel: URI's global
// phone-context) it needs the region; with none, or one it does not know, it
// answers ErrInvalidCountryCode, so a national number with no region is
// rejected by the library itself, not by a check of ours in front of it.
//
// What it reads is then held against what was typed: a number with letters in
// it is rejected (see lettersInNumber). An extension is not part of the
// number: the line is linked without it (E.164 has no extensions).
func normalize(raw, region string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidPhone)
	}
	num, err := phonenumbers.Parse(raw, region)
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return "", fmt.Errorf("%w: no country calling code it knows (a number without + needs a known region)", ErrInvalidPhone)
	case err != nil:
		return "", fmt.Errorf("%w: %v", ErrInvalidPhone, err)
	}
	if !phonenumbers.IsPossibleNumber(num) {
		return "", fmt.Errorf("%w: not a possible number", ErrInvalidPhone)
	}
	if lettersInNumber(raw, num.GetExtension()) {
		return "", fmt.Errorf("%w: letters in the number", ErrInvalidPhone)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// lettersInNumber reports whether the number phonenumbers read from raw had
// letters among its digits. The library drops up to two letters silently
// ("+44 20 7946 01AB" reads as +4420794601) and reads three or more on a
// phone keypad ("1-800-FLOWERS" reads as +18003569377): either way the E.164
// is not the number typed, so we reject it. Vanity numbers are rejected on
// purpose: a customer's own phone is not one, while letters in a phone field
// are mostly a typo or filler, and a keypad reading of those would link a
// stranger's number.
//
// Letters the library does not read into the number are allowed: text before
// the first digit or + ("Tel: ", "tel:"), RFC 3966 parameters after ";"
// (";ext=", ";isub=", ";phone-context="), and the label of the extension the
// library found (ext: its digits), which must then be one of the library's own
// extension labels ("ext.", "x", "доб.", ...) and nothing else.
func lettersInNumber(raw, ext string) bool {
	if !hasLetter(raw) {
		return false // the common case: nothing to place
	}
	start := strings.IndexFunc(raw, func(r rune) bool { return r == '+' || r == '＋' || unicode.IsDigit(r) })
	if start < 0 {
		return false // the library read no number: it did not get here
	}
	s := raw[start:]
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	if ext != "" {
		s = stripExtension(s, ext)
	}
	return hasLetter(s)
}

// stripExtension returns s without its trailing extension: the digits ext (as
// the library found them in s), what follows them, and its label back to the
// last digit of the number, provided the label's letters are an extension
// label the library knows. Otherwise it returns s unchanged (and its letters
// reject the number).
func stripExtension(s, ext string) string {
	// The extension's digits are the last digits of s; only punctuation ("#")
	// may follow them.
	end := strings.LastIndexFunc(s, unicode.IsDigit)
	if end < 0 || hasLetter(s[end:]) {
		return s
	}
	_, size := utf8.DecodeRuneInString(s[end:])
	head := s[:end+size]
	digits := strings.LastIndexFunc(head, func(r rune) bool { return !unicode.IsDigit(r) }) + 1
	if digits == 0 || head[digits:] != ext {
		return s
	}
	// Its label runs back to the last digit of the number.
	last := strings.LastIndexFunc(head[:digits], unicode.IsDigit)
	if last < 0 {
		return s
	}
	_, size = utf8.DecodeRuneInString(head[last:])
	numberEnd := last + size
	letters := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, head[numberEnd:digits])
	if !extensionLabel().MatchString(letters) {
		return s
	}
	return s[:numberEnd]
}

// extensionLabel matches the letters of an extension label as
// phonenumbers v2.0.7 reads them (its explicitExtLabels and
// ambiguousExtLabels, lower case, punctuation left out), or none ("#", ",,").
// It is compiled on first use, by a number with letters, not at package
// init: a Lambda's cold start does not pay for it.
var extensionLabel = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:e?xt(?:ensi(?:o|ó))?n?|ｅ?ｘｔｎ?|доб|anexo|x|ｘ|int|ｉｎｔ)?$`)
})

// hasLetter reports whether s holds a letter of any script.
func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.IndexFunc(s[i:], unicode.IsLetter) >= 0
		}
		if c|0x20 >= 'a' && c|0x20 <= 'z' {
			return true
		}
	}
	return false
}

// International returns an E.164 number in the international format people
// read ("+44 20 7946 0958"), or the number as given when it cannot be parsed.
func International(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

// MaskPhone returns a form of a phone number that is safe to log: the country
// calling code and the last two digits at most ("+44*******58"). Anything that
// is not E.164 shows only its last two digits.
func MaskPhone(phone string) string {
	digits := make([]byte, 0, len(phone))
	for i := 0; i < len(phone); i++ {
		if phone[i] >= '0' && phone[i] <= '9' {
			digits = append(digits, phone[i])
		}
	}
	if len(digits) < 6 {
		return "***"
	}
	last := string(digits[len(digits)-2:])
	if !isE164(phone) {
		return "***" + last
	}
	cc := countryCode(phone[1:])
	return "+" + cc + strings.Repeat("*", len(digits)-len(cc)-2) + last
}

// countryCode returns the country calling code that starts the digits of an
// E.164 number (1 to 3 digits).
func countryCode(digits string) string {
	for l := 1; l <= 3 && l < len(digits); l++ {
		var cc int
		for _, d := range digits[:l] {
			cc = cc*10 + int(d-'0')
		}
		if phonenumbers.GetRegionCodeForCountryCode(cc) != "ZZ" {
			return digits[:l]
		}
	}
	return digits[:1]
}
