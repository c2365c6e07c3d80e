package main

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/fetch"
	"github.com/healthcrawl/healthcrawl/sample"
)

// `crawl demo --render auto` writes the static articles and the two pages built by
// script, and counts the two rendered pages in its summary.
func TestDemoRenderAuto(t *testing.T) {
	if _, err := fetch.FindChromium(""); err != nil {
		t.Skip("chromium not installed: render tests skipped (apt-get install -y chromium)")
	}
	out := filepath.Join(t.TempDir(), "demo.jsonl")
	r := runCrawl(t, "", nil, "demo", "--render", "auto", "--out", out)
	if r.code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !regexp.MustCompile(`(?m)^pages rendered +2 `).MatchString(r.stderr) {
		t.Errorf("summary lacks pages rendered 2:\n%s", r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rec := range records(t, string(data)) {
		u, _ := url.Parse(rec.URL)
		got = append(got, u.Path)
		if slices.Contains(sample.ScriptPaths(), u.Path) && (rec.WordCount < 150 || !strings.Contains(rec.Text, "\n")) {
			t.Errorf("%s: %d words, want the whole rendered article", u.Path, rec.WordCount)
		}
	}
	want := append(sample.ArticlePaths(), sample.ScriptPaths()...)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("record paths = %v, want the articles and the script pages %v", got, want)
	}
}

func TestDemoRenderBadValue(t *testing.T) {
	r := runCrawl(t, "", nil, "demo", "--render", "sometimes", "--out", filepath.Join(t.TempDir(), "x.jsonl"))
	if r.code != exitUsage || !strings.Contains(r.stdout+r.stderr, `--render "sometimes": must be never, auto or always`) {
		t.Errorf("exit %d, output %q; want usage error naming --render", r.code, r.stdout+r.stderr)
	}
}
