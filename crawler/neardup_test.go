package crawler

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/internal/condsite"
	"github.com/healthcrawl/healthcrawl/sample"
	"github.com/healthcrawl/healthcrawl/store"
)

// The near-duplicate index lives with the state: an incremental run drops a new
// page that is a near copy of an article written by the first run, although that
// article is unchanged (answered 304, never extracted again in this run).
func TestNearDuplicateAcrossIncrementalRuns(t *testing.T) {
	site := condsite.New(sample.Handler())
	srv := httptest.NewServer(site)
	defer srv.Close()
	cfg := sampleConfig(t, srv.URL)
	dir := t.TempDir()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	crawlTo(t, ctx, cfg, st, filepath.Join(dir, "run1.jsonl"))
	if n := len(readRecords(t, filepath.Join(dir, "run1.jsonl"))); n != len(sample.ArticlePaths()) {
		t.Fatalf("first run: %d records, want %d", n, len(sample.ArticlePaths()))
	}

	original := sample.ArticlePaths()[0]
	resp, err := http.Get(srv.URL + original)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// The copy: its own URL (no canonical link or og:url back), a reposting note.
	copyHTML := regexp.MustCompile(`<link rel="canonical"[^>]*>|<meta property="og:url"[^>]*>`).ReplaceAll(body, nil)
	copyHTML = bytes.Replace(copyHTML, []byte("</h1>"), []byte("</h1>\n<p>Reposted with permission from our partners at Hearthside Health.</p>"), 1)
	added := "/articles/reposted-from-hearthside.html"
	site.Set(added, copyHTML)
	site.Rewrite("/", func(b []byte) []byte {
		return bytes.Replace(b, []byte("</body>"), []byte(`<a href="`+added+`">Reposted</a></body>`), 1)
	})
	site.Rewrite("/sitemap.xml", func(b []byte) []byte {
		return []byte(strings.Replace(string(b), "</urlset>", "<url><loc>"+srv.URL+added+"</loc><lastmod>2026-11-24</lastmod></url></urlset>", 1))
	})

	sum := crawlTo(t, ctx, cfg, st, filepath.Join(dir, "run2.jsonl"))
	if recs := readRecords(t, filepath.Join(dir, "run2.jsonl")); len(recs) != 0 {
		t.Errorf("second run wrote %d records, want 0 (the copy is a near-duplicate)", len(recs))
	}
	want := "dedupe: duplicate_of " + srv.URL + original
	if sum.Categories[CatDropped] != 1 || sum.Reasons[CatDropped][want] != 1 {
		t.Errorf("second run dropped %d, reasons %v; want 1 %q", sum.Categories[CatDropped], sum.Reasons[CatDropped], want)
	}
}
