// Package sigv4check is a test reverse proxy that checks the AWS Signature
// Version 4 of every request as API Gateway's AWS_IAM authorization does: it
// recomputes the signature with aws-sdk-go-v2's v4 signer (the double-encoded
// canonical URI of every service but S3) over the signed headers the request
// names, and answers 403 {"message": ...} on a mismatch, as API Gateway does;
// a matching request goes on to the target without the base path prefix (a
// custom domain's mapping). Only tests use it.
package sigv4check

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/logging"
)

// Service is the signing name of API Gateway's execute-api.
const Service = "execute-api"

// maxSkew is how far X-Amz-Date may be from now (API Gateway allows 5 min).
const maxSkew = 5 * time.Minute

// Proxy verifies signatures and forwards the requests that match.
type Proxy struct {
	creds  aws.Credentials
	region string
	prefix string
	next   http.Handler

	// Verified and Rejected count the requests that matched and did not.
	Verified, Rejected atomic.Int64
}

// New returns a proxy to target that accepts requests signed with creds for
// region and service execute-api, under the path prefix ("" or "/base").
func New(target *url.URL, creds aws.Credentials, region, prefix string) *Proxy {
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Header.Del("Authorization")
	}}
	return &Proxy{creds: creds, region: region, prefix: strings.TrimSuffix(prefix, "/"), next: rp}
}

// ServeHTTP answers 403 unless the request's signature is the one the v4
// signer computes; then it strips the prefix and forwards the request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	canonical, err := Verify(r, p.creds, p.region)
	if err == nil && !strings.HasPrefix(r.URL.EscapedPath(), p.prefix+"/") {
		err = errors.New("path outside the base path mapping")
	}
	if err != nil {
		p.Rejected.Add(1)
		// API Gateway's own answer, which goes on with the canonical request.
		msg := "The request signature we calculated does not match the signature you provided. (" + err.Error() + ")"
		if canonical != "" {
			msg += "\n\nThe Canonical String for this request should have been\n'" + canonical + "'\n"
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
		return
	}
	p.Verified.Add(1)
	out := r.Clone(r.Context())
	out.URL.RawPath = strings.TrimPrefix(r.URL.EscapedPath(), p.prefix)
	out.URL.Path = strings.TrimPrefix(r.URL.Path, p.prefix)
	p.next.ServeHTTP(w, out)
}

// Verify recomputes the signature of r, which the server received, and
// returns nil if it is the one r carries, with the canonical request the
// signer built (empty when r did not get that far). The body is read and put
// back.
func Verify(r *http.Request, creds aws.Credentials, region string) (string, error) {
	auth := r.Header.Get("Authorization")
	signed, err := signedHeaders(auth, creds.AccessKeyID)
	if err != nil {
		return "", err
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return "", fmt.Errorf("X-Amz-Date: %w", err)
	}
	if d := time.Since(when); d > maxSkew || d < -maxSkew {
		return "", errors.New("signature expired or not yet valid")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return "", fmt.Errorf("read body: %w", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != payload {
		return "", errors.New("X-Amz-Content-Sha256 is not the body's hash")
	}
	again := &http.Request{Method: r.Method, Host: r.Host, Header: http.Header{}, ContentLength: r.ContentLength}
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	again.URL = &u
	for _, h := range signed {
		if h != "host" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	var canonical string
	logger := logging.LoggerFunc(func(_ logging.Classification, format string, v ...any) {
		if len(v) > 0 {
			canonical, _ = v[0].(string)
		}
	})
	err = v4.NewSigner().SignHTTP(context.Background(), creds, again, payload, Service, region, when,
		func(o *v4.SignerOptions) { o.LogSigning, o.Logger = true, logger })
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	if got := again.Header.Get("Authorization"); got != auth {
		return canonical, errors.New("signature mismatch")
	}
	return canonical, nil
}

// signedHeaders parses an AWS4-HMAC-SHA256 Authorization header and returns
// its SignedHeaders, after checking the access key id.
func signedHeaders(auth, accessKeyID string) ([]string, error) {
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return nil, errors.New("missing Authentication Token")
	}
	var credential, headers string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			credential = v
		case "SignedHeaders":
			headers = v
		}
	}
	if id, _, _ := strings.Cut(credential, "/"); id != accessKeyID {
		return nil, errors.New("unknown access key")
	}
	if headers == "" {
		return nil, errors.New("no SignedHeaders")
	}
	return strings.Split(headers, ";"), nil
}
