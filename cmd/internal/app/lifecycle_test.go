package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/lookup"
)

func TestParseRetention(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"", 0, false}, {"0", 0, false},
		{"730d", 730 * 24 * time.Hour, false}, {"17520h", 17520 * time.Hour, false}, {"90m", 90 * time.Minute, false},
		{"10m", 0, true}, {"-5d", 0, true}, {"1.5d", 0, true}, {"two years", 0, true}, {"0d", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseRetention(tt.in)
		if tt.wantErr {
			assert.Error(t, err, "ParseRetention(%q)", tt.in)
			continue
		}
		require.NoError(t, err, "ParseRetention(%q)", tt.in)
		assert.Equal(t, tt.want, got, "ParseRetention(%q)", tt.in)
	}
}

func TestIgnorePhones(t *testing.T) {
	phones, err := lookup.NewNormalizer("", 0)
	require.NoError(t, err)
	tests := []struct {
		env     string
		want    map[string]bool
		wantErr string
	}{
		{"", nil, ""},
		{"+442079460000, +1 555 555 0100", map[string]bool{"+442079460000": true, "+15555550100": true}, ""},
		{"testdata/ignore-phones.txt", map[string]bool{"+442079460000": true, "+15555550100": true}, ""},
		{"testdata/missing.txt", nil, "not a readable file"},
		{"+442079460000,+12", nil, "entry 2"},
	}
	for _, tt := range tests {
		raw, err := readIgnorePhones(tt.env)
		if err == nil {
			var set map[string]bool
			set, err = ignoreSet(phones, raw)
			if tt.wantErr == "" {
				require.NoError(t, err, "IGNORE_PHONES=%q", tt.env)
				assert.Equal(t, tt.want, set, "IGNORE_PHONES=%q", tt.env)
				continue
			}
		}
		require.Error(t, err, "IGNORE_PHONES=%q", tt.env)
		assert.Contains(t, err.Error(), tt.wantErr, "IGNORE_PHONES=%q", tt.env)
	}
}
