package crawler

import (
	"context"
	"fmt"
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
// URL: the same collector (User-Agent, Accept header, timeout, max body, redirect
// policy, per-host limits), robots.txt when obeyed, retries with the crawl's backoff,
// the URL rules, the content-type and binary checks, charset decoding, the site's
// extractor and the record fields (site, source, url in canonical form,
// fetched_at). crawl extract URL uses it, so it gives the record crawl run gives.
// It is safe for concurrent use.
type PageFetcher struct {
	ctx  context.Context
	job  *job
	site config.Site

	mu    sync.Mutex
	runs  map[string]*siteRun // per origin when site has no domains; "" = the site
	setup error
}

// NewPageFetcher prepares fetching pages of site (a site target of cfg, or the zero
// Site: any host, with the crawl settings of cfg). ctx bounds the collector's
// requests; log may be nil.
func NewPageFetcher(ctx context.Context, cfg config.Config, site config.Site, log *slog.Logger) *PageFetcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	j := newJob(cfg, JobOptions{Config: cfg}, log, nil, nil, func(error) {})
	return &PageFetcher{ctx: ctx, job: j, site: site, runs: map[string]*siteRun{}}
}

// FetchAndExtract fetches one page as a crawl does and extracts its record. It
// returns the record whenever the page could be extracted, with the outcome a crawl
// would give it (Category "" = emitted); a page that gives no record (fetch failure,
// robots.txt, a URL rule, not HTML, binary) returns a *PageError.
func FetchAndExtract(ctx context.Context, cfg config.Config, site config.Site, rawURL string) (*article.Article, PageOutcome, error) {
	return NewPageFetcher(ctx, cfg, site, nil).FetchAndExtract(ctx, rawURL)
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

// FetchAndExtract: see the package function.
func (p *PageFetcher) FetchAndExtract(ctx context.Context, rawURL string) (*article.Article, PageOutcome, error) {
	abs, err := url.Parse(rawURL)
	if err != nil || !abs.IsAbs() {
		return nil, PageOutcome{}, fmt.Errorf("fetch %q: not an absolute URL", rawURL)
	}
	canon, err := canonicalURL(abs)
	if err != nil {
		return nil, PageOutcome{}, fmt.Errorf("fetch %q: %w", rawURL, err)
	}
	s, err := p.siteRun(abs)
	if err != nil {
		return nil, PageOutcome{}, err
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
	res := s.fetch(ctx, &e, nil)
	att := res.att
	if res.interrupted {
		return nil, PageOutcome{}, fmt.Errorf("fetch %s: %w", canon, context.Cause(ctx))
	}
	if o := s.fetchFailure(e, att); o != nil {
		o.Status = att.status
		return nil, PageOutcome{}, pageErr(o, res.attempts)
	}
	body, o := s.decodeBody(e, att)
	if o != nil {
		o.Status = att.status
		return nil, PageOutcome{}, pageErr(o, res.attempts)
	}
	final := att.finalURL
	if final == nil {
		final = abs
	}
	finalStr := final.String()
	out := PageOutcome{Status: att.status, Attempts: res.attempts}
	verdict := func(cat, reason, stage string) {
		if out.Category == "" {
			out.Category, out.Reason, out.Stage = cat, reason, stage
		}
	}
	// The verdicts of handleHTML, in its order; the record is extracted anyway.
	pl := scanLinks(body, s.metaName)
	base := final
	if b := resolveLink(final, pl.Base); b != nil {
		base = b
	}
	if cu := resolveLink(base, pl.Canonical); cu != nil {
		if ck := keyOf(cu); ck != "" && ck != keyOf(final) && ck != Key(e.URL) {
			if cc, err := canonicalURL(cu); err == nil {
				if cat, _, _ := s.urlRules(cu, cc, Entry{Kind: KindPage}); cat == "" {
					verdict(CatDuplicate, "rel=canonical alias (canonical URL queued)", "canonical")
				}
			}
		}
	}
	matchedRule := s.matchesArticles(e.URL, finalStr)
	switch {
	case pl.NoIndex:
		verdict(CatNotArticle, "meta robots noindex", "extract")
	case len(s.rules.Articles) > 0 && !matchedRule:
		verdict(CatNotArticle, "not matched by articles", "extract")
	}
	a, err := s.extractPage(ctx, e, att, final, body, matchedRule)
	if err != nil {
		return nil, PageOutcome{}, pageErr(&outcome{Category: CatFailed, Reason: "extractor error", Stage: "extract", Status: att.status, Err: err}, res.attempts)
	}
	if a.PageType != article.PageArticle {
		verdict(CatNotArticle, "page_type "+a.PageType, "extract")
	}
	return a, out, nil
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
