package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/fetch"
	"github.com/healthcrawl/healthcrawl/fleet"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/pipeline"
	"github.com/healthcrawl/healthcrawl/store"
)

// Defaults of the JobOptions tuning knobs.
const (
	DefaultRetryBase     = 500 * time.Millisecond
	DefaultMaxBackoff    = 30 * time.Second
	DefaultMaxRetryAfter = 60 * time.Second
	DefaultMaxRedirects  = 10
	DefaultMaxURLLength  = 2048
)

// JobOptions configure one crawl run over some or all site targets.
type JobOptions struct {
	Config config.Config
	Sites  []string // names of site targets to run; empty = all
	Sink   output.Sink
	Logger *slog.Logger
	// OnProgress, if set, receives a snapshot of the run's counters every
	// ProgressInterval and a last one (Done) when the sites are finished. The
	// crawler only reports; cmd/crawl renders the live line. It is called from
	// one goroutine, never concurrently with itself.
	OnProgress func(ProgressSnapshot)
	// OnStart, if set, is called once, when the sites start, with a function that
	// returns the run's counters now (ProgressSnapshot); it may be called from any
	// goroutine until RunJob returns (cmd/crawl counts the pages in flight when a
	// stop is asked).
	OnStart func(current func() ProgressSnapshot)
	// Hard, when done, cancels the requests and renders in flight at once (a second
	// SIGINT); their pages go back to the frontier. Cancelling ctx alone stops the
	// scheduling of new pages and lets those in flight run for crawl.stop_grace
	// before they are cancelled the same way. nil = only stop_grace.
	Hard context.Context

	// NewFrontier opens each site's frontier; nil = in memory (NewMemoryFrontier).
	// Ignored when Store is set.
	NewFrontier FrontierFactory
	// Store holds the crawl state: the frontier under leases, the visited set,
	// per-URL metadata and the emitted set (see state.go). With a persistent store a
	// run that did not finish is resumed, and a new run is incremental. nil = the
	// frontier of NewFrontier, nothing kept. The caller opens and closes it.
	Store store.Store
	// Worker names this process's leases in Store (default DefaultWorker).
	Worker string
	// ErrorsOut receives the failed/over-limit JSON lines instead of opening
	// Config.Output.ErrorsPath (tests, or a caller that owns the file). The errors
	// file is appended to, and truncated only with Config.Output.Overwrite.
	ErrorsOut io.Writer
	// Full re-emits every current article, unchanged ones included (no conditional
	// requests, sitemap lastmod ignored); their records say "change": "unchanged".
	Full bool

	// Tuning; zero values mean the Default* constants.
	RetryBase     time.Duration // first retry backoff; doubles per retry, plus up to 50 % jitter
	MaxBackoff    time.Duration // cap of the computed backoff
	MaxRetryAfter time.Duration // cap of a server's Retry-After
	MaxRedirects  int           // redirects followed per request
	MaxURLLength  int           // longer canonical URLs are over_limit

	// Lookup resolves host names for the network policy (crawl.network); nil = the
	// system resolver. Tests point names at loopback addresses with it.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// Summary is what a run did.
type Summary struct {
	Fetched    int                       // URLs that got an HTTP response (after retries)
	Requests   int                       // HTTP requests made, retries included (robots.txt excluded: RobotsRequests)
	Articles   int                       // records written to the sink
	Errors     int                       // URLs filed as failed
	Categories map[string]int            // accounting category → URLs
	Reasons    map[string]map[string]int // accounting category → reason → URLs
	Pending    int                       // URLs still queued when the run stopped (cancelled)
	// Incremental verdicts (runs with a persistent Store): articles written as new or
	// changed, articles found unchanged, articles that now answer 404/410.
	New, Changed, Unchanged, Gone int
	Resumed                       bool // a site's run continued an interrupted run
	Pipeline                      pipeline.Stats
	Elapsed                       time.Duration
	// PrevRun and PrevRunAt are the last finished run before this one (the highest
	// of the sites) and when it finished; 0 = none (see Summary.NothingNew).
	PrevRun   int64
	PrevRunAt time.Time
	// Failures are the sites that fetched no page although the run was not
	// interrupted, with the cause: "site X: 0 pages fetched: robots.txt of
	// https://host unreachable: connection refused". RunJob then returns an error.
	Failures []string
	// Rendered counts the pages loaded in headless Chromium (sites[].render); the
	// static pages that needed no browser are not in it.
	Rendered int
	// RobotsRequests counts the robots.txt requests, retries included. They are
	// apart from Requests so that Requests stays the page-fetch count (pages and
	// sitemaps); both go through the same per-host limits.
	RobotsRequests int
	// Sites is what the run did on each site target, in the order they ran.
	Sites []SiteSummary
}

// SiteSummary is what a run did on one site target (Summary.Sites).
type SiteSummary struct {
	Name       string
	Fetched    int                       // URLs of the site that got an HTTP response
	Articles   int                       // records written
	Errors     int                       // URLs filed as failed
	Categories map[string]int            // as Summary.Categories, for this site
	Reasons    map[string]map[string]int // as Summary.Reasons, for this site
	Pending    int                       // URLs still queued when the run stopped
}

// job is the state shared by the sites of one RunJob.
type job struct {
	cfg     config.Config
	opts    JobOptions
	log     *slog.Logger
	acct    *accountant
	runner  *pipeline.Runner
	robots  *robotsCache
	canon   *canonicalizer // canonical URLs with crawl.strip_params
	fleet   *fleet.Limiter // per-host limits shared by the workers of a redis state; nil = local only
	sem     chan struct{}
	cancel  context.CancelCauseFunc
	sinkMu  sync.Mutex
	sinkErr error
	commit  *committer // write-then-commit of the records (runs with a Store)

	renderer      fetch.Fetcher // the browser (crawl.renderer) for sites with render: always/auto; nil = none
	rendered      atomic.Int64  // pages rendered
	renderMissing sync.Once     // "Chromium is missing" logged once

	retry                   retryPolicy // waits between the retries of fetches and robots.txt
	maxRedirects, maxURLLen int

	fetched, requests, articles, queued atomic.Int64
	bytes                               atomic.Int64             // response body bytes read (ProgressSnapshot.Bytes)
	inflight                            atomic.Int64             // entries being handled now
	waiting                             atomic.Int64             // of them, waiting for a request slot
	siteArticles                        map[string]*atomic.Int64 // site → records written (set before the sites start)
	// hard is cancelled to stop the requests and renders in flight (JobOptions.Hard,
	// or crawl.stop_grace after the run's context); nil = never (PageFetcher).
	hard                           context.Context
	news, changed, unchanged, gone atomic.Int64
	resumed                        atomic.Bool
	prev                           prevRun // last finished run before this one
}

// worker is the lease owner name of this process in the store.
func (j *job) worker() string {
	if j.opts.Worker == "" {
		return DefaultWorker
	}
	return j.opts.Worker
}

func (j *job) newFrontier(ctx context.Context, site string) (Frontier, error) {
	if j.opts.Store != nil {
		worker := j.worker()
		ttl := j.cfg.State.Lease
		if ttl <= 0 {
			ttl = 30 * time.Second
		}
		return newStoreFrontier(j.opts.Store, site, worker, ttl, 4*max(j.cfg.Crawl.Parallelism, 1)), nil
	}
	if j.opts.NewFrontier != nil {
		return j.opts.NewFrontier(ctx, site)
	}
	return NewMemoryFrontier(), nil
}

// write sends a kept article to the sink, one at a time. A sink error stops the job.
func (j *job) write(ctx context.Context, a *article.Article) error {
	j.sinkMu.Lock()
	defer j.sinkMu.Unlock()
	if j.sinkErr != nil {
		return j.sinkErr
	}
	if j.opts.Sink == nil {
		j.wrote(a.Site, 1)
		return nil
	}
	if err := j.opts.Sink.Write(ctx, a); err != nil {
		j.sinkErr = fmt.Errorf("write record %s: %w", a.URL, err)
		j.cancel(j.sinkErr)
		return j.sinkErr
	}
	j.wrote(a.Site, 1)
	return nil
}

// wrote counts n records of site written.
func (j *job) wrote(site string, n int) {
	j.articles.Add(int64(n))
	if c := j.siteArticles[site]; c != nil {
		c.Add(int64(n))
	}
}

// inFlight is the context of a request or render: ctx's values, not cancelled with
// ctx (a stopping crawl lets what is in flight finish) but cancelled by the job's
// hard stop. done releases it.
func (j *job) inFlight(ctx context.Context) (rctx context.Context, done func()) {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if j.hard == nil {
		return rctx, cancel
	}
	stop := context.AfterFunc(j.hard, cancel)
	return rctx, func() { stop(); cancel() }
}

// stoppedNow reports whether the job's hard stop came: what was in flight was
// cancelled.
func (j *job) stoppedNow() bool { return j.hard != nil && j.hard.Err() != nil }

// startHardStop makes j.hard: cancelled by opts.Hard, or crawl.stop_grace after
// jctx ends (a stop asked, or the job cancelled itself on an error). The returned
// func releases it when the job is over.
func (j *job) startHardStop(ctx, jctx context.Context) (release func()) {
	hard, stopNow := context.WithCancel(context.WithoutCancel(ctx))
	j.hard = hard
	var stopOpt func() bool
	if j.opts.Hard != nil {
		stopOpt = context.AfterFunc(j.opts.Hard, stopNow)
	}
	grace := max(j.cfg.Crawl.StopGrace, 0)
	var (
		mu       sync.Mutex
		timer    *time.Timer
		released bool
	)
	stopGrace := context.AfterFunc(jctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if released {
			return
		}
		timer = time.AfterFunc(grace, func() {
			if hard.Err() == nil && j.inflight.Load() > 0 {
				j.log.Info("crawl.stop_grace over: cancelling the pages in flight (queued again)", "in_flight", j.inflight.Load(), "stop_grace", grace)
			}
			stopNow()
		})
	})
	return func() {
		stopGrace()
		mu.Lock()
		released = true
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		if stopOpt != nil {
			stopOpt()
		}
		stopNow()
	}
}

// RunJob crawls the selected sites until done or ctx is cancelled, writing each kept
// article to the sink as soon as it is cleaned. On cancellation it stops scheduling
// new requests and lets pages in flight finish for up to crawl.stop_grace (or until
// JobOptions.Hard is done), then cancels their requests and renders and queues
// those pages again (Summary.Pending; not failed, not done); the records of pages
// fetched are written and committed. It returns the Summary with an error wrapping
// ctx.Err(). The sink is not closed (the caller owns it).
func RunJob(ctx context.Context, opts JobOptions) (Summary, error) {
	start := time.Now()
	cfg := opts.Config
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sites, err := selectSites(cfg, opts.Sites)
	if err != nil {
		return Summary{}, err
	}
	near, err := store.NearIndexOf(opts.Store) // the dedupe stage's index lives with the state
	if err != nil {
		return Summary{}, err
	}
	runner, err := pipeline.BuildEnv(cfg.Pipeline, pipeline.Env{Sites: cfg.Sites, Near: near})
	if err != nil {
		return Summary{}, fmt.Errorf("pipeline: %w", err)
	}
	errOut := opts.ErrorsOut
	if errOut == nil && cfg.Output.ErrorsPath != "" {
		if dir := filepath.Dir(cfg.Output.ErrorsPath); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return Summary{}, fmt.Errorf("errors file %s: %w", cfg.Output.ErrorsPath, err)
			}
		}
		// Appended to: a new run never truncates the errors of an earlier one, unless
		// asked (crawl run --overwrite).
		mode := os.O_APPEND
		if cfg.Output.Overwrite {
			mode = os.O_TRUNC
		}
		f, err := os.OpenFile(cfg.Output.ErrorsPath, os.O_CREATE|os.O_WRONLY|mode, 0o644)
		if err != nil {
			return Summary{}, fmt.Errorf("errors file %s: %w", cfg.Output.ErrorsPath, err)
		}
		defer f.Close()
		errOut = f
	}

	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	j := newJob(cfg, opts, log, runner, errOut, cancel)
	defer j.startHardStop(ctx, jctx)()
	j.siteArticles = make(map[string]*atomic.Int64, len(sites))
	for _, site := range sites {
		j.siteArticles[site.Name] = new(atomic.Int64)
	}
	j.fleet = newFleetLimiter(cfg, opts.Store, log)
	defer j.fleet.Flush() // slots kept for reuse go back to the fleet now, not when idle
	if j.renderer, err = newRenderer(cfg, sites, j); err != nil {
		return Summary{}, err
	}
	if c, ok := j.renderer.(io.Closer); ok {
		defer c.Close()
	}

	var runs []*siteRun
	for _, site := range sites {
		s, err := newSiteRun(jctx, j, site)
		if err != nil {
			return Summary{}, err
		}
		runs = append(runs, s)
	}

	if opts.Store != nil {
		if j.commit, err = newCommitter(jctx, j, opts.Store, j.worker()); err != nil {
			return Summary{}, err
		}
		defer j.commit.stop()
	}
	if opts.OnStart != nil {
		opts.OnStart(func() ProgressSnapshot { return j.snapshot(start, false) })
	}
	stopProgress := j.startProgress(opts.OnProgress, start)
	var wg sync.WaitGroup
	for _, s := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.run(jctx); err != nil {
				log.Error("site failed", "site", s.site.Name, "err", err)
				cancel(err)
			}
		}()
	}
	wg.Wait()
	if j.commit != nil {
		j.commit.stop()
	}
	stopProgress()

	sum := j.summary(jctx, runs, start)
	var noPages error
	if ctx.Err() == nil {
		sum.Failures, noPages = j.deadSites(runs)
	}
	switch {
	case j.sinkErr != nil:
		return sum, j.sinkErr
	case ctx.Err() != nil:
		return sum, fmt.Errorf("crawl interrupted: %w", ctx.Err())
	case context.Cause(jctx) != nil && !errors.Is(context.Cause(jctx), context.Canceled):
		return sum, context.Cause(jctx)
	case j.acct.errErr != nil:
		return sum, j.acct.errErr
	case noPages != nil:
		return sum, noPages
	}
	return sum, nil
}

// newJob is the job state of RunJob and PageFetcher: tuning knobs with their
// defaults, the request semaphore and the robots.txt cache.
func newJob(cfg config.Config, opts JobOptions, log *slog.Logger, runner *pipeline.Runner, errOut io.Writer, cancel context.CancelCauseFunc) *job {
	j := &job{
		cfg: cfg, opts: opts, log: log, runner: runner, cancel: cancel,
		acct:  newAccountant(log, errOut),
		canon: canonicalizerFor(cfg.Crawl),
		sem:   make(chan struct{}, max(cfg.Crawl.Parallelism, 1)),
		retry: retryPolicy{
			base:          orDuration(opts.RetryBase, DefaultRetryBase),
			maxBackoff:    orDuration(opts.MaxBackoff, DefaultMaxBackoff),
			maxRetryAfter: orDuration(opts.MaxRetryAfter, DefaultMaxRetryAfter),
		},
		maxRedirects: orInt(opts.MaxRedirects, DefaultMaxRedirects),
		maxURLLen:    orInt(opts.MaxURLLength, DefaultMaxURLLength),
	}
	timeout := cfg.Crawl.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	j.robots = newRobotsCache(cfg.Crawl.UserAgent, timeout, cfg.Crawl.Retries, j.retry, log)
	return j
}

func selectSites(cfg config.Config, names []string) ([]config.Site, error) {
	if len(names) == 0 {
		if len(cfg.Sites) == 0 {
			return nil, errors.New("no site targets configured")
		}
		return cfg.Sites, nil
	}
	var out []config.Site
	for _, n := range names {
		s, ok := cfg.Site(n)
		if !ok {
			return nil, fmt.Errorf("site %q: not in the configuration", n)
		}
		out = append(out, s)
	}
	return out, nil
}

func (j *job) summary(ctx context.Context, runs []*siteRun, start time.Time) Summary {
	cats, reasons := j.acct.snapshot()
	pending := 0
	var sites []SiteSummary
	for _, s := range runs {
		ss := SiteSummary{Name: s.site.Name, Fetched: int(s.fetched.Load())}
		if c := j.siteArticles[s.site.Name]; c != nil {
			ss.Articles = int(c.Load())
		}
		ss.Categories, ss.Reasons = j.acct.siteSnapshot(s.site.Name)
		ss.Errors = ss.Categories[CatFailed]
		if n, err := s.frontier.Len(context.WithoutCancel(ctx)); err == nil {
			pending += n
			ss.Pending = n
		}
		sites = append(sites, ss)
	}
	return Summary{
		Sites:          sites,
		Fetched:        int(j.fetched.Load()),
		Requests:       int(j.requests.Load()),
		Articles:       int(j.articles.Load()),
		Errors:         cats[CatFailed],
		Categories:     cats,
		Reasons:        reasons,
		Pending:        pending,
		New:            int(j.news.Load()),
		Changed:        int(j.changed.Load()),
		Unchanged:      int(j.unchanged.Load()),
		Gone:           int(j.gone.Load()),
		Resumed:        j.resumed.Load(),
		Rendered:       int(j.rendered.Load()),
		RobotsRequests: int(j.robots.count.Load()),
		Pipeline:       j.runner.Stats(),
		Elapsed:        time.Since(start),
		PrevRun:        j.prev.run,
		PrevRunAt:      j.prev.at,
	}
}

// run seeds the site and runs its workers until the frontier is empty and no page is
// in flight, or ctx is cancelled.
func (s *siteRun) run(ctx context.Context) error {
	defer s.trap.copies.close()
	if err := s.setup(ctx); err != nil {
		return err
	}
	stopState, err := s.beginState(ctx)
	if err != nil {
		return err
	}
	defer stopState()
	// On a resumed run the seeds are in the visited set already: seeding again queues
	// only those a crash kept from being queued.
	s.seed(ctx)
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer stop()
	// More workers than crawl.parallelism: the job semaphore and the site's
	// politeness keep at most parallelism requests in flight. A worker whose request
	// ends goes on to extract and clean its page, so a free slot is only taken at once
	// if another worker is already waiting for it: with parallelism workers able to
	// extract while parallelism more wait for slots (and NumCPU over), a request slot
	// never waits for CPU work.
	workers := 2*max(s.job.cfg.Crawl.Parallelism, 1) + max(runtime.NumCPU(), 2)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.worker(ctx)
		}()
	}
	wg.Wait()
	s.settleHeld(context.WithoutCancel(ctx))
	err = s.endState(ctx)
	if s.popErr != nil && ctx.Err() == nil {
		// The frontier failed (a state store unreachable for longer than it waits):
		// the crawl is not complete.
		return errors.Join(fmt.Errorf("site %s: frontier: %w", s.site.Name, s.popErr), err)
	}
	return err
}

func (s *siteRun) worker(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if ctx.Err() != nil || s.done {
			return
		}
		// Not cancelled by a stop (only by the hard stop): a persistent frontier
		// cancelled while it leases may have leased entries it never hands out
		// (left to expire, then counted lost on resume).
		pctx, popped := s.job.inFlight(ctx)
		e, ok, err := s.frontier.Pop(pctx)
		popped()
		if ctx.Err() != nil {
			// Stopped while popping: the entry goes back, unfetched.
			if ok {
				s.requeue(e)
			}
			return
		}
		if err != nil {
			s.log.Error("frontier pop", "err", err)
			s.popErr = err
			s.done = true
			s.cond.Broadcast()
			return
		}
		if ok {
			s.active++
			s.job.queued.Add(-1)
			s.job.inflight.Add(1)
			s.mu.Unlock()
			s.handle(ctx, e)
			s.mu.Lock()
			s.job.inflight.Add(-1)
			s.active--
			s.cond.Broadcast()
			continue
		}
		if s.active == 0 {
			if s.sf != nil {
				// Drained here: revisit earlier articles once, and wait for entries
				// other workers hold (they come back if their lease expires).
				s.active++
				s.mu.Unlock()
				more, err := s.drainState(ctx)
				s.mu.Lock()
				s.active--
				if err != nil {
					// Whether other workers still hold pages is unknown: not drained.
					s.log.Error("frontier stats", "err", err)
					s.popErr = err
					s.done = true
					s.cond.Broadcast()
					return
				}
				if more {
					continue
				}
			}
			s.done = true
			s.drained = true
			s.cond.Broadcast()
			return
		}
		s.cond.Wait()
	}
}

// seed queues the start URLs, the configured sitemaps and the sitemaps listed in the
// seed hosts' robots.txt.
func (s *siteRun) seed(ctx context.Context) {
	var robotsSitemaps []string
	if s.obey {
		seen := map[string]bool{}
		for _, raw := range append(append([]string{}, s.site.StartURLs...), s.site.Sitemaps...) {
			u, err := url.Parse(raw)
			if err != nil || seen[u.Host] {
				continue
			}
			seen[u.Host] = true
			robotsSitemaps = append(robotsSitemaps, s.robotsOf(ctx, u).Sitemaps...)
		}
	}
	for _, raw := range s.site.StartURLs {
		if u, err := url.Parse(raw); err == nil {
			s.discover(ctx, u, Entry{Kind: KindPage, Seed: true})
		}
	}
	for _, raw := range append(append([]string{}, s.site.Sitemaps...), robotsSitemaps...) {
		if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.IsAbs() {
			s.discover(ctx, u, Entry{Kind: KindSitemap})
		}
	}
}

func orDuration(v, d time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return d
}

func orInt(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

// ProgressInterval is how often JobOptions.OnProgress is called during a run.
const ProgressInterval = 500 * time.Millisecond

// ProgressSnapshot is the state of a running crawl (JobOptions.OnProgress).
type ProgressSnapshot struct {
	Queued   int           // URLs waiting in the frontiers (queued, not handed out yet)
	InFlight int           // URLs being fetched or handled now (not those waiting for a request slot)
	Fetched  int           // URLs that got an HTTP response
	Articles int           // records written to the sink
	Errors   int           // URLs filed as failed
	Elapsed  time.Duration // since the run started
	Done     bool          // the last snapshot: the sites are finished
	// Bytes of the response bodies read over HTTP (pages, sitemaps as they stream,
	// robots.txt), after decompression; pages loaded in the browser are not in it.
	Bytes int64
	// Categories and Failures are copies: URLs filed per accounting category, and
	// the failed ones per reason (as Summary.Categories and Summary.Reasons[CatFailed]).
	Categories, Failures map[string]int
}

// PagesPerSec is Fetched over Elapsed (0 before any time has passed).
func (p ProgressSnapshot) PagesPerSec() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Fetched) / p.Elapsed.Seconds()
}

// startProgress calls report with a snapshot every ProgressInterval until the
// returned stop is called, which reports the last state with Done set.
func (j *job) startProgress(report func(ProgressSnapshot), start time.Time) (stop func()) {
	if report == nil {
		return func() {}
	}
	snap := func(done bool) ProgressSnapshot { return j.snapshot(start, done) }
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(ProgressInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				report(snap(false))
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		report(snap(true))
	}
}

// snapshot is the run's counters now.
func (j *job) snapshot(start time.Time, done bool) ProgressSnapshot {
	p := ProgressSnapshot{
		Queued: max(int(j.queued.Load()), 0), InFlight: max(int(j.inflight.Load()-j.waiting.Load()), 0), Fetched: int(j.fetched.Load()),
		Articles: int(j.articles.Load()), Errors: j.acct.count(CatFailed), Elapsed: time.Since(start), Done: done, Bytes: j.bytes.Load(),
	}
	j.acct.mu.Lock()
	p.Categories, p.Failures = maps.Clone(j.acct.cats), maps.Clone(j.acct.reasons[CatFailed])
	j.acct.mu.Unlock()
	return p
}

// countingFetcher adds the body bytes of every response, read whole or streamed,
// to n.
type countingFetcher struct {
	fetch.Fetcher
	n *atomic.Int64
}

func (c countingFetcher) Fetch(ctx context.Context, r fetch.Request) (*fetch.Response, error) {
	if stream := r.Stream; stream != nil {
		r.Stream = func(rd io.Reader) error { return stream(countingReader{rd, c.n}) }
	}
	resp, err := c.Fetcher.Fetch(ctx, r)
	if resp != nil {
		c.n.Add(int64(len(resp.Body)))
	}
	return resp, err
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// CategoryLabel is the human name of an accounting category ("duplicates",
// "disallowed by robots.txt"), as in the summary table and the 0-pages errors.
func CategoryLabel(cat string) string {
	switch cat {
	case CatRobots:
		return "disallowed by robots.txt"
	case CatExcluded:
		return "excluded by rule"
	case CatDuplicate:
		return "duplicates"
	case CatNotArticle:
		return "not an article"
	case CatDropped:
		return "dropped by pipeline"
	case CatFailed:
		return "failed"
	case CatOverLimit:
		return "over a limit"
	case CatUnchanged:
		return "unchanged since the last run"
	case CatGone:
		return "gone (404/410)"
	}
	return cat
}
