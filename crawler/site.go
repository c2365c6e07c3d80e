package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/extractors"
	"github.com/healthcrawl/healthcrawl/store"
)

// acceptHeader is the Accept header of every page request.
const acceptHeader = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// requestHeader is the default header of the crawler's requests: the collector's
// (setup) and robots.txt's.
func requestHeader(agent string) http.Header {
	return http.Header{"User-Agent": {agent}, "Accept": {acceptHeader}}
}

// maxSitemaps bounds the sitemaps and feeds fetched for one site.
const maxSitemaps = 1000

// attKey is the colly.Context key of the *attempt of a request.
const attKey = "healthcrawl.attempt"

// siteRun crawls one site target.
type siteRun struct {
	job       *job
	site      config.Site
	rules     config.Rules
	allowed   []string
	obey      bool
	maxDepth  int
	maxPages  int
	trap      trapGuard
	frontier  Frontier
	st        store.Store    // JobOptions.Store (nil = no state)
	sf        *storeFrontier // frontier when st is set
	extractor *extractors.Extractor
	c         *colly.Collector
	log       *slog.Logger
	metaName  string      // <meta name> that addresses us like "robots" (our product token)
	limits    *hostLimits // per-host parallelism and delay (colly rules' mirror), for rendered pages

	pages    atomic.Int64 // page entries queued (for max_pages)
	fetched  atomic.Int64 // URLs of the site that got an HTTP response
	sitemaps atomic.Int64 // sitemap entries queued (for maxSitemaps)
	dupRaw   sync.Map     // raw URL variants already counted as duplicates
	inflight sync.Map     // *url.URL of a request in flight → *attempt (for the redirect check)
	held     sync.Map     // key → heldURL: stopped by the trap guard or max_depth on some path

	mu     sync.Mutex
	cond   *sync.Cond
	active int
	done   bool

	drained bool  // the workers stopped because the frontier was empty (not cancelled)
	popErr  error // the frontier failed: the workers stopped
	runID   int64 // the store's run of the site this worker crawls
	// noPriorMeta: the store held no page metadata when the run began (the site's
	// first crawl), so there is nothing to look up for conditional requests.
	noPriorMeta bool
	// finishedElsewhere: another worker finished the run (and a new one began).
	finishedElsewhere bool
	revisited         bool // earlier articles not reached were queued (see revisit)
}

func newSiteRun(ctx context.Context, j *job, site config.Site) (*siteRun, error) {
	rules, err := site.Rules()
	if err != nil {
		return nil, err
	}
	ex, err := extractors.New(extractors.Options{Selectors: site.Selectors})
	if err != nil {
		return nil, fmt.Errorf("site %s: extractor: %w", site.Name, err)
	}
	fr, err := j.newFrontier(ctx, site.Name)
	if err != nil {
		return nil, fmt.Errorf("site %s: frontier: %w", site.Name, err)
	}
	s := &siteRun{
		job: j, site: site, rules: rules, frontier: fr, extractor: ex, st: j.opts.Store,
		obey: j.cfg.Crawl.ObeyRobots, maxDepth: site.MaxDepth, maxPages: site.MaxPages,
		trap:     defaultTrapGuard(),
		log:      j.log.With("site", site.Name),
		metaName: productToken(j.cfg.Crawl.UserAgent),
	}
	s.cond = sync.NewCond(&s.mu)
	s.sf, _ = fr.(*storeFrontier)
	if site.ObeyRobots != nil {
		s.obey = *site.ObeyRobots
	}
	s.allowed = allowedDomains(site)
	return s, nil
}

// allowedDomains is allowed_domains, or the hosts of the start URLs (and sitemaps).
func allowedDomains(site config.Site) []string {
	var out []string
	add := func(h string) {
		h = strings.TrimSuffix(strings.ToLower(h), ".")
		if h == "" {
			return
		}
		for _, o := range out {
			if o == h {
				return
			}
		}
		out = append(out, h)
	}
	if len(site.AllowedDomains) > 0 {
		for _, d := range site.AllowedDomains {
			add(d)
		}
		return out
	}
	for _, list := range [][]string{site.StartURLs, site.Sitemaps} {
		for _, raw := range list {
			if u, err := url.Parse(raw); err == nil {
				add(u.Hostname())
			}
		}
		if len(out) > 0 {
			break
		}
	}
	return out
}

// domainAllowed: the host is an allowed domain or a subdomain of one ("www." of an
// allowed domain and the domain without "www." count as the same).
func (s *siteRun) domainAllowed(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, d := range s.allowed {
		if host == d || strings.HasSuffix(host, "."+d) || "www."+host == d {
			return true
		}
	}
	return false
}

// setup builds the collector: robots.txt is handled by the crawler (robots.go),
// charset decoding by extractors.DecodeHTML, the visited set by the frontier.
func (s *siteRun) setup(ctx context.Context) error {
	cfg := s.job.cfg.Crawl
	c := colly.NewCollector(
		colly.UserAgent(cfg.UserAgent),
		colly.AllowURLRevisit(), // de-duplication happens in the frontier, on canonical keys
		colly.ParseHTTPErrorResponse(),
		colly.StdlibContext(context.WithoutCancel(ctx)), // in-flight requests finish on SIGINT
		colly.Headers(map[string]string{"Accept": acceptHeader}),
	)
	// Explicit: colly's Init sets IgnoreRobotsTxt=true. The crawler checks robots.txt
	// itself (it also needs Crawl-delay and Sitemap lines), so colly must not.
	c.IgnoreRobotsTxt = true
	c.DetectCharset = false
	c.MaxDepth = 0 // depth is checked by the crawler, with accounting
	if cfg.MaxBodyBytes > 0 {
		// One byte more than the limit, so a body over the limit is recognisable while
		// never being read further.
		c.MaxBodySize = int(cfg.MaxBodyBytes + 1)
	} else {
		c.MaxBodySize = 0
	}
	if cfg.Timeout > 0 {
		c.SetRequestTimeout(cfg.Timeout)
	}
	s.c = c

	delay := cfg.Delay
	if s.site.Delay != nil {
		delay = *s.site.Delay
	}
	par := max(cfg.Parallelism, 1)
	var limits []*colly.LimitRule
	hl := newHostLimits(par, delay, cfg.Timeout)
	s.limits = hl
	if s.obey {
		// Hosts of the seeds: robots.txt is read now, so a Crawl-delay becomes the
		// host's delay (with parallelism 1).
		seen := map[string]bool{}
		for _, raw := range append(append([]string{}, s.site.StartURLs...), s.site.Sitemaps...) {
			u, err := url.Parse(raw)
			if err != nil || seen[u.Host] {
				continue
			}
			seen[u.Host] = true
			r := s.robotsOf(ctx, u)
			if r.CrawlDelay > 0 {
				limits = append(limits, &colly.LimitRule{
					DomainRegexp: "^" + regexp.QuoteMeta(u.Host) + "$",
					Parallelism:  1,
					Delay:        max(delay, r.CrawlDelay),
					RandomDelay:  max(delay, r.CrawlDelay) / 4,
				})
				hl.crawlDelay(u.Host, r.CrawlDelay)
				s.log.Info("robots.txt crawl-delay", "host", u.Host, "delay", r.CrawlDelay)
			}
		}
	}
	limits = append(limits, &colly.LimitRule{DomainGlob: "*", Parallelism: par, Delay: delay, RandomDelay: delay / 2})
	if err := c.Limits(limits); err != nil {
		return fmt.Errorf("site %s: limit rules: %w", s.site.Name, err)
	}
	if l := s.job.fleet; l != nil {
		// Workers sharing a redis state: the same limits, per host, for the fleet.
		c.WithTransport(l.Transport(nil, hl.get))
	}

	c.SetRedirectHandler(s.checkRedirect)
	c.OnRequest(func(r *colly.Request) {
		if att, ok := r.Ctx.GetAny(attKey).(*attempt); ok {
			s.inflight.Store(r.URL, att)
			att.reqURL = r.URL
		}
	})
	c.OnResponseHeaders(func(r *colly.Response) {
		att, ok := r.Ctx.GetAny(attKey).(*attempt)
		if !ok {
			return
		}
		att.status = r.StatusCode
		att.retryAfter = r.Headers.Get("Retry-After")
		ct := r.Headers.Get("Content-Type")
		att.contentType = ct
		// Hide the charset from colly (it would re-encode the body); DecodeHTML reads
		// att.contentType instead, so a body is decoded exactly once.
		if mt, params, err := mime.ParseMediaType(ct); err == nil && len(params) > 0 {
			r.Headers.Set("Content-Type", mt)
		} else if err != nil && strings.Contains(strings.ToLower(ct), "charset") {
			r.Headers.Set("Content-Type", strings.TrimSpace(strings.Split(ct, ";")[0]))
		}
		if r.StatusCode < 200 || r.StatusCode > 299 {
			att.abort = abortStatus
			r.Request.Abort() // the body of an error response is not needed
			return
		}
		if n := contentLength(r.Headers); cfg.MaxBodyBytes > 0 && n > cfg.MaxBodyBytes {
			att.abort = abortTooBig
			att.length = n
			r.Request.Abort()
			return
		}
		if att.entry.Kind == KindPage && ct != "" && !isHTMLType(ct) && !(isFeedType(ct) || (att.entry.Seed && isXMLType(ct))) {
			att.abort = abortNotHTML
			r.Request.Abort()
		}
	})
	c.OnResponse(func(r *colly.Response) {
		att, ok := r.Ctx.GetAny(attKey).(*attempt)
		if !ok {
			return
		}
		att.status = r.StatusCode
		att.body = r.Body
		att.finalURL = r.Request.URL
		if r.Headers != nil {
			att.header = *r.Headers
		}
	})
	return nil
}

func contentLength(h *http.Header) int64 {
	var n int64
	if _, err := fmt.Sscan(h.Get("Content-Length"), &n); err != nil {
		return -1
	}
	return n
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	return mt
}

func isHTMLType(ct string) bool {
	mt := mediaType(ct)
	return mt == "text/html" || mt == "application/xhtml+xml"
}

func isFeedType(ct string) bool {
	mt := mediaType(ct)
	return mt == "application/rss+xml" || mt == "application/atom+xml" || mt == "application/rdf+xml"
}

func isXMLType(ct string) bool {
	mt := mediaType(ct)
	return mt == "application/xml" || mt == "text/xml" || isFeedType(ct) || strings.HasSuffix(mt, "gzip")
}

// RedirectError is why a redirect was not followed.
type RedirectError struct {
	Category string // failed (loop, limit), excluded, robots_disallowed, duplicate, over_limit
	Reason   string
	Target   string
}

func (e *RedirectError) Error() string { return e.Reason + ": " + e.Target }

// checkRedirect is the collector's redirect policy: a redirect limit, loop
// detection, and the URL rules and visited set applied to every target.
func (s *siteRun) checkRedirect(req *http.Request, via []*http.Request) error {
	var att *attempt
	if v, ok := s.inflight.Load(via[0].URL); ok {
		att = v.(*attempt)
	}
	if att != nil && req.Response != nil {
		att.status = req.Response.StatusCode
		att.redirects = len(via)
	}
	target := req.URL.String()
	canon, err := canonicalURL(req.URL)
	if err != nil {
		return &RedirectError{Category: CatExcluded, Reason: "redirect to a non-http URL", Target: target}
	}
	for _, v := range via {
		if c, err := canonicalURL(v.URL); err == nil && c == canon {
			return &RedirectError{Category: CatFailed, Reason: "redirect loop", Target: target}
		}
	}
	if len(via) > s.job.maxRedirects {
		return &RedirectError{Category: CatFailed, Reason: fmt.Sprintf("more than %d redirects", s.job.maxRedirects), Target: target}
	}
	if !s.domainAllowed(req.URL.Hostname()) {
		return &RedirectError{Category: CatExcluded, Reason: "redirect to a domain not allowed", Target: target}
	}
	if config.Match(s.rules.Exclude, canon) {
		return &RedirectError{Category: CatExcluded, Reason: "redirect to a URL matched by exclude", Target: target}
	}
	if s.obey {
		if ok, why := s.robotsOf(req.Context(), req.URL).Allowed(req.URL); !ok {
			return &RedirectError{Category: CatRobots, Reason: "redirect target: " + why, Target: target}
		}
	}
	if att == nil {
		return nil
	}
	key := Key(canon)
	if key == att.key || att.claimed[key] {
		return nil
	}
	fresh, err := s.frontier.MarkSeen(req.Context(), key)
	if err != nil {
		return fmt.Errorf("redirect %s: frontier: %w", target, err)
	}
	if !fresh {
		return &RedirectError{Category: CatDuplicate, Reason: "redirect to a URL already seen", Target: target}
	}
	att.claimed[key] = true
	return nil
}

// abort reasons set in OnResponseHeaders.
const (
	abortNone = iota
	abortStatus
	abortTooBig
	abortNotHTML
)

// attempt is the state of one entry's fetch, shared by its retries.
type attempt struct {
	entry   *Entry
	key     string
	claimed map[string]bool // keys claimed by redirects of this entry

	// per try
	reqURL      *url.URL
	status      int
	retryAfter  string
	contentType string
	header      http.Header
	body        []byte
	finalURL    *url.URL
	abort       int
	length      int64
	redirects   int
	err         error
}

func (a *attempt) reset() {
	a.status, a.retryAfter, a.contentType = 0, "", ""
	a.header, a.body, a.finalURL = nil, nil, nil
	a.abort, a.length, a.redirects, a.err = abortNone, 0, 0, nil
}

// fetchResult is the final outcome of an entry's fetch, after retries.
type fetchResult struct {
	att         *attempt
	attempts    int
	interrupted bool
}

// fetch requests e, retrying network errors, timeouts, 429 and 5xx with exponential
// backoff and jitter (Retry-After honoured, capped), up to crawl.retries more times.
func (s *siteRun) fetch(ctx context.Context, e *Entry, hdr http.Header) fetchResult {
	att := &attempt{entry: e, key: Key(e.URL), claimed: map[string]bool{}}
	retries := max(s.job.cfg.Crawl.Retries, 0)
	for n := 1; ; n++ {
		att.reset()
		select {
		case s.job.sem <- struct{}{}:
		case <-ctx.Done():
			return fetchResult{att: att, attempts: n - 1, interrupted: true}
		}
		cctx := colly.NewContext()
		cctx.Put(attKey, att)
		var h http.Header
		if hdr != nil { // colly adds its default headers only when given none
			h = hdr.Clone()
			h.Set("Accept", acceptHeader)
		}
		err := s.c.Request(http.MethodGet, e.URL, nil, cctx, h)
		<-s.job.sem
		if att.reqURL != nil {
			s.inflight.Delete(att.reqURL)
		}
		s.job.requests.Add(1)
		att.err = err
		retry, wait := s.shouldRetry(att, n)
		if !retry || n > retries {
			return fetchResult{att: att, attempts: n}
		}
		s.log.Debug("retrying", "url", e.URL, "attempt", n, "status", att.status, "err", err, "wait", wait)
		if !sleepCtx(ctx, wait) {
			return fetchResult{att: att, attempts: n, interrupted: true}
		}
	}
}

func (s *siteRun) shouldRetry(att *attempt, n int) (bool, time.Duration) {
	var re *RedirectError
	switch {
	case att.abort == abortTooBig || att.abort == abortNotHTML:
		return false, 0
	case errors.As(att.err, &re):
		return false, 0
	case att.status != 0 && (att.abort == abortStatus || att.err == nil):
		if !retryableStatus(att.status) {
			return false, 0
		}
	case att.err == nil:
		return false, 0
	case errors.Is(att.err, context.Canceled):
		return false, 0
	}
	return true, s.job.retry.wait(n, att.retryAfter)
}
