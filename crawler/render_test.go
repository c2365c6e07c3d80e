package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/fetch"
	"github.com/healthcrawl/healthcrawl/sample"
	"github.com/healthcrawl/healthcrawl/store"
)

func needChromium(t *testing.T) {
	t.Helper()
	if _, err := fetch.FindChromium(""); err != nil {
		t.Skip("chromium not installed: render tests skipped (apt-get install -y chromium)")
	}
}

// renderCrawl crawls the sample site at base with the site's render mode set.
func renderCrawl(t *testing.T, base, mode string, edit func(*config.Config)) (Summary, map[string]article.Article) {
	t.Helper()
	cfg := sampleConfig(t, base)
	cfg.Sites[0].Render = mode
	if edit != nil {
		edit(&cfg)
	}
	path := filepath.Join(t.TempDir(), "out.jsonl")
	sum := crawlTo(t, context.Background(), cfg, store.NewMemory(), path)
	recs := map[string]article.Article{}
	for _, a := range readRecords(t, path) {
		u, _ := url.Parse(a.URL)
		recs[u.Path] = a
	}
	return sum, recs
}

// Script-built articles of the sample site for the assertions: a phrase of each
// page's text that only the script writes, and its list.
var scriptText = map[string][]string{
	"/app/": {"Staying Hydrated in Hot Weather", "Even mild dehydration", "Carry a refillable bottle and sip from it through the day.",
		"Seek medical help at once"},
	"/app/live-update.html": {"Seasonal Flu: This Week's Update", "Flu activity rose again this week", "Difficulty breathing or pain in the chest.",
		"Antiviral treatment works best"},
}

// render: auto renders exactly the script pages; their records hold the whole
// article; the static pages are read without a browser, as before.
func TestRenderAutoSampleSite(t *testing.T) {
	needChromium(t)
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	sum, recs := renderCrawl(t, srv.URL, config.RenderAuto, nil)
	if sum.Rendered != len(sample.ScriptPaths()) {
		t.Errorf("Summary.Rendered = %d, want %d (the script pages only)", sum.Rendered, len(sample.ScriptPaths()))
	}
	if want := len(sample.ArticlePaths()) + len(sample.ScriptPaths()); sum.Articles != want || len(recs) != want {
		t.Errorf("articles = %d, records %d; want %d", sum.Articles, len(recs), want)
	}
	for _, p := range sample.ScriptPaths() {
		a, ok := recs[p]
		if !ok {
			t.Errorf("%s: no record (reasons %v)", p, sum.Reasons)
			continue
		}
		if a.Title != scriptText[p][0] {
			t.Errorf("%s: title %q, want %q", p, a.Title, scriptText[p][0])
		}
		for _, w := range scriptText[p][1:] {
			if !strings.Contains(a.Text, w) {
				t.Errorf("%s: text lacks %q:\n%s", p, w, a.Text)
			}
		}
		if a.WordCount < 150 {
			t.Errorf("%s: %d words, want the whole article (≥ 150)", p, a.WordCount)
		}
	}
	for _, p := range sample.ArticlePaths() {
		if _, ok := recs[p]; !ok {
			t.Errorf("static article %s: no record", p)
		}
	}
}

// render: never files the script pages not_article with a reason that says to
// set render: auto; the static articles are the same 27.
func TestRenderNeverSampleSite(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	sum, recs := renderCrawl(t, srv.URL, config.RenderNever, nil)
	if sum.Rendered != 0 || len(recs) != len(sample.ArticlePaths()) {
		t.Errorf("rendered %d, records %d; want 0, %d", sum.Rendered, len(recs), len(sample.ArticlePaths()))
	}
	const reason = "no article body (client-rendered page: set render: auto)"
	if n := sum.Reasons[CatNotArticle][reason]; n != len(sample.ScriptPaths()) {
		t.Errorf("not_article %q = %d, want %d; reasons %v", reason, n, len(sample.ScriptPaths()), sum.Reasons[CatNotArticle])
	}
	for _, p := range sample.ScriptPaths() {
		if _, ok := recs[p]; ok {
			t.Errorf("%s: emitted without rendering", p)
		}
	}
}

// A site without an articles rule: the extractor decides, and a client-rendered
// page it calls "other" is filed with the page type and the hint.
func TestRenderNeverNoArticleRule(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	sum, _ := renderCrawl(t, srv.URL, config.RenderNever, func(c *config.Config) {
		c.Sites[0].StartURLs = []string{srv.URL + "/app/"}
		c.Sites[0].Sitemaps = nil
		c.Sites[0].Articles = nil
	})
	if n := sum.Reasons[CatNotArticle]["page_type other (client-rendered page: set render: auto)"]; n != 1 {
		t.Errorf("not_article reasons %v, want page_type other with the render hint", sum.Reasons[CatNotArticle])
	}
}

// render: always renders every HTML page (here the one page crawled), even a
// static article; a request to another host than the page's is blocked, and so is
// one to the page's host that robots.txt disallows.
func TestRenderAlwaysBlocksOtherHosts(t *testing.T) {
	needChromium(t)
	var tracker atomic.Int64
	third := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tracker.Add(1)
		w.Header().Set("Content-Type", "application/javascript")
		fmt.Fprint(w, `document.body.insertAdjacentHTML("beforeend", "<p>TRACKER RAN</p>")`)
	}))
	defer third.Close()
	tu, _ := url.Parse(third.URL)
	page := sample.SeedPath
	var private atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/private/") {
			private.Add(1)
		}
		if r.URL.Path != page {
			sample.Handler().ServeHTTP(w, r)
			return
		}
		body, err := sample.Page(page, "http://"+r.Host)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		// The tracker is referenced by the name localhost: another host than 127.0.0.1.
		// And the page asks its own host for a path robots.txt disallows.
		tag := fmt.Sprintf(`<script src="http://localhost:%s/t.js"></script><script>fetch("/private/editorial-drafts.html")</script></body>`, tu.Port())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(strings.Replace(string(body), "</body>", tag, 1)))
	}))
	defer srv.Close()
	sum, recs := renderCrawl(t, srv.URL, config.RenderAlways, func(c *config.Config) {
		c.Sites[0].StartURLs = []string{srv.URL + page}
		c.Sites[0].Sitemaps = nil
		c.Sites[0].Follow = []string{"^$"}
		c.Sites[0].MaxPages = 1 // the page only (not robots.txt's sitemap)
	})
	if sum.Rendered != 1 || len(recs) != 1 {
		t.Fatalf("rendered %d, records %d; want 1, 1 (reasons %v)", sum.Rendered, len(recs), sum.Reasons)
	}
	a := recs[page]
	if !strings.Contains(a.Text, "massage") || strings.Contains(a.Text, "TRACKER RAN") {
		t.Errorf("record text: has the article %v, has the tracker's paragraph %v", strings.Contains(a.Text, "massage"), strings.Contains(a.Text, "TRACKER RAN"))
	}
	if n := tracker.Load(); n != 0 {
		t.Errorf("the third-party host got %d requests, want 0 (blocked)", n)
	}
	if n := private.Load(); n != 0 {
		t.Errorf("the rendered page's request to a path robots.txt disallows reached the server %d times, want 0", n)
	}
}

// A site that needs rendering with no Chromium: its pages fail with the error that
// names the package to install; a site with render: never needs no Chromium.
func TestRenderChromiumMissing(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	var errs strings.Builder
	cfg := sampleConfig(t, srv.URL)
	cfg.Sites[0].Render = config.RenderAuto
	cfg.Crawl.RenderBinary = "/nonexistent/chromium"
	sink := &recordingSink{}
	sum, err := RunJob(context.Background(), JobOptions{Config: cfg, Sink: sink, ErrorsOut: &errs, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("RunJob: %v", err)
	}
	if n := sum.Reasons[CatFailed]["render: chromium not found"]; n != len(sample.ScriptPaths()) {
		t.Errorf("failed reasons %v, want %d × render: chromium not found", sum.Reasons[CatFailed], len(sample.ScriptPaths()))
	}
	if sum.Articles != len(sample.ArticlePaths()) {
		t.Errorf("articles = %d, want the %d static ones", sum.Articles, len(sample.ArticlePaths()))
	}
	if want := `render: Chromium not found (install Debian's \"chromium\" package: apt-get install -y chromium)`; !strings.Contains(errs.String(), want) {
		t.Errorf("errors file lacks %s:\n%s", want, errs.String())
	}
}
