package crawler

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/config"
)

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func faultConfig(base string) config.Config {
	cfg := config.Default()
	cfg.Crawl.Parallelism = 4
	cfg.Crawl.Delay = 0
	cfg.Crawl.Timeout = time.Second // generous: a loaded machine must not turn normal pages into timeouts
	cfg.Crawl.MaxBodyBytes = 64 << 10
	cfg.Crawl.Retries = 3
	cfg.Pipeline.Stages = nil // the crawler alone; pipeline drops are tested separately
	cfg.Sites = []config.Site{{
		Name:      "fault",
		StartURLs: []string{base + "/"},
		Articles:  []string{`/articles/`},
		MaxDepth:  0, // no limit: the calendar and /deep/ runs must be cut by the trap guard
		MaxPages:  500,
	}}
	return cfg
}

func TestCrawlFaultSite(t *testing.T) {
	site := newFaultSite()
	defer site.srv.Close()
	base := site.srv.URL
	dir := t.TempDir()
	cfg := faultConfig(base)
	cfg.Output.ErrorsPath = filepath.Join(dir, "sub", "errors.jsonl")

	sink := &recordingSink{}
	var snaps []ProgressSnapshot // OnProgress is never called concurrently with itself
	// Bounded time: a hang fails the test through this deadline instead of blocking.
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	var fronts []*recordingFrontier
	newFrontier := func(_ context.Context, site string) (Frontier, error) {
		f := &recordingFrontier{MemoryFrontier: NewMemoryFrontier()}
		fronts = append(fronts, f)
		return f, nil
	}
	sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: sink, Logger: testLogger(t),
		OnProgress: func(p ProgressSnapshot) { snaps = append(snaps, p) },
		RetryBase:  10 * time.Millisecond, NewFrontier: newFrontier})
	if err != nil {
		t.Fatalf("RunJob: %v", err)
	}

	// Every reachable allowed article exactly once, nothing from disallowed paths.
	got := map[string]int{}
	for _, a := range sink.all() {
		u, err := url.Parse(a.URL)
		if err != nil {
			t.Errorf("record url %q: %v", a.URL, err)
			continue
		}
		got[u.Path]++
		if a.Site != "fault" {
			t.Errorf("%s: site %q, want fault", a.URL, a.Site)
		}
		if a.Source == "" || a.Title == "" || a.Text == "" || a.WordCount < 100 {
			t.Errorf("%s: source %q title %q words %d: want all set", a.URL, a.Source, a.Title, a.WordCount)
		}
		if strings.Contains(a.URL, "utm_") {
			t.Errorf("record url %q keeps tracking parameters", a.URL)
		}
	}
	want := map[string]int{}
	for _, p := range []string{"a1", "a2", "sitemap-only", "from-broken", "from-feed", "redirected", "ratelimited", "ratelimited-date", "flaky", "cp1252-meta", "cp1252-sniff"} {
		want["/articles/"+p] = 1
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("records by path (-want +got):\n%s", d)
	}
	if sum.Articles != len(want) {
		t.Errorf("Summary.Articles = %d, want %d", sum.Articles, len(want))
	}

	// Sources: the redirect chain's record names the URL we asked for.
	for _, a := range sink.all() {
		if strings.HasSuffix(a.URL, "/articles/redirected") && a.Source != base+"/redirect/1" {
			t.Errorf("redirected record: source %q, want %s/redirect/1", a.Source, base)
		}
	}

	// Windows-1252 pages come out as correct UTF-8.
	for _, a := range sink.all() {
		if strings.Contains(a.URL, "cp1252") {
			if !strings.Contains(a.Text, cp1252Text) {
				t.Errorf("%s: text lacks %q (got …%q)", a.URL, cp1252Text, tail(a.Text, 120))
			}
			if strings.ContainsRune(a.Text, '\uFFFD') {
				t.Errorf("%s: text has U+FFFD", a.URL)
			}
		}
	}

	// The frontier plugged in through NewFrontier saw every queued URL; sitemap
	// entries carry their <lastmod>.
	if len(fronts) != 1 {
		t.Fatalf("NewFrontier called %d times, want 1", len(fronts))
	}
	pushed := fronts[0].pushed()
	if e, ok := pushed[base+"/articles/sitemap-only"]; !ok || e.LastMod != "2026-10-30" || e.Kind != KindPage || e.Parent != base+"/sitemaps/articles.xml.gz" {
		t.Errorf("frontier entry for sitemap-only = %+v (found %v), want LastMod 2026-10-30 from the gzipped sitemap", e, ok)
	}
	if e := pushed[base+"/sitemaps/articles.xml.gz"]; e.Kind != KindSitemap {
		t.Errorf("frontier entry for the .xml.gz sitemap: kind %v, want sitemap", e.Kind)
	}
	if e := pushed[base+"/"]; !e.Seed || e.Depth != 0 {
		t.Errorf("start URL entry = %+v, want a depth-0 seed", e)
	}
	if e := pushed[base+"/articles/a1"]; e.Depth != 1 && e.Depth != 0 {
		t.Errorf("a1 depth %d, want 0 (sitemap) or 1 (home link)", e.Depth)
	}

	// Every other URL in its category, with its reason.
	wantReasons := map[string]map[string]int{
		CatRobots:   {"robots.txt disallows": 2},
		CatExcluded: {"domain not allowed": 1},
		CatDuplicate: {
			"variant of a URL already seen":              3,
			"rel=canonical alias (canonical URL queued)": 1,
			"rel=canonical alias of a URL already seen":  1,
		},
		CatNotArticle: {
			"not matched by articles":   1 + 1 + 13 + 7, // home, about, 13 calendar pages, deep/1..7
			"not HTML: application/pdf": 1,
			"sitemap":                   2,
			"feed":                      1,
		},
		CatFailed: {
			"timeout":           1,
			"redirect loop":     1,
			"binary body":       1,
			"status 404":        1,
			"malformed sitemap": 1,
		},
		CatOverLimit: {"body_size": 2, "trap": 3},
	}
	if d := cmp.Diff(wantReasons, sum.Reasons); d != "" {
		t.Errorf("Summary.Reasons (-want +got):\n%s", d)
	}
	for cat, rs := range wantReasons {
		n := 0
		for _, c := range rs {
			n += c
		}
		if sum.Categories[cat] != n {
			t.Errorf("Categories[%s] = %d, want %d", cat, sum.Categories[cat], n)
		}
	}
	if sum.Errors != 5 {
		t.Errorf("Summary.Errors = %d, want 5", sum.Errors)
	}

	// Politeness: retries as configured, robots.txt read once, nothing disallowed fetched,
	// each article fetched once, the trap cut.
	hits := map[string]int{
		"/robots.txt":             1,
		"/articles/flaky":         3, // 503, 503, 200
		"/articles/ratelimited":   2, // 429, 200
		"/articles/slow":          4, // 1 + retries
		"/articles/missing":       0, // 404 is not retried (unregistered path: counted below)
		"/articles/a1":            1,
		"/articles/a2":            1,
		"/private/secret":         0,
		"/private/secret-2":       0,
		"/calendar?month=2027-05": 1,
		"/calendar?month=2027-06": 0,
		"/calendar?month=2026-05": 1,
		"/calendar?month=2026-04": 0,
		"/deep/7":                 1,
		"/deep/8":                 0,
		"/articles/never":         0,
		"/loop/a":                 1,
		"/articles/redirected?utm_source=redirect": 1,
	}
	for uri, n := range hits {
		if got := site.count(uri); got != n {
			t.Errorf("server hits %s = %d, want %d", uri, got, n)
		}
	}

	// The errors file: one JSON line per failed or over-limit URL.
	raw, err := os.ReadFile(cfg.Output.ErrorsPath)
	if err != nil {
		t.Fatalf("errors file: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	byURL := map[string]ErrorRecord{}
	for _, l := range lines {
		var rec ErrorRecord
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("errors file line %q: %v", l, err)
		}
		byURL[strings.TrimPrefix(rec.URL, base)] = rec
	}
	if len(lines) != 10 || len(byURL) != 10 {
		t.Errorf("errors file: %d lines (%d URLs), want 10:\n%s", len(lines), len(byURL), raw)
	}
	wantErr := map[string]ErrorRecord{
		"/articles/slow":          {Category: CatFailed, Stage: "fetch", Reason: "timeout", Attempts: 4},
		"/articles/missing":       {Category: CatFailed, Stage: "fetch", Reason: "status 404", Status: 404, Attempts: 1},
		"/loop/a":                 {Category: CatFailed, Stage: "redirect", Reason: "redirect loop", Status: 302, Attempts: 1},
		"/articles/binary":        {Category: CatFailed, Stage: "decode", Reason: "binary body", Status: 200, Attempts: 1},
		"/sitemaps/broken.xml":    {Category: CatFailed, Stage: "sitemap", Reason: "malformed sitemap", Status: 200, Attempts: 1},
		"/articles/huge":          {Category: CatOverLimit, Stage: "fetch", Reason: "body_size", Status: 200, Attempts: 1},
		"/articles/huge-cl":       {Category: CatOverLimit, Stage: "fetch", Reason: "body_size", Status: 200, Attempts: 1},
		"/calendar?month=2027-06": {Category: CatOverLimit, Stage: "discover", Reason: "trap"},
		"/calendar?month=2026-04": {Category: CatOverLimit, Stage: "discover", Reason: "trap"},
		"/deep/8":                 {Category: CatOverLimit, Stage: "discover", Reason: "trap"},
	}
	for u, w := range wantErr {
		g, ok := byURL[u]
		if !ok {
			t.Errorf("errors file: no line for %s", u)
			continue
		}
		if g.Category != w.Category || g.Stage != w.Stage || g.Reason != w.Reason || g.Status != w.Status || g.Attempts != w.Attempts {
			t.Errorf("errors file %s = {%s %s %s status %d attempts %d}, want {%s %s %s status %d attempts %d}",
				u, g.Category, g.Stage, g.Reason, g.Status, g.Attempts, w.Category, w.Stage, w.Reason, w.Status, w.Attempts)
		}
		if g.Error == "" || g.Site != "fault" || g.Time.IsZero() {
			t.Errorf("errors file %s: error %q site %q time %v: want all set", u, g.Error, g.Site, g.Time)
		}
	}

	// The summary's table rows (printed by cmd/crawl) and the progress snapshots.
	// (the reasons are compared in full above)
	if sum.Categories[CatDuplicate] == 0 || sum.Reasons[CatFailed]["timeout"] == 0 || sum.Categories[CatOverLimit] == 0 || sum.Elapsed <= 0 {
		t.Errorf("summary: duplicates %d, failed timeout %d, over a limit %d, elapsed %s; want all > 0",
			sum.Categories[CatDuplicate], sum.Reasons[CatFailed]["timeout"], sum.Categories[CatOverLimit], sum.Elapsed)
	}
	if len(snaps) == 0 {
		t.Fatal("OnProgress never called")
	}
	last := snaps[len(snaps)-1]
	if !last.Done || last.Articles != 11 || last.Fetched != sum.Fetched || last.Errors != sum.Categories[CatFailed] {
		t.Errorf("last progress snapshot %+v: want Done, 11 articles, fetched %d, errors %d", last, sum.Fetched, sum.Categories[CatFailed])
	}
	for _, p := range snaps[:len(snaps)-1] {
		if p.Done {
			t.Errorf("snapshot %+v before the last one is Done", p)
		}
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// recordingFrontier is a MemoryFrontier that remembers every pushed entry.
type recordingFrontier struct {
	*MemoryFrontier
	mu   sync.Mutex
	push map[string]Entry
}

func (f *recordingFrontier) Push(ctx context.Context, e Entry) error {
	f.mu.Lock()
	if f.push == nil {
		f.push = map[string]Entry{}
	}
	f.push[e.URL] = e
	f.mu.Unlock()
	return f.MemoryFrontier.Push(ctx, e)
}

func (f *recordingFrontier) pushed() map[string]Entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.push
}
