package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/healthcrawl/healthcrawl/sample"
)

// statsTestSite is the sample site with failing pages and more than ten per-URL drop
// reasons: copies of 14 articles under other URLs (each copy or its original
// dropped as "dedupe: duplicate_of <URL>"), and two pages answering 500.
func statsTestSite(t *testing.T) *httptest.Server {
	t.Helper()
	arts := sample.ArticlePaths()
	var copies strings.Builder
	for i := range 14 {
		fmt.Fprintf(&copies, `<a href="/articles/copy-%d.html">copy %d</a> `, i, i)
	}
	copyOf := func(path string) string { // copy-N is a copy of the article N+3
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(path, "/articles/copy-"), ".html"))
		return arts[3+n]
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == arts[1] || r.URL.Path == arts[2]:
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		case strings.HasPrefix(r.URL.Path, "/articles/copy-"):
			r2 := r.Clone(r.Context())
			r2.URL.Path = copyOf(r.URL.Path)
			rec := httptest.NewRecorder()
			sample.Handler().ServeHTTP(rec, r2)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, canonical.ReplaceAllString(rec.Body.String(), "")) // a copy, not an alias
			return
		case r.URL.Path == "/":
			rec := httptest.NewRecorder()
			sample.Handler().ServeHTTP(rec, r)
			body := strings.Replace(rec.Body.String(), "</body>", copies.String()+"</body>", 1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
			return
		}
		sample.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

var canonical = regexp.MustCompile(`(?i)<link[^>]+rel="?canonical[^>]*>|<meta[^>]+og:url[^>]*>`)

// summaryTable reads the summary table of stderr: top rows by label, and the
// reason rows under each category label.
func summaryTable(t *testing.T, stderr string) (rows map[string]int, reasons map[string][]reasonRow) {
	t.Helper()
	rows, reasons = map[string]int{}, map[string][]reasonRow{}
	row := regexp.MustCompile(`^(\S.*?)\s{2,}(\d+)\b`)
	sub := regexp.MustCompile(`^  (\S.*?)\s{2,}(\d+)\s*$`)
	cur := ""
	for _, l := range strings.Split(stderr, "\n") {
		if m := sub.FindStringSubmatch(l); m != nil && cur != "" {
			n, _ := strconv.Atoi(m[2])
			reasons[cur] = append(reasons[cur], reasonRow{m[1], n})
			continue
		}
		if m := row.FindStringSubmatch(l); m != nil && !strings.Contains(l, "level=") {
			n, _ := strconv.Atoi(m[2])
			rows[m[1]] = n
			cur = m[1]
		}
	}
	return rows, reasons
}

// --stats writes JSON whose counters equal the text summary's: pages fetched,
// requests, articles, errors, every category and every reason row shown (the "…
// and N more" row is the sum of the reasons not shown); per site, the counters add
// up to the totals.
func TestStatsFileMatchesSummary(t *testing.T) {
	srv := statsTestSite(t)
	dir := t.TempDir()
	statsPath := filepath.Join(dir, "sub", "stats.json")
	r := runCrawl(t, "", map[string]string{"CRAWL_CRAWL_RETRIES": "0"}, "run", "--config", demoConfigFile(t, srv.URL),
		"--out", filepath.Join(dir, "out.jsonl"), "--stats", statsPath)
	if r.code != exitPartial {
		t.Fatalf("exit %d, want 1 (two pages fail)\n%s", r.code, r.stderr)
	}
	st := readStats(t, statsPath)
	if tmp, _ := filepath.Glob(filepath.Join(dir, "sub", ".*tmp*")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	t.Logf("stderr:\n%s", r.stderr)
	rows, reasons := summaryTable(t, r.stderr)
	for label, got := range map[string]int{
		"pages fetched": st.PagesFetched, "articles written": st.ArticlesWritten, "errors": st.Errors,
	} {
		if want, ok := rows[label]; !ok || want != got {
			t.Errorf("%s: stats %d, table %d (present %v)\n%s", label, got, want, ok, r.stderr)
		}
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("(%d requests)", st.Requests)) {
		t.Errorf("requests %d not in the table:\n%s", st.Requests, r.stderr)
	}
	if st.ArticlesWritten != len(sample.ArticlePaths())-2 || st.Errors != 2 || st.Command != "run" || st.Config != "demo" ||
		st.ExitStatus != exitPartial || st.Status != "partial" || st.ElapsedSeconds <= 0 || !st.End.After(st.Start) {
		t.Errorf("stats: articles %d errors %d command %q config %q exit %d status %q elapsed %v start %v end %v",
			st.ArticlesWritten, st.Errors, st.Command, st.Config, st.ExitStatus, st.Status, st.ElapsedSeconds, st.Start, st.End)
	}
	grouped := false
	for cat, c := range st.Categories {
		if c.Label != crawler.CategoryLabel(cat) || rows[c.Label] != c.Count {
			t.Errorf("category %s: stats %d (label %q), table %d", cat, c.Count, c.Label, rows[c.Label])
		}
		sum := 0
		capped := map[string][]int{} // reason as the table shows it → counts
		for reason, n := range c.Reasons {
			sum += n
			capped[capReason(reason)] = append(capped[capReason(reason)], n)
		}
		if sum != c.Count {
			t.Errorf("category %s: reasons sum to %d, count %d", cat, sum, c.Count)
		}
		tableSum, more := 0, 0
		for _, row := range reasons[c.Label] {
			tableSum += row.n
			if strings.HasPrefix(row.reason, "… and ") {
				grouped = true
				more = len(c.Reasons) - (len(reasons[c.Label]) - 1)
				if want := fmt.Sprintf("… and %d more", more); row.reason != want {
					t.Errorf("category %s: row %q, want %q", cat, row.reason, want)
				}
				continue
			}
			ns := capped[row.reason]
			if len(ns) == 0 {
				t.Errorf("category %s: table row %q is no reason of the stats", cat, row.reason)
			} else if len(ns) == 1 && ns[0] != row.n {
				t.Errorf("%s / %s: stats %d, table %d", cat, row.reason, ns[0], row.n)
			}
		}
		if tableSum != c.Count {
			t.Errorf("category %s: table rows sum to %d, count %d:\n%s", cat, tableSum, c.Count, r.stderr)
		}
		if more == 0 && len(reasons[c.Label]) != len(c.Reasons) {
			t.Errorf("category %s: %d rows, %d reasons, no '… and N more' row", cat, len(reasons[c.Label]), len(c.Reasons))
		}
	}
	if !grouped {
		t.Errorf("no '… and N more' row although 14 copies were dropped one reason each:\n%s", r.stderr)
	}
	if len(st.Sites) != 1 || st.Sites[0].Name != "sample-health" {
		t.Fatalf("sites %+v, want sample-health", st.Sites)
	}
	s := st.Sites[0]
	if s.PagesFetched != st.PagesFetched || s.ArticlesWritten != st.ArticlesWritten || s.Errors != st.Errors || len(s.Categories) != len(st.Categories) {
		t.Errorf("site %+v does not add up to the totals", s)
	}
	if st.Pipeline.In == 0 || st.Pipeline.Kept != st.ArticlesWritten || len(st.Pipeline.Seconds) == 0 {
		t.Errorf("pipeline %+v: want in > 0, kept = articles, seconds per stage", st.Pipeline)
	}
}

// With --log-format json, stderr is JSON lines only: the summary is a "summary"
// record carrying the stats fields instead of the table.
func TestJSONLogSummaryRecord(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	dir := t.TempDir()
	r := runCrawl(t, "", nil, "run", "--config", demoConfigFile(t, srv.URL), "--out", filepath.Join(dir, "out.jsonl"),
		"--log-format", "json", "--stats", filepath.Join(dir, "stats.json"))
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var summary map[string]any
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("stderr line is not JSON: %q", l)
		}
		if rec["msg"] == "summary" {
			summary = rec
		}
	}
	if summary == nil {
		t.Fatalf("no summary record:\n%s", r.stderr)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "stats.json"))
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"articles_written", "pages_fetched", "errors", "exit_status", "status", "categories", "sites"} {
		if fmt.Sprint(summary[k]) != fmt.Sprint(st[k]) {
			t.Errorf("summary record %s = %v, stats file %v", k, summary[k], st[k])
		}
	}
	if summary["articles_written"] != float64(len(sample.ArticlePaths())) || summary["status"] != "ok" {
		t.Errorf("summary record: articles %v status %v", summary["articles_written"], summary["status"])
	}
}

// readStats reads and parses a stats file.
func readStats(t *testing.T, path string) runStats {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st runStats
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("stats JSON %s: %v\n%s", path, err, b)
	}
	return st
}
