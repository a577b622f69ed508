package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phonelookup/phonelookup/api/console"
)

func get(t *testing.T, h http.Handler, method, target string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	resp := rec.Result()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// TestFiles: the page, the script and the style sheet, each with its type
// and the security headers; anything else under /console/ is 404, a
// method other than GET or HEAD 405 (with the same headers).
func TestFiles(t *testing.T) {
	h, err := console.New(console.Options{DefaultRegion: "GB"})
	require.NoError(t, err)
	for _, c := range []struct {
		method, target string
		status         int
		contentType    string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8"},
		{"GET", "/?phone=%2B442079460958&region=GB", 200, "text/html; charset=utf-8"},
		{"HEAD", "/", 200, "text/html; charset=utf-8"},
		{"GET", "/console/console.js", 200, "text/javascript; charset=utf-8"},
		{"GET", "/console/console.css", 200, "text/css; charset=utf-8"},
		{"GET", "/console/icon.svg", 200, "image/svg+xml"},
		{"GET", "/console/index.html", 404, "text/plain; charset=utf-8"},
		{"GET", "/console/", 404, "text/plain; charset=utf-8"},
		{"POST", "/", 405, "text/plain; charset=utf-8"},
	} {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			resp, body := get(t, h, c.method, c.target)
			assert.Equal(t, c.status, resp.StatusCode)
			assert.Equal(t, c.contentType, resp.Header.Get("Content-Type"))
			for k, v := range console.Headers {
				assert.Equal(t, v, resp.Header.Get(k), k)
			}
			if c.method == "HEAD" {
				assert.Empty(t, body)
			}
		})
	}
	csp := console.Headers["Content-Security-Policy"]
	assert.Contains(t, csp, "default-src 'self'")
	assert.Contains(t, csp, "frame-ancestors 'none'")
	assert.NotContains(t, csp, "unsafe-inline")
	assert.Equal(t, "nosniff", console.Headers["X-Content-Type-Options"])
	assert.Equal(t, "no-referrer", console.Headers["Referrer-Policy"])
}

// TestPage: no inline script or style, nothing from another origin, the
// region choice holds the server's default (escaped), or only "none".
func TestPage(t *testing.T) {
	h, err := console.New(console.Options{DefaultRegion: "GB"})
	require.NoError(t, err)
	_, page := get(t, h, "GET", "/")
	assert.Regexp(t, `<label for="phone">Phone number</label>`, page)
	assert.Contains(t, page, `<option value="GB">GB (the server's default)</option>`)
	for _, tag := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(page, -1) {
		assert.Contains(t, tag, `src="/console/`, "a script is a file of the console: %s", tag)
	}
	assert.NotRegexp(t, `(?i)<script[^>]*>[^<]`, page, "no inline script")
	assert.NotRegexp(t, `(?i)<style|\sstyle=|\son[a-z]+=`, page, "no inline style or handler")
	assert.NotRegexp(t, `(?i)(src|href)="(https?:)?//`, page, "nothing from another origin")

	h, err = console.New(console.Options{})
	require.NoError(t, err)
	_, page = get(t, h, "GET", "/")
	assert.Equal(t, 1, strings.Count(page, "<option"), "no default region: the choice is none only")

	h, err = console.New(console.Options{DefaultRegion: `"><script>`})
	require.NoError(t, err)
	_, page = get(t, h, "GET", "/")
	assert.NotContains(t, page, `"><script>`, "the template escapes")
}

// TestScript: the script writes text only (no innerHTML, outerHTML,
// insertAdjacentHTML, document.write, eval), calls only this server's API,
// and sends the client header the audit line records.
func TestScript(t *testing.T) {
	h, err := console.New(console.Options{})
	require.NoError(t, err)
	_, js := get(t, h, "GET", "/console/console.js")
	assert.NotRegexp(t, `innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function`, js)
	assert.NotRegexp(t, `https?://`, js, "no other origin")
	assert.Contains(t, js, `"X-Phonelookup-Client": "console"`)
	_, css := get(t, h, "GET", "/console/console.css")
	assert.NotRegexp(t, `url\(|@import`, css, "the style sheet loads nothing")
}
