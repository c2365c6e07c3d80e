package crawler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
)

// hugeLinkSite serves /hub with n links to /p/0 … /p/(n-1), and every /p/N as a page
// without links.
func hugeLinkSite(n int) *httptest.Server {
	hub := func() []byte {
		var b bytes.Buffer
		b.WriteString("<html><head><title>Hub</title></head><body>")
		for i := range n {
			fmt.Fprintf(&b, `<a href="/p/%d">%d</a>`, i, i)
		}
		b.WriteString("</body></html>")
		return b.Bytes()
	}()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/":
			fmt.Fprint(w, `<html><body><a href="/hub">hub</a></body></html>`)
		case r.URL.Path == "/hub":
			w.Write(hub)
		case strings.HasPrefix(r.URL.Path, "/p/"):
			fmt.Fprintf(w, "<html><body><p>Page %s</p></body></html>", r.URL.Path)
		default:
			http.NotFound(w, r)
		}
	}))
}

// errorLines runs a crawl and returns the errors-file lines and the summary.
func errorLines(t *testing.T, cfg config.Config) ([]ErrorRecord, Summary) {
	t.Helper()
	var errs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: &recordingSink{}, ErrorsOut: &errs, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("RunJob: %v", err)
	}
	var recs []ErrorRecord
	for _, l := range strings.Split(strings.TrimSpace(errs.String()), "\n") {
		if l == "" {
			continue
		}
		var rec ErrorRecord
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("errors line %q: %v", l, err)
		}
		recs = append(recs, rec)
	}
	return recs, sum
}

// A page with 100,000 links over a limit gets one errors-file line for them, with the
// count and the first few URLs, not one line per link; the summary still counts each.
func TestErrorsFileGroupsMassOverLimit(t *testing.T) {
	const n = 100000
	srv := hugeLinkSite(n)
	defer srv.Close()
	obey := false
	for _, tc := range []struct {
		name   string
		site   config.Site
		reason string
		want   int // links filed
	}{
		// max_pages 5: /, /hub and 3 links queued.
		{"max_pages", config.Site{MaxPages: 5}, "max_pages", n - 3},
		// max_depth 1: /hub is depth 1, its links depth 2 (held, then filed at the end).
		{"max_depth", config.Site{MaxDepth: 1, MaxPages: 0}, "max_depth", n},
	} {
		t.Run(tc.name, func(t *testing.T) {
			site := tc.site
			site.Name, site.StartURLs, site.ObeyRobots = "huge", []string{srv.URL + "/"}, &obey
			cfg := smallConfig(site)
			cfg.Pipeline.Stages = nil
			cfg.Crawl.MaxLinksPerPage = 0 // every link read
			recs, sum := errorLines(t, cfg)
			if got := sum.Reasons[CatOverLimit][tc.reason]; got != tc.want {
				t.Errorf("summary over_limit %s = %d, want %d", tc.reason, got, tc.want)
			}
			if len(recs) > 3 {
				t.Fatalf("errors file has %d lines, want O(1); first: %+v", len(recs), recs[0])
			}
			var group *ErrorRecord
			for i, r := range recs {
				if r.Reason == tc.reason {
					group = &recs[i]
				}
			}
			if group == nil {
				t.Fatalf("no %s line in %+v", tc.reason, recs)
			}
			if group.Count != tc.want || group.URL != srv.URL+"/hub" || group.Category != CatOverLimit || group.Stage != "discover" {
				t.Errorf("group line %+v: want count %d for %s/hub", group, tc.want, srv.URL)
			}
			if len(group.Examples) != groupExamples || !strings.HasPrefix(group.Examples[0], srv.URL+"/p/") {
				t.Errorf("examples %v, want %d URLs of /p/", group.Examples, groupExamples)
			}
			if !strings.Contains(group.Error, fmt.Sprint(tc.want)) {
				t.Errorf("error %q does not give the count", group.Error)
			}
		})
	}
}

// crawl.max_links_per_page: the links of a page past the first N are not read,
// and are counted in one errors-file line for the page.
func TestMaxLinksPerPage(t *testing.T) {
	const n = 5000
	srv := hugeLinkSite(n)
	defer srv.Close()
	obey := false
	cfg := smallConfig(config.Site{Name: "huge", StartURLs: []string{srv.URL + "/"}, ObeyRobots: &obey, MaxPages: 3})
	cfg.Pipeline.Stages = nil
	cfg.Crawl.MaxLinksPerPage = 1000
	recs, sum := errorLines(t, cfg)
	if got := sum.Reasons[CatOverLimit]["max_links_per_page"]; got != n-1000 {
		t.Errorf("over_limit max_links_per_page = %d, want %d", got, n-1000)
	}
	// max_pages 3: /, /hub and 1 link queued; 999 of the 1,000 links read are over it.
	if got := sum.Reasons[CatOverLimit]["max_pages"]; got != 999 {
		t.Errorf("over_limit max_pages = %d, want 999 (the links read, less the one queued)", got)
	}
	found := false
	for _, r := range recs {
		if r.Reason == "max_links_per_page" {
			found = true
			if r.Count != n-1000 || r.URL != srv.URL+"/hub" || !strings.Contains(r.Error, "crawl.max_links_per_page") {
				t.Errorf("line %+v, want count %d for %s/hub naming the key", r, n-1000, srv.URL)
			}
		}
	}
	if !found {
		t.Errorf("no max_links_per_page line in %+v", recs)
	}
}

// Up to groupLines URLs of one page keep one line each.
func TestErrorsFileFewOverLimitLines(t *testing.T) {
	srv := hugeLinkSite(8)
	defer srv.Close()
	obey := false
	cfg := smallConfig(config.Site{Name: "few", StartURLs: []string{srv.URL + "/"}, ObeyRobots: &obey, MaxPages: 4})
	cfg.Pipeline.Stages = nil
	recs, _ := errorLines(t, cfg)
	if len(recs) != 6 {
		t.Fatalf("%d lines, want 6 (8 links, 2 queued): %+v", len(recs), recs)
	}
	for _, r := range recs {
		if r.Count != 0 || !strings.HasPrefix(r.URL, srv.URL+"/p/") || r.Reason != "max_pages" {
			t.Errorf("line %+v, want one link over max_pages", r)
		}
	}
}

// The accountant's groups: per parent, category and reason; flushed at the parent's
// end, or by snapshot at the job's end.
func TestAccountantGroups(t *testing.T) {
	var out bytes.Buffer
	a := newAccountant(testLogger(t), &out)
	for i := range 12 {
		a.record("s", fmt.Sprintf("https://h/x%d", i), outcome{Category: CatOverLimit, Reason: "max_pages", Stage: "discover", Parent: "https://h/p1"})
	}
	a.record("s", "https://h/y", outcome{Category: CatOverLimit, Reason: "trap", Stage: "discover", Parent: "https://h/p1"})
	a.record("s", "https://h/z", outcome{Category: CatFailed, Reason: "timeout", Stage: "fetch"})
	a.record("s", "https://h/d", outcome{Category: CatDuplicate, Reason: "variant", Stage: "discover", Parent: "https://h/p1"})
	if got := strings.Count(out.String(), "\n"); got != 1 {
		t.Fatalf("%d lines before the flush, want 1 (the URL without a parent)", got)
	}
	a.flush("s", "https://h/p1")
	a.record("s", "https://h/w", outcome{Category: CatOverLimit, Reason: "max_pages", Stage: "discover", Parent: "https://h/p2"})
	cats, _ := a.snapshot()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(lines), out.String())
	}
	var grouped ErrorRecord
	json.Unmarshal([]byte(lines[1]), &grouped)
	if grouped.Count != 12 || grouped.URL != "https://h/p1" || len(grouped.Examples) != groupExamples || grouped.Examples[0] != "https://h/x0" {
		t.Errorf("grouped line %+v", grouped)
	}
	if !strings.Contains(lines[2], `"url":"https://h/y"`) || !strings.Contains(lines[3], `"url":"https://h/w"`) {
		t.Errorf("single lines:\n%s\n%s", lines[2], lines[3])
	}
	if cats[CatOverLimit] != 14 || cats[CatFailed] != 1 || cats[CatDuplicate] != 1 {
		t.Errorf("categories %v", cats)
	}
}
