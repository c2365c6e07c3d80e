package crawler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
)

// PageOutcome is what a crawl would do with a page fetched by FetchAndExtract.
// Category "" means crawl run would emit its record (before the pipeline, which the
// caller applies); otherwise Category and Reason are the accounting a crawl files
// the page under (not_article "meta robots noindex", duplicate "rel=canonical
// alias", failed "status 404", …).
type PageOutcome struct {
	Category string
	Reason   string
	Stage    string
	Status   int // HTTP status of the last attempt (0 = no response)
	Attempts int // requests made, retries included
}

// PageError is the error of a page that gave no record: its outcome and cause.
type PageError struct {
	Outcome PageOutcome
	Err     error // underlying cause (may be nil)
}

func (e *PageError) Error() string {
	o := e.Outcome
	switch {
	case o.Category == CatFailed && o.Stage == "fetch" && o.Status != 0 && (o.Status < 200 || o.Status > 299):
		return fmt.Sprintf("fetch: HTTP %d %s", o.Status, http.StatusText(o.Status))
	case e.Err != nil:
		return fmt.Sprintf("%v (%s: %s)", e.Err, o.Category, o.Reason)
	}
	return fmt.Sprintf("%s: %s: %s", o.Stage, o.Category, o.Reason)
}

func (e *PageError) Unwrap() error { return e.Err }

// PageFetcher runs, for one page at a time, exactly what a crawl does with a start
// URL — the crawl's own page path (siteRun.handle): the same fetcher (User-Agent,
// Accept header, timeout, max body, redirect policy, per-host limits), robots.txt
// when obeyed, retries with the crawl's backoff, the URL rules, the content-type and
// binary checks, charset decoding, rendering as the site's render mode says, the
// site's extractor and the record fields (site, source, url in canonical form,
// fetched_at). crawl extract URL uses it, so it gives the record crawl run gives.
// It is safe for concurrent use.
type PageFetcher struct {
	ctx  context.Context
	job  *job
	site config.Site

	mu    sync.Mutex
	runs  map[string]*siteRun // per origin when site has no domains; "" = the site
	setup error               // the site's renderer could not be set up
}

// NewPageFetcher prepares fetching pages of site (a site target of cfg, or the zero
// Site: any host, with the crawl settings of cfg). ctx bounds the site's setup
// (robots.txt of its seeds); log may be nil.
func NewPageFetcher(ctx context.Context, cfg config.Config, site config.Site, log *slog.Logger) *PageFetcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	j := newJob(cfg, JobOptions{Config: cfg}, log, nil, nil, func(error) {})
	p := &PageFetcher{ctx: ctx, job: j, site: site, runs: map[string]*siteRun{}}
	// The site's render mode applies as in a crawl: a browser when it may render.
	j.renderer, p.setup = newRenderer(cfg, []config.Site{site}, j)
	return p
}

// Close ends the browser of a site that renders (a no-op otherwise).
func (p *PageFetcher) Close() error {
	if c, ok := p.job.renderer.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// siteRun returns the siteRun that fetches u: the site's, or (for a site without
// start URLs or domains) one per origin, as a crawl seeded with u would have.
func (p *PageFetcher) siteRun(u *url.URL) (*siteRun, error) {
	site := p.site
	key := ""
	if len(site.AllowedDomains) == 0 && len(site.StartURLs) == 0 && len(site.Sitemaps) == 0 {
		key = u.Scheme + "://" + u.Host
		site.StartURLs = []string{key + "/"}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.setup != nil {
		return nil, p.setup
	}
	if s, ok := p.runs[key]; ok {
		return s, nil
	}
	j := p.job
	s, err := newSiteRun(p.ctx, j, site)
	if err != nil {
		return nil, err
	}
	s.frontier = onePageFrontier{}
	if err := s.setup(p.ctx); err != nil {
		return nil, err
	}
	p.runs[key] = s
	return s, nil
}

// singleKey is the context key of a single-page fetch's *singlePage.
type singleKey struct{}

// singlePage is what the crawl's page path (siteRun.handle) did with the page of a
// single-page fetch: the first verdict a crawl would file it under, the record
// (extracted even when a crawl would not emit it; before the pipeline), and the
// fetch's status and attempts. With it in the context, handle files nothing,
// queues nothing and writes nothing.
type singlePage struct {
	outcome          *outcome
	rec              *article.Article
	status, attempts int
}

func (p *singlePage) verdict(o outcome) {
	if p.outcome == nil {
		p.outcome = &o
	}
}

func singleFrom(ctx context.Context) *singlePage {
	p, _ := ctx.Value(singleKey{}).(*singlePage)
	return p
}

// FetchAndExtract fetches one page as a crawl does and extracts its record. It
// returns the record whenever the page could be extracted, with the outcome a crawl
// would give it (Category "" = emitted); a page that gives no record (fetch failure,
// robots.txt, a URL rule, not HTML, binary) returns a *PageError. The page goes through the crawl's
// own path — the discovery checks (URL rules, robots.txt), then siteRun.handle:
// fetch with retries, the fetch and decode checks, rendering as the site's render
// mode says, links, canonical, extraction — with a singlePage in the context.
func (p *PageFetcher) FetchAndExtract(ctx context.Context, rawURL string) (*article.Article, PageOutcome, error) {
	abs, err := url.Parse(rawURL)
	if err != nil || !abs.IsAbs() {
		return nil, PageOutcome{}, fmt.Errorf("fetch %q: not an absolute URL", rawURL)
	}
	if _, err := canonicalURL(abs); err != nil {
		return nil, PageOutcome{}, fmt.Errorf("fetch %q: %w", rawURL, err)
	}
	s, err := p.siteRun(abs)
	if err != nil {
		return nil, PageOutcome{}, err
	}
	canon, err := s.canonURL(abs)
	if err != nil {
		return nil, PageOutcome{}, fmt.Errorf("fetch %q: %w", rawURL, err)
	}
	e := Entry{URL: canon, Kind: KindPage, Seed: true}
	pageErr := func(o *outcome, attempts int) error {
		return &PageError{Outcome: PageOutcome{Category: o.Category, Reason: o.Reason, Stage: o.Stage, Status: o.Status, Attempts: attempts}, Err: o.Err}
	}
	if cat, reason, detail := s.urlRules(abs, canon, e); cat != "" {
		return nil, PageOutcome{}, pageErr(&outcome{Category: cat, Reason: reason, Stage: "discover", Err: detail}, 0)
	}
	if s.obey {
		cu, _ := url.Parse(canon)
		if ok, why := s.robotsOf(ctx, cu).Allowed(cu); !ok {
			return nil, PageOutcome{}, pageErr(&outcome{Category: CatRobots, Reason: why, Stage: "discover"}, 0)
		}
	}
	sp := &singlePage{}
	s.handle(context.WithValue(ctx, singleKey{}, sp), e)
	if sp.rec == nil {
		o := sp.outcome
		if o == nil {
			o = &outcome{Category: CatFailed, Reason: "no record", Stage: "extract"}
		}
		if o.Reason == "interrupted" && ctx.Err() != nil {
			return nil, PageOutcome{}, fmt.Errorf("fetch %s: %w", canon, context.Cause(ctx))
		}
		return nil, PageOutcome{}, pageErr(o, sp.attempts)
	}
	out := PageOutcome{Status: sp.status, Attempts: sp.attempts}
	if o := sp.outcome; o != nil {
		out.Category, out.Reason, out.Stage = o.Category, o.Reason, o.Stage
	}
	return sp.rec, out, nil
}

// onePageFrontier is the frontier of a single-page fetch: nothing was seen before
// it (a redirect target is never a duplicate), nothing is queued.
type onePageFrontier struct{}

func (onePageFrontier) MarkSeen(context.Context, string) (bool, error) { return true, nil }
func (onePageFrontier) Seen(context.Context, string) (bool, error)     { return false, nil }
func (onePageFrontier) Push(context.Context, Entry) error              { return nil }
func (onePageFrontier) Pop(context.Context) (Entry, bool, error)       { return Entry{}, false, nil }
func (onePageFrontier) Done(context.Context, Entry, bool) error        { return nil }
func (onePageFrontier) EmitOnce(context.Context, string, string) (bool, string, error) {
	return true, "", nil
}
func (onePageFrontier) Len(context.Context) (int, error) { return 0, nil }
