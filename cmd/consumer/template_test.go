package main

import (
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/intrinsics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/events"
)

const templatePath = "../../deploy/template.yaml"

// loadTemplate parses the SAM template twice with goformation: typed, with
// intrinsics resolved (parameters take their defaults), and raw, as JSON with
// the intrinsic functions left in place.
//
// goformation v7.14.9's SAM specification lacks two properties of
// AWS::Serverless::HttpApi that SAM has, AccessLogSettings (it knows a
// singular AccessLogSetting, which SAM rejects) and Auth.EnableIamAuthorizer,
// and refuses unknown properties: the typed parse gets a copy without them;
// the tests read them from raw.
func loadTemplate(t *testing.T) (*cloudformation.Template, map[string]any) {
	t.Helper()
	data, err := os.ReadFile(templatePath)
	require.NoError(t, err)
	js, err := intrinsics.ProcessYAML(data, &intrinsics.ProcessorOptions{NoProcess: true})
	require.NoError(t, err)
	var raw, typed map[string]any
	require.NoError(t, json.Unmarshal(js, &raw))
	require.NoError(t, json.Unmarshal(js, &typed))
	for _, r := range typed["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == "AWS::Serverless::HttpApi" {
			props := r["Properties"].(map[string]any)
			delete(props, "AccessLogSettings")
			if auth, ok := props["Auth"].(map[string]any); ok {
				delete(auth, "EnableIamAuthorizer")
			}
		}
	}
	js, err = json.Marshal(typed)
	require.NoError(t, err)
	tpl, err := goformation.ParseJSON(js)
	require.NoError(t, err)
	return tpl, raw
}

// at walks raw by keys (map keys or list indexes).
func at(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			require.NoError(t, err)
			require.Less(t, i, len(x), "index %s", p)
			v = x[i]
		default:
			t.Fatalf("path %v: %s is not in %T", path, p, v)
		}
	}
	return v
}

func resources(t *testing.T, raw map[string]any, typ string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for name, r := range at(t, raw, "Resources").(map[string]any) {
		if r.(map[string]any)["Type"] == typ {
			out[name] = r.(map[string]any)
		}
	}
	return out
}

func TestTemplateFunction(t *testing.T) {
	tpl, _ := loadTemplate(t)
	f, err := tpl.GetServerlessFunctionWithName("ConsumerFunction")
	require.NoError(t, err)
	assert.Equal(t, "provided.al2023", *f.Runtime)
	assert.Equal(t, "bootstrap", *f.Handler)
	assert.Equal(t, []string{"arm64"}, f.Architectures, "default architecture")

	// The env names the template sets are exactly names the code reads.
	read := map[string]bool{}
	_, err = app.FromEnv(func(k string) string { read[k] = true; return "" })
	require.NoError(t, err)
	_, err = queueVisibility(func(k string) string { read[k] = true; return "" })
	require.NoError(t, err)
	set := slices.Sorted(maps.Keys(f.Environment.Variables))
	for _, k := range set {
		assert.True(t, read[k], "template sets %s, which the code never reads", k)
	}
	for _, k := range []string{"LOOKUP_TABLE", "LOOKUP_INDEX", "CONSUMER_CONCURRENCY", "CONSUMER_MAX_CLOCK_SKEW", "LOG_LEVEL", "METRICS_NAMESPACE"} {
		assert.Contains(t, set, k)
	}
}

func TestTemplateEventSourceMapping(t *testing.T) {
	tpl, raw := loadTemplate(t)
	m, err := tpl.GetLambdaEventSourceMappingWithName("QueueEventSource")
	require.NoError(t, err)
	assert.Equal(t, []string{"ReportBatchItemFailures"}, m.FunctionResponseTypes)
	require.NotNil(t, m.ScalingConfig)
	assert.Equal(t, map[string]any{"Ref": "MaximumConcurrency"},
		at(t, raw, "Resources", "QueueEventSource", "Properties", "ScalingConfig", "MaximumConcurrency"))
	assert.Equal(t, map[string]any{"Ref": "BatchSize"}, at(t, raw, "Resources", "QueueEventSource", "Properties", "BatchSize"))
	assert.Equal(t, map[string]any{"Ref": "MaximumBatchingWindowInSeconds"},
		at(t, raw, "Resources", "QueueEventSource", "Properties", "MaximumBatchingWindowInSeconds"))
}

func TestTemplateQueues(t *testing.T) {
	tpl, raw := loadTemplate(t)
	for _, name := range []string{"Queue", "DeadLetterQueue", "RuleDeadLetterQueue"} {
		q, err := tpl.GetSQSQueueWithName(name)
		require.NoError(t, err)
		require.NotNil(t, q.SqsManagedSseEnabled, "%s: SSE", name)
		assert.True(t, *q.SqsManagedSseEnabled, "%s: SSE", name)
	}
	q := at(t, raw, "Resources", "Queue", "Properties")
	assert.Equal(t, map[string]any{"Ref": "MaxReceiveCount"}, at(t, q, "RedrivePolicy", "maxReceiveCount"))
	assert.Equal(t, map[string]any{"Fn::GetAtt": "DeadLetterQueue.Arn"}, at(t, q, "RedrivePolicy", "deadLetterTargetArn"))

	// Visibility timeout >= 6x the function timeout, for every timeout the
	// template allows.
	assert.Equal(t, map[string]any{"Fn::FindInMap": []any{"VisibilityByTimeout", map[string]any{"Ref": "FunctionTimeout"}, "Seconds"}},
		at(t, q, "VisibilityTimeout"))
	allowed := at(t, raw, "Parameters", "FunctionTimeout", "AllowedValues").([]any)
	require.NotEmpty(t, allowed)
	for _, v := range allowed {
		timeout := int(v.(float64))
		vis := at(t, raw, "Mappings", "VisibilityByTimeout", strconv.Itoa(timeout), "Seconds").(float64)
		assert.GreaterOrEqual(t, int(vis), 6*timeout, "visibility for a %d s function", timeout)
	}

	// The queue admits only the rule.
	stmt := at(t, raw, "Resources", "QueuePolicy", "Properties", "PolicyDocument", "Statement").([]any)
	require.NotEmpty(t, stmt, "the allow first, then the denies (TestTemplateQueuePoliciesDeny)")
	assert.Equal(t, map[string]any{"Service": "events.amazonaws.com"}, at(t, stmt[0], "Principal"))
	assert.Equal(t, map[string]any{"Fn::GetAtt": "OrderCommittedRule.Arn"}, at(t, stmt[0], "Condition", "ArnEquals", "aws:SourceArn"))

	// The rule matches OrderCommitted and has its own DLQ.
	rule := at(t, raw, "Resources", "OrderCommittedRule", "Properties")
	assert.Equal(t, []any{"OrderCommitted"}, at(t, rule, "EventPattern", "detail-type"))
	assert.Equal(t, map[string]any{"Fn::GetAtt": "RuleDeadLetterQueue.Arn"}, at(t, rule, "Targets", "0", "DeadLetterConfig", "Arn"))
}

func TestTemplateTable(t *testing.T) {
	tpl, _ := loadTemplate(t)
	tb, err := tpl.GetDynamoDBTableWithName("Table")
	require.NoError(t, err)
	assert.Equal(t, "CreateTable", tb.AWSCloudFormationCondition, "ExistingTableName replaces the table")
	require.Len(t, tb.KeySchema, 2)
	assert.Equal(t, "pk", tb.KeySchema[0].AttributeName)
	assert.Equal(t, "sk", tb.KeySchema[1].AttributeName)
	require.Len(t, tb.GlobalSecondaryIndexes, 1)
	g := tb.GlobalSecondaryIndexes[0]
	assert.Equal(t, "brand-index-2", g.IndexName)
	assert.Equal(t, "pk2", g.KeySchema[0].AttributeName)
	assert.Equal(t, "sk2", g.KeySchema[1].AttributeName)
	assert.Equal(t, "ALL", *g.Projection.ProjectionType)
	assert.True(t, *tb.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled)
	assert.True(t, tb.SSESpecification.SSEEnabled)
}

// TestTemplateIAMHasNoWildcard walks every policy statement of the template
// (roles, queue and bus policies) and rejects a wildcard action, resource or
// principal in what it allows (a Deny may name everyone: it only narrows).
func TestTemplateIAMHasNoWildcard(t *testing.T) {
	_, raw := loadTemplate(t)
	statements := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if st, ok := x["Statement"]; ok {
				for i, s := range st.([]any) {
					statements++
					if s.(map[string]any)["Effect"] == "Deny" {
						continue
					}
					for _, k := range []string{"Action", "NotAction", "Resource", "NotResource", "Principal"} {
						if val, ok := s.(map[string]any)[k]; ok {
							b, _ := json.Marshal(val)
							// The one exception: the streams of a function's own log
							// group, which Lambda names.
							text := strings.Replace(string(b), "log-group:${LogGroup}:log-stream:*", "", 1)
							text = strings.Replace(text, "log-group:${ApiLogGroup}:log-stream:*", "", 1)
							assert.NotContains(t, text, "*", "%s.Statement[%d].%s = %s", path, i, k, b)
						}
					}
				}
			}
			for k, c := range x {
				walk(path+"."+k, c)
			}
		case []any:
			for i, c := range x {
				walk(path+"["+strconv.Itoa(i)+"]", c)
			}
		}
	}
	walk("", at(t, raw, "Resources"))
	assert.GreaterOrEqual(t, statements, 5, "policy statements found")

	// The role allows exactly what the function and its event source mapping call.
	var actions []string
	for _, s := range at(t, raw, "Resources", "ConsumerRole", "Properties", "Policies", "0", "PolicyDocument", "Statement").([]any) {
		for _, a := range at(t, s, "Action").([]any) {
			actions = append(actions, a.(string))
		}
	}
	slices.Sort(actions)
	assert.Equal(t, []string{
		"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:UpdateItem",
		"logs:CreateLogStream", "logs:PutLogEvents",
		"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage",
	}, actions)
}

func TestTemplateAlarmsAndOutputs(t *testing.T) {
	_, raw := loadTemplate(t)
	byMetric := map[string][]string{}
	for name, a := range resources(t, raw, "AWS::CloudWatch::Alarm") {
		m, _ := at(t, a, "Properties", "MetricName").(string) // none for a metric math alarm
		b, _ := json.Marshal(at(t, a, "Properties", "Dimensions"))
		byMetric[m] = append(byMetric[m], name+" "+string(b))
	}
	dlq := strings.Join(byMetric["ApproximateNumberOfMessagesVisible"], "\n")
	assert.Contains(t, dlq, `"DeadLetterQueue.QueueName"`, "an alarm on the DLQ's visible messages")
	assert.Contains(t, strings.Join(byMetric["ApproximateAgeOfOldestMessage"], ""), `"Queue.QueueName"`)
	assert.NotEmpty(t, byMetric["Errors"], "function errors alarm")
	assert.NotEmpty(t, byMetric["Throttles"], "throttles alarm")
	for _, o := range []string{"QueueUrl", "QueueArn", "TableName"} {
		assert.NotNil(t, at(t, raw, "Outputs", o), "output %s", o)
	}
	lg := at(t, raw, "Resources", "LogGroup", "Properties", "RetentionInDays")
	assert.Equal(t, map[string]any{"Ref": "LogRetentionDays"}, lg)
}

// TestTemplateEventSourcesTiedToDetail: the producers' EventBridge sources
// the template admits are those the consumer ties to the detail's source.
// Each default passes its AllowedPattern and carries its own producer's
// events; an event of the other producer under it is invalid (the
// consumer's rule, docs/PRODUCERS.md); a source the rule would refuse is
// not an allowed parameter value.
func TestTemplateEventSourcesTiedToDetail(t *testing.T) {
	_, raw := loadTemplate(t)
	event := func(ebSource, source string) []byte {
		return []byte(`{"version":"0","detail-type":"OrderCommitted","source":` + strconv.Quote(ebSource) + `,"detail":` +
			`{"eventId":"e","eventType":"OrderCommitted","version":1,"source":"` + source + `",` +
			`"occurredAt":"2026-11-02T10:15:30Z","order":{"id":"o","fulfillmentType":"collection"}}}`)
	}
	params := map[string]string{"GraphQLEventSource": events.SourceGraphQL, "FulfillmentEventSource": events.SourceFulfillment}
	for param, own := range params {
		pattern := regexp.MustCompile(at(t, raw, "Parameters", param, "AllowedPattern").(string))
		def := at(t, raw, "Parameters", param, "Default").(string)
		assert.True(t, pattern.MatchString(def), "%s: default %q against its AllowedPattern", param, def)
		_, _, err := events.Decode(event(def, own))
		assert.NoError(t, err, "%s: a %s event under the default source %q", param, own, def)
		other := events.SourceGraphQL
		if own == other {
			other = events.SourceFulfillment
		}
		_, _, err = events.Decode(event(def, other))
		assert.EqualError(t, err, `invalid event: source: does not match the EventBridge source "`+def+`"`,
			"%s: a %s event under %q", param, other, def)
		for _, bad := range []string{"intl." + other, "intl.not" + own, own + ".intl", ""} {
			assert.False(t, pattern.MatchString(bad), "%s: AllowedPattern admits %q", param, bad)
		}
	}
}

// TestTemplateRetainsData: what holds data the stack does not own for good
// (the table, both dead-letter queues, the API's audit log group) stays
// when the stack is deleted or the resource is replaced.
func TestTemplateRetainsData(t *testing.T) {
	_, raw := loadTemplate(t)
	for _, name := range []string{"Table", "DeadLetterQueue", "RuleDeadLetterQueue", "ApiLogGroup"} {
		r := at(t, raw, "Resources", name).(map[string]any)
		assert.Equal(t, "Retain", r["DeletionPolicy"], "%s DeletionPolicy", name)
		assert.Equal(t, "Retain", r["UpdateReplacePolicy"], "%s UpdateReplacePolicy", name)
	}
}

// TestTemplateBackoffFloor: the consumer's backoff floor is the queue's own
// visibility timeout (the same mapping), so a backoff never brings a
// message back sooner than the queue would.
func TestTemplateBackoffFloor(t *testing.T) {
	_, raw := loadTemplate(t)
	env := at(t, raw, "Resources", "ConsumerFunction", "Properties", "Environment", "Variables", "CONSUMER_QUEUE_VISIBILITY")
	assert.Equal(t, at(t, raw, "Resources", "Queue", "Properties", "VisibilityTimeout"), env)
	d, err := queueVisibility(func(string) string { return "180" })
	require.NoError(t, err)
	assert.Equal(t, 180*time.Second, d)
	_, err = queueVisibility(func(string) string { return "3m" })
	assert.Error(t, err, "whole seconds only")
}
