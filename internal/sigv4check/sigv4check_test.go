package sigv4check_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/internal/sigv4check"
)

var creds = aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret", SessionToken: "token"}

// TestProxy: a request the v4 signer signed passes, with the prefix
// stripped and the path's escapes kept; any change after signing, another
// key, region or service, or no signature is a 403 {"message"} that goes on
// with the canonical request, as API Gateway's.
func TestProxy(t *testing.T) {
	var got string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath() + "?" + r.URL.RawQuery
		w.WriteHeader(http.StatusNoContent)
	}))
	defer backend.Close()
	target, err := url.Parse(backend.URL)
	require.NoError(t, err)
	proxy := sigv4check.New(target, creds, "eu-west-1", "/admin")
	front := httptest.NewServer(proxy)
	defer front.Close()

	const path = "/admin/v1/customers/us-east-1%3Asupport%40x.example/phones/%2B44%2020%207946%200101"
	cases := []struct {
		name    string
		signed  string // the path and query signed
		sent    string // the path and query sent
		creds   aws.Credentials
		region  string
		service string
		want    int
	}{
		{"signed as sent", path + "?region=GB", path + "?region=GB", creds, "eu-west-1", "execute-api", 204},
		{"another path", path, "/admin/v1/customers/us-east-1%3Asupport%40x.example/phones/%2B44%2020%207946%200102", creds, "eu-west-1", "execute-api", 403},
		{"another query", path + "?region=GB", path + "?region=FR", creds, "eu-west-1", "execute-api", 403},
		{"another secret", path, path, aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "other"}, "eu-west-1", "execute-api", 403},
		{"another key", path, path, aws.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: "secret"}, "eu-west-1", "execute-api", 403},
		{"another region", path, path, creds, "us-east-1", "execute-api", 403},
		{"another service", path, path, creds, "eu-west-1", "lambda", 403},
		{"outside the prefix", "/v1/customers/a/phones", "/v1/customers/a/phones", creds, "eu-west-1", "execute-api", 403},
		{"not signed", "", path, creds, "eu-west-1", "execute-api", 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got = ""
			req, err := http.NewRequest(http.MethodDelete, front.URL+tc.signed, nil)
			require.NoError(t, err)
			if tc.signed != "" {
				sum := sha256.Sum256(nil)
				require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), tc.creds, req, hex.EncodeToString(sum[:]), tc.service, tc.region, time.Now()))
			}
			req.URL, err = url.Parse(front.URL + tc.sent)
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tc.want, resp.StatusCode, "%s", body)
			if tc.want == 204 {
				assert.Equal(t, "/v1/customers/us-east-1%3Asupport%40x.example/phones/%2B44%2020%207946%200101?region=GB", got)
				return
			}
			assert.Empty(t, got, "a rejected request does not reach the target")
			var m struct{ Message string }
			require.NoError(t, json.Unmarshal(body, &m))
			assert.Contains(t, m.Message, "signature")
			if tc.name == "another query" {
				assert.Contains(t, m.Message, "\n/admin/v1/customers/us-east-1%253Asupport%2540x.example/phones/%252B44%252020%25207946%25200101\n",
					"the canonical URI is the path encoded again")
			}
		})
	}
	assert.Equal(t, int64(1), proxy.Verified.Load())
	assert.Equal(t, int64(len(cases)-1), proxy.Rejected.Load())
}
