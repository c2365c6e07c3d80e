package main

import (
	"bytes"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/configs"
	"github.com/healthcrawl/healthcrawl/fetch"
	"github.com/healthcrawl/healthcrawl/sample"
)

// `crawl run` and `crawl extract URL` give the same record for the same page: the
// sample site is crawled (memory state, jsonl), then every article URL the crawl
// wrote is given to crawl extract with the same config and site. The records are
// equal field by field except fetched_at (the time of each fetch).
func TestRunAndExtractGiveTheSameRecord(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	cfg := demoConfigFile(t, srv.URL)
	out := filepath.Join(t.TempDir(), "run.jsonl")
	r := runCrawl(t, "", nil, "run", "--config", cfg, "--site", "sample-health", "--out", out)
	if r.code != exitOK {
		t.Fatalf("run: exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	crawled := records(t, string(data))
	if len(crawled) != len(sample.ArticlePaths()) {
		t.Fatalf("run: %d records, want %d", len(crawled), len(sample.ArticlePaths()))
	}
	args := []string{"extract", "--config", cfg, "--site", "sample-health"}
	for _, rec := range crawled {
		args = append(args, rec.Source)
	}
	r = runCrawl(t, "", nil, args...)
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("extract: exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	extracted := records(t, r.stdout)
	if len(extracted) != len(crawled) {
		t.Fatalf("extract: %d records, want %d", len(extracted), len(crawled))
	}
	ignore := cmpopts.IgnoreFields(article.Article{}, "FetchedAt")
	for i, want := range crawled {
		got := extracted[i]
		if got.FetchedAt == nil || want.FetchedAt == nil {
			t.Errorf("%s: fetched_at missing (run %v, extract %v)", want.Source, want.FetchedAt, got.FetchedAt)
		}
		if diff := cmp.Diff(want, got, ignore); diff != "" {
			t.Errorf("%s: extract differs from run (-run +extract):\n%s", want.Source, diff)
		}
		if got.Site != "sample-health" || got.Text == "" || !strings.HasPrefix(got.URL, srv.URL) {
			t.Errorf("%s: site %q, %d bytes of text, url %q", want.Source, got.Site, len(got.Text), got.URL)
		}
	}

	// Where a separate fetch path used to differ: the url field is the canonical
	// form (tracking parameters gone), as in the crawl's record of the page; and a
	// page robots.txt disallows is not fetched (the crawl files it under robots).
	want := crawled[0]
	tracked := want.Source + "?utm_source=newsletter"
	private := srv.URL + sample.PrivatePaths()[0]
	r = runCrawl(t, "", nil, "extract", "--config", cfg, "--site", "sample-health", tracked, private)
	if r.code != exitPartial {
		t.Errorf("extract: exit %d, want 1 (robots.txt disallows %s)\nstderr:\n%s", r.code, private, r.stderr)
	}
	got := records(t, r.stdout)
	if len(got) != 1 {
		t.Fatalf("extract: %d records, want 1", len(got))
	}
	want.Source = tracked
	if diff := cmp.Diff(want, got[0], ignore); diff != "" {
		t.Errorf("%s: extract differs from run (-run +extract):\n%s", tracked, diff)
	}
	if !strings.Contains(r.stderr, private+": ") || !strings.Contains(r.stderr, "robots.txt disallows") {
		t.Errorf("stderr does not name the disallowed page:\n%s", r.stderr)
	}
}

// A URL crawl run would not emit (here the sample site's home page, a listing not
// matched by the site's articles rules) is still written by crawl extract and named
// on stderr with the crawl's reason; --drop leaves it out, as crawl run does.
func TestExtractURLCrawlWouldNotEmit(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	cfg := demoConfigFile(t, srv.URL)
	home := srv.URL + "/"
	r := runCrawl(t, "", nil, "extract", "--config", cfg, "--site", "sample-health", home)
	recs := records(t, r.stdout)
	if r.code != exitOK || len(recs) != 1 || recs[0].PageType != article.PageListing || recs[0].Source != home {
		t.Fatalf("exit %d, records %+v\nstderr:\n%s", r.code, recs, r.stderr)
	}
	if want := home + ": kept, crawl run would not emit it: not_article: not matched by articles"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
	}
	r = runCrawl(t, "", nil, "extract", "--drop", "--config", cfg, "--site", "sample-health", home)
	if r.code != exitOK || r.stdout != "" || !strings.Contains(r.stderr, home+": dropped: crawl run would not emit it: not_article") {
		t.Errorf("--drop: exit %d stdout %q stderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// The pages built by script, with render: auto: crawl extract renders them as crawl
// run does (the same fetcher, the same render decision, the same extractor), so
// their records are the same too.
func TestRunAndExtractGiveTheSameRenderedRecord(t *testing.T) {
	if _, err := fetch.FindChromium(""); err != nil {
		t.Skip("chromium not installed: render tests skipped (apt-get install -y chromium)")
	}
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "demo.yaml")
	data := bytes.ReplaceAll(configs.Demo(), []byte("{{BASE}}"), []byte(srv.URL))
	writeFile(t, cfg, bytes.Replace(data, []byte("render: never"), []byte("render: auto"), 1))
	out := filepath.Join(t.TempDir(), "run.jsonl")
	r := runCrawl(t, "", nil, "run", "--config", cfg, "--site", "sample-health", "--out", out)
	if r.code != exitOK {
		t.Fatalf("run: exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]article.Article{}
	for _, rec := range records(t, string(body)) {
		u, _ := url.Parse(rec.URL)
		byPath[u.Path] = rec
	}
	args := []string{"extract", "--config", cfg, "--site", "sample-health"}
	for _, p := range sample.ScriptPaths() {
		if _, ok := byPath[p]; !ok {
			t.Fatalf("run wrote no record of %s", p)
		}
		args = append(args, srv.URL+p)
	}
	r = runCrawl(t, "", nil, args...)
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if line != "" && !strings.Contains(line, "level=INFO") { // "chromium started"
			t.Errorf("extract: stderr line %q", line)
		}
	}
	if r.code != exitOK {
		t.Fatalf("extract: exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	got := records(t, r.stdout)
	if len(got) != len(sample.ScriptPaths()) {
		t.Fatalf("extract: %d records, want %d", len(got), len(sample.ScriptPaths()))
	}
	ignore := cmpopts.IgnoreFields(article.Article{}, "FetchedAt", "Source")
	for i, p := range sample.ScriptPaths() {
		want := byPath[p]
		if got[i].WordCount < 150 {
			t.Errorf("%s: extract gave %d words, want the rendered article", p, got[i].WordCount)
		}
		if diff := cmp.Diff(want, got[i], ignore); diff != "" {
			t.Errorf("%s: extract differs from run (-run +extract):\n%s", p, diff)
		}
	}
}
