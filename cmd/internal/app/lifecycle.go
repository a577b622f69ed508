package app

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/phonelookup/phonelookup/lookup"
)

// ParseRetention reads LINK_RETENTION: empty or "0" is off; else a Go
// duration (17520h) or a whole number of days (730d), at least one hour.
func ParseRetention(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "0" {
		return 0, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > 100*365 {
			return 0, fmt.Errorf("%q: want a whole number of days from 1 to 36500, or a duration such as 17520h", v)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, fmt.Errorf("%q: want a duration such as 730d or 17520h", v)
		}
	}
	if d < time.Hour {
		return 0, fmt.Errorf("%q: at least 1h", v)
	}
	return d, nil
}

// readIgnorePhones reads IGNORE_PHONES: numbers with + separated by commas,
// or (a value not starting with +) the path of a file with one number per
// line, blank lines and lines starting with # ignored.
func readIgnorePhones(v string) ([]string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	sep := ","
	if !strings.HasPrefix(v, "+") {
		data, err := os.ReadFile(v)
		if err != nil {
			return nil, fmt.Errorf("not a list of +numbers, and not a readable file: %w", err)
		}
		v, sep = string(data), "\n"
	}
	var out []string
	for _, p := range strings.Split(v, sep) {
		p = strings.TrimSpace(p)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

// ignoreSet normalises the ignored numbers (each must start with + and
// normalise) into the set the processor checks.
func ignoreSet(phones *lookup.Normalizer, raw []string) (map[string]bool, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	set := make(map[string]bool, len(raw))
	for i, p := range raw {
		if !strings.HasPrefix(p, "+") {
			return nil, fmt.Errorf("entry %d is not an international number (+...)", i+1)
		}
		e, err := phones.Normalize(p, "")
		if err != nil {
			return nil, fmt.Errorf("entry %d (%s): %w", i+1, lookup.MaskPhone(p), err)
		}
		set[e] = true
	}
	return set, nil
}
