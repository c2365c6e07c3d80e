package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/crawler"
)

// magazine is a generated site for crawl init: its home page links to article pages
// of two shapes (/news/SLUG/ and /blog/YEAR/SLUG.html), to topic listings
// (/topics/T/), to a top-level page (/about/) and to a URL with a query. robots.txt
// is robots (404 when empty).
type magazine struct {
	robots string
	// flat puts the articles at the top level (/SLUG/) instead.
	flat bool
}

var (
	magNews   = []string{"walking-and-mood", "sleep-and-memory", "salt-and-blood-pressure", "cold-showers"}
	magBlog   = []string{"my-first-marathon", "learning-to-cook", "a-year-without-sugar"}
	magTopics = []string{"fitness", "food", "sleep"}
)

// articles are the URL paths of the site's article pages.
func (m magazine) articles() []string {
	var out []string
	for _, s := range magNews {
		if m.flat {
			out = append(out, "/"+s+"/")
		} else {
			out = append(out, "/news/"+s+"/")
		}
	}
	if !m.flat {
		for _, s := range magBlog {
			out = append(out, "/blog/2025/"+s+".html")
		}
	}
	slices.Sort(out)
	return out
}

func (m magazine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	html := func(s string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, s)
	}
	listing := func(title string, links []string) string {
		var b strings.Builder
		fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><title>%s | Magazine</title></head><body><header><a href="/">Magazine</a></header><main><h1>%s</h1><ul class="posts">`, title, title)
		for i, l := range links {
			fmt.Fprintf(&b, `<li><a href="%s">Story number %d</a></li>`, l, i+1)
		}
		b.WriteString(`</ul></main><footer><a href="/about/">About</a></footer></body></html>`)
		return b.String()
	}
	switch {
	case p == "/robots.txt":
		if m.robots == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, m.robots)
	case p == "/":
		var links []string
		links = append(links, m.articles()...)
		for _, t := range magTopics {
			links = append(links, "/topics/"+t+"/")
		}
		links = append(links, "/about/", "/search?q=sleep")
		html(listing("Home", links))
	case slices.Contains(m.articles(), p):
		html(crawler.GenArticleHTML("mag"+p, "Story "+strings.Trim(p, "/"), "", "", nil))
	case strings.HasPrefix(p, "/topics/"), p == "/search":
		html(listing("Topic "+strings.Trim(p, "/"), m.articles()))
	case p == "/about/":
		html(`<!DOCTYPE html><html><head><title>About</title></head><body><h1>About us</h1><p>We write about health.</p><a href="/">Home</a></body></html>`)
	default:
		http.NotFound(w, r)
	}
}

// fast is the environment of the in-process crawls of these tests: no delay.
var fast = map[string]string{"CRAWL_CRAWL_DELAY": "0s"}

// crawlConfigPaths runs `crawl run -c cfg` with a memory state and returns the
// sorted URL paths of the records.
func crawlConfigPaths(t *testing.T, cfg string) []string {
	t.Helper()
	r := runCrawl(t, "", map[string]string{"CRAWL_CRAWL_DELAY": "0s", "CRAWL_STATE_URL": "memory"}, "run", "-c", cfg, "--out", "-")
	if r.code != exitOK {
		t.Fatalf("run -c %s: exit %d\n%s", cfg, r.code, r.stderr)
	}
	return recordPaths(t, r.stdout)
}

// recordPaths is the sorted URL paths of the records of a JSON Lines output.
func recordPaths(t *testing.T, jsonl string) []string {
	t.Helper()
	var got []string
	for _, rec := range records(t, jsonl) {
		u, err := url.Parse(rec.URL)
		if err != nil {
			t.Fatalf("record url %q: %v", rec.URL, err)
		}
		got = append(got, u.Path)
	}
	slices.Sort(got)
	return got
}

// On a site with articles of two URL shapes, init keeps both shapes as articles
// patterns (and neither the topic listings nor the top-level pages); the config
// crawls exactly the articles. A robots.txt Sitemap: line is listed.
func TestInitGuessesEveryArticleShape(t *testing.T) {
	var site magazine // robots.txt names the server's own address: set once it listens
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { site.ServeHTTP(w, r) }))
	defer srv.Close()
	robotsSitemap := srv.URL + "/sitemap_index.xml"
	site.robots = "User-agent: *\nDisallow:\nSitemap: " + robotsSitemap + "\n"
	path := filepath.Join(t.TempDir(), "cfg", "mag.yaml")
	r := runCrawl(t, "", fast, "init", srv.URL+"/", "-o", path)
	if r.code != exitOK {
		t.Fatalf("init: exit %d\n%s", r.code, r.stderr)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(data)
	wantArticles := "\n    articles:\n      - '^https?://[^/]+/news/[^/]+/$'\n      - '^https?://[^/]+/blog/[0-9]+/[^/]+\\.html$'\n"
	if !strings.Contains(cfg, wantArticles) {
		t.Errorf("config lacks %q:\n%s", wantArticles, cfg)
	}
	if !strings.Contains(cfg, "\n    sitemaps:\n      - '"+robotsSitemap+"'\n") {
		t.Errorf("config lacks the robots.txt sitemap %s:\n%s", robotsSitemap, cfg)
	}
	if strings.Contains(cfg, "topics") {
		t.Errorf("the topic listings made it into the config:\n%s", cfg)
	}
	if !strings.Contains(r.stderr, "1 sitemap from robots.txt") || !strings.Contains(r.stderr, "crawl validate "+path) {
		t.Errorf("init's note on stderr: %q", r.stderr)
	}
	if v := runCrawl(t, "", nil, "validate", path); v.code != exitOK {
		t.Fatalf("validate: exit %d\n%s", v.code, v.stdout)
	}
	// The sitemap does not exist (404): one failed URL, every article still written.
	r = runCrawl(t, "", map[string]string{"CRAWL_CRAWL_DELAY": "0s", "CRAWL_STATE_URL": "memory"}, "run", "-c", path, "--out", "-")
	if r.code != exitPartial {
		t.Fatalf("run: exit %d, want 1 (the missing sitemap)\n%s", r.code, r.stderr)
	}
	if diff := cmp.Diff(magazine{}.articles(), recordPaths(t, r.stdout)); diff != "" {
		t.Errorf("records (-articles +got):\n%s", diff)
	}
}

// When no link shape below the top level gives articles only (the articles are
// /SLUG/, like /about/), init leaves articles commented with the reason; when
// robots.txt names no sitemap (here: 404), the sitemaps line is commented too.
// The config still validates, and the crawl writes the articles by page type.
func TestInitNoGuess(t *testing.T) {
	site := magazine{flat: true}
	srv := httptest.NewServer(site)
	defer srv.Close()
	r := runCrawl(t, "", fast, "init", srv.URL+"/", "--out", "-")
	if r.code != exitOK {
		t.Fatalf("init: exit %d\n%s", r.code, r.stderr)
	}
	cfg := r.stdout
	for _, want := range []string{
		"\n    # sitemaps: ['" + srv.URL + "/sitemap.xml']\n",
		"robots.txt names none",
		"\n    # articles: [",
		"No pattern\n    # guessed: no link shape of the start page gave articles only: ^https?://[^/]+/topics/[^/]+/$ (3 links; 3 read, 0 articles).\n",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
	if strings.Contains(cfg, "\n    articles:") || strings.Contains(cfg, "\n    sitemaps:") {
		t.Errorf("articles or sitemaps set:\n%s", cfg)
	}
	file := filepath.Join(t.TempDir(), "flat.yaml")
	writeFile(t, file, []byte(cfg))
	if v := runCrawl(t, "", nil, "validate", "-c", file); v.code != exitOK || v.stdout != "config OK: 1 site\n" {
		t.Fatalf("validate: exit %d\n%s", v.code, v.stdout)
	}
	if diff := cmp.Diff(site.articles(), crawlConfigPaths(t, file)); diff != "" {
		t.Errorf("records (-articles +got):\n%s", diff)
	}
}

// Bad input to init: not a URL (exit 2, naming it), a start page that cannot be
// read (exit 1, naming it and why, no file written).
func TestInitErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"init"}, {"init", "example.org"}, {"init", "ftp://example.org/"}, {"init", "https://a.example/", "https://b.example/"}} {
		if r := runCrawl(t, "", nil, args...); r.code != exitUsage || !strings.Contains(r.stderr, "crawl: ") {
			t.Errorf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	if r := runCrawl(t, "", nil, "init", "example.org"); !strings.Contains(r.stderr, `"example.org": want an absolute http(s) URL`) {
		t.Errorf("init example.org: %q", r.stderr)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusGone)
	}))
	defer srv.Close()
	out := filepath.Join(dir, "x.yaml")
	r := runCrawl(t, "", fast, "init", srv.URL+"/", "--out", out)
	if r.code != exitPartial || !strings.Contains(r.stderr, "read the start page "+srv.URL+"/") || !strings.Contains(r.stderr, "410") {
		t.Errorf("start page 410: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("init wrote %s for a site it could not read", out)
	}
}

// shapeOf: the first path segment as written, the last as a slug with its
// extension, the rest open, digits as digits; no shape for top-level pages and URLs
// with a query.
func TestShapeOf(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"https://x.org/articles/vitamin-d.html", `^https?://[^/]+/articles/[^/]+\.html$`},
		{"https://x.org/news/walking-and-mood/", `^https?://[^/]+/news/[^/]+/$`},
		{"https://x.org/health/sleep/insomnia", `^https?://[^/]+/health/[^/]+/[^/]+$`},
		{"https://x.org/2024/05/my-post/", `^https?://[^/]+/[0-9]+/[0-9]+/[^/]+/$`},
		{"https://x.org/story/12345", `^https?://[^/]+/story/[0-9]+$`},
		{"https://x.org/a+b/c.v1.2", `^https?://[^/]+/a\+b/[^/]+$`},
		{"https://x.org/docs/page.verylongext", `^https?://[^/]+/docs/[^/]+$`},
		{"https://x.org/slug/", ""},
		{"https://x.org/", ""},
		{"https://x.org/news/a?page=2", ""},
		{"https://x.org/news//a", ""},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := shapeOf(u)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("shapeOf(%s) = %q, %v; want %q", tc.url, got, ok, tc.want)
		}
	}
	groups := groupLinks([]string{"https://x.org/c/a/", "https://x.org/n/1.html", "https://x.org/c/b/", "https://x.org/about/", "https://x.org/n/2.html", "https://x.org/n/3.html"})
	var got []string
	for _, g := range groups {
		got = append(got, fmt.Sprintf("%s=%d", g.pattern, len(g.links)))
	}
	want := []string{`^https?://[^/]+/n/[^/]+\.html$=3`, `^https?://[^/]+/c/[^/]+/$=2`}
	if !slices.Equal(got, want) {
		t.Errorf("groupLinks = %q, want %q", got, want)
	}
	if got := spread([]string{"a", "b", "c", "d", "e"}, 3); !slices.Equal(got, []string{"a", "c", "e"}) {
		t.Errorf("spread = %q", got)
	}
}

// A value that would break the YAML (a quote, a line break) stays one quoted scalar.
func TestYAMLQuote(t *testing.T) {
	if got := yamlQuote("it's\na"); got != `'it''s a'` {
		t.Errorf("yamlQuote = %s", got)
	}
}
