// Package console is the support console: the pages of `phonelookup serve`
// at / (search by phone, the selection list, the customer's page with
// unlink), plain HTML, one script and one style sheet embedded in the
// binary. It calls the find-by-phone API of the same server and sends
// api.ClientHeader so the audit line tells it from curl.
package console

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strconv"
)

//go:embed static
var static embed.FS

// Headers sent with every answer of the console: nothing but its own
// files, no inline script or style, never in a frame, no Referer.
var Headers = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options":        "DENY",
	"Referrer-Policy":        "no-referrer",
	"Cache-Control":          "no-cache",
}

// Options configure New.
type Options struct {
	// DefaultRegion is the server's PHONE_DEFAULT_REGION, the Region
	// choice besides none ("" for none).
	DefaultRegion string
}

type file struct {
	body        []byte
	contentType string
}

// New returns the console's handler: GET (and HEAD) of /, and of
// console.js, console.css and icon.svg under /console/; any other path
// under /console/ is 404.
func New(o Options) (http.Handler, error) {
	page, err := renderPage(o)
	if err != nil {
		return nil, err
	}
	files := map[string]file{"/": {page, "text/html; charset=utf-8"}}
	for name, ct := range map[string]string{"console.js": "text/javascript; charset=utf-8", "console.css": "text/css; charset=utf-8", "icon.svg": "image/svg+xml"} {
		b, err := static.ReadFile("static/" + name)
		if err != nil {
			return nil, err
		}
		files["/console/"+name] = file{b, ct}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range Headers {
			w.Header().Set(k, v)
		}
		f, ok := files[r.URL.Path]
		switch {
		case !ok:
			http.NotFound(w, r)
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		default:
			w.Header().Set("Content-Type", f.contentType)
			w.Header().Set("Content-Length", strconv.Itoa(len(f.body)))
			w.WriteHeader(http.StatusOK)
			if r.Method == http.MethodGet {
				_, _ = w.Write(f.body)
			}
		}
	}), nil
}

// renderPage fills the page's template (the default region, escaped by
// html/template).
func renderPage(o Options) ([]byte, error) {
	t, err := template.ParseFS(static, "static/index.html")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, o); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
