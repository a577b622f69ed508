package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/phonelookup/phonelookup/consumer"
)

func TestFromEnvMaxClockSkew(t *testing.T) {
	tests := []struct {
		value   string
		want    time.Duration
		wantErr bool
	}{
		{"", consumer.DefaultMaxClockSkew, false},
		{"300s", 5 * time.Minute, false}, // what deploy/template.yaml sets by default
		{"90s", 90 * time.Second, false},
		{"24h", 24 * time.Hour, false},
		{"0s", 0, true},
		{"-5m", 0, true},
		{"500ms", 0, true},
		{"25h", 0, true},
		{"300", 0, true}, // a duration needs its unit
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			c, err := FromEnv(func(k string) string {
				if k == "CONSUMER_MAX_CLOCK_SKEW" {
					return tt.value
				}
				return ""
			})
			if tt.wantErr {
				assert.ErrorContains(t, err, "CONSUMER_MAX_CLOCK_SKEW", "FromEnv(CONSUMER_MAX_CLOCK_SKEW=%q)", tt.value)
				return
			}
			assert.NoError(t, err, "FromEnv(CONSUMER_MAX_CLOCK_SKEW=%q)", tt.value)
			assert.Equal(t, tt.want, c.MaxClockSkew, "FromEnv(CONSUMER_MAX_CLOCK_SKEW=%q).MaxClockSkew", tt.value)
		})
	}
}
