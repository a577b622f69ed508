//go:build integration

package local_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/api/console"
	"github.com/phonelookup/phonelookup/api/local"
	"github.com/phonelookup/phonelookup/dynamo"
	"github.com/phonelookup/phonelookup/internal/emulator"
	"github.com/phonelookup/phonelookup/internal/syncbuf"
	"github.com/phonelookup/phonelookup/lookup"
)

// faultyStore is the real store, made to throttle (lookup.ErrBusy, as
// dynamo.Store answers a throttled call) while busy is set, and to answer
// a search of the number slow holds late.
type faultyStore struct {
	*dynamo.Store
	busy atomic.Bool
	slow atomic.Value // string: the E.164 whose searches take slowFor
}

const slowFor = 1500 * time.Millisecond

func (s *faultyStore) Search(ctx context.Context, phone string, maxItems int) (lookup.Found, error) {
	if s.busy.Load() {
		return lookup.Found{}, fmt.Errorf("search: %w", lookup.ErrBusy)
	}
	if slow, _ := s.slow.Load().(string); slow == phone {
		time.Sleep(slowFor)
	}
	return s.Store.Search(ctx, phone, maxItems)
}

// site is the console served as `phonelookup serve` serves it (api/local's
// handler and server) on a table of dynalite, with its faults.
type site struct {
	base  string // http://127.0.0.1:port
	port  string
	store *faultyStore
	audit *syncbuf.Buffer
	drop  atomic.Bool // API requests get their connection closed (a lost server)
}

// startSite creates a table, seeds it and serves the console on it.
func startSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	store := dynamo.NewStore(emu.DynamoDBClient(emulator.Config()), emulator.UniqueName("console"), "")
	created, err := store.CreateTable(ctx, time.Minute)
	require.NoError(t, err)
	require.True(t, created)
	seed(t, store)
	s := &site{store: &faultyStore{Store: store}, audit: &syncbuf.Buffer{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.base = "http://" + ln.Addr().String()
	_, s.port, _ = net.SplitHostPort(ln.Addr().String())
	hosts, err := local.AllowedHosts(ln.Addr(), net.InterfaceAddrs, os.Hostname)
	require.NoError(t, err)
	phones, err := lookup.NewNormalizer("GB", lookup.DefaultCacheSize)
	require.NoError(t, err)
	audit := zerolog.New(s.audit)
	con, err := console.New(console.Options{DefaultRegion: "GB"})
	require.NoError(t, err)
	h := local.Handler(local.Options{
		API: api.New(api.Options{Store: s.store, Phones: phones, Audit: audit}), Console: con, Hosts: hosts, Audit: audit,
	})
	srv := local.NewServer(s.dropping(h))
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// dropping closes the connection of an API request while drop is set.
func (s *site) dropping(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.drop.Load() && strings.HasPrefix(r.URL.Path, "/v1/") {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// The seeded numbers and customers.
const (
	ukPhone   = "+442079460958" // user-b (newest), user-a, legacy-1 (imported)
	usPhone   = "+16502530000"  // user-a only
	frPhone   = "+33123456789"  // nobody
	manyPhone = "+442079460001" // 22 customers: more than a search answers
	kbPhone   = "+447700900123" // user-k and user-m: the keyboard run's
)

var t0 = time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)

func seed(t *testing.T, s *dynamo.Store) {
	t.Helper()
	ctx := context.Background()
	link := func(user, phone string, minutes int, order string) {
		_, err := s.Link(ctx, lookup.Sighting{CognitoID: user, Phone: phone, Via: lookup.ViaDropoff, Source: "graphql",
			OrderID: order, OccurredAt: t0.Add(time.Duration(minutes) * time.Minute), Brand: "pizzaplace"})
		require.NoError(t, err)
	}
	link("user-a", ukPhone, 0, "ord-1001")
	link("user-a", ukPhone, 10, "ord-1002")
	link("user-b", ukPhone, 20, "ord-1003")
	link("user-a", usPhone, 5, "ord-1004")
	link("user-k", kbPhone, 30, "ord-2001")
	link("user-m", kbPhone, 31, "ord-2002")
	for i := range 22 {
		link(fmt.Sprintf("many-%02d", i), manyPhone, i, fmt.Sprintf("ord-3%03d", i))
	}
	_, err := s.ImportLegacy(ctx, "legacy-1", ukPhone)
	require.NoError(t, err)
}

// newBrowser starts Debian's chromium headless with a fresh profile;
// evil.example resolves to 127.0.0.1 (a DNS rebinding, as an attacker's
// page would make it).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	require.NoError(t, err, "chromium is not installed: run `make deps` (it installs it as root) or apt-get install chromium")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("host-resolver-rules", "MAP evil.example 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1100, 700),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(cancelB)
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate("about:blank")), "start chromium")
	return bctx
}

// tab opens a new tab of the browser, bounded by a minute.
func tab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")))
	ctx, cancelT := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(cancelT)
	return ctx
}

// byRole finds elements by their role and accessible name, as a screen
// reader announces them, from Chromium's accessibility tree.
func byRole(role, name string) chromedp.QueryOption {
	return chromedp.ByFunc(func(ctx context.Context, tg *chromedp.Target, n *chromedp.Node) ([]cdp.NodeID, error) {
		res, err := cdp.Call(ctx, tg, accessibility.QueryAXTree,
			accessibility.QueryAXTreeParams{NodeID: n.NodeID, Role: role, AccessibleName: name})
		if err != nil {
			return nil, err
		}
		var ids []cdp.BackendNodeID
		for _, a := range res.Nodes {
			if !a.Ignored && a.BackendDOMNodeID != 0 {
				ids = append(ids, a.BackendDOMNodeID)
			}
		}
		if len(ids) == 0 {
			return []cdp.NodeID{}, nil
		}
		pushed, err := cdp.Call(ctx, tg, dom.PushNodesByBackendIDsToFrontend, dom.PushNodesByBackendIDsToFrontendParams{BackendNodeIDs: ids})
		if err != nil {
			return nil, err
		}
		return pushed.NodeIDs, nil
	})
}

// label names a role query in error messages.
func label(role, name string) string { return fmt.Sprintf("%s %q", role, name) }

func click(role, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(label(role, name), byRole(role, name))
}

func visible(role, name string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(label(role, name), byRole(role, name))
}

func gone(role, name string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitNotPresent(label(role, name), byRole(role, name))
}

func typeInto(role, name, text string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(label(role, name), text, byRole(role, name))
}

// text is the text of the result region.
func text(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(label("region", "Result"), byRole("region", "Result")))
	require.NoError(t, err)
	return s
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	require.NoError(t, err, js)
	return v
}

// focusedName is the accessible name of the focused element.
func focusedName(t *testing.T, ctx context.Context) string {
	t.Helper()
	obj, err := chromedp.Run(ctx, chromedp.Evaluate[*runtime.RemoteObject]("document.activeElement"))
	require.NoError(t, err)
	no := false
	res, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (*accessibility.GetPartialAXTreeResult, error) {
		r, err := cdp.Call(ctx, tg, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{ObjectID: obj.ObjectID, FetchRelatives: &no})
		return &r, err
	})
	require.NoError(t, err)
	for _, n := range res.Nodes {
		if n.Name != nil {
			var s string
			if json.Unmarshal(n.Name.Value, &s) == nil {
				return s
			}
		}
	}
	return ""
}

// tabTo presses Tab until the element named name has the focus.
func tabTo(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for range 40 {
		if focusedName(t, ctx) == name {
			return
		}
		require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("\t")))
	}
	t.Fatalf("Tab never reached %q", name)
}

// axeViolation is what the test reports of an axe-core violation.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

var axeSource = sync.OnceValues(func() (string, error) {
	root, err := emulator.Root()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(root, "node_modules", "axe-core", "axe.min.js"))
	return string(b), err
})

// checkA11y injects axe-core (the version package-lock.json pins) into the
// page as it is and fails on any violation.
func checkA11y(t *testing.T, ctx context.Context, state string) {
	t.Helper()
	src, err := axeSource()
	require.NoError(t, err, "axe-core: run npm ci (make deps)")
	if !eval[bool](t, ctx, "typeof axe !== 'undefined'") {
		_ = eval[bool](t, ctx, src+";true")
	}
	got := eval[[]axeViolation](t, ctx, `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v =>
		({id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.map(n => n.target.join(" "))})))`)
	require.Empty(t, got, "axe-core violations in state %q", state)
	t.Logf("axe-core %s: state %q, 0 violations", eval[string](t, ctx, "axe.version"), state)
}

// shot writes a screenshot of the page under test-output/console/.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	root, err := emulator.Root()
	require.NoError(t, err)
	dir := filepath.Join(root, "test-output", "console")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

// state checks a state of the page: axe-core, then a screenshot.
func state(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	checkA11y(t, ctx, name)
	shot(t, ctx, name)
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, "location.pathname + location.search")
}

// budget logs a budget's figure and appends it to
// test-output/console/budgets.txt, which `make test` leaves behind (go test
// shows a passing test's log only with -v).
func budget(t *testing.T, format string, args ...any) {
	t.Helper()
	line := "BUDGET " + fmt.Sprintf(format, args...)
	t.Log(line)
	root, err := emulator.Root()
	require.NoError(t, err)
	dir := filepath.Join(root, "test-output", "console")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	f, err := os.OpenFile(filepath.Join(dir, "budgets.txt"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	defer f.Close()
	_, err = fmt.Fprintf(f, "%s %s\n", time.Now().UTC().Format(time.RFC3339), line)
	require.NoError(t, err)
}
