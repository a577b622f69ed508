// Command api is the find-by-phone API's Lambda function (bootstrap,
// provided.al2023) behind an API Gateway HTTP API with AWS_IAM authorization:
// the api package's handler, served through aws-lambda-go-api-proxy's
// adapter for payload format 2.0.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/cmd/internal/app"
)

// version is stamped by make build (-X main.version=...).
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

// run wires the handler from the environment and starts the Lambda runtime
// loop, which does not return.
func run(ctx context.Context, _ []string, getenv func(string) string, stderr io.Writer) error {
	p, err := newProxy(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	lambda.StartWithOptions(p, lambda.WithContext(ctx))
	return nil
}

// newProxy builds the API's handler (audit lines as JSON on stderr, which
// Lambda sends to the function's log group) inside the HTTP API adapter,
// behind escapingRawPath.
func newProxy(ctx context.Context, getenv func(string) string, stderr io.Writer) (proxy, error) {
	cfg, err := app.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	cfg.Face = app.FaceAPI
	a, err := app.Build(ctx, cfg)
	if err != nil {
		return nil, err
	}
	audit := cfg.AuditLogger(stderr).With().Str("version", version).Logger()
	return escapingRawPath(httpadapter.NewV2(a.API(audit, gatewayCaller)).ProxyWithContext), nil
}

// gatewayCaller reads the caller from the API Gateway request context the
// adapter puts in the request's context: the IAM principal that signed the
// request (requestContext.authorizer.iam.userArn) and API Gateway's request
// id, the one in its access log.
func gatewayCaller(r *http.Request) api.Caller {
	rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok {
		return api.Caller{Principal: "unknown", RequestID: api.NewRequestID()}
	}
	c := api.Caller{Principal: "unknown", RequestID: rc.RequestID}
	if rc.Authorizer != nil && rc.Authorizer.IAM != nil && rc.Authorizer.IAM.UserARN != "" {
		c.Principal = rc.Authorizer.IAM.UserARN
	}
	if c.RequestID == "" {
		c.RequestID = api.NewRequestID()
	}
	return c
}
