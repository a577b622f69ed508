package lookup

import (
	"errors"
	"fmt"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/nyaruka/phonenumbers/v2"
)

// NormVersion names the normaliser that produced a stored number. It is kept
// on every link (attribute normVersion) so numbers written by an older
// normaliser can be found and rewritten if its rules change.
const NormVersion = "phonenumbers/v2.0.7"

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

func normalize(raw, region string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidPhone)
	}
	if region != "" && !IsRegion(region) {
		return "", fmt.Errorf("%w: unknown region %q", ErrInvalidPhone, region)
	}
	if region == "" && !strings.HasPrefix(strings.TrimLeft(raw, " \t("), "+") {
		return "", fmt.Errorf("%w: no + and no region to read it in", ErrInvalidPhone)
	}
	num, err := phonenumbers.Parse(raw, region)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidPhone, err)
	}
	if !phonenumbers.IsPossibleNumber(num) {
		return "", fmt.Errorf("%w: not a possible number", ErrInvalidPhone)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
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
