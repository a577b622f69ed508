package main

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/cmd/internal/app"
)

// TestTemplateAPI checks the find-by-phone API's resources: an HTTP API
// whose every route needs AWS_IAM, stage throttling from parameters, access
// logs without the path (it holds the number) to a retention-bounded group,
// and the function's routes exactly the handler's.
func TestTemplateAPI(t *testing.T) {
	tpl, raw := loadTemplate(t)
	props := at(t, raw, "Resources", "HttpApi", "Properties")
	assert.Equal(t, true, at(t, props, "Auth", "EnableIamAuthorizer"))
	assert.Equal(t, "AWS_IAM", at(t, props, "Auth", "DefaultAuthorizer"))
	assert.Equal(t, map[string]any{"Ref": "ApiThrottlingRateLimit"}, at(t, props, "DefaultRouteSettings", "ThrottlingRateLimit"))
	assert.Equal(t, map[string]any{"Ref": "ApiThrottlingBurstLimit"}, at(t, props, "DefaultRouteSettings", "ThrottlingBurstLimit"))
	assert.Equal(t, map[string]any{"Fn::GetAtt": "ApiAccessLogGroup.Arn"}, at(t, props, "AccessLogSettings", "DestinationArn"))
	format := at(t, props, "AccessLogSettings", "Format").(string)
	assert.True(t, json.Valid([]byte(format)), "the access log format is JSON: %s", format)
	for _, v := range []string{"$context.requestId", "$context.routeKey", "$context.status", "$context.identity.userArn"} {
		assert.Contains(t, format, v)
	}
	assert.NotContains(t, format, "$context.path", "the path holds the phone number")
	for _, lg := range []string{"ApiAccessLogGroup", "ApiLogGroup"} {
		assert.Equal(t, map[string]any{"Ref": "LogRetentionDays"}, at(t, raw, "Resources", lg, "Properties", "RetentionInDays"), lg)
	}

	f, err := tpl.GetServerlessFunctionWithName("ApiFunction")
	require.NoError(t, err)
	assert.Equal(t, "provided.al2023", *f.Runtime)
	assert.Equal(t, "bootstrap", *f.Handler)
	assert.Equal(t, []string{"arm64"}, f.Architectures)
	fn := at(t, raw, "Resources", "ApiFunction", "Properties")
	assert.Equal(t, map[string]any{"Ref": "ApiCodeUri"}, at(t, fn, "CodeUri"))
	assert.Equal(t, map[string]any{"Fn::GetAtt": "ApiRole.Arn"}, at(t, fn, "Role"))

	// Every route is the handler's and needs IAM; $default sends the rest
	// to the handler's own 404 and 405.
	var routes []string
	for name, ev := range at(t, fn, "Events").(map[string]any) {
		assert.Equal(t, "HttpApi", at(t, ev, "Type"), name)
		p := at(t, ev, "Properties")
		assert.Equal(t, map[string]any{"Ref": "HttpApi"}, at(t, p, "ApiId"), name)
		assert.Equal(t, "AWS_IAM", at(t, p, "Auth", "Authorizer"), "event %s: IAM on every route", name)
		assert.Equal(t, "2.0", at(t, p, "PayloadFormatVersion"), name)
		routes = append(routes, at(t, p, "Method").(string)+" "+at(t, p, "Path").(string))
	}
	slices.Sort(routes)
	assert.Equal(t, []string{"ANY $default", api.RouteForget, api.RouteUnlink, api.RoutePhones, api.RouteSearch}, routes)
	// The account deletion in particular: signed requests only.
	forget := at(t, fn, "Events", "Forget", "Properties")
	assert.Equal(t, "DELETE", at(t, forget, "Method"))
	assert.Equal(t, "/v1/customers/{cognitoId}", at(t, forget, "Path"))
	assert.Equal(t, "AWS_IAM", at(t, forget, "Auth", "Authorizer"))

	// The environment the template sets is read by the code.
	read := map[string]bool{}
	_, err = app.FromEnv(func(k string) string { read[k] = true; return "" })
	require.NoError(t, err)
	set := slices.Sorted(maps.Keys(f.Environment.Variables))
	for _, k := range set {
		assert.True(t, read[k], "template sets %s, which the code never reads", k)
	}
	assert.Contains(t, set, "API_SEARCH_MAX_READ")
	// The store's layout is the consumer's: the same table, index and TTL
	// attribute (the API hides links whose TTL has passed but that DynamoDB
	// has not deleted yet, by that attribute).
	apiEnv := at(t, fn, "Environment", "Variables")
	consumerEnv := at(t, raw, "Resources", "ConsumerFunction", "Properties", "Environment", "Variables")
	for _, k := range []string{"LOOKUP_TABLE", "LOOKUP_INDEX", "LINK_TTL_ATTRIBUTE"} {
		assert.Equal(t, at(t, consumerEnv, k), at(t, apiEnv, k), "the API function's %s", k)
	}
	assert.Equal(t, map[string]any{"Ref": "LinkTTLAttribute"}, at(t, apiEnv, "LINK_TTL_ATTRIBUTE"))
	assert.Equal(t, float64(api.DefaultMaxRead), at(t, raw, "Parameters", "ApiSearchMaxRead", "Default"))
	// The function outlives the handler's own bound on store calls, so a slow
	// DynamoDB is a 503 problem, not a Lambda timeout.
	minTimeout := at(t, raw, "Parameters", "ApiFunctionTimeout", "MinValue").(float64)
	assert.Greater(t, time.Duration(minTimeout)*time.Second, api.DefaultTimeout)
}

// TestTemplateAPIRole: the API function's own role allows Query on the table
// and its index, UpdateItem and GetItem (unlink) and DeleteItem (forget) on
// the table only, on the table only for partition keys phone_user#... (links
// and tombstones), and writing its own log streams; nothing else, and no
// wildcard action or resource but the log streams Lambda names.
func TestTemplateAPIRole(t *testing.T) {
	_, raw := loadTemplate(t)
	byAction := map[string][]string{}
	for _, s := range at(t, raw, "Resources", "ApiRole", "Properties", "Policies", "0", "PolicyDocument", "Statement").([]any) {
		assert.Equal(t, "Allow", at(t, s, "Effect"))
		res := at(t, s, "Resource")
		if _, ok := res.([]any); !ok {
			res = []any{res}
		}
		var arns []string
		for _, r := range res.([]any) {
			b, _ := json.Marshal(r)
			arns = append(arns, string(b))
		}
		for _, a := range at(t, s, "Action").([]any) {
			byAction[a.(string)] = append(byAction[a.(string)], arns...)
		}
	}
	assert.ElementsMatch(t, []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem",
		"logs:CreateLogStream", "logs:PutLogEvents"}, slices.Collect(maps.Keys(byAction)))
	for a, arns := range byAction {
		assert.NotContains(t, a, "*", "a wildcard action")
		for _, arn := range arns {
			if !strings.HasPrefix(a, "logs:") {
				assert.NotContains(t, arn, "*", "%s on a wildcard resource", a)
			}
		}
	}
	query := strings.Join(byAction["dynamodb:Query"], "\n")
	assert.Len(t, byAction["dynamodb:Query"], 2, "the table and its index")
	assert.Contains(t, query, `:table/${Name}"`)
	assert.Contains(t, query, `:table/${Name}/index/${IndexName}"`)
	for _, a := range []string{"dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:DeleteItem"} {
		require.Len(t, byAction[a], 1, a)
		assert.Contains(t, byAction[a][0], `:table/${Name}"`, "%s on the table only", a)
	}
	assert.Contains(t, byAction["logs:PutLogEvents"][0], "${ApiLogGroup}", "its own log group")
	tableStatements, onTable := 0, map[string]bool{}
	for _, st := range at(t, raw, "Resources", "ApiRole", "Properties", "Policies", "0", "PolicyDocument", "Statement").([]any) {
		b, _ := json.Marshal(at(t, st, "Resource"))
		if strings.Contains(string(b), ":table/${Name}\"") {
			assert.Equal(t, []any{"phone_user#*"}, at(t, st, "Condition", "ForAllValues:StringLike", "dynamodb:LeadingKeys"),
				"%s: only our partition keys of a shared table", at(t, st, "Sid"))
			assert.Equal(t, "false", at(t, st, "Condition", "Null", "dynamodb:LeadingKeys"),
				"%s: a request without keys is not let through", at(t, st, "Sid"))
			tableStatements++
			for _, a := range at(t, st, "Action").([]any) {
				onTable[a.(string)] = true
			}
		}
	}
	assert.Equal(t, 1, tableStatements, "one statement on the table")
	// What Store.Forget calls (dynamo/forget.go): UpdateItem of the
	// tombstone, Query of the customer's keys, DeleteItem of each link, all
	// under the LeadingKeys condition (the tombstone's pk is phone_user#~...).
	for _, a := range []string{"dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:DeleteItem"} {
		assert.True(t, onTable[a], "forget needs %s on the table, under the condition", a)
	}
	assert.Equal(t, map[string]any{"Service": "lambda.amazonaws.com"},
		at(t, raw, "Resources", "ApiRole", "Properties", "AssumeRolePolicyDocument", "Statement", "0", "Principal"))
}

// TestTemplateAPIAlarms: 5xx rate, p99 latency and throttles of the API,
// the freshness alarm on the consumer's EMF metric, and the API URL output.
func TestTemplateAPIAlarms(t *testing.T) {
	_, raw := loadTemplate(t)
	apiDims := []any{map[string]any{"Name": "ApiId", "Value": map[string]any{"Ref": "HttpApi"}},
		map[string]any{"Name": "Stage", "Value": "$default"}}

	rate := at(t, raw, "Resources", "ApiServerErrorRateAlarm", "Properties")
	metrics := map[string]any{}
	for _, m := range at(t, rate, "Metrics").([]any) {
		metrics[at(t, m, "Id").(string)] = m
	}
	assert.Equal(t, "5xx", at(t, metrics["errors"], "MetricStat", "Metric", "MetricName"))
	assert.Equal(t, "Count", at(t, metrics["requests"], "MetricStat", "Metric", "MetricName"))
	for _, id := range []string{"errors", "requests"} {
		assert.Equal(t, "AWS/ApiGateway", at(t, metrics[id], "MetricStat", "Metric", "Namespace"))
		assert.Equal(t, apiDims, at(t, metrics[id], "MetricStat", "Metric", "Dimensions"))
	}
	assert.Equal(t, "errors / requests", at(t, metrics["rate"], "Expression"))
	assert.Equal(t, true, at(t, metrics["rate"], "ReturnData"))
	assert.Equal(t, map[string]any{"Ref": "ApiServerErrorRateThreshold"}, at(t, rate, "Threshold"))

	lat := at(t, raw, "Resources", "ApiLatencyAlarm", "Properties")
	assert.Equal(t, "Latency", at(t, lat, "MetricName"))
	assert.Equal(t, "p99", at(t, lat, "ExtendedStatistic"))
	assert.Equal(t, apiDims, at(t, lat, "Dimensions"))
	assert.Equal(t, map[string]any{"Ref": "ApiLatencyP99ThresholdMilliseconds"}, at(t, lat, "Threshold"))

	thr := at(t, raw, "Resources", "ApiFunctionThrottlesAlarm", "Properties")
	assert.Equal(t, "Throttles", at(t, thr, "MetricName"))
	assert.Equal(t, map[string]any{"Ref": "ApiFunction"}, at(t, thr, "Dimensions", "0", "Value"))

	// Freshness: the consumer's EMF metric, in its namespace and dimensions.
	age := at(t, raw, "Resources", "EventAgeAlarm", "Properties")
	assert.Equal(t, "EventAgeMax", at(t, age, "MetricName"))
	assert.Equal(t, "Maximum", at(t, age, "Statistic"))
	assert.Equal(t, map[string]any{"Ref": "MetricsNamespace"}, at(t, age, "Namespace"))
	assert.Equal(t, map[string]any{"Ref": "EventAgeThresholdMilliseconds"}, at(t, age, "Threshold"))
	dims := map[string]any{}
	for _, d := range at(t, age, "Dimensions").([]any) {
		dims[at(t, d, "Name").(string)] = at(t, d, "Value")
	}
	assert.Equal(t, map[string]any{"Fn::Sub": "Service=phonelookup,Stack=${AWS::StackName}"},
		at(t, raw, "Resources", "ConsumerFunction", "Properties", "Environment", "Variables", "METRICS_DIMENSIONS"),
		"the alarm's dimensions are the ones the consumer writes")
	assert.Equal(t, map[string]any{"Service": "phonelookup", "Stack": map[string]any{"Ref": "AWS::StackName"}}, dims)

	url := at(t, raw, "Outputs", "ApiUrl", "Value")
	b, _ := json.Marshal(url)
	assert.Contains(t, string(b), "${HttpApi}.execute-api.")
}
