package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
// partition key, so that dynamodb:LeadingKeys can restrict them. A Query
// restricts it only on the table itself, not on an index (the README says
// why that is acceptable).
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
			assert.Equal(t, []string{"dynamodb:Query"}, item, "%s: only Query on an index, where LeadingKeys does not apply", id)
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

func TestTemplateQueuePoliciesDeny(t *testing.T) {
	_, raw := loadTemplate(t)
	byQueue := map[string][]map[string]any{}
	for _, p := range resources(t, raw, "AWS::SQS::QueuePolicy") {
		q := at(t, p, "Properties", "Queues", "0").(map[string]any)["Ref"].(string)
		for _, s := range at(t, p, "Properties", "PolicyDocument", "Statement").([]any) {
			byQueue[q] = append(byQueue[q], s.(map[string]any))
		}
	}
	for name := range resources(t, raw, "AWS::SQS::Queue") {
		var tls, send map[string]any
		for _, s := range byQueue[name] {
			switch s["Sid"] {
			case "DenyWithoutTLS":
				tls = s
			case "DenySendExceptTheRuleAndAdmins":
				send = s
			}
		}
		require.NotNil(t, tls, "queue %s: a TLS deny", name)
		assert.Equal(t, "Deny", tls["Effect"])
		assert.Equal(t, "*", tls["Principal"])
		assert.Equal(t, "sqs:*", tls["Action"])
		assert.Equal(t, "false", at(t, tls, "Condition", "Bool", "aws:SecureTransport"))
		assert.Equal(t, map[string]any{"Fn::GetAtt": name + ".Arn"}, tls["Resource"])
		if name == "DeadLetterQueue" {
			assert.Nil(t, send, "SQS's own dead-lettering is never in the way of a deny")
			continue
		}
		require.NotNil(t, send, "queue %s: only the rule and the administrators send", name)
		assert.Equal(t, "Deny", send["Effect"])
		assert.Equal(t, "sqs:SendMessage", send["Action"])
		assert.Equal(t, map[string]any{"Fn::GetAtt": "OrderCommittedRule.Arn"}, at(t, send, "Condition", "ArnNotEquals", "aws:SourceArn"))
		admins, _ := json.Marshal(at(t, send, "Condition", "ArnNotLike", "aws:PrincipalArn"))
		assert.Contains(t, string(admins), `"AdminRoleArns"`)
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
