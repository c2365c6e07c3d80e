package main

import (
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/sample"
)

// --articles makes the pages it matches the articles: two of the sample site's;
// --config gives the other settings (its output path, its state) and its own
// sites are not crawled.
func TestRunURLArticlesAndConfig(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "mine.jsonl")
	cfg := filepath.Join(dir, "mine.yaml")
	writeFile(t, cfg, []byte(`name: mine
crawl: {delay: 0s}
output: {path: `+out+`}
state: {url: memory}
sites:
  - name: elsewhere
    start_urls: ["http://127.0.0.1:1/"]
`))
	r := runCrawl(t, "", nil, "run", "--config", cfg, "--url", srv.URL+"/", "--articles", `/articles/(vitamin-d|migraine)\.html$`)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "elsewhere") || strings.Contains(r.stderr, "127.0.0.1:1/") {
		t.Errorf("the config's own site was crawled:\n%s", r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("output.path of the config not written: %v", err)
	}
	var got []string
	u, _ := url.Parse(srv.URL)
	for _, rec := range records(t, string(data)) {
		p, _ := url.Parse(rec.URL)
		got = append(got, p.Path)
		if want := strings.ReplaceAll(u.Host, ":", "_"); rec.Site != want {
			t.Errorf("site %q, want %q", rec.Site, want)
		}
	}
	slices.Sort(got)
	if want := []string{"/articles/migraine.html", "/articles/vitamin-d.html"}; !slices.Equal(got, want) {
		t.Errorf("records %q, want %q", got, want)
	}
}

// --sitemap alone crawls the site of the sitemap; --url repeated gives more start
// URLs of the same site (one site target).
func TestRunURLSitemapAndRepeat(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	env := map[string]string{"CRAWL_CRAWL_DELAY": "0s"}
	for _, args := range [][]string{
		{"--sitemap", srv.URL + "/sitemap.xml"},
		{"--url", srv.URL + "/", "--url", srv.URL + "/category/nutrition/"},
	} {
		r := runCrawl(t, "", env, append([]string{"run", "--state", "memory", "--out", "-"}, args...)...)
		if r.code != exitOK {
			t.Fatalf("%q: exit %d\n%s", args, r.code, r.stderr)
		}
		sites := map[string]bool{}
		n := 0
		for _, rec := range records(t, r.stdout) {
			sites[rec.Site] = true
			n++
		}
		if n != len(sample.ArticlePaths()) || len(sites) != 1 {
			t.Errorf("%q: %d records of sites %v, want %d of one site", args, n, sites, len(sample.ArticlePaths()))
		}
	}
}

// Bad --url, --sitemap or --articles values and flags that do not go together are
// usage errors (exit 2) naming the flag and the value.
func TestRunURLUsageErrors(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, cfg, []byte("sites:\n  - name: blog\n    start_urls: [\"https://example.org/\"]\n"))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--url", "example.org"}, `--url "example.org": want an absolute http(s) URL`},
		{[]string{"run", "--url", "ftp://example.org/"}, `--url "ftp://example.org/": want an absolute http(s) URL`},
		{[]string{"run", "--url", "https://"}, `--url "https://": want an absolute http(s) URL`},
		{[]string{"run", "--url", "https://example.org/", "--sitemap", "sitemap.xml"}, `--sitemap "sitemap.xml": want an absolute http(s) URL`},
		{[]string{"run", "--url", "https://example.org/", "--articles", "(x"}, `--articles "(x": invalid regexp: missing closing )`},
		{[]string{"run", "--articles", "/a/"}, `--articles needs --url or --sitemap`},
		{[]string{"run", "--config", cfg, "--url", "https://example.org/", "--site", "blog"}, `--site "blog" with --url`},
		{[]string{"run"}, `run needs a site: --url URL (one site, no config file) or --config FILE`},
		{[]string{"run", "--url", "https://example.org/", "--out", "x.xlsx"}, `--out "x.xlsx": extension .xlsx names no output format`},
	} {
		r := runCrawl(t, "", nil, tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// siteNameOf: the host, with its port, path-safe.
func TestSiteNameOf(t *testing.T) {
	for raw, want := range map[string]string{
		"https://www.Example.org/health/": "www.example.org",
		"http://127.0.0.1:8080/":          "127.0.0.1_8080",
		"http://[::1]:8080/":              "__1_8080",
	} {
		u, _ := url.Parse(raw)
		if got := siteNameOf(u); got != want || !regexp.MustCompile(`^[\w.-]+$`).MatchString(got) {
			t.Errorf("siteNameOf(%s) = %q, want %q", raw, got, want)
		}
	}
}
