package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/extractors"
	"github.com/healthcrawl/healthcrawl/fetch"
	"github.com/healthcrawl/healthcrawl/store"
)

// maxSitemaps bounds the sitemaps and feeds fetched for one site.
const maxSitemaps = 1000

// siteRun crawls one site target.
type siteRun struct {
	job       *job
	site      config.Site
	rules     config.Rules
	allowed   []config.DomainPattern
	obey      bool
	maxDepth  int
	maxPages  int
	trap      trapGuard
	frontier  Frontier
	st        store.Store    // JobOptions.Store (nil = no state)
	sf        *storeFrontier // frontier when st is set
	extractor *extractors.Extractor
	http      fetch.Fetcher     // static pages, sitemaps and robots.txt (crawl.fetcher)
	renderer  fetch.Fetcher     // the job's browser under the site's politeness; nil = none
	polite    *fetch.Politeness // the site's per-host limits, taken by every request
	log       *slog.Logger
	metaName  string // <meta name> that addresses us like "robots" (our product token)

	pages    atomic.Int64 // page entries queued (for max_pages)
	fetched  atomic.Int64 // URLs of the site that got an HTTP response
	sitemaps atomic.Int64 // sitemap entries queued (for maxSitemaps)
	dupRaw   sync.Map     // raw URL variants already counted as duplicates
	// lateLastMod: key → sitemap lastmod of a page queued by a link before its
	// sitemap entry was read (incremental runs); handle takes it as the entry's.
	lateLastMod sync.Map
	held        sync.Map // key → heldURL: stopped by the trap guard or max_depth on some path

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
		trap:     newTrapGuard(j.cfg.Crawl.TrapRunLength),
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

// addressPolicy is the site's network policy (crawl.network): internal addresses
// are refused, except the ranges the config allows and the addresses the site's
// own start URLs and sitemaps resolve to now (a site on loopback or an intranet
// may be crawled; a public site cannot lead the crawler into the network).
func (s *siteRun) addressPolicy(ctx context.Context) *fetch.AddressPolicy {
	nw := s.job.cfg.Crawl.Network
	p := &fetch.AddressPolicy{AllowPrivate: nw.AllowPrivate, Lookup: s.job.opts.Lookup}
	for _, a := range nw.Allow {
		if pre, err := config.ParseAddrRange(a); err == nil {
			p.Allow = append(p.Allow, pre)
		}
	}
	if p.AllowPrivate {
		return p
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	seen := map[string]bool{}
	for _, raw := range append(append([]string{}, s.site.StartURLs...), s.site.Sitemaps...) {
		u, err := url.Parse(raw)
		if err != nil || seen[u.Hostname()] {
			continue
		}
		seen[u.Hostname()] = true
		addrs, err := p.Resolve(rctx, u.Hostname())
		if err != nil {
			s.log.Debug("resolving a start URL's host", "host", u.Hostname(), "err", err)
			continue
		}
		p.Own = append(p.Own, addrs...)
	}
	return p
}

// allowedDomains is what sites[].allowed_domains allows (config.DomainPattern: a
// host and its subdomains, a wildcard, a port), or by default the hosts of the
// start URLs (of the sitemaps when there are none) on their own ports — a link to
// another port of the same host (an internal service on loopback) is not followed.
// The default ports of http and https count as one, so a site that redirects from
// http to https stays allowed.
func allowedDomains(site config.Site) []config.DomainPattern {
	var out []config.DomainPattern
	add := func(p config.DomainPattern) {
		for _, o := range out {
			if o == p {
				return
			}
		}
		out = append(out, p)
	}
	if len(site.AllowedDomains) > 0 {
		for _, d := range site.AllowedDomains {
			if p, err := config.ParseDomainPattern(d); err == nil { // (config validation names a bad one)
				add(p)
			}
		}
		return out
	}
	for _, list := range [][]string{site.StartURLs, site.Sitemaps} {
		for _, raw := range list {
			u, err := url.Parse(raw)
			if err != nil || u.Hostname() == "" {
				continue
			}
			p, err := config.ParseDomainPattern(u.Host)
			if err != nil {
				continue
			}
			p.Port = config.EffectivePort(u)
			add(p)
			switch p.Port {
			case "80":
				p.Port = "443"
				add(p)
			case "443":
				p.Port = "80"
				add(p)
			}
		}
		if len(out) > 0 {
			break
		}
	}
	return out
}

// domainAllowed reports whether u's host and port are allowed (allowedDomains);
// when not, why: "domain not allowed", or "port not allowed" for another port of
// an allowed host.
func (s *siteRun) domainAllowed(u *url.URL) (bool, string) {
	host, port := u.Hostname(), config.EffectivePort(u)
	hostOK := false
	for _, p := range s.allowed {
		if p.Matches(host, port) {
			return true, ""
		}
		anyPort := p
		anyPort.Port = ""
		hostOK = hostOK || anyPort.Matches(host, "")
	}
	if hostOK {
		return false, "port not allowed"
	}
	return false, "domain not allowed"
}

// setup prepares the site's fetching: its politeness (per-host slots and delays,
// fleet-wide with a Redis state; a robots.txt Crawl-delay of a seed host makes
// that host one request at a time) and its static fetcher (crawl.fetcher), which
// every page, sitemap and robots.txt request of the site goes through.
func (s *siteRun) setup(ctx context.Context) error {
	cfg := s.job.cfg.Crawl
	delay := cfg.Delay
	if s.site.Delay != nil {
		delay = *s.site.Delay
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	var shared fetch.SharedLimiter
	if l := s.job.fleet; l != nil {
		shared = l // workers sharing a redis state: the same limits, per host, for the fleet
	}
	s.polite = fetch.NewPoliteness(fetch.Limit{
		Parallelism: max(cfg.Parallelism, 1), Delay: delay, RandomDelay: delay / 2, Hold: timeout + 5*time.Second,
	}, shared)
	name := cfg.Fetcher
	if name == "" {
		name = fetch.NameHTTP
	}
	f, err := fetch.New(name, fetch.Options{UserAgent: cfg.UserAgent, Timeout: cfg.Timeout, Politeness: s.polite, Transport: s.addressPolicy(ctx).Transport(), Logger: s.log})
	if err != nil {
		return fmt.Errorf("site %s: crawl.fetcher: %w", s.site.Name, err)
	}
	s.http = countingFetcher{f, &s.job.bytes} // ProgressSnapshot.Bytes
	if s.job.renderer != nil {
		s.renderer = s.polite.Wrap(s.job.renderer) // a rendered page takes its host's turn like a static one
	}
	if s.obey {
		// Hosts of the seeds: robots.txt is read now, so a Crawl-delay becomes the
		// host's limit before its first page.
		seen := map[string]bool{}
		for _, raw := range append(append([]string{}, s.site.StartURLs...), s.site.Sitemaps...) {
			u, err := url.Parse(raw)
			if err != nil || seen[u.Host] {
				continue
			}
			seen[u.Host] = true
			if r := s.robotsOf(ctx, u); r.CrawlDelay > 0 {
				s.polite.CrawlDelay(u.Host, r.CrawlDelay)
				s.log.Info("robots.txt crawl-delay", "host", u.Host, "delay", r.CrawlDelay)
			}
		}
	}
	return nil
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

// checkRedirect is the redirect policy of att's fetch: a redirect limit, loop
// detection, and the URL rules and visited set applied to every target.
func (s *siteRun) checkRedirect(att *attempt, req *http.Request, via []*http.Request) error {
	if req.Response != nil {
		att.status = req.Response.StatusCode
		att.redirects = len(via)
	}
	target := req.URL.String()
	canon, err := s.canonURL(req.URL)
	if err != nil {
		return &RedirectError{Category: CatExcluded, Reason: "redirect to a non-http URL", Target: target}
	}
	for _, v := range via {
		if c, err := s.canonURL(v.URL); err == nil && c == canon {
			return &RedirectError{Category: CatFailed, Reason: "redirect loop", Target: target}
		}
	}
	if len(via) > s.job.maxRedirects {
		return &RedirectError{Category: CatFailed, Reason: fmt.Sprintf("more than %d redirects", s.job.maxRedirects), Target: target}
	}
	if ok, why := s.domainAllowed(req.URL); !ok {
		return &RedirectError{Category: CatExcluded, Reason: "redirect to a " + strings.TrimSuffix(why, " not allowed") + " not allowed", Target: target}
	}
	if config.Match(s.rules.Exclude, canon) {
		return &RedirectError{Category: CatExcluded, Reason: "redirect to a URL matched by exclude", Target: target}
	}
	if s.obey {
		if cat, why := s.robotsVerdict(req.Context(), req.URL); cat == CatExcluded {
			return &RedirectError{Category: cat, Reason: why, Target: target}
		} else if cat != "" {
			return &RedirectError{Category: cat, Reason: "redirect target: " + why, Target: target}
		}
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

// abort reasons: why a response's body was not read.
const (
	abortNone = iota
	abortStatus
	abortTooBig
	abortNotHTML
)

// errNotHTML stops the download of a page whose Content-Type is not HTML.
var errNotHTML = errors.New("not HTML")

// attempt is the state of one entry's fetch, shared by its retries.
type attempt struct {
	entry   *Entry
	key     string
	claimed map[string]bool // keys claimed by redirects of this entry

	// per try
	status      int
	retryAfter  string
	contentType string
	header      http.Header
	body        []byte
	finalURL    *url.URL
	abort       int
	length      int64 // Content-Length of a body over the limit; -1 = found while reading
	redirects   int
	err         error
	// sitemap is a sitemap read while it downloaded (Request.Stream), nil otherwise.
	sitemap *sitemapRead
	// renderStopped: the page's render was cancelled by the job's hard stop; the
	// page goes back to the frontier (handle).
	renderStopped bool
}

func (a *attempt) reset() {
	a.status, a.retryAfter, a.contentType = 0, "", ""
	a.header, a.body, a.finalURL = nil, nil, nil
	a.abort, a.length, a.redirects, a.err = abortNone, 0, 0, nil
	a.sitemap = nil
}

// fill sets the try's fields from the fetcher's answer.
func (a *attempt) fill(resp *fetch.Response, err error) {
	if resp != nil {
		a.status, a.header, a.body, a.redirects = resp.Status, resp.Header, resp.Body, resp.Redirects
		a.contentType = resp.Header.Get("Content-Type")
		a.retryAfter = resp.Header.Get("Retry-After")
		if u, perr := url.Parse(resp.URL); perr == nil && resp.URL != "" {
			a.finalURL = u
		}
		if resp.Status < 200 || resp.Status > 299 {
			a.abort = abortStatus
		}
	}
	var tb *fetch.TooBigError
	switch {
	case errors.As(err, &tb):
		a.abort, a.length = abortTooBig, tb.Length
	case errors.Is(err, errNotHTML):
		a.abort = abortNotHTML
	default:
		a.err = err
	}
}

// fetchResult is the final outcome of an entry's fetch, after retries.
type fetchResult struct {
	att         *attempt
	attempts    int
	interrupted bool
}

// request is the fetch.Request of e: the crawl's body limit, the site's redirect
// policy, and (for pages) the Content-Type check that stops a download that is
// not HTML.
func (s *siteRun) request(e *Entry, hdr http.Header, att *attempt) fetch.Request {
	req := fetch.Request{
		URL: e.URL, Header: hdr, Site: s.site.Name, MaxBytes: s.job.cfg.Crawl.MaxBodyBytes,
		CheckRedirect: func(r *http.Request, via []*http.Request) error { return s.checkRedirect(att, r, via) },
	}
	if e.Kind == KindSitemap {
		// The sitemaps protocol allows 50 MB, uncompressed: read as it downloads,
		// never held whole.
		req.MaxBytes = s.job.cfg.Crawl.MaxSitemapBytes
		req.Stream = func(r io.Reader) error {
			read, err := streamSitemap(r, req.MaxBytes)
			att.sitemap = read
			return err
		}
	}
	if e.Kind == KindPage {
		req.Accept = func(_ int, h http.Header) error {
			ct := h.Get("Content-Type")
			if ct != "" && !isHTMLType(ct) && !(isFeedType(ct) || (e.Seed && isXMLType(ct))) {
				return errNotHTML
			}
			return nil
		}
	}
	return req
}

// fetch requests e, retrying network errors, timeouts, 429 and 5xx with the job's
// retry policy (exponential backoff with jitter, Retry-After honoured, capped), up
// to crawl.retries more times. When ctx is cancelled (SIGINT) the waits and new
// tries stop; a request in flight runs on until the job's hard stop
// (crawl.stop_grace later, or a second SIGINT), which cancels it: the result is
// then interrupted, as when ctx stops a wait.
func (s *siteRun) fetch(ctx context.Context, e *Entry, hdr http.Header) fetchResult {
	att := &attempt{entry: e, key: Key(e.URL), claimed: map[string]bool{}}
	req := s.request(e, hdr, att)
	retries := max(s.job.cfg.Crawl.Retries, 0)
	for n := 1; ; n++ {
		att.reset()
		s.job.waiting.Add(1) // not in flight until it has a request slot
		select {
		case s.job.sem <- struct{}{}:
			s.job.waiting.Add(-1)
		case <-ctx.Done():
			s.job.waiting.Add(-1)
			return fetchResult{att: att, attempts: n - 1, interrupted: true}
		}
		rctx, done := s.job.inFlight(ctx)
		resp, err := s.http.Fetch(rctx, req)
		done()
		<-s.job.sem
		s.job.requests.Add(1)
		if err != nil && s.job.stoppedNow() {
			return fetchResult{att: att, attempts: n, interrupted: true}
		}
		att.fill(resp, err)
		retry, wait := s.shouldRetry(att, n)
		if !retry || n > retries {
			return fetchResult{att: att, attempts: n}
		}
		s.log.Debug("retrying", "url", e.URL, "attempt", n, "status", att.status, "err", att.err, "wait", wait)
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
	case errors.As(att.err, &re), isAddressErr(att.err):
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
