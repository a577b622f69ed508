package app

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// AWSEnv is the part of the AWS SDK's standard environment that decides
// where the binaries connect and as whom: region, profile, endpoints and
// static credentials. FromEnv reads it from the getenv it is given, and
// Build hands it to the SDK as explicit options, so a caller that injects
// its environment (a test) is not overruled by the process environment.
// With getenv = os.Getenv the options equal what the SDK reads itself, with
// the SDK's precedence, so the binaries behave as the SDK documents. The
// rest of the SDK's variables (AWS_CONFIG_FILE, AWS_RETRY_MODE, the
// container and web-identity credentials, ...) still come from the process.
type AWSEnv struct {
	Region  string // AWS_REGION, else AWS_DEFAULT_REGION
	Profile string // AWS_PROFILE, else AWS_DEFAULT_PROFILE

	// Endpoint (AWS_ENDPOINT_URL) is every service's endpoint, unless the
	// service has its own: DynamoDBEndpoint (AWS_ENDPOINT_URL_DYNAMODB),
	// SQSEndpoint (AWS_ENDPOINT_URL_SQS). IgnoreEndpoints
	// (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true) turns all three off.
	Endpoint, DynamoDBEndpoint, SQSEndpoint string
	IgnoreEndpoints                         bool

	// AccessKeyID (AWS_ACCESS_KEY_ID or AWS_ACCESS_KEY), SecretAccessKey
	// (AWS_SECRET_ACCESS_KEY or AWS_SECRET_KEY), SessionToken
	// (AWS_SESSION_TOKEN) and AccountID (AWS_ACCOUNT_ID) are static
	// credentials, used when both keys are set.
	AccessKeyID, SecretAccessKey, SessionToken, AccountID string

	// WebIdentity (AWS_WEB_IDENTITY_TOKEN_FILE is set) keeps the SDK's
	// order: web identity credentials before a profile's.
	WebIdentity bool

	// MaxAttempts (AWS_MAX_ATTEMPTS, a positive integer; 0: unset) replaces
	// the attempts of the DynamoDB retry policy, as the SDK documents.
	MaxAttempts int
}

// awsEnvFrom reads the AWS variables from getenv.
func awsEnvFrom(getenv func(string) string) AWSEnv {
	e := AWSEnv{
		Region:           cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")),
		Profile:          cmp.Or(getenv("AWS_PROFILE"), getenv("AWS_DEFAULT_PROFILE")),
		Endpoint:         getenv("AWS_ENDPOINT_URL"),
		DynamoDBEndpoint: getenv("AWS_ENDPOINT_URL_DYNAMODB"),
		SQSEndpoint:      getenv("AWS_ENDPOINT_URL_SQS"),
		IgnoreEndpoints:  strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true"),
		AccessKeyID:      cmp.Or(getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_ACCESS_KEY")),
		SecretAccessKey:  cmp.Or(getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SECRET_KEY")),
		WebIdentity:      getenv("AWS_WEB_IDENTITY_TOKEN_FILE") != "",
	}
	if e.staticCredentials() {
		e.SessionToken, e.AccountID = getenv("AWS_SESSION_TOKEN"), getenv("AWS_ACCOUNT_ID")
	}
	if n, err := strconv.Atoi(getenv("AWS_MAX_ATTEMPTS")); err == nil && n > 0 {
		e.MaxAttempts = n
	}
	return e
}

// String hides the credentials.
func (e AWSEnv) String() string {
	return fmt.Sprintf("region=%q profile=%q endpoint=%q dynamodb=%q sqs=%q static credentials=%t",
		e.Region, e.Profile, e.Endpoint, e.DynamoDBEndpoint, e.SQSEndpoint, e.staticCredentials())
}

// GoString hides the credentials from %#v too.
func (e AWSEnv) GoString() string { return "app.AWSEnv{" + e.String() + "}" }

func (e AWSEnv) staticCredentials() bool { return e.AccessKeyID != "" && e.SecretAccessKey != "" }

// loadOptions are the LoadDefaultConfig options that carry e. The SDK's
// own order is kept: environment credentials before a profile (so the
// profile is passed only without them), the region of the environment
// before the profile's, and a service's own endpoint before the shared one
// (the shared one goes in aws.Config, the service's in its client options).
func (e AWSEnv) loadOptions() []func(*config.LoadOptions) error {
	var opts []func(*config.LoadOptions) error
	if e.Region != "" {
		opts = append(opts, config.WithRegion(e.Region))
	}
	switch {
	case e.staticCredentials():
		opts = append(opts, config.WithCredentialsProvider(credentials.StaticCredentialsProvider{Value: aws.Credentials{
			AccessKeyID: e.AccessKeyID, SecretAccessKey: e.SecretAccessKey, SessionToken: e.SessionToken,
			AccountID: e.AccountID, Source: config.CredentialsSourceName,
		}}))
		if e.Profile != "" { // the profile's other settings (retries, ...) still apply
			opts = append(opts, config.WithSharedConfigProfile(e.Profile))
		}
	case e.Profile != "" && !e.WebIdentity:
		opts = append(opts, config.WithSharedConfigProfile(e.Profile))
	}
	if e.Endpoint != "" && !e.IgnoreEndpoints {
		opts = append(opts, config.WithBaseEndpoint(e.Endpoint))
	}
	return opts
}

// dynamoDBOptions points the DynamoDB client at DynamoDBEndpoint, if set.
func (e AWSEnv) dynamoDBOptions(o *dynamodb.Options) {
	if e.DynamoDBEndpoint != "" && !e.IgnoreEndpoints {
		o.BaseEndpoint = aws.String(e.DynamoDBEndpoint)
	}
}

// sqsOptions points the SQS client at SQSEndpoint, if set.
func (e AWSEnv) sqsOptions(o *sqs.Options) {
	if e.SQSEndpoint != "" && !e.IgnoreEndpoints {
		o.BaseEndpoint = aws.String(e.SQSEndpoint)
	}
}

// loadAWS loads the AWS configuration with e's options.
func loadAWS(ctx context.Context, e AWSEnv) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, e.loadOptions()...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}
