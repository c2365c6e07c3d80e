package crawler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/store"
)

// BenchSite is a generated loopback health site: a home page, listing pages of 50
// articles each (with next/previous links), and Pages article pages of about 5 KB
// (GenArticleHTML) with three related links each. Pages are generated on request,
// so the site itself holds no page in memory.
type BenchSite struct {
	Pages   int
	PerList int
	// Latency delays every response, like a real server's time to first byte
	// (0 = answer at once: the crawl is CPU-bound).
	Latency time.Duration
	// Name seeds the generated text ("" = "bench"): sites with different names have
	// different articles.
	Name string
}

// Lists is the number of listing pages.
func (s BenchSite) Lists() int { return (s.Pages + s.PerList - 1) / s.PerList }

// ServeHTTP implements http.Handler.
func (s BenchSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.Latency > 0 {
		t := time.NewTimer(s.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	p := r.URL.Path
	switch {
	case p == "/robots.txt":
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "User-agent: *\nDisallow: /admin/\n")
	case p == "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!DOCTYPE html><html><head><title>Healthy Living</title></head><body><h1>Healthy Living</h1>
<p><a href="/list/1">All articles</a> <a href="/about">About</a> <a href="/admin/">Admin</a></p></body></html>`)
	case p == "/about":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!DOCTYPE html><html><head><title>About</title></head><body><h1>About</h1><p>We write about health.</p><a href="/">Home</a></body></html>`)
	case strings.HasPrefix(p, "/list/"):
		n, err := strconv.Atoi(strings.TrimPrefix(p, "/list/"))
		if err != nil || n < 1 || n > s.Lists() {
			http.NotFound(w, r)
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, `<!DOCTYPE html><html><head><title>Articles, page %d | Healthy Living</title></head><body>
<header><a href="/">Healthy Living</a></header><main><h1>Articles, page %d</h1><ul class="posts">`, n, n)
		for i := (n-1)*s.PerList + 1; i <= min(n*s.PerList, s.Pages); i++ {
			fmt.Fprintf(&b, `<li><a href="/article/%d">Article number %d</a></li>`+"\n", i, i)
		}
		b.WriteString(`</ul><nav class="pagination">`)
		if n > 1 {
			fmt.Fprintf(&b, `<a rel="prev" href="/list/%d">Previous</a> `, n-1)
		}
		if n < s.Lists() {
			fmt.Fprintf(&b, `<a rel="next" href="/list/%d">Next</a>`, n+1)
		}
		b.WriteString(`</nav></main></body></html>`)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, b.String())
	case strings.HasPrefix(p, "/article/"):
		i, err := strconv.Atoi(strings.TrimPrefix(p, "/article/"))
		if err != nil || i < 1 || i > s.Pages {
			http.NotFound(w, r)
			return
		}
		rel := []string{
			fmt.Sprintf("/article/%d", i%s.Pages+1),
			fmt.Sprintf("/article/%d", (i+6)%s.Pages+1),
			fmt.Sprintf("/article/%d", (i+49)%s.Pages+1),
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		name := s.Name
		if name == "" {
			name = "bench"
		}
		io.WriteString(w, GenArticleHTML(name+"-"+strconv.Itoa(i), fmt.Sprintf("Article number %d on healthy habits", i), "", "", rel))
	default:
		http.NotFound(w, r)
	}
}

// BenchOptions configure RunCrawlBench.
type BenchOptions struct {
	Pages       int                    // article pages on the site (default 5000)
	Parallelism int                    // crawl.parallelism for both crawls (default config.Default's)
	Latency     time.Duration          // server time to first byte (BenchSite.Latency)
	Rounds      int                    // rounds of the three crawls; medians are reported (default 3)
	OnProgress  func(ProgressSnapshot) // optional progress of the full crawl (JobOptions.OnProgress)
	// SiteURL is a BenchSite of Pages articles (and Latency) served by another
	// process (`crawl bench serve`); empty serves one in this process.
	SiteURL string
	Logger  *slog.Logger
}

// BenchRun is one crawl of the benchmark site.
type BenchRun struct {
	Fetched     int
	Articles    int
	Elapsed     time.Duration
	PagesPerSec float64
	PeakRSS     int64 // VmHWM during the run, bytes; -1 if unknown
}

// BenchResult compares a bare colly crawl (no extraction) with the full crawl
// (extraction, default pipeline, JSON encoding of every record).
type BenchResult struct {
	Pages       int
	Parallelism int
	Latency     time.Duration
	Rounds      int
	Bare        BenchRun
	CrawlOnly   BenchRun // RunJob with nothing extracted
	Full        BenchRun
	Ratio       float64 // Full.PagesPerSec / Bare.PagesPerSec
	// Durable is the full crawl as `crawl run` does it by default: a SQLite state and
	// a JSON Lines file, every batch of records synced before its commit.
	Durable      BenchRun
	DurableRatio float64 // Durable.PagesPerSec / Bare.PagesPerSec
	// BestRatio is the full crawl's best round over bare colly's best round (pages/s),
	// the figure issue 17 asks for: a round slowed by other load on the machine does
	// not count against either side.
	BestRatio float64
	// SiteProcess: the site was served by another process (BenchOptions.SiteURL).
	SiteProcess bool
}

// RunCrawlBench serves a BenchSite on loopback and crawls it three times: bare colly;
// RunJob with an articles rule matching nothing (fetch, decode, parse, follow);
// RunJob extracting every article through the default pipeline. Peak RSS is the process's VmHWM (reset between runs through
// /proc/self/clear_refs); it includes the in-process site server.
func RunCrawlBench(ctx context.Context, opts BenchOptions) (BenchResult, error) {
	if opts.Pages <= 0 {
		opts.Pages = 5000
	}
	if opts.Rounds <= 0 {
		opts.Rounds = 3
	}
	cfg := config.Default()
	if opts.Parallelism > 0 {
		cfg.Crawl.Parallelism = opts.Parallelism
	}
	cfg.Crawl.Delay = 0
	base := opts.SiteURL
	if base == "" {
		srv := httptest.NewServer(BenchSite{Pages: opts.Pages, PerList: 50, Latency: opts.Latency})
		defer srv.Close()
		base = srv.URL
	}
	res := BenchResult{Pages: opts.Pages, Parallelism: cfg.Crawl.Parallelism, Latency: opts.Latency, Rounds: opts.Rounds, SiteProcess: opts.SiteURL != ""}

	run := func(articles string, durable bool) (BenchRun, Summary, error) {
		resetPeakRSS()
		cfg.Sites = []config.Site{{Name: "bench", StartURLs: []string{base + "/"}, Articles: []string{articles}}}
		jo := JobOptions{Config: cfg, Sink: &countingSink{}, Logger: opts.Logger, OnProgress: opts.OnProgress}
		start := time.Now()
		if durable {
			dir, err := os.MkdirTemp("", "crawl-bench-")
			if err != nil {
				return BenchRun{}, Summary{}, fmt.Errorf("bench crawl: %w", err)
			}
			defer os.RemoveAll(dir)
			st, err := store.OpenSQLite(ctx, filepath.Join(dir, "state.db"))
			if err != nil {
				return BenchRun{}, Summary{}, fmt.Errorf("bench crawl: %w", err)
			}
			defer st.Close()
			sink, err := output.OpenSpec(ctx, output.Spec{Path: filepath.Join(dir, "out.jsonl")})
			if err != nil {
				return BenchRun{}, Summary{}, fmt.Errorf("bench crawl: %w", err)
			}
			defer sink.Close(ctx)
			jo.Store, jo.Sink = st, sink
		}
		sum, err := RunJob(ctx, jo)
		if err != nil {
			return BenchRun{}, sum, fmt.Errorf("bench crawl: %w", err)
		}
		el := time.Since(start)
		return BenchRun{Fetched: sum.Fetched, Articles: sum.Articles, Elapsed: el, PagesPerSec: float64(sum.Fetched) / el.Seconds(), PeakRSS: peakRSS()}, sum, nil
	}
	// Rounds alternate the three crawls, so that load from other processes on a shared
	// machine hits them alike; each row reports its median round.
	var bares, onlys, fulls, durables []BenchRun
	var sum Summary
	for range max(opts.Rounds, 1) {
		resetPeakRSS()
		bare, err := bareCollyCrawl(ctx, base, cfg.Crawl)
		if err != nil {
			return res, err
		}
		bare.PeakRSS = peakRSS()
		bares = append(bares, bare)
		// The crawler without extraction: an articles rule that matches nothing, so
		// pages are fetched, decoded, parsed and followed but not extracted.
		only, _, err := run(`^nothing$`, false)
		if err != nil {
			return res, err
		}
		onlys = append(onlys, only)
		for _, durable := range []bool{false, true} {
			var r BenchRun
			r, sum, err = run(`/article/[0-9]+$`, durable)
			if err != nil {
				return res, err
			}
			if sum.Articles != opts.Pages {
				return res, fmt.Errorf("bench crawl: %d articles written, want %d (categories %v)", sum.Articles, opts.Pages, sum.Reasons)
			}
			if durable {
				durables = append(durables, r)
			} else {
				fulls = append(fulls, r)
			}
		}
	}
	res.Bare, res.CrawlOnly, res.Full, res.Durable = median(bares), median(onlys), median(fulls), median(durables)
	if res.Bare.PagesPerSec > 0 {
		res.Ratio = res.Full.PagesPerSec / res.Bare.PagesPerSec
		res.DurableRatio = res.Durable.PagesPerSec / res.Bare.PagesPerSec
		res.BestRatio = best(fulls) / best(bares)
	}
	return res, nil
}

// best is the highest pages/s of runs.
func best(runs []BenchRun) float64 {
	b := 0.0
	for _, r := range runs {
		b = max(b, r.PagesPerSec)
	}
	return b
}

// median returns the run with the median pages/s, with the highest peak RSS of all.
func median(runs []BenchRun) BenchRun {
	s := append([]BenchRun(nil), runs...)
	sort.Slice(s, func(i, j int) bool { return s[i].PagesPerSec < s[j].PagesPerSec })
	m := s[len(s)/2]
	for _, r := range runs {
		m.PeakRSS = max(m.PeakRSS, r.PeakRSS)
	}
	return m
}

// bareCollyCrawl is the baseline: colly alone, following every link, no extraction.
func bareCollyCrawl(ctx context.Context, start string, cfg config.Crawl) (BenchRun, error) {
	c := colly.NewCollector(colly.Async(), colly.UserAgent(cfg.UserAgent), colly.StdlibContext(ctx))
	c.IgnoreRobotsTxt = false
	if err := c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: max(cfg.Parallelism, 1)}); err != nil {
		return BenchRun{}, err
	}
	var fetched atomic.Int64
	c.OnResponse(func(*colly.Response) { fetched.Add(1) })
	c.OnHTML("a[href]", func(e *colly.HTMLElement) {
		e.Request.Visit(e.Attr("href"))
	})
	t0 := time.Now()
	if err := c.Visit(start); err != nil {
		return BenchRun{}, fmt.Errorf("bare crawl %s: %w", start, err)
	}
	c.Wait()
	el := time.Since(t0)
	n := int(fetched.Load())
	return BenchRun{Fetched: n, Elapsed: el, PagesPerSec: float64(n) / el.Seconds()}, nil
}

// countingSink JSON-encodes every record (as a file sink would) and counts them.
type countingSink struct {
	n     atomic.Int64
	bytes atomic.Int64
}

func (s *countingSink) Write(_ context.Context, a *article.Article) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	s.bytes.Add(int64(len(b)))
	s.n.Add(1)
	return nil
}

func (s *countingSink) Close(context.Context) error { return nil }

// resetPeakRSS returns freed memory to the OS and resets VmHWM (Linux ≥ 4.0).
func resetPeakRSS() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS reads VmHWM from /proc/self/status, in bytes; -1 if unavailable.
func peakRSS() int64 { return procStatus("VmHWM:") }

// procStatus reads a size field of /proc/self/status ("VmHWM:"), in bytes; -1 if
// unavailable.
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, err := strconv.ParseInt(f[1], 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	return -1
}

// ScaleOptions configure RunScaleCrawl: one crawl of a BenchSite served by another
// process (so that the crawl's CPU time and RSS are the crawler's own).
type ScaleOptions struct {
	SiteURL     string // base URL of the site, e.g. http://127.0.0.1:PORT (`crawl bench serve`)
	Pages       int    // article pages on the site (as served)
	Parallelism int    // crawl.parallelism (0 = config.Default's)
	// State is "memory" (store.Memory, the state of `crawl run` without a state URL)
	// or "sqlite" (a SQLite state file in Dir, removed afterwards).
	State string
	// Warmup is the number of records before the first measured window (default
	// 5,000, at most half the pages).
	Warmup int
	Dir    string // directory of the SQLite file ("" = a temporary directory)
	Logger *slog.Logger
	// AtLastWindow, when set, is called once during the crawl, when the last tenth of
	// the pages begins (e.g. to write a heap profile while everything is live).
	AtLastWindow func()
}

// ScaleSample is the process's CPU time and RSS when Records records were written.
type ScaleSample struct {
	Records int           `json:"records"`
	CPU     time.Duration `json:"cpu_ns"`
	Elapsed time.Duration `json:"elapsed_ns"`
	RSS     int64         `json:"rss"` // VmRSS, bytes
}

// ScaleResult is one crawl of RunScaleCrawl. The two windows are of Pages/10
// records each: the first starts after Warmup records, the last ends with the last
// record. CPU per page is the process's user+system time over the window divided by
// the records written in it.
type ScaleResult struct {
	State       string        `json:"state"`
	Pages       int           `json:"pages"`
	Parallelism int           `json:"parallelism"`
	Fetched     int           `json:"fetched"`
	Articles    int           `json:"articles"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	CPU         time.Duration `json:"cpu_ns"` // whole crawl
	Warmup      int           `json:"warmup"`
	FirstPerPg  time.Duration `json:"first_cpu_per_page_ns"`
	LastPerPg   time.Duration `json:"last_cpu_per_page_ns"`
	Growth      float64       `json:"growth"`   // LastPerPg / FirstPerPg
	PeakRSS     int64         `json:"peak_rss"` // VmHWM of the process at the end, bytes
	StateBytes  int64         `json:"state_bytes,omitempty"`
	// Missing articles of the site not written (dropped, over a limit, …), with the
	// summary's reasons other than not_article.
	Missing    int      `json:"missing,omitempty"`
	MissingWhy []string `json:"missing_why,omitempty"`
	// SQLite: write transactions and the writes they carried.
	Transactions int64         `json:"transactions,omitempty"`
	Writes       int64         `json:"writes,omitempty"`
	Samples      []ScaleSample `json:"samples"`
}

// samplingSink is countingSink sampling the process's CPU time and RSS when the
// record count reaches each of marks.
type samplingSink struct {
	countingSink
	start   time.Time
	mu      sync.Mutex
	marks   []int // ascending
	next    int
	samples []ScaleSample
	hookAt  int
	hook    func() // called once when hookAt records are written
}

func (s *samplingSink) Write(ctx context.Context, a *article.Article) error {
	if err := s.countingSink.Write(ctx, a); err != nil {
		return err
	}
	n := int(s.n.Load())
	s.mu.Lock()
	for s.next < len(s.marks) && n >= s.marks[s.next] {
		s.samples = append(s.samples, ScaleSample{Records: n, CPU: processCPU(), Elapsed: time.Since(s.start), RSS: currentRSS()})
		s.next++
	}
	if s.hook != nil && n >= s.hookAt {
		s.hook()
		s.hook = nil
	}
	s.mu.Unlock()
	return nil
}

// RunScaleCrawl crawls the BenchSite at opts.SiteURL once, extracting every
// article (default pipeline, JSON encoding of every record), with the state in
// memory or in SQLite, and reports CPU time per page in the first window after the
// warm-up and in the last one, and the process's peak RSS. Run it in a process of
// its own (`crawl bench scale` does): the figures are the whole process's.
func RunScaleCrawl(ctx context.Context, opts ScaleOptions) (ScaleResult, error) {
	if opts.Pages <= 0 {
		return ScaleResult{}, fmt.Errorf("scale bench: pages must be > 0, got %d", opts.Pages)
	}
	if opts.SiteURL == "" {
		return ScaleResult{}, errors.New("scale bench: no site URL (serve one with 'crawl bench serve')")
	}
	if opts.Warmup <= 0 {
		opts.Warmup = 5000
	}
	opts.Warmup = min(opts.Warmup, opts.Pages/2)
	win := max(opts.Pages/10, 1)
	cfg := config.Default()
	if opts.Parallelism > 0 {
		cfg.Crawl.Parallelism = opts.Parallelism
	}
	cfg.Crawl.Delay = 0
	cfg.Sites = []config.Site{{Name: "bench", StartURLs: []string{strings.TrimRight(opts.SiteURL, "/") + "/"}, Articles: []string{`/article/[0-9]+$`}}}
	marks := []int{opts.Warmup, opts.Warmup + win}
	for d := 1; d <= 10; d++ {
		marks = append(marks, opts.Pages*d/10)
	}
	marks = append(marks, opts.Pages-win)
	sort.Ints(marks)
	marks = slices.Compact(marks)
	sink := &samplingSink{marks: marks, hookAt: opts.Pages - win, hook: opts.AtLastWindow}
	jo := JobOptions{Config: cfg, Sink: sink, Logger: opts.Logger}
	res := ScaleResult{State: opts.State, Pages: opts.Pages, Parallelism: cfg.Crawl.Parallelism, Warmup: opts.Warmup}
	var dbPath string
	var sq *store.SQLite
	switch opts.State {
	case "memory", "":
		// What `crawl run` uses without a state URL.
		res.State = "memory"
		jo.Store = store.NewMemory()
	case "sqlite":
		dir := opts.Dir
		if dir == "" {
			d, err := os.MkdirTemp("", "crawl-scale-")
			if err != nil {
				return res, fmt.Errorf("scale bench: %w", err)
			}
			defer os.RemoveAll(d)
			dir = d
		}
		dbPath = filepath.Join(dir, "state.db")
		st, err := store.OpenSQLite(ctx, dbPath)
		if err != nil {
			return res, fmt.Errorf("scale bench: %w", err)
		}
		defer st.Close()
		sq = st
		jo.Store = st
	default:
		return res, fmt.Errorf("scale bench: unknown state %q (want memory or sqlite)", opts.State)
	}
	cpu0 := processCPU()
	sink.start = time.Now()
	sum, err := RunJob(ctx, jo)
	if err != nil {
		return res, fmt.Errorf("scale bench: %w", err)
	}
	res.Elapsed = time.Since(sink.start)
	res.CPU = processCPU() - cpu0
	if sq != nil {
		res.Transactions, res.Writes = sq.Transactions()
	}

	res.Fetched, res.Articles = sum.Fetched, sum.Articles
	res.PeakRSS = peakRSS()
	if n := int(sink.n.Load()); len(sink.samples) == 0 || sink.samples[len(sink.samples)-1].Records < n {
		// The crawl's end, when fewer records than pages were written.
		sink.samples = append(sink.samples, ScaleSample{Records: n, CPU: processCPU(), Elapsed: time.Since(sink.start), RSS: currentRSS()})
	}
	res.Samples = sink.samples
	if sum.Articles != opts.Pages {
		// Reported, not fatal: the figures of the crawl stand.
		res.Missing = opts.Pages - sum.Articles
		for cat, rs := range sum.Reasons {
			if cat == CatNotArticle {
				continue
			}
			for r, n := range rs {
				res.MissingWhy = append(res.MissingWhy, fmt.Sprintf("%s: %s: %d", cat, r, n))
			}
		}
		sort.Strings(res.MissingWhy)
	}
	at := func(n int) (ScaleSample, bool) {
		for _, s := range res.Samples {
			if s.Records >= n {
				return s, true
			}
		}
		return ScaleSample{}, false
	}
	perPage := func(from, to int) time.Duration {
		a, ok1 := at(from)
		b, ok2 := at(to)
		if !ok1 || !ok2 || b.Records <= a.Records {
			return 0
		}
		return (b.CPU - a.CPU) / time.Duration(b.Records-a.Records)
	}
	res.FirstPerPg = perPage(opts.Warmup, opts.Warmup+win)
	res.LastPerPg = perPage(opts.Pages-win, res.Samples[len(res.Samples)-1].Records)
	if res.FirstPerPg > 0 {
		res.Growth = float64(res.LastPerPg) / float64(res.FirstPerPg)
	}
	if dbPath != "" {
		for _, p := range []string{dbPath, dbPath + "-wal"} {
			if fi, err := os.Stat(p); err == nil {
				res.StateBytes += fi.Size()
			}
		}
	}
	return res, nil
}

// currentRSS reads VmRSS from /proc/self/status, in bytes; -1 if unavailable.
func currentRSS() int64 { return procStatus("VmRSS:") }
