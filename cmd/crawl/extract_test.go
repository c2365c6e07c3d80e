package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/sample"
)

// A saved page, a directory (sorted, .html and .html.gz only) and stdin give one
// record each, in input order, with source as given.
func TestExtractInputsInOrder(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.html")
	writeFile(t, a, []byte(articleHTML("Walking for Health")))
	pages := filepath.Join(dir, "pages")
	writeFile(t, filepath.Join(pages, "2-cycling.html"), []byte(articleHTML("Cycling to Work")))
	writeFile(t, filepath.Join(pages, "1-swimming.html.gz"), gzipped(t, articleHTML("Swimming Basics")))
	writeFile(t, filepath.Join(pages, "notes.txt"), []byte("not a page"))
	writeFile(t, filepath.Join(pages, "sub", "3-deep.html"), []byte(articleHTML("Not Recursed")))
	z := filepath.Join(dir, "z.html")
	writeFile(t, z, []byte(articleHTML("Yoga for Beginners")))

	r := runCrawl(t, articleHTML("Stretching at Home"), nil, "extract", z, pages+"/", "-", a)
	if r.code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	recs := records(t, r.stdout)
	wantSources := []string{z, filepath.Join(pages, "1-swimming.html.gz"), filepath.Join(pages, "2-cycling.html"), "-", a}
	if diff := cmp.Diff(wantSources, sources(recs)); diff != "" {
		t.Fatalf("sources (-want +got):\n%s", diff)
	}
	wantTitles := []string{"Yoga for Beginners", "Swimming Basics", "Cycling to Work", "Stretching at Home", "Walking for Health"}
	for i, rec := range recs {
		if !strings.Contains(rec.Title, wantTitles[i]) {
			t.Errorf("record %d (%s): title %q, want %q", i, rec.Source, rec.Title, wantTitles[i])
		}
		if rec.URL != "" || rec.FetchedAt != nil {
			t.Errorf("record %d: saved file got url %q / fetched_at %v (invented)", i, rec.URL, rec.FetchedAt)
		}
		if rec.PageType != article.PageArticle || len(rec.Sections) == 0 || rec.WordCount < 50 || !strings.Contains(rec.Text, "150 minutes") {
			t.Errorf("record %d: page_type %q, %d sections, %d words", i, rec.PageType, len(rec.Sections), rec.WordCount)
		}
	}
}

// Missing, empty, whitespace-only and binary inputs each give a stderr line naming
// them; the other inputs are still written; exit status 1.
func TestExtractBadInputs(t *testing.T) {
	dir := t.TempDir()
	good1 := filepath.Join(dir, "good1.html")
	good2 := filepath.Join(dir, "good2.html")
	writeFile(t, good1, []byte(articleHTML("Sleep Hygiene")))
	writeFile(t, good2, []byte(articleHTML("Hydration Myths")))
	empty := filepath.Join(dir, "empty.html")
	writeFile(t, empty, nil)
	blank := filepath.Join(dir, "blank.html")
	writeFile(t, blank, []byte(" \n\t\n"))
	binary := filepath.Join(dir, "photo.html")
	writeFile(t, binary, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01"))
	missing := filepath.Join(dir, "missing.html")
	emptyDir := filepath.Join(dir, "nothing")
	if err := os.Mkdir(emptyDir, 0o755); err != nil {
		t.Fatal(err)
	}

	r := runCrawl(t, "", nil, "extract", missing, good1, empty, blank, binary, emptyDir, good2)
	if r.code != exitPartial {
		t.Errorf("exit %d, want 1", r.code)
	}
	recs := records(t, r.stdout)
	if diff := cmp.Diff([]string{good1, good2}, sources(recs)); diff != "" {
		t.Errorf("records written (-want +got):\n%s", diff)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	want := []string{
		missing + ": no such file",
		empty + ": empty input",
		blank + ": empty input",
		binary + ": binary input, not an HTML page",
		emptyDir + ": directory has no .html or .html.gz files",
	}
	if len(lines) != len(want) {
		t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(want), r.stderr)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("stderr line %d = %q, want prefix %q", i, lines[i], w)
		}
	}
}

// URL inputs are fetched (user agent from the config); --url sets the address of a
// saved file; a failed fetch is an input error.
func TestExtractURLAndURLFlag(t *testing.T) {
	var gotUA string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/articles/walking/" {
			http.NotFound(w, r)
			return
		}
		gotUA = r.Header.Get("User-Agent")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(articleHTML("Walking for Health")))
	}))
	defer srv.Close()
	dir := t.TempDir()
	saved := filepath.Join(dir, "saved.html")
	writeFile(t, saved, []byte(articleHTML("Cycling to Work")))

	page := srv.URL + "/articles/walking/"
	r := runCrawl(t, "", map[string]string{"CRAWL_CRAWL_USER_AGENT": "test-agent/1"}, "extract", page, srv.URL+"/gone")
	if r.code != exitPartial {
		t.Errorf("exit %d, want 1 (one URL is 404)", r.code)
	}
	recs := records(t, r.stdout)
	if len(recs) != 1 || recs[0].Source != page || recs[0].URL != page || recs[0].FetchedAt == nil {
		t.Fatalf("records: %+v", recs)
	}
	if gotUA != "test-agent/1" {
		t.Errorf("User-Agent %q, want the configured one", gotUA)
	}
	if !strings.Contains(r.stderr, srv.URL+"/gone: fetch: HTTP 404") {
		t.Errorf("stderr does not name the failed URL:\n%s", r.stderr)
	}

	r = runCrawl(t, "", nil, "extract", "--url", "https://example.org/cycling/", saved)
	recs = records(t, r.stdout)
	if r.code != exitOK || len(recs) != 1 || recs[0].URL != "https://example.org/cycling/" || recs[0].Source != saved {
		t.Errorf("--url: exit %d records %+v stderr %s", r.code, recs, r.stderr)
	}
	for _, args := range [][]string{
		{"extract", "--url", "https://example.org/", saved, saved},
		{"extract", "--url", "https://example.org/", dir},
		{"extract", "--url", "not-a-url", saved},
		{"extract", "-", "-"},
		{"extract"},
		{"extract", "--site", "blog", saved},
		{"extract", "--format", "yaml", saved},
	} {
		if r := runCrawl(t, "", nil, args...); r.code != exitUsage {
			t.Errorf("%q: exit %d, want 2; stderr %s", args, r.code, r.stderr)
		}
	}
}

// A page the pipeline would drop in a crawl (here: the second copy of the same
// article, dropped by dedupe, and a page too short for the filter) still gives
// its record, named on stderr with the reason; with --drop it is left out. Neither
// is a failure.
func TestExtractDropIsReportedNotFailed(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.html")
	writeFile(t, good, []byte(articleHTML("Posture at Work")))
	copied := filepath.Join(dir, "copy.html")
	writeFile(t, copied, []byte(articleHTML("Posture at Work")))
	short := filepath.Join(dir, "short.html")
	writeFile(t, short, []byte(`<html><head><title>Clinic hours change</title></head><body><article><h1>Clinic hours change</h1>
<p>From Monday the clinic opens at eight and closes at six, including on public holidays. Appointments booked before the change keep their time; the pharmacy keeps its own hours.</p></article></body></html>`))

	r := runCrawl(t, "", nil, "extract", good, copied, short)
	if r.code != exitOK {
		t.Errorf("exit %d, want 0", r.code)
	}
	recs := records(t, r.stdout)
	if len(recs) != 3 || recs[0].Source != good || recs[1].Source != copied || recs[2].Source != short {
		t.Fatalf("records: %v", sources(recs))
	}
	if recs[1].Text != recs[0].Text || !strings.Contains(recs[2].Text, "opens at eight") {
		t.Errorf("kept records lost their text: %q / %q", recs[1].Text, recs[2].Text)
	}
	if !strings.Contains(r.stderr, copied+": kept, the pipeline would drop it: dedupe: duplicate_of") ||
		!strings.Contains(r.stderr, short+": kept, the pipeline would drop it: filter: too_short") {
		t.Errorf("stderr %q does not report the verdicts", r.stderr)
	}

	r = runCrawl(t, "", nil, "extract", "--drop", good, copied, short)
	if r.code != exitOK {
		t.Errorf("--drop: exit %d, want 0", r.code)
	}
	if recs := records(t, r.stdout); len(recs) != 1 || recs[0].Source != good {
		t.Errorf("--drop: records %v", sources(recs))
	}
	if !strings.Contains(r.stderr, copied+": dropped: dedupe: duplicate_of") || !strings.Contains(r.stderr, short+": dropped: filter: too_short") {
		t.Errorf("--drop: stderr %q does not report the drops", r.stderr)
	}
}

// --out writes the file (directories created) instead of stdout; --format text works.
func TestExtractOutAndFormat(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "p.html")
	writeFile(t, page, []byte(articleHTML("Healthy Snacks")))
	out := filepath.Join(dir, "out", "nested", "r.jsonl")
	r := runCrawl(t, "", nil, "extract", "--out", out, page)
	if r.code != exitOK || r.stdout != "" {
		t.Fatalf("exit %d stdout %q stderr %s", r.code, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if recs := records(t, string(data)); len(recs) != 1 || recs[0].Source != page {
		t.Errorf("file records: %v", sources(recs))
	}
}

// A listing page (the sample site's home and a category page) still gives a record:
// page_type listing and no body, never dropped as "too short".
func TestExtractListingPagesKeepARecord(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home.html")
	cat := filepath.Join(dir, "category.html")
	for path, page := range map[string]string{home: "/", cat: "/category/nutrition/"} {
		b, err := sample.Page(page, "http://127.0.0.1:8080")
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, path, b)
	}
	r := runCrawl(t, "", nil, "extract", home, cat)
	if r.code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	recs := records(t, r.stdout)
	if diff := cmp.Diff([]string{home, cat}, sources(recs)); diff != "" {
		t.Fatalf("sources (-want +got):\n%s", diff)
	}
	for _, rec := range recs {
		if rec.PageType != article.PageListing || len(rec.Sections) != 0 || rec.Text != "" || rec.Title == "" {
			t.Errorf("%s: page_type %q, %d sections, text %q, title %q; want a titled listing record without body",
				rec.Source, rec.PageType, len(rec.Sections), rec.Text, rec.Title)
		}
	}
}
