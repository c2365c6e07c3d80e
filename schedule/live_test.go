package schedule_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/healthcrawl/healthcrawl/schedule"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// slowSite is a loopback site whose article pages take delay each: a listing
// linking n articles, a page robots.txt disallows and one answering 503. It counts
// the body bytes it serves with status 200.
type slowSite struct {
	srv   *httptest.Server
	bytes atomic.Int64
}

func newSlowSite(n int, delay time.Duration) *slowSite {
	s := &slowSite{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body string
		status := http.StatusOK
		switch {
		case r.URL.Path == "/robots.txt":
			w.Header().Set("Content-Type", "text/plain")
			body = "User-agent: *\nDisallow: /articles/private/\n"
		case r.URL.Path == "/":
			var b strings.Builder
			b.WriteString("<html><head><title>Health news</title></head><body><h1>Latest</h1><ul>")
			for i := range n {
				fmt.Fprintf(&b, `<li><a href="/articles/%d">Article %d</a></li>`, i, i)
			}
			b.WriteString(`<li><a href="/articles/private/x">Private</a></li><li><a href="/articles/broken">Broken</a></li></ul></body></html>`)
			body = b.String()
		case r.URL.Path == "/articles/broken":
			status, body = http.StatusServiceUnavailable, "down"
		case strings.HasPrefix(r.URL.Path, "/articles/"):
			time.Sleep(delay)
			id := strings.TrimPrefix(r.URL.Path, "/articles/")
			body = crawler.GenArticleHTML(id, "Living well, part "+id, "", "", nil)
		default:
			status, body = http.StatusNotFound, "not found"
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.WriteHeader(status)
		k, _ := io.WriteString(w, body)
		if status == http.StatusOK { // the body of an error response is not read
			s.bytes.Add(int64(k))
		}
	}))
	return s
}

// runRecorder is a RunFunc crawling with the crawler, as crawl schedule does
// (cmd/crawl crawlJob, minus the outputs), keeping the summary and whether
// RunJob has returned.
type runRecorder struct {
	cfg      config.Config
	returned atomic.Bool
	mu       sync.Mutex
	sum      crawler.Summary
	last     crawler.ProgressSnapshot
}

func (r *runRecorder) run(ctx context.Context, job schedule.Job) (schedule.Result, error) {
	var last crawler.ProgressSnapshot
	sum, err := crawler.RunJob(ctx, crawler.JobOptions{Config: r.cfg, Sites: []string{job.Site},
		OnProgress: func(p crawler.ProgressSnapshot) { last = p; job.Report(schedule.CrawlProgress(p)) }})
	r.returned.Store(true)
	r.mu.Lock()
	r.sum, r.last = sum, last
	r.mu.Unlock()
	return schedule.CrawlResult(sum, last), err
}

// The counters move during a run: /metrics scraped while the crawl is still going
// shows pages, bytes and the queue; after the run every counter equals the run's
// summary (the live increments and the end add up to it, nothing counted twice), the
// bytes equal what the site served, every label value is free of spaces and
// /healthz gives durations as numbers of seconds.
func TestLiveMetricsDuringARun(t *testing.T) {
	const articles = 30
	site := newSlowSite(articles, 120*time.Millisecond)
	defer site.srv.Close()
	cfg := config.Default()
	cfg.Crawl.Parallelism = 1
	cfg.Crawl.Delay = 0
	cfg.Crawl.Retries = 0
	cfg.Crawl.Timeout = 10 * time.Second
	cfg.Pipeline.Stages = nil
	cfg.Output.Path = t.TempDir() + "/{site}-{date}.jsonl"
	const name = "health news" // a space: the site label must not keep it
	cfg.Sites = []config.Site{{Name: name, Schedule: "@yearly", StartURLs: []string{site.srv.URL + "/"}, Articles: []string{`/articles/`}}}
	rec := &runRecorder{cfg: cfg}
	s, err := schedule.New(schedule.Options{Config: cfg, Run: rec.run})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	ended := make(chan struct{})
	go func() { s.RunNow(context.Background(), name); close(ended) }()

	const lbl = `{site="health_news"}`
	var mid string
	sawQueue := false
	for {
		body := get(t, srv.URL+"/metrics")
		running := !rec.returned.Load() // read after the scrape: the crawl was going while it was served
		if !running {
			t.Fatalf("the run ended before /metrics showed a page:\n%s", body)
		}
		if metric(t, body, "healthcrawl_queue_urls"+lbl) > 0 {
			sawQueue = true
		}
		if metric(t, body, "healthcrawl_pages_fetched_total"+lbl) > 0 {
			mid = body
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := metric(t, mid, "healthcrawl_run_in_progress"+lbl); got != 1 {
		t.Errorf("mid-run run_in_progress = %v, want 1", got)
	}
	if got := metric(t, mid, "healthcrawl_bytes_fetched_total"+lbl); got <= 0 {
		t.Errorf("mid-run bytes_fetched_total = %v, want > 0", got)
	}
	if got := metric(t, mid, "healthcrawl_pages_fetched_total"+lbl); got >= articles {
		t.Errorf("mid-run pages_fetched_total = %v: the run was nearly done", got)
	}
	h := healthz(t, srv.URL)
	if sec, ok := h.Sites[name]["running_seconds"].(float64); (!ok || sec < 0) && !rec.returned.Load() {
		t.Errorf("/healthz mid-run running_seconds = %#v, want a number", h.Sites[name]["running_seconds"])
	}
	for !sawQueue && !rec.returned.Load() {
		sawQueue = metric(t, get(t, srv.URL+"/metrics"), "healthcrawl_queue_urls"+lbl) > 0
		time.Sleep(20 * time.Millisecond)
	}
	if !sawQueue {
		t.Error("healthcrawl_queue_urls never above 0 during the run")
	}
	select {
	case <-ended:
	case <-time.After(60 * time.Second):
		t.Fatal("run did not end")
	}

	body := get(t, srv.URL+"/metrics")
	rec.mu.Lock()
	sum, last := rec.sum, rec.last
	rec.mu.Unlock()
	if sum.Fetched < articles+2 || sum.Articles != articles {
		t.Fatalf("summary: fetched %d, articles %d; want ≥ %d, %d", sum.Fetched, sum.Articles, articles+2, articles)
	}
	for series, want := range map[string]int{
		"healthcrawl_pages_fetched_total" + lbl:                                    sum.Fetched,
		"healthcrawl_articles_emitted_total" + lbl:                                 sum.Articles,
		`healthcrawl_errors_total{kind="status_503",site="health_news"}`:           sum.Reasons[crawler.CatFailed]["status 503"],
		`healthcrawl_runs_total{result="ok",site="health_news"}`:                   1,
		"healthcrawl_queue_urls" + lbl:                                             0,
		`healthcrawl_urls_not_emitted_total{category="failed",site="health_news"}`: sum.Categories[crawler.CatFailed],
	} {
		if got := metric(t, body, series); got != float64(want) {
			t.Errorf("%s = %v, want %d (the run's summary)", series, got, want)
		}
	}
	if sum.Reasons[crawler.CatFailed]["status 503"] != 1 || sum.Categories[crawler.CatRobots] != 1 {
		t.Errorf("summary reasons %v: want one status 503 and one URL disallowed by robots.txt", sum.Reasons)
	}
	for cat, n := range sum.Categories {
		if got := metric(t, body, `healthcrawl_urls_not_emitted_total{category="`+cat+`",site="health_news"}`); got != float64(n) {
			t.Errorf("urls_not_emitted_total %s = %v, want %d", cat, got, n)
		}
	}
	if got := metric(t, body, "healthcrawl_bytes_fetched_total"+lbl); got != float64(site.bytes.Load()) || got != float64(last.Bytes) {
		t.Errorf("bytes_fetched_total = %v; the site served %d bytes, the last snapshot says %d", got, site.bytes.Load(), last.Bytes)
	}
	assertLabelsWithoutSpaces(t, body)

	h = healthz(t, srv.URL)
	lastRun, _ := h.Sites[name]["last"].(map[string]any)
	if d, ok := lastRun["duration_seconds"].(float64); !ok || d < 1 {
		t.Errorf("/healthz last.duration_seconds = %#v, want a number of seconds ≥ 1 (30 pages × 120 ms)", lastRun["duration_seconds"])
	}
	if _, ok := lastRun["duration"]; ok {
		t.Errorf("/healthz still has a duration string: %v", lastRun)
	}
	if _, ok := h.Sites[name]["running_seconds"]; ok || h.Sites[name]["running"] != false {
		t.Errorf("/healthz after the run: %v", h.Sites[name])
	}
}

type health struct {
	Status string                    `json:"status"`
	Sites  map[string]map[string]any `json:"sites"`
}

func healthz(t *testing.T, base string) health {
	t.Helper()
	var h health
	if err := json.Unmarshal([]byte(get(t, base+"/healthz")), &h); err != nil {
		t.Fatalf("/healthz: %v", err)
	}
	if h.Status != "ok" {
		t.Fatalf("/healthz status %q", h.Status)
	}
	return h
}

// assertLabelsWithoutSpaces parses a Prometheus text exposition and fails on a
// label value with white space in it.
func assertLabelsWithoutSpaces(t *testing.T, body string) {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	n := 0
	for name, f := range fams {
		if !strings.HasPrefix(name, "healthcrawl_") {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				n++
				if v := l.GetValue(); v == "" || strings.ContainsAny(v, " \t\n") {
					t.Errorf("%s %s=%q: a label value with white space", name, l.GetName(), v)
				}
			}
		}
	}
	if n == 0 {
		t.Error("no healthcrawl_ label in /metrics")
	}
}

// Reports move the counters by what the totals grew; the final Result adds only
// the rest (a report after it is ignored); free-text reasons fold into bounded
// snake_case kinds, the URL in a reason cut off, at most 32 kinds per site.
func TestReportDeltasAndLabelFolding(t *testing.T) {
	cfg := config.Default()
	cfg.Sites = []config.Site{{Name: "a b", Schedule: "@yearly"}}
	var srvURL string
	var mids []string
	var job0 schedule.Job
	reasons := func(n int) map[string]int {
		m := map[string]int{"status 503": 2, "crashed the crawler 3 times": 1, "fetch https://x.example/p?q=1 failed": 1}
		for i := range n { // 40: bespoke_failure_number_a … bespoke_failure_number_nz
			m[fmt.Sprintf("bespoke failure number %c", 'a'+rune(i%26))+strings.Repeat("z", i/26)] = 1
		}
		return m
	}
	s, err := schedule.New(schedule.Options{Config: cfg, Run: func(ctx context.Context, job schedule.Job) (schedule.Result, error) {
		job0 = job
		job.Report(schedule.Result{Fetched: 3, Articles: 1, Bytes: 100, Queued: 7, URLs: map[string]int{"robots_disallowed": 1},
			Errors: reasons(0)})
		mids = append(mids, get(t, srvURL+"/metrics"))
		job.Report(schedule.Result{Fetched: 2, Articles: 1, Bytes: 90, Queued: 4}) // lower: adds nothing
		job.Report(schedule.Result{Fetched: 8, Articles: 4, Bytes: 400, Queued: 2, Errors: reasons(40),
			URLs: map[string]int{"robots_disallowed": 2, "disallowed by robots.txt": 1}})
		mids = append(mids, get(t, srvURL+"/metrics"))
		return schedule.Result{Fetched: 10, Articles: 5, Bytes: 500, Errors: reasons(40), Changes: map[string]int{"new": 5},
			URLs: map[string]int{"robots_disallowed": 2, "disallowed by robots.txt": 1}}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	srvURL = srv.URL
	s.RunNow(context.Background(), "a b")
	job0.Report(schedule.Result{Fetched: 99, Articles: 99, Bytes: 9999}) // after the end: ignored

	const lbl = `{site="a_b"}`
	for i, want := range []struct{ fetched, articles, bytes, queue float64 }{{3, 1, 100, 7}, {8, 4, 400, 2}} {
		if got := metric(t, mids[i], "healthcrawl_pages_fetched_total"+lbl); got != want.fetched {
			t.Errorf("report %d: pages_fetched_total = %v, want %v", i, got, want.fetched)
		}
		if got := metric(t, mids[i], "healthcrawl_articles_emitted_total"+lbl); got != want.articles {
			t.Errorf("report %d: articles_emitted_total = %v, want %v", i, got, want.articles)
		}
		if got := metric(t, mids[i], "healthcrawl_bytes_fetched_total"+lbl); got != want.bytes {
			t.Errorf("report %d: bytes_fetched_total = %v, want %v", i, got, want.bytes)
		}
		if got := metric(t, mids[i], "healthcrawl_queue_urls"+lbl); got != want.queue {
			t.Errorf("report %d: queue_urls = %v, want %v", i, got, want.queue)
		}
	}
	body := get(t, srv.URL+"/metrics")
	for series, want := range map[string]float64{
		"healthcrawl_pages_fetched_total" + lbl:                                              10,
		"healthcrawl_articles_emitted_total" + lbl:                                           5,
		"healthcrawl_bytes_fetched_total" + lbl:                                              500,
		"healthcrawl_queue_urls" + lbl:                                                       0,
		`healthcrawl_articles_changes_total{change="new",site="a_b"}`:                        5,
		`healthcrawl_errors_total{kind="status_503",site="a_b"}`:                             2,
		`healthcrawl_errors_total{kind="crashed_the_crawler_times",site="a_b"}`:              1,
		`healthcrawl_errors_total{kind="fetch",site="a_b"}`:                                  1,
		`healthcrawl_urls_not_emitted_total{category="robots_disallowed",site="a_b"}`:        2,
		`healthcrawl_urls_not_emitted_total{category="disallowed_by_robots_txt",site="a_b"}`: 1,
	} {
		if got := metric(t, body, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	assertLabelsWithoutSpaces(t, body)
	// 3 kinds first, then 40 bespoke ones: 32 kinds, the rest "other"; every URL counted once.
	kinds, total := 0, 0.0
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range fams["healthcrawl_errors_total"].GetMetric() {
		kinds++
		total += m.GetCounter().GetValue()
	}
	if kinds != 33 || total != 44 {
		t.Errorf("errors_total: %d kinds, %v URLs; want 32 kinds + other, 44 URLs", kinds, total)
	}
	if got := metric(t, body, `healthcrawl_errors_total{kind="other",site="a_b"}`); got != 11 {
		t.Errorf("errors_total other = %v, want 11 (43 kinds, 32 kept)", got)
	}
}

// Two site names with the same site label would share their counters: refused.
func TestSiteLabelCollision(t *testing.T) {
	cfg := config.Default()
	cfg.Sites = []config.Site{{Name: "my blog", Schedule: "@daily"}, {Name: "my/blog", Schedule: "@daily"}}
	_, err := schedule.New(schedule.Options{Config: cfg, Run: func(context.Context, schedule.Job) (schedule.Result, error) { return schedule.Result{}, nil }})
	if err == nil || !strings.Contains(err.Error(), `site="my_blog"`) || !strings.Contains(err.Error(), `sites[1].name "my/blog"`) {
		t.Errorf("New with colliding site labels: %v", err)
	}
}
