package fetch

import (
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/sample"
)

func TestNeedsRender(t *testing.T) {
	long := strings.Repeat("Regular walking lowers blood pressure in most adults. ", 40)
	cases := []struct {
		name   string
		body   string
		want   bool
		reason string
	}{
		{"react shell", `<!DOCTYPE html><html><head><title>App</title><script src="/static/js/main.1234.js"></script></head><body><div id="root"></div></body></html>`, true, "empty root container div#root"},
		{"vue shell with spinner", `<html><body><div id="app"><div class="spinner"></div></div><script src="/js/app.js"></script></body></html>`, true, "empty root container div#app"},
		{"next shell", `<html><body><div id="__next"></div><script id="__NEXT_DATA__" type="application/json">{"props":{}}</script></body></html>`, true, "empty root container div#__next"},
		{"angular root", `<html><body><app-root></app-root><script src="main.js"></script></body></html>`, true, "empty root container app-root"},
		{"noscript notice", `<html><body><header>Health news</header><main id="content">Loading…</main><noscript>Please enable JavaScript to read this article.</noscript></body></html>`, true, "<noscript> asks to enable JavaScript"},
		{"bootstrap only", `<html><body><main></main><script>window.__INITIAL_STATE__={}</script></body></html>`, true, "framework bootstrap (window.__INITIAL_STATE__) with almost no text"},
		{"server-rendered react", `<html><body><div id="root"><article><h1>Walking</h1><p>` + long + `</p></article></div><script src="/static/js/main.js"></script></body></html>`, false, ""},
		{"article with comments notice", `<html><body><article><h1>Walking</h1><p>` + long + `</p></article><noscript>Please enable JavaScript to view the comments.</noscript></body></html>`, false, ""},
		{"plain article", `<html><body><article><h1>Walking</h1><p>` + long + `</p></article><script src="/assets/site.js"></script></body></html>`, false, ""},
		{"small static page", `<html><body><h1>About us</h1><p>We write about health.</p></body></html>`, false, ""},
		{"empty root without script", `<html><body><div id="root"></div><p>Static.</p></body></html>`, false, ""},
		{"empty", ``, false, ""},
		{"garbage", "\x00\xff<<<>>>", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, reason := NeedsRender([]byte(c.body))
			if got != c.want || reason != c.reason {
				t.Errorf("NeedsRender = %v, %q; want %v, %q", got, reason, c.want, c.reason)
			}
		})
	}
}

func FuzzNeedsRender(f *testing.F) {
	f.Add([]byte(`<html><body><div id="root"></div><script src="/app.js"></script></body></html>`))
	f.Add([]byte(`<noscript>enable JavaScript</noscript>`))
	f.Add([]byte(`<div id="app"><div id="root"></div></div></div></div>`))
	f.Add([]byte(`<script>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ok, reason := NeedsRender(b)
		if ok != (reason != "") {
			t.Fatalf("NeedsRender = %v with reason %q", ok, reason)
		}
	})
}

// On the sample site, the script-built pages look client-rendered and no static
// page does (so no static page is rendered with render: auto, nor filed with the
// render hint with render: never).
func TestNeedsRenderSampleSite(t *testing.T) {
	static := append(append(sample.ArticlePaths(), sample.ListingPaths()...), sample.PrivatePaths()...)
	for _, p := range static {
		b, err := sample.Page(p, "http://127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		if ok, why := NeedsRender(b); ok {
			t.Errorf("%s: NeedsRender = true (%s), want false", p, why)
		}
	}
	want := map[string]string{"/app/": "empty root container div#root", "/app/live-update.html": "<noscript> asks to enable JavaScript"}
	for _, p := range sample.ScriptPaths() {
		b, err := sample.Page(p, "http://127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		if ok, why := NeedsRender(b); !ok || why != want[p] {
			t.Errorf("%s: NeedsRender = %v, %q; want true, %q", p, ok, why, want[p])
		}
	}
}
