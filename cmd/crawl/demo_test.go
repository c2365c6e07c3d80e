package main

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/sample"
)

// `crawl demo` writes exactly one valid record per article page of the sample site,
// none for home, category or pagination pages; each has a title, a section and text;
// the blog pages carry their related stubs.
func TestDemo(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out", "demo.jsonl")
	r := runCrawl(t, "", nil, "demo", "--out", out)
	if r.code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"articles written", "errors", "elapsed"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("summary on stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.stdout != "" { // the summary goes to stderr, like run's
		t.Errorf("stdout holds %q, want nothing (records are in %s)", r.stdout, out)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	recs := records(t, string(data))

	var got []string
	byPath := map[string]int{}
	for i, rec := range recs {
		u, err := url.Parse(rec.URL)
		if err != nil || u.Host == "" {
			t.Errorf("record %d: bad url %q", i, rec.URL)
			continue
		}
		got = append(got, u.Path)
		byPath[u.Path] = i
		if strings.TrimSpace(rec.Title) == "" || len(rec.Sections) == 0 || strings.TrimSpace(rec.Text) == "" || rec.WordCount == 0 {
			t.Errorf("%s: title %q, %d sections, %d words", u.Path, rec.Title, len(rec.Sections), rec.WordCount)
		}
		if rec.Site != "sample-health" {
			t.Errorf("%s: site %q", u.Path, rec.Site)
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(sample.ArticlePaths(), got); diff != "" {
		t.Errorf("record paths (-article pages +records):\n%s", diff)
	}
	for _, p := range sample.ListingPaths() {
		if _, ok := byPath[p]; ok {
			t.Errorf("listing page %s has a record", p)
		}
	}

	blogs := 0
	for _, p := range sample.ArticlePaths() {
		page, err := sample.Page(p, "http://127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		i, ok := byPath[p]
		if !ok || !strings.Contains(string(page), "yarpp-related") { // the blog template's related-posts widget
			continue
		}
		blogs++
		if len(recs[i].Related) == 0 {
			t.Errorf("blog page %s has no related stubs", p)
		}
		for _, rel := range recs[i].Related {
			if rel.Title == "" {
				t.Errorf("blog page %s: related stub without title: %+v", p, rel)
			}
		}
	}
	if blogs < 5 {
		t.Errorf("only %d blog pages checked", blogs)
	}
	if i, ok := byPath[sample.SeedPath]; ok {
		if n := len(recs[i].Related); n != 2 {
			t.Errorf("seed page: %d related stubs, want 2: %+v", n, recs[i].Related)
		}
	}
}
