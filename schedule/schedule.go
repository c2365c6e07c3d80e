// Package schedule runs the site targets of a config on their cron schedules
// (`crawl schedule`): at most one run of a site at a time (a tick that comes while
// the site's previous run is still going is skipped and counted), optional jitter,
// each run writing its own dated output file, and /healthz and /metrics
// (Prometheus) for the whole process.
//
// The counters move during a run: a run reports its totals so far (Job.Report,
// every 500 ms for a crawler run) and the scheduler adds what they grew by; the
// final Result adds only what is left, so the counters of a run end equal to its
// Result. Label values have no spaces: the site label is the site name as in {site}
// paths (config.SafePathName), the other labels are snake_case, and the error kinds
// and categories of a site are capped (maxLabelValues, then "other").
//
// Shutdown: cancelling the context of Run stops the cron; runs in progress get the
// cancellation too, so the crawler stops taking new pages and lets the pages in
// flight finish; Run returns once every run has returned.
package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/pprof"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/robfig/cron/v3"
)

// Job is one scheduled run of one site.
type Job struct {
	Site   string
	Output string    // output path with {site}, {run} and {date} expanded
	Errors string    // errors path expanded the same way ("" = none)
	Start  time.Time // when the run started (after jitter), UTC
	// Vars are the values the paths were expanded with ({date} is Vars.Start: the
	// start of the run in progress when it resumes an interrupted one).
	Vars config.PathVars
	// Progress, set by the scheduler, takes the run's totals so far (see Report).
	Progress func(Result)
}

// Report hands the run's totals so far to the scheduler, which moves the counters
// by what they grew since the last report. It may be called any number of times,
// from one goroutine at a time; calls after the RunFunc returned are ignored.
func (j Job) Report(r Result) {
	if j.Progress != nil {
		j.Progress(r)
	}
}

// Result is what a run did, for the metrics: the totals of the run (so far, in a
// Report).
type Result struct {
	Fetched  int            // pages that got an HTTP response
	Articles int            // records written
	Errors   map[string]int // failed URLs by reason (timeout, status 503, …), folded into kinds
	Changes  map[string]int // incremental verdicts: new, changed, unchanged, gone
	Bytes    int64          // response body bytes read
	// Queued is the URLs queued and not yet done (in the final Result: those the run
	// left queued, 0 when it finished).
	Queued int
	URLs   map[string]int // URLs not emitted as articles, by accounting category
}

// RunFunc runs one job. A non-nil error marks the run failed; Result is still
// counted.
type RunFunc func(ctx context.Context, job Job) (Result, error)

// Options configure a Scheduler.
type Options struct {
	Config config.Config
	// Run runs a job; the command passes a crawler run (see cmd/crawl), tests a fake.
	Run    RunFunc
	Logger *slog.Logger
	// Sites restricts the scheduled sites (empty = every site with a schedule).
	Sites []string
	// Jitter overrides Config.Schedule.Jitter when > 0.
	Jitter time.Duration
	// Vars returns the values of the output path placeholders of a run of site
	// starting at start ({run} from the crawl state, {date} of the run in progress
	// when one is resumed). nil = {site}, {date} = start, {run} = 1.
	Vars func(ctx context.Context, site string, start time.Time) (config.PathVars, error)
}

// Scheduler runs the scheduled sites. Create it with New, serve Handler, call Run.
type Scheduler struct {
	cfg    config.Config
	run    RunFunc
	vars   func(ctx context.Context, site string, start time.Time) (config.PathVars, error)
	log    *slog.Logger
	jitter time.Duration
	sites  []scheduled
	reg    *prometheus.Registry
	m      metrics
	labels map[string]string // site → its site label

	mu      sync.Mutex
	running map[string]bool
	started map[string]time.Time // start of the run going, by site
	last    map[string]lastRun
	wg      sync.WaitGroup

	valuesMu sync.Mutex
	values   map[string]map[string]bool // metric + "\x00" + site → label values used
}

type scheduled struct {
	site  string
	spec  string
	sched cron.Schedule
}

type lastRun struct {
	Start    time.Time `json:"start"`
	Duration float64   `json:"duration_seconds"`
	OK       bool      `json:"ok"`
	Error    string    `json:"error,omitempty"`
	Success  time.Time `json:"last_success,omitzero"`
}

type metrics struct {
	fetched, articles, changes, bytes *prometheus.CounterVec
	errors, urls                      *prometheus.CounterVec
	runs, skipped                     *prometheus.CounterVec
	duration                          *prometheus.HistogramVec
	lastSuccess, inProgress, queue    *prometheus.GaugeVec
}

func newMetrics(reg *prometheus.Registry) metrics {
	m := metrics{
		fetched: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcrawl_pages_fetched_total", Help: "Pages that got an HTTP response, by site."}, []string{"site"}),
		articles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcrawl_articles_emitted_total", Help: "Article records written, by site."}, []string{"site"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcrawl_articles_changes_total", Help: "Incremental verdicts on article pages (new, changed, unchanged, gone), by site."}, []string{"site", "change"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcrawl_bytes_fetched_total", Help: "Bytes of response bodies read (pages, sitemaps, robots.txt; after decompression), by site."}, []string{"site"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcrawl_errors_total", Help: "URLs that failed, by site and kind (timeout, status_503, connection_refused, …; run = the run itself failed)."}, []string{"site", "kind"}),
		urls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcrawl_urls_not_emitted_total", Help: "URLs not emitted as articles, by site and accounting category (robots_disallowed, excluded, duplicate, not_article, unchanged, dropped, failed, gone, over_limit)."}, []string{"site", "category"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcrawl_runs_total", Help: "Runs finished, by site and result (ok; failed: an error, unreachable hosts, 0 pages fetched, a sink error; stopped: SIGTERM/SIGINT)."}, []string{"site", "result"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthcrawl_runs_skipped_total", Help: "Scheduled runs skipped because the previous run of the site was still going."}, []string{"site"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "healthcrawl_run_duration_seconds", Help: "Duration of runs, by site.",
			Buckets: []float64{1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400}}, []string{"site"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "healthcrawl_last_success_timestamp_seconds", Help: "Unix time the last successful run of the site finished."}, []string{"site"}),
		inProgress: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "healthcrawl_run_in_progress", Help: "1 while a run of the site is going."}, []string{"site"}),
		queue: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "healthcrawl_queue_urls", Help: "URLs queued and not yet done, by site (after a run: what it left queued)."}, []string{"site"}),
	}
	reg.MustRegister(m.fetched, m.articles, m.changes, m.bytes, m.errors, m.urls, m.runs, m.skipped, m.duration,
		m.lastSuccess, m.inProgress, m.queue)
	return m
}

// New parses the schedules of the config's sites. A site without a schedule is not
// run (unless named in Options.Sites, which is an error then); no scheduled site at
// all is an error.
func New(opts Options) (*Scheduler, error) {
	if opts.Run == nil {
		return nil, errors.New("schedule: no run function")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	want := map[string]bool{}
	for _, n := range opts.Sites {
		if _, ok := opts.Config.Site(n); !ok {
			return nil, fmt.Errorf("schedule: site %q: not in the configuration", n)
		}
		want[n] = true
	}
	s := &Scheduler{
		cfg: opts.Config, run: opts.Run, vars: opts.Vars, log: log, jitter: opts.Config.Schedule.Jitter,
		reg: prometheus.NewRegistry(), running: map[string]bool{}, started: map[string]time.Time{}, last: map[string]lastRun{},
		labels: map[string]string{}, values: map[string]map[string]bool{},
	}
	bySiteLabel := map[string]int{}
	if opts.Jitter > 0 {
		s.jitter = opts.Jitter
	}
	s.m = newMetrics(s.reg)
	for i, site := range opts.Config.Sites {
		if len(want) > 0 && !want[site.Name] {
			continue
		}
		if site.Schedule == "" {
			if want[site.Name] {
				return nil, fmt.Errorf("schedule: sites[%d] %s: no schedule", i, site.Name)
			}
			log.Info("site has no schedule: not run", "site", site.Name)
			continue
		}
		sc, err := config.ParseSchedule(site.Schedule)
		if err != nil {
			return nil, fmt.Errorf("schedule: sites[%d].schedule %q: %w", i, site.Schedule, err)
		}
		lbl := config.SafePathName(site.Name)
		if j, dup := bySiteLabel[lbl]; dup {
			return nil, fmt.Errorf("schedule: sites[%d].name %q: its metrics label site=%q is that of sites[%d].name %q (rename one)",
				i, site.Name, lbl, j, opts.Config.Sites[j].Name)
		}
		bySiteLabel[lbl] = i
		s.labels[site.Name] = lbl
		s.sites = append(s.sites, scheduled{site: site.Name, spec: site.Schedule, sched: sc})
		// Series exist from the start, so dashboards show 0 rather than nothing.
		for _, v := range []*prometheus.CounterVec{s.m.fetched, s.m.articles, s.m.bytes, s.m.skipped} {
			v.WithLabelValues(lbl)
		}
		s.m.inProgress.WithLabelValues(lbl)
		s.m.queue.WithLabelValues(lbl)
	}
	if len(s.sites) == 0 {
		return nil, errors.New("schedule: no site target has a schedule (sites[].schedule)")
	}
	return s, nil
}

// Registry is the Prometheus registry of the scheduler's metrics.
func (s *Scheduler) Registry() *prometheus.Registry { return s.reg }

// Handler serves /metrics (Prometheus text format) and /healthz (JSON: every
// scheduled site with its next run, whether it is running and for how many seconds,
// and its last run; durations in seconds). With schedule.pprof, it also serves the
// net/http/pprof handlers under /debug/pprof/ (off by default: they expose the
// process's internals — goroutine stacks, command line, heap — to whoever can reach
// the listen address, and a CPU profile costs CPU while it runs).
func (s *Scheduler) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}))
	mux.HandleFunc("GET /healthz", s.healthz)
	if s.cfg.Schedule.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index) // also the named profiles: heap, goroutine, allocs…
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

func (s *Scheduler) healthz(w http.ResponseWriter, _ *http.Request) {
	type siteHealth struct {
		Schedule string   `json:"schedule"`
		Next     string   `json:"next"`
		Running  bool     `json:"running"`
		Elapsed  *float64 `json:"running_seconds,omitempty"` // of the run going
		Last     *lastRun `json:"last,omitempty"`
	}
	out := struct {
		Status string                `json:"status"`
		Sites  map[string]siteHealth `json:"sites"`
	}{Status: "ok", Sites: map[string]siteHealth{}}
	now := time.Now()
	s.mu.Lock()
	for _, sc := range s.sites {
		h := siteHealth{Schedule: sc.spec, Next: sc.sched.Next(now).UTC().Format(time.RFC3339), Running: s.running[sc.site]}
		if st, ok := s.started[sc.site]; ok {
			sec := seconds(now.Sub(st))
			h.Elapsed = &sec
		}
		if l, ok := s.last[sc.site]; ok {
			h.Last = &l
		}
		out.Sites[sc.site] = h
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// Serve serves Handler on addr until ctx is cancelled. ready, when non-nil,
// receives the bound address (useful with port 0).
func (s *Scheduler) Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("schedule: listen %s: %w", addr, err)
	}
	if ready != nil {
		ready(ln.Addr())
	}
	if s.cfg.Schedule.Pprof {
		s.log.Warn("serving /debug/pprof/ (schedule.pprof): anyone who can reach this address can read goroutine stacks, the command line and heap profiles", "addr", ln.Addr().String())
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("schedule: serve %s: %w", addr, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("schedule: shutdown %s: %w", addr, err)
	}
	return nil
}

// Run schedules the sites until ctx is cancelled, then waits for the runs in
// progress (which see the cancellation) and returns nil.
func (s *Scheduler) Run(ctx context.Context) error {
	c := cron.New(cron.WithParser(cronParserFunc(config.ParseSchedule)), cron.WithLocation(time.UTC))
	for _, sc := range s.sites {
		c.Schedule(sc.sched, cron.FuncJob(func() { s.tick(ctx, sc.site) }))
		s.log.Info("scheduled", "site", sc.site, "schedule", sc.spec, "next", sc.sched.Next(time.Now()).UTC())
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	s.wg.Wait()
	s.log.Info("scheduler stopped")
	return nil
}

type cronParserFunc func(string) (cron.Schedule, error)

func (f cronParserFunc) Parse(spec string) (cron.Schedule, error) { return f(spec) }

// tick starts a run of site unless one is going (then the tick is skipped).
func (s *Scheduler) tick(ctx context.Context, site string) {
	if ctx.Err() != nil {
		return
	}
	s.mu.Lock()
	if s.running[site] {
		s.mu.Unlock()
		s.m.skipped.WithLabelValues(s.label(site)).Inc()
		s.log.Warn("previous run still going: scheduled run skipped", "site", site)
		return
	}
	s.running[site] = true
	s.wg.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running[site] = false
		s.mu.Unlock()
		s.wg.Done()
	}()
	if s.jitter > 0 {
		d := rand.N(s.jitter)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
	s.RunNow(ctx, site)
}

// RunNow runs site once, now, recording metrics (the cron calls it through tick,
// which also prevents overlaps). A run that returns an error is counted
// result="failed" (so last_success alerts fire), except a run stopped by the
// cancellation of ctx (SIGTERM, SIGINT), which is counted result="stopped": it
// resumes at the next start.
func (s *Scheduler) RunNow(ctx context.Context, site string) {
	start := time.Now().UTC()
	log := s.log.With("site", site)
	vars := config.PathVars{Site: site, Start: start}
	if s.vars != nil {
		v, err := s.vars(ctx, site, start)
		if err != nil {
			s.record(site, start, Result{}, fmt.Errorf("state of site %s: %w", site, err), false)
			return
		}
		vars = v
		vars.Site = site
	}
	job := Job{Site: site, Start: start, Vars: vars,
		Output: Expand(s.cfg.Output.Path, vars),
		Errors: Expand(s.cfg.Output.ErrorsPath, vars)}
	p := &progress{sent: map[series]float64{}}
	job.Progress = func(r Result) { s.advance(site, p, r, false) }
	s.m.inProgress.WithLabelValues(s.label(site)).Set(1)
	s.mu.Lock()
	s.started[site] = start
	s.mu.Unlock()
	log.Info("run started", "output", job.Output, "run", max(vars.Run, 1))
	res, err := s.run(ctx, job)
	s.advance(site, p, res, true)
	s.m.inProgress.WithLabelValues(s.label(site)).Set(0)
	s.mu.Lock()
	delete(s.started, site)
	s.mu.Unlock()
	s.record(site, start, res, err, err != nil && ctx.Err() != nil)
}

// record counts a finished run (whose counts advance added) in the metrics and in
// /healthz.
func (s *Scheduler) record(site string, start time.Time, res Result, err error, stopped bool) {
	el := time.Since(start)
	log := s.log.With("site", site)
	lbl := s.label(site)
	s.m.duration.WithLabelValues(lbl).Observe(el.Seconds())
	lr := lastRun{Start: start, Duration: seconds(el), OK: err == nil}
	s.mu.Lock()
	lr.Success = s.last[site].Success
	switch {
	case stopped:
		lr.Error = "stopped: " + err.Error()
		s.m.runs.WithLabelValues(lbl, "stopped").Inc()
		log.Warn("run stopped", "err", err, "elapsed", el, "fetched", res.Fetched, "articles", res.Articles)
	case err != nil:
		lr.Error = err.Error()
		s.m.runs.WithLabelValues(lbl, "failed").Inc()
		s.m.errors.WithLabelValues(lbl, "run").Inc()
		log.Error("run failed", "err", err, "elapsed", el, "fetched", res.Fetched, "articles", res.Articles)
	default:
		lr.Success = time.Now().UTC()
		s.m.runs.WithLabelValues(lbl, "ok").Inc()
		s.m.lastSuccess.WithLabelValues(lbl).Set(float64(lr.Success.UnixNano()) / 1e9)
		log.Info("run finished", "elapsed", el, "fetched", res.Fetched, "articles", res.Articles)
	}
	s.last[site] = lr
	s.mu.Unlock()
}

// seconds is d in seconds, to the millisecond (the durations of /healthz).
func seconds(d time.Duration) float64 {
	return math.Round(d.Seconds()*1000) / 1000
}

// DateLayout is the layout of {date} in output paths (config.DateLayout).
const DateLayout = config.DateLayout

// ExpandPath is Expand with {site} = site, {date} = t and {run} = 1.
func ExpandPath(path, site string, t time.Time) string {
	return Expand(path, config.PathVars{Site: site, Start: t})
}

// Expand replaces {site}, {run} and {date} in an output path (config.ExpandPath).
// A path with neither {date} nor {run} gets "-{date}" before its extension (and
// "-{site}-{date}" when it has no {site} either), so every run writes its own file.
// "-" (stdout) and "" are returned as they are.
func Expand(path string, v config.PathVars) string {
	if path == "" || path == "-" {
		return path
	}
	if !strings.Contains(path, "{date}") && !strings.Contains(path, "{run}") {
		ext := filepath.Ext(path)
		if !strings.Contains(path, "{site}") {
			path = strings.TrimSuffix(path, ext) + "-{site}-{date}" + ext
		} else {
			path = strings.TrimSuffix(path, ext) + "-{date}" + ext
		}
	}
	return config.ExpandPath(path, v)
}

// ExpandOutput is o with Expand applied to path, errors_path and every sink path:
// each output of a scheduled run gets its own file per run.
func ExpandOutput(o config.Output, v config.PathVars) config.Output {
	return o.MapPaths(func(p string) string { return Expand(p, v) })
}

// Sites lists the scheduled sites, sorted.
func (s *Scheduler) Sites() []string {
	out := make([]string, len(s.sites))
	for i, sc := range s.sites {
		out[i] = sc.site
	}
	sort.Strings(out)
	return out
}
