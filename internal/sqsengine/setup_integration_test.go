//go:build integration

package sqsengine_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/sqsengine"
)

// EnsureQueues creates what is missing, reports each attribute of an
// existing queue that differs and changes nothing, unless Update; then
// nothing differs any more.
func TestEnsureQueues(t *testing.T) {
	t.Parallel()
	ctx, c := t.Context(), client()
	name := emulator.UniqueName("ensure")
	spec := sqsengine.QueueSpec{Name: name, DLQ: name + "-dlq", MaxReceives: 3, Visibility: 120 * time.Second}
	got, err := sqsengine.EnsureQueues(ctx, c, spec)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []string{spec.DLQ, spec.Name}, []string{got[0].Name, got[1].Name}, "the dead-letter queue first")
	assert.True(t, got[0].Created && got[1].Created, "both created: %+v", got)

	spec.MaxReceives, spec.Visibility = 5, 30*time.Second
	got, err = sqsengine.EnsureQueues(ctx, c, spec)
	require.NoError(t, err)
	assert.False(t, got[0].Created || got[1].Created, "found, not created")
	assert.Empty(t, got[0].Differences, "the dead-letter queue is as specified")
	diff := got[1].Differences
	require.Len(t, diff, 2, "%+v", diff)
	assert.Equal(t, "RedrivePolicy", diff[0].Attribute, "by attribute name")
	assert.Contains(t, diff[0].Have, "3")
	assert.Equal(t, sqsengine.Difference{Attribute: "VisibilityTimeout", Have: "120", Want: "30"}, diff[1])
	assert.False(t, got[1].Updated, "not updated without Update")
	vis, err := sqsengine.QueueVisibility(ctx, c, got[1].URL)
	require.NoError(t, err)
	assert.Equal(t, 120*time.Second, vis, "an existing queue left as it is")

	spec.Update = true
	got, err = sqsengine.EnsureQueues(ctx, c, spec)
	require.NoError(t, err)
	assert.True(t, got[1].Updated)
	assert.Len(t, got[1].Differences, 2, "the differences it set")
	vis, err = sqsengine.QueueVisibility(ctx, c, got[1].URL)
	require.NoError(t, err)
	assert.Equal(t, 30*time.Second, vis, "updated")

	got, err = sqsengine.EnsureQueues(ctx, c, spec)
	require.NoError(t, err)
	assert.Empty(t, got[1].Differences, "nothing differs any more")
	assert.False(t, got[1].Updated)

	url, err := sqsengine.QueueURL(ctx, c, spec.Name)
	require.NoError(t, err)
	assert.Equal(t, got[1].URL, url, "by name")
	url, err = sqsengine.QueueURL(ctx, c, got[1].URL)
	require.NoError(t, err)
	assert.Equal(t, got[1].URL, url, "by URL")
	_, err = sqsengine.QueueURL(ctx, c, name+"-missing")
	var missing *types.QueueDoesNotExist
	assert.ErrorAs(t, err, &missing, "a missing queue")
}
