package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeEnv is a getenv over vars only.
func fakeEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// resolved is what decides where a client connects and as whom.
type resolved struct {
	Region, AccessKeyID, SecretAccessKey, SessionToken string
	DynamoDB, SQS                                      string // the clients' base endpoints ("" : the AWS default)
}

func resolve(t *testing.T, cfg aws.Config, db *dynamodb.Client, q *sqs.Client) resolved {
	t.Helper()
	r := resolved{Region: cfg.Region, DynamoDB: aws.ToString(db.Options().BaseEndpoint), SQS: aws.ToString(q.Options().BaseEndpoint)}
	if cfg.Credentials != nil {
		creds, err := cfg.Credentials.Retrieve(context.Background())
		require.NoError(t, err, "retrieve credentials")
		r.AccessKeyID, r.SecretAccessKey, r.SessionToken = creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken
	}
	return r
}

// TestBuildUsesInjectedEnvironment builds the app from a fake environment
// only: the clients must connect where it says, as whom it says, whatever
// the process environment holds. (Before, Build read the process
// environment only, and this test saw its region and endpoints.)
func TestBuildUsesInjectedEnvironment(t *testing.T) {
	t.Parallel()
	base := map[string]string{
		"AWS_REGION": "eu-west-3", "AWS_ACCESS_KEY_ID": "AKIDFAKE", "AWS_SECRET_ACCESS_KEY": "fake-secret",
		"AWS_SESSION_TOKEN": "fake-token", "AWS_EC2_METADATA_DISABLED": "true",
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name string
		env  map[string]string
		want resolved
	}{
		{"per-service endpoints", with("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1111", "AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:2222"),
			resolved{"eu-west-3", "AKIDFAKE", "fake-secret", "fake-token", "http://127.0.0.1:1111", "http://127.0.0.1:2222"}},
		{"one endpoint for all", with("AWS_ENDPOINT_URL", "http://127.0.0.1:3333"),
			resolved{"eu-west-3", "AKIDFAKE", "fake-secret", "fake-token", "http://127.0.0.1:3333", "http://127.0.0.1:3333"}},
		{"a service's own endpoint wins", with("AWS_ENDPOINT_URL", "http://127.0.0.1:3333", "AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:2222"),
			resolved{"eu-west-3", "AKIDFAKE", "fake-secret", "fake-token", "http://127.0.0.1:3333", "http://127.0.0.1:2222"}},
		{"endpoints ignored", with("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1111", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
			resolved{"eu-west-3", "AKIDFAKE", "fake-secret", "fake-token", "", ""}},
		{"AWS_DEFAULT_REGION", with("AWS_REGION", "", "AWS_DEFAULT_REGION", "ap-south-1"),
			resolved{"ap-south-1", "AKIDFAKE", "fake-secret", "fake-token", "", ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := FromEnv(fakeEnv(tc.env))
			require.NoError(t, err)
			a, err := Build(context.Background(), c)
			require.NoError(t, err)
			got := resolve(t, a.AWS, a.DynamoDB, a.SQS)
			assert.Equal(t, tc.want, got, "Build(FromEnv(%v)) resolved %+v, want %+v", tc.env, got, tc.want)
		})
	}
}

// TestAWSEnvHidesCredentials: a Config printed by mistake shows no secret.
func TestAWSEnvHidesCredentials(t *testing.T) {
	t.Parallel()
	c, err := FromEnv(fakeEnv(map[string]string{"AWS_ACCESS_KEY_ID": "AKIDFAKE", "AWS_SECRET_ACCESS_KEY": "fake-secret", "AWS_SESSION_TOKEN": "fake-token"}))
	require.NoError(t, err)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(format, c)
		for _, secret := range []string{"AKIDFAKE", "fake-secret", "fake-token"} {
			assert.NotContains(t, s, secret, "Sprintf(%q, Config) = %s", format, s)
		}
	}
}

// TestBuildWithProcessEnvironmentAsBefore: with getenv = os.Getenv, Build
// connects where, and as whom, config.LoadDefaultConfig alone (the code
// before the seam) does, for each kind of setting. Not parallel: it sets
// the process environment.
func TestBuildWithProcessEnvironmentAsBefore(t *testing.T) {
	dir := t.TempDir()
	configFile := filepath.Join(dir, "config")
	credsFile := filepath.Join(dir, "credentials")
	require.NoError(t, os.WriteFile(configFile, []byte(strings.Join([]string{
		"[default]", "region = eu-central-1",
		"[profile ops]", "region = us-west-2", "services = local",
		"[services local]", "dynamodb =", "  endpoint_url = http://127.0.0.1:4444",
		"[profile everywhere]", "region = sa-east-1", "endpoint_url = http://127.0.0.1:5555",
	}, "\n")+"\n"), 0o600))
	require.NoError(t, os.WriteFile(credsFile, []byte(strings.Join([]string{
		"[default]", "aws_access_key_id = AKIDDEFAULT", "aws_secret_access_key = default-secret",
		"[ops]", "aws_access_key_id = AKIDOPS", "aws_secret_access_key = ops-secret",
		"[everywhere]", "aws_access_key_id = AKIDEVERY", "aws_secret_access_key = every-secret",
	}, "\n")+"\n"), 0o600))
	keys := []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
	cases := []struct {
		name string
		env  map[string]string
	}{
		{"shared files only", nil},
		{"region and keys", map[string]string{"AWS_REGION": "eu-west-3", keys[0]: "AKIDENV", keys[1]: "env-secret", keys[2]: "tok"}},
		{"default region", map[string]string{"AWS_DEFAULT_REGION": "ap-south-1"}},
		{"profile", map[string]string{"AWS_PROFILE": "ops"}},
		{"profile and keys", map[string]string{"AWS_PROFILE": "ops", keys[0]: "AKIDENV", keys[1]: "env-secret"}},
		{"profile and region", map[string]string{"AWS_PROFILE": "ops", "AWS_REGION": "eu-west-3"}},
		{"profile's endpoint under the env's", map[string]string{"AWS_PROFILE": "ops", "AWS_ENDPOINT_URL": "http://127.0.0.1:3333"}},
		{"profile's shared endpoint", map[string]string{"AWS_PROFILE": "everywhere"}},
		{"env endpoints", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:3333", "AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:2222"}},
		{"ignored endpoints", map[string]string{"AWS_PROFILE": "ops", "AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:2222", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}},
	}
	all := []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL",
		"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_ACCESS_KEY",
		"AWS_SECRET_KEY", "AWS_ACCOUNT_ID", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range append(all, keys...) {
				setenv(t, k, tc.env[k])
			}
			t.Setenv("AWS_CONFIG_FILE", configFile)
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credsFile)
			t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			ctx := context.Background()

			old, err := config.LoadDefaultConfig(ctx)
			require.NoError(t, err, "LoadDefaultConfig")
			want := resolve(t, old, dynamodb.NewFromConfig(old), sqs.NewFromConfig(old))

			c, err := FromEnv(os.Getenv)
			require.NoError(t, err)
			a, err := Build(ctx, c)
			require.NoError(t, err)
			got := resolve(t, a.AWS, a.DynamoDB, a.SQS)
			assert.Equal(t, want, got, "env %v: Build resolved %+v, LoadDefaultConfig %+v", tc.env, got, want)
		})
	}
}

// setenv sets k to v in the process environment for the test, or unsets it
// when v is "" (the SDK tells an empty variable from an unset one).
func setenv(t *testing.T, k, v string) {
	t.Helper()
	t.Setenv(k, v)
	if v == "" {
		require.NoError(t, os.Unsetenv(k))
	}
}
