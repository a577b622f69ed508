package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/cmd/internal/app"
)

// statements returns every policy statement of the template's resources
// (role policies, queue and bus policies), keyed "Resource.Sid-or-index".
func statements(t *testing.T, raw map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	var walk func(res string, v any)
	walk = func(res string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if st, ok := x["Statement"].([]any); ok {
				for i, s := range st {
					m := s.(map[string]any)
					id, _ := m["Sid"].(string)
					if id == "" {
						id = string(rune('0' + i))
					}
					out[res+"."+id] = m
				}
			}
			for _, c := range x {
				walk(res, c)
			}
		case []any:
			for _, c := range x {
				walk(res, c)
			}
		}
	}
	for name, r := range at(t, raw, "Resources").(map[string]any) {
		walk(name, r)
	}
	return out
}

func actionsOf(s map[string]any) []string {
	switch a := s["Action"].(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

// leadingKeyActions are the DynamoDB actions whose requests carry the
// partition key, so that dynamodb:LeadingKeys can restrict them. A Query of
// the index is not restricted by it in this template: what the key means
// there is not settled by the AWS documentation (README, least privilege).
var leadingKeyActions = []string{
	"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
	"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:Query",
}

func TestTemplateDynamoDBPermissionsUseLeadingKeys(t *testing.T) {
	_, raw := loadTemplate(t)
	checked := 0
	for id, s := range statements(t, raw) {
		if s["Effect"] != "Allow" {
			continue
		}
		var item []string
		for _, a := range actionsOf(s) {
			if strings.HasPrefix(a, "dynamodb:") {
				require.NotEqual(t, "dynamodb:*", a, "%s", id)
				require.NotEqual(t, "dynamodb:Scan", a, "%s: no function scans the shared table", id)
				if slices.Contains(leadingKeyActions, a) {
					item = append(item, a)
				}
			}
		}
		if len(item) == 0 {
			continue
		}
		res, _ := json.Marshal(s["Resource"])
		if strings.Contains(string(res), "/index/") {
			assert.Equal(t, []string{"dynamodb:Query"}, item, "%s: only Query on an index", id)
			assert.Nil(t, s["Condition"], "%s: the index Query is not restricted by LeadingKeys (untested in AWS; README)", id)
			continue
		}
		checked++
		assert.Equal(t, []any{"phone_user#*"}, at(t, s, "Condition", "ForAllValues:StringLike", "dynamodb:LeadingKeys"),
			"%s (%v): restricted to our partition keys", id, item)
		assert.Equal(t, "false", at(t, s, "Condition", "Null", "dynamodb:LeadingKeys"),
			"%s: a request without keys is not let through by ForAllValues", id)
	}
	assert.GreaterOrEqual(t, checked, 1, "the consumer's table statement")
}

// Fake values of the stack's identifiers, for evaluating the queue policies.
const (
	testAccount  = "123456789012"
	consumerArn  = "arn:aws:iam::123456789012:role/stack-ConsumerRole-1A2B3C"
	ruleArn      = "arn:aws:events:eu-west-1:123456789012:rule/stack-OrderCommittedRule-1A2B3C"
	adminPattern = "arn:aws:iam::123456789012:role/Admin*"
	adminArn     = "arn:aws:iam::123456789012:role/AdminOps"
	rootArn      = "arn:aws:iam::123456789012:root"
	otherArn     = "arn:aws:iam::123456789012:role/reporting"
)

// cfnEnv resolves the intrinsic functions the queue policies use, with
// AdminRoleArns set to admins.
type cfnEnv struct{ admins []string }

func (e cfnEnv) ref(t *testing.T, name string) any {
	switch name {
	case "AdminRoleArns":
		if len(e.admins) == 0 {
			return []any{""} // CloudFormation's value of an empty CommaDelimitedList
		}
		out := []any{}
		for _, a := range e.admins {
			out = append(out, a)
		}
		return out
	case "AWS::Partition":
		return "aws"
	case "AWS::AccountId":
		return testAccount
	case "AWS::Region":
		return "eu-west-1"
	}
	t.Fatalf("queue policy: Ref %s not modelled", name)
	return nil
}

func (e cfnEnv) eval(t *testing.T, v any) any {
	t.Helper()
	switch x := v.(type) {
	case []any:
		var out []any
		for _, c := range x {
			out = append(out, e.eval(t, c))
		}
		return out
	case map[string]any:
		require.Len(t, x, 1, "one intrinsic function: %v", x)
		for fn, arg := range x {
			switch fn {
			case "Ref":
				return e.ref(t, arg.(string))
			case "Fn::GetAtt":
				return map[string]string{"ConsumerRole.Arn": consumerArn, "OrderCommittedRule.Arn": ruleArn}[fmt.Sprint(arg)]
			case "Fn::If":
				a := arg.([]any)
				require.Equal(t, "HasAdmins", a[0], "Fn::If condition")
				if len(e.admins) > 0 {
					return e.eval(t, a[1])
				}
				return e.eval(t, a[2])
			case "Fn::Sub":
				return regexp.MustCompile(`\$\{([^}]+)\}`).ReplaceAllStringFunc(arg.(string), func(m string) string {
					return e.ref(t, m[2:len(m)-1]).(string)
				})
			case "Fn::Join":
				a := arg.([]any)
				var parts []string
				for _, p := range e.eval(t, a[1]).([]any) {
					switch p := p.(type) {
					case []any:
						for _, q := range p {
							parts = append(parts, q.(string))
						}
					default:
						parts = append(parts, p.(string))
					}
				}
				return strings.Join(parts, a[0].(string))
			case "Fn::Split":
				a := arg.([]any)
				var out []any
				for _, p := range strings.Split(e.eval(t, a[1]).(string), a[0].(string)) {
					out = append(out, p)
				}
				return out
			}
			t.Fatalf("queue policy: %s not modelled", fn)
		}
	}
	return v
}

// request is one call on a queue, as IAM sees it: PrincipalArn is empty for
// a service principal (EventBridge) that carries none.
type request struct {
	PrincipalArn, SourceArn, Action string
	Insecure                        bool
}

func arnMatch(pattern, s string) bool {
	re := "^" + strings.ReplaceAll(strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*"), `\?`, ".") + "$"
	return regexp.MustCompile(re).MatchString(s)
}

func actionMatch(t *testing.T, list any, action string) bool {
	for _, a := range actionsOf(map[string]any{"Action": list}) {
		if strings.EqualFold(a, action) || a == "sqs:*" {
			return true
		}
		require.NotContains(t, a, "*", "only sqs:* is modelled")
	}
	return false
}

// conditionHolds evaluates a statement's Condition block for r: every
// operator and key must hold (AND); a key's values are alternatives (OR,
// for a negated operator: none may match); a missing key makes a positive
// operator false and a negated one true, as IAM does.
func conditionHolds(t *testing.T, env cfnEnv, cond map[string]any, r request) bool {
	keys := map[string]string{"aws:PrincipalArn": r.PrincipalArn, "aws:SourceArn": r.SourceArn,
		"aws:SecureTransport": strconv.FormatBool(!r.Insecure)}
	for op, kv := range cond {
		for key, raw := range kv.(map[string]any) {
			got, known := keys[key]
			require.True(t, known, "condition key %s not modelled", key)
			var vals []string
			switch v := env.eval(t, raw).(type) {
			case string:
				vals = []string{v}
			case []any:
				for _, x := range v {
					vals = append(vals, x.(string))
				}
			}
			require.NotEmpty(t, vals, "%s %s: no values", op, key)
			for _, v := range vals {
				require.NotEmpty(t, v, "%s %s: an empty value in %v (AdminRoleArns=%v)", op, key, vals, env.admins)
			}
			negated := strings.Contains(op, "Not")
			if got == "" {
				if !negated {
					return false
				}
				continue
			}
			any := false
			for _, v := range vals {
				switch op {
				case "ArnEquals", "ArnNotEquals", "Bool":
					any = any || v == got
				case "ArnLike", "ArnNotLike":
					any = any || arnMatch(v, got)
				default:
					t.Fatalf("condition operator %s not modelled", op)
				}
			}
			if any == negated {
				return false
			}
		}
	}
	return true
}

// denied reports whether an explicit deny of the queue's policy applies to r.
func denied(t *testing.T, env cfnEnv, policy []any, r request) bool {
	for _, s := range policy {
		s := s.(map[string]any)
		if s["Effect"] != "Deny" {
			continue
		}
		require.Equal(t, "*", s["Principal"], "%v: a deny names everyone, its conditions narrow it", s["Sid"])
		var hit bool
		if a, ok := s["NotAction"]; ok {
			hit = !actionMatch(t, a, r.Action)
		} else {
			hit = actionMatch(t, s["Action"], r.Action)
		}
		cond, _ := s["Condition"].(map[string]any)
		if hit && conditionHolds(t, env, cond, r) {
			return true
		}
	}
	return false
}

var sqsActions = []string{
	"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
	"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:PurgeQueue", "sqs:SetQueueAttributes", "sqs:DeleteQueue",
	"sqs:ListDeadLetterSourceQueues", "sqs:StartMessageMoveTask", "sqs:CancelMessageMoveTask",
	"sqs:ListMessageMoveTasks", "sqs:TagQueue", "sqs:UntagQueue", "sqs:ListQueueTags",
	"sqs:AddPermission", "sqs:RemovePermission",
}

// TestTemplateQueuePoliciesDeny evaluates every statement of the three queue
// policies for every SQS action, by every kind of caller, with AdminRoleArns
// given and empty: the queues hold phone numbers, so only the consumer's
// role reads the main queue's messages, only the rule sends to it and to its
// own DLQ, the DLQ's messages are for administrators alone, managing a queue
// is left to IAM, and nothing goes without TLS. An
// identity policy may allow anything: only these denies stop it.
func TestTemplateQueuePoliciesDeny(t *testing.T) {
	_, raw := loadTemplate(t)
	policies := map[string][]any{}
	for _, p := range resources(t, raw, "AWS::SQS::QueuePolicy") {
		q := at(t, p, "Properties", "Queues", "0").(map[string]any)["Ref"].(string)
		policies[q] = at(t, p, "Properties", "PolicyDocument", "Statement").([]any)
	}
	require.ElementsMatch(t, slices.Collect(maps.Keys(resources(t, raw, "AWS::SQS::Queue"))), slices.Collect(maps.Keys(policies)),
		"every queue has a policy")

	// The only allow: EventBridge's SendMessage from the rule (the queue and the rule's DLQ).
	for q, st := range policies {
		for _, s := range st {
			s := s.(map[string]any)
			if s["Effect"] == "Deny" {
				continue
			}
			assert.NotEqual(t, "DeadLetterQueue", q, "the DLQ allows nothing")
			assert.Equal(t, map[string]any{"Service": "events.amazonaws.com"}, s["Principal"], "%s.%v", q, s["Sid"])
			assert.Equal(t, "sqs:SendMessage", s["Action"], "%s.%v", q, s["Sid"])
			assert.Equal(t, map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": map[string]any{"Fn::GetAtt": "OrderCommittedRule.Arn"}}},
				s["Condition"], "%s.%v", q, s["Sid"])
		}
	}

	consume := []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"}
	// Managing a queue is left to IAM (CloudFormation updates and deletes the
	// stack with whatever role deploys it): the queue policies deny only
	// actions on messages.
	message := []string{"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
		"sqs:PurgeQueue", "sqs:StartMessageMoveTask", "sqs:CancelMessageMoveTask", "sqs:ListMessageMoveTasks"}
	type caller struct {
		name           string
		arn, sourceArn string
		// may lists the queues and actions not denied to this caller.
		may func(queue, action string) bool
	}
	all := func(string, string) bool { return true }
	none := func(string, string) bool { return false }
	rule := func(q, a string) bool { return q != "DeadLetterQueue" && a == "sqs:SendMessage" }
	for _, admins := range [][]string{{adminPattern}, nil} {
		admin := caller{"an administrator", adminArn, "", all}
		root := caller{"the account root", rootArn, "", none}
		if admins == nil {
			admin.may, root.may = none, all // with no AdminRoleArns the root stands in
		}
		env := cfnEnv{admins: admins}
		for _, c := range []caller{
			admin, root,
			{"the consumer's role", consumerArn, "", func(q, a string) bool { return q == "Queue" && slices.Contains(consume, a) }},
			{"EventBridge for the rule", "", ruleArn, rule},
			{"EventBridge for another rule", "", "arn:aws:events:eu-west-1:123456789012:rule/other", none},
			{"another role of the account", otherArn, "", none},
			{"another role, from the rule", otherArn, ruleArn, rule},
			{"another account's role named like an admin", "arn:aws:iam::999999999999:role/AdminOps", "", none},
		} {
			for q, st := range policies {
				for _, a := range sqsActions {
					r := request{PrincipalArn: c.arn, SourceArn: c.sourceArn, Action: a}
					may := c.may(q, a) || !slices.Contains(message, a)
					assert.Equal(t, !may, denied(t, env, st, r),
						"AdminRoleArns=%v: %s, %s on %s: denied", admins, c.name, a, q)
					r.Insecure = true
					assert.True(t, denied(t, env, st, r), "AdminRoleArns=%v: %s, %s on %s without TLS", admins, c.name, a, q)
				}
			}
		}
	}
}

func TestTemplateEventBusAdmitsOnlyTheProducers(t *testing.T) {
	tpl, raw := loadTemplate(t)
	bus := at(t, raw, "Resources", "OrderEventBus").(map[string]any)
	assert.Equal(t, "CreateEventBus", bus["Condition"])
	assert.Equal(t, map[string]any{"Fn::If": []any{"CreateEventBus", map[string]any{"Ref": "OrderEventBus"}, map[string]any{"Ref": "EventBusName"}}},
		at(t, raw, "Resources", "OrderCommittedRule", "Properties", "EventBusName"), "the rule listens on the dedicated bus")
	st := map[string]map[string]any{}
	for _, s := range at(t, bus, "Properties", "Policy", "Statement").([]any) {
		st[s.(map[string]any)["Sid"].(string)] = s.(map[string]any)
	}
	for sid, p := range map[string][2]string{
		"GraphQLPublishesItsOwnSource":     {"GraphQLProducerRoleArn", "GraphQLEventSource"},
		"FulfillmentPublishesItsOwnSource": {"FulfillmentProducerRoleArn", "FulfillmentEventSource"},
	} {
		s := st[sid]
		require.NotNil(t, s, sid)
		assert.Equal(t, "Allow", s["Effect"])
		assert.Equal(t, map[string]any{"AWS": map[string]any{"Ref": p[0]}}, s["Principal"])
		assert.Equal(t, "events:PutEvents", s["Action"])
		assert.Equal(t, map[string]any{"Ref": p[1]}, at(t, s, "Condition", "StringEquals", "events:source"))
		assert.Equal(t, "OrderCommitted", at(t, s, "Condition", "StringEquals", "events:detail-type"))
	}
	deny := st["DenyEveryoneElse"]
	require.NotNil(t, deny)
	assert.Equal(t, "Deny", deny["Effect"])
	assert.Equal(t, []any{map[string]any{"Ref": "GraphQLProducerRoleArn"}, map[string]any{"Ref": "FulfillmentProducerRoleArn"}},
		at(t, deny, "Condition", "ArnNotEquals", "aws:PrincipalArn"))
	for _, sid := range []string{"DenyGraphQLOtherSources", "DenyFulfillmentOtherSources"} {
		require.NotNil(t, st[sid], sid)
		assert.Equal(t, "Deny", st[sid]["Effect"])
		assert.NotNil(t, at(t, st[sid], "Condition", "StringNotEquals", "events:source"), sid)
	}
	// The producers' roles are parameters, empty by default (no bus).
	for _, p := range []string{"GraphQLProducerRoleArn", "FulfillmentProducerRoleArn"} {
		assert.Equal(t, "", tpl.Parameters[p].Default, p)
	}
}

func TestTemplateTableTTL(t *testing.T) {
	tpl, raw := loadTemplate(t)
	tb, err := tpl.GetDynamoDBTableWithName("Table")
	require.NoError(t, err)
	require.NotNil(t, tb.TimeToLiveSpecification)
	assert.True(t, tb.TimeToLiveSpecification.Enabled)
	assert.Equal(t, map[string]any{"Ref": "LinkTTLAttribute"},
		at(t, raw, "Resources", "Table", "Properties", "TimeToLiveSpecification", "AttributeName"))
	assert.Equal(t, "expiresAt", tpl.Parameters["LinkTTLAttribute"].Default)
	vars := at(t, raw, "Resources", "ConsumerFunction", "Properties", "Environment", "Variables").(map[string]any)
	assert.Equal(t, map[string]any{"Ref": "LinkTTLAttribute"}, vars["LINK_TTL_ATTRIBUTE"])
	assert.Equal(t, map[string]any{"Ref": "LinkRetention"}, vars["LINK_RETENTION"])
	assert.Equal(t, map[string]any{"Ref": "IgnorePhones"}, vars["IGNORE_PHONES"])
}

// parameterPattern compiles a parameter's AllowedPattern as CloudFormation
// applies it, to the whole value.
func parameterPattern(t *testing.T, raw map[string]any, name string) *regexp.Regexp {
	t.Helper()
	p, ok := at(t, raw, "Parameters", name, "AllowedPattern").(string)
	require.True(t, ok, "%s has an AllowedPattern", name)
	return regexp.MustCompile(`^(?:` + p + `)$`)
}

// TestTemplateLinkRetentionPattern runs the LinkRetention parameter's
// pattern against the code that reads it (app.ParseRetention): a value the
// pattern lets through that ParseRetention rejects would stop the consumer
// at start-up. Over every whole number up to 200000 with each unit, and the
// edges, the two agree; the pattern is stricter only on forms the table
// lists (compound, fractional, signed, padded, huge durations).
func TestTemplateLinkRetentionPattern(t *testing.T) {
	_, raw := loadTemplate(t)
	re := parameterPattern(t, raw, "LinkRetention")
	accepts := func(v string) bool { _, err := app.ParseRetention(v); return err == nil }
	agree := func(v string) {
		assert.Equal(t, accepts(v), re.MatchString(v), "%q: ParseRetention accepts ⇔ the pattern matches", v)
	}
	for n := 0; n <= 200000; n++ {
		for _, unit := range []string{"d", "h", "m", "s"} {
			agree(strconv.Itoa(n) + unit)
		}
	}
	for _, v := range []string{
		"", "0", "730d", "17520h", "90m", "3600s", "1h", "60m",
		"10m", "0d", "0h", "0m", "0s", "59m", "3599s", "36500d", "36501d", "999999h", "99999999m", "999999999s",
		"-1h", "-5d", "1.5d", "two years", "00", "730D", "d", "h", "730 d", "1y", "1w",
	} {
		agree(v)
	}
	// ParseRetention accepts these, the pattern does not: CloudFormation
	// refuses the value, the consumer never fails on it.
	for _, v := range []string{"1000000h", "100000000m", "1000000000s", "1h30m", "1.5h", "+730d", "0730d", " 730d", "3600000ms"} {
		assert.True(t, accepts(v), "%q: ParseRetention accepts it", v)
		assert.False(t, re.MatchString(v), "%q: the pattern is stricter here", v)
	}
	assert.Equal(t, "", at(t, raw, "Parameters", "LinkRetention", "Default"))
}

// TestTemplateProducerRolePatterns: the bus's allow statements name the
// producers' role parameters as principals, so each must be one IAM role's
// ARN (or empty: no bus), never `*`, an account or another kind of principal.
func TestTemplateProducerRolePatterns(t *testing.T) {
	_, raw := loadTemplate(t)
	for _, p := range []string{"GraphQLProducerRoleArn", "FulfillmentProducerRoleArn"} {
		re := parameterPattern(t, raw, p)
		for _, v := range []string{
			"", "arn:aws:iam::123456789012:role/graphql-publisher", "arn:aws:iam::123456789012:role/service/fulfillment_pub+1",
			"arn:aws-cn:iam::123456789012:role/p", "arn:aws-us-gov:iam::123456789012:role/p.q@r=s,t",
		} {
			assert.True(t, re.MatchString(v), "%s=%q", p, v)
		}
		for _, v := range []string{
			"*", "123456789012", "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/*",
			"arn:aws:iam::123456789012:role/pub*", "arn:aws:iam::*:role/pub", "arn:aws:iam::123456789012:user/pub",
			"arn:aws:sts::123456789012:assumed-role/pub/session", "arn:aws:iam::123456789012:role/", " arn:aws:iam::123456789012:role/p",
			"arn:aws:iam::123456789012:role/p,arn:aws:iam::123456789012:role/q", "{\"AWS\":\"*\"}",
		} {
			assert.False(t, re.MatchString(v), "%s=%q", p, v)
		}
	}
}

// TestLeadingKeysOnTheIndexDocumented: the template's comment, docs/DESIGN.md and
// this package say the same about the index Query and dynamodb:LeadingKeys:
// not restricted by it here, how to tighten it; none claims the key "does not
// apply" to an index or that an index Query "is checked against" pk2, which
// the AWS documentation does not settle.
func TestLeadingKeysOnTheIndexDocumented(t *testing.T) {
	tpl, err := os.ReadFile(templatePath)
	require.NoError(t, err)
	design, err := os.ReadFile("../../docs/DESIGN.md")
	require.NoError(t, err)
	self, err := os.ReadFile("lifecycle_template_test.go")
	require.NoError(t, err)
	comment := regexp.MustCompile(`(?m)^\s*#\s?|^\s*//\s?`)
	flat := func(b []byte) string { // comment markers, backquotes and line breaks out
		return strings.Join(strings.Fields(strings.ReplaceAll(comment.ReplaceAllString(string(b), " "), "`", "")), " ")
	}
	for name, text := range map[string]string{"deploy/template.yaml": flat(tpl), "docs/DESIGN.md": flat(design)} {
		for _, want := range []string{"is not restricted by dynamodb:LeadingKeys", "phone#*", "staging account"} {
			assert.True(t, strings.Contains(text, want), "%s says %q", name, want)
		}
		for _, not := range []string{"does not apply to an index", "checked against the index's partition key"} {
			assert.False(t, strings.Contains(text, not), "%s says %q", name, not)
		}
	}
	for _, want := range []string{"is not restricted by it in this template", "not restricted by LeadingKeys"} {
		assert.True(t, strings.Contains(flat(self), want), "this test says %q", want)
	}
	assert.False(t, strings.Contains(flat(self), "where LeadingKeys "+"does not apply"))
}

// TestProducerAndRunbookDocsMatchTemplate: docs/PRODUCERS.md publishes to the
// bus the template offers (the output EventBusName, the dedicated bus
// OrderBusName), never to "default" in its examples; docs/RUNBOOK.md says
// that turning retention off does not stop expiry, and how to stop it.
func TestProducerAndRunbookDocsMatchTemplate(t *testing.T) {
	tpl, raw := loadTemplate(t)
	producers, err := os.ReadFile("../../docs/PRODUCERS.md")
	require.NoError(t, err)
	text := string(producers)
	bus := tpl.Parameters["OrderBusName"].Default.(string)
	require.NotEmpty(t, bus)
	require.NotNil(t, at(t, raw, "Outputs", "EventBusName"), "the template's output naming the bus")
	for _, want := range []string{"output **`EventBusName`**", "`OrderBusName`", bus, "GraphQLProducerRoleArn", "FulfillmentProducerRoleArn"} {
		assert.True(t, strings.Contains(text, want), "PRODUCERS.md says %q", want)
	}
	for _, bad := range []string{`EventBusName: "default"`, `EventBusName:"default"`, `bus "default"`} {
		assert.False(t, strings.Contains(text, bad), "PRODUCERS.md publishes to the default bus: %q", bad)
	}

	runbook, err := os.ReadFile("../../docs/RUNBOOK.md")
	require.NoError(t, err)
	text = strings.Join(strings.Fields(string(runbook)), " ")
	for _, want := range []string{
		"Turning it off does not stop expiry",
		"update-time-to-live --table-name \"$LOOKUP_TABLE\" \\ --time-to-live-specification Enabled=false",
		"LinkRetention=36500d",
	} {
		assert.True(t, strings.Contains(text, want), "RUNBOOK.md says %q", want)
	}
	re := parameterPattern(t, raw, "LinkRetention")
	assert.True(t, re.MatchString("36500d"), "the retention the runbook suggests is one the template takes")
}
