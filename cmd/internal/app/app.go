// Package app wires phonelookup's packages together from the environment for
// the binaries (cmd/consumer, cmd/api, cmd/phonelookup). It is the only place that
// reads configuration and builds AWS clients.
package app

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/rs/zerolog"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/consumer"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/lookup"
)

// Config is the configuration read from the environment; flags may override
// fields before Build.
type Config struct {
	Table         string // LOOKUP_TABLE, default phone-lookup
	Index         string // LOOKUP_INDEX, default brand-index-2
	DefaultRegion string // PHONE_DEFAULT_REGION: region of numbers written without + when the event has no countryCode
	Concurrency   int    // CONSUMER_CONCURRENCY, default 10
	LogLevel      string // LOG_LEVEL, default info
	// MetricsNamespace (METRICS_NAMESPACE, default PhoneLookup) and
	// MetricsDimensions (METRICS_DIMENSIONS, "Name=value,..."; default
	// Service=phonelookup) shape the EMF metrics of the Lambda.
	MetricsNamespace  string
	MetricsDimensions map[string]string
	// AWS is where the AWS clients connect and as whom (AWS_REGION,
	// AWS_PROFILE, AWS_ENDPOINT_URL_*, AWS_ACCESS_KEY_ID, ...).
	AWS AWSEnv
	// Retention (LINK_RETENTION, a duration such as 730d or 17520h; default
	// off) sets every written link's TTL to lastSeenAt + Retention.
	Retention time.Duration
	// TTLAttribute (LINK_TTL_ATTRIBUTE, default expiresAt) is the table's
	// TTL attribute.
	TTLAttribute string
	// IgnorePhones (IGNORE_PHONES: E.164 numbers separated by commas, or the
	// path of a file with one per line) are never linked.
	IgnorePhones []string
	// MaxClockSkew (CONSUMER_MAX_CLOCK_SKEW, a Go duration like 5m or 300s,
	// from 1s to 24h; default consumer.DefaultMaxClockSkew): an event dated
	// later than the consumer's clock plus this is invalid.
	MaxClockSkew time.Duration
	// SearchMaxRead (API_SEARCH_MAX_READ, default 1000, 1-100000) bounds the
	// index items one API search reads.
	SearchMaxRead int
	// Face is how the binary serves (set by the binary, not the
	// environment): it picks the DynamoDB client's retry policy.
	Face Face
	// Retry, if set, replaces the face's retry policy (tests).
	Retry RetryPolicy
}

// FromEnv reads the configuration; getenv is os.Getenv in production.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Table:         cmp.Or(getenv("LOOKUP_TABLE"), dynamo.DefaultTable),
		Index:         cmp.Or(getenv("LOOKUP_INDEX"), dynamo.DefaultIndex),
		DefaultRegion: strings.ToUpper(strings.TrimSpace(getenv("PHONE_DEFAULT_REGION"))),
		Concurrency:   consumer.DefaultConcurrency,
		LogLevel:      cmp.Or(getenv("LOG_LEVEL"), "info"),
		AWS:           awsEnvFrom(getenv),
	}
	if v := getenv("CONSUMER_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return c, fmt.Errorf("CONSUMER_CONCURRENCY=%q: want an integer from 1 to 1000", v)
		}
		c.Concurrency = n
	}
	c.MaxClockSkew = consumer.DefaultMaxClockSkew
	if v := getenv("CONSUMER_MAX_CLOCK_SKEW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 24*time.Hour {
			return c, fmt.Errorf("CONSUMER_MAX_CLOCK_SKEW=%q: want a duration from 1s to 24h, like 5m", v)
		}
		c.MaxClockSkew = d
	}
	c.SearchMaxRead = api.DefaultMaxRead
	if v := getenv("API_SEARCH_MAX_READ"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100_000 {
			return c, fmt.Errorf("API_SEARCH_MAX_READ=%q: want an integer from 1 to 100000", v)
		}
		c.SearchMaxRead = n
	}
	c.MetricsNamespace = cmp.Or(getenv("METRICS_NAMESPACE"), "PhoneLookup")
	dims, err := parseDimensions(cmp.Or(getenv("METRICS_DIMENSIONS"), "Service=phonelookup"))
	if err != nil {
		return c, fmt.Errorf("METRICS_DIMENSIONS: %w", err)
	}
	c.MetricsDimensions = dims
	if _, err := zerolog.ParseLevel(c.LogLevel); err != nil {
		return c, fmt.Errorf("LOG_LEVEL=%q: %w", c.LogLevel, err)
	}
	if c.Retention, err = ParseRetention(getenv("LINK_RETENTION")); err != nil {
		return c, fmt.Errorf("LINK_RETENTION: %w", err)
	}
	c.TTLAttribute = cmp.Or(getenv("LINK_TTL_ATTRIBUTE"), dynamo.DefaultTTLAttribute)
	if c.IgnorePhones, err = readIgnorePhones(getenv("IGNORE_PHONES")); err != nil {
		return c, fmt.Errorf("IGNORE_PHONES: %w", err)
	}
	return c, nil
}

// parseDimensions reads "Name=value,Name2=value2" (at most 30 dimensions).
func parseDimensions(s string) (map[string]string, error) {
	dims := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%q: want Name=value pairs separated by commas", kv)
		}
		dims[k] = v
	}
	if len(dims) > 30 {
		return nil, fmt.Errorf("%d dimensions: at most 30", len(dims))
	}
	return dims, nil
}

// Logger returns a JSON logger on w at the configured level.
func (c Config) Logger(w io.Writer) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(c.LogLevel)
	if err != nil || c.LogLevel == "" {
		lvl = zerolog.InfoLevel
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger()
}

// AuditLogger returns the logger of the API's audit lines: Logger, but
// never above info, so that every request is audited whatever LOG_LEVEL says.
func (c Config) AuditLogger(w io.Writer) zerolog.Logger {
	l := c.Logger(w)
	if l.GetLevel() > zerolog.InfoLevel {
		l = l.Level(zerolog.InfoLevel)
	}
	return l
}

// App is the wired service.
type App struct {
	Config    Config
	AWS       aws.Config
	DynamoDB  *dynamodb.Client
	SQS       *sqs.Client
	Store     *dynamo.Store
	Phones    *lookup.Normalizer
	Processor *consumer.Processor

	throttled *atomic.Int64 // DynamoDB attempts throttled and retried
}

// ThrottledRetries returns how many DynamoDB attempts were throttled and
// retried so far.
func (a *App) ThrottledRetries() int64 {
	if a.throttled == nil {
		return 0
	}
	return a.throttled.Load()
}

// Build loads the AWS configuration the standard way, with c.AWS (read by
// FromEnv from the getenv it was given) as explicit options, and wires the
// store and the processor. It makes no network call.
func Build(ctx context.Context, c Config) (*App, error) {
	phones, err := lookup.NewNormalizer(c.DefaultRegion, lookup.DefaultCacheSize)
	if err != nil {
		return nil, fmt.Errorf("PHONE_DEFAULT_REGION: %w", err)
	}
	awsCfg, err := loadAWS(ctx, c.AWS)
	if err != nil {
		return nil, err
	}
	throttled := new(atomic.Int64)
	db := dynamodb.NewFromConfig(awsCfg, c.AWS.dynamoDBOptions, func(o *dynamodb.Options) { c.retryOptions(o, throttled) })
	store := dynamo.NewStore(db, c.Table, c.Index)
	store.Retention, store.TTLAttribute = c.Retention, c.TTLAttribute
	ignore, err := ignoreSet(phones, c.IgnorePhones)
	if err != nil {
		return nil, fmt.Errorf("IGNORE_PHONES: %w", err)
	}
	return &App{
		Config:    c,
		AWS:       awsCfg,
		DynamoDB:  db,
		SQS:       sqs.NewFromConfig(awsCfg, c.AWS.sqsOptions),
		Store:     store,
		Phones:    phones,
		Processor: &consumer.Processor{Linker: store, Phones: phones, Ignore: ignore, MaxClockSkew: c.MaxClockSkew},
		throttled: throttled,
	}, nil
}

// retryOptions sets the DynamoDB client's retryer: c.Retry, else the
// policy of c.Face (see retryPolicies for why), with AWS_MAX_ATTEMPTS's
// attempts if set. It overrides AWS_RETRY_MODE on purpose.
func (c Config) retryOptions(o *dynamodb.Options, throttled *atomic.Int64) {
	p := c.Retry
	if p.MaxAttempts <= 0 {
		p = RetryPolicyOf(c.Face)
	}
	if c.AWS.MaxAttempts > 0 {
		p.MaxAttempts = c.AWS.MaxAttempts
	}
	o.Retryer = countingRetryer{RetryerV2: p.Retryer(), throttled: throttled}
}

// The store is the consumer's linker and the API's store.
var (
	_ consumer.Linker = (*dynamo.Store)(nil)
	_ api.Store       = (*dynamo.Store)(nil)
)

// Batch returns a batch runner with the configured concurrency.
func (a *App) Batch(log zerolog.Logger) *consumer.Batch {
	return &consumer.Batch{Processor: a.Processor, Concurrency: a.Config.Concurrency, Log: log}
}

// SetupTimeout bounds table creation.
const SetupTimeout = 5 * time.Minute

// API returns the find-by-phone API's handler on the store, auditing to
// audit; caller tells who sent a request (nil: "local").
func (a *App) API(audit zerolog.Logger, caller func(*http.Request) api.Caller) http.Handler {
	return api.New(api.Options{Store: a.Store, Phones: a.Phones, Audit: audit,
		MaxRead: a.Config.SearchMaxRead, Caller: caller})
}
