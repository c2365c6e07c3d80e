package crawler

import (
	"context"
	"fmt"
	"net/url"
)

// PageProbe is what Probe reads of one page.
type PageProbe struct {
	URL      string   // the page's URL after redirects, in canonical form
	Status   int      // HTTP status of the last attempt
	PageType string   // the extractor's page type: article, listing or other
	Title    string   // the extractor's title
	Links    []string // the links a crawl of the site would queue from it (see Probe)
}

// Probe fetches one page the way a crawl fetches it — the site's fetcher and
// politeness, robots.txt when obeyed, the URL rules, retries, the fetch and decode
// checks — and returns its page type by the site's extractor and the links a crawl
// of the site would queue from it: absolute, in canonical form, each once, in
// document order, only those the URL rules (domain, exclude, length) and
// robots.txt allow. It does not render, follow rel=canonical, queue or write
// anything. `crawl init` uses it to learn the shape of a site's article URLs.
// A page that cannot be read returns a *PageError.
func (p *PageFetcher) Probe(ctx context.Context, rawURL string) (PageProbe, error) {
	abs, err := url.Parse(rawURL)
	if err != nil || !abs.IsAbs() {
		return PageProbe{}, fmt.Errorf("probe %q: not an absolute URL", rawURL)
	}
	s, err := p.siteRun(abs)
	if err != nil {
		return PageProbe{}, err
	}
	canon, err := s.canonURL(abs)
	if err != nil {
		return PageProbe{}, fmt.Errorf("probe %q: %w", rawURL, err)
	}
	e := Entry{URL: canon, Kind: KindPage, Seed: true}
	pageErr := func(o outcome, status, attempts int) error {
		return &PageError{Outcome: PageOutcome{Category: o.Category, Reason: o.Reason, Stage: o.Stage, Status: status, Attempts: attempts}, Err: o.Err}
	}
	if cat, reason, detail := s.urlRules(abs, canon, e); cat != "" {
		return PageProbe{}, pageErr(outcome{Category: cat, Reason: reason, Stage: "discover", Err: detail}, 0, 0)
	}
	if s.obey {
		cu, _ := url.Parse(canon)
		if cat, why := s.robotsVerdict(ctx, cu); cat != "" {
			return PageProbe{}, pageErr(outcome{Category: cat, Reason: why, Stage: "discover"}, 0, 0)
		}
	}
	res := s.fetch(ctx, &e, nil)
	att := res.att
	if res.interrupted {
		return PageProbe{}, fmt.Errorf("probe %s: %w", canon, context.Cause(ctx))
	}
	if o := s.fetchFailure(e, att); o != nil {
		return PageProbe{}, pageErr(*o, att.status, res.attempts)
	}
	if ct := att.contentType; ct != "" && !isHTMLType(ct) {
		return PageProbe{}, pageErr(outcome{Category: CatNotArticle, Reason: "not HTML: " + mediaType(ct), Stage: "fetch"}, att.status, res.attempts)
	}
	final := att.finalURL
	if final == nil {
		final, _ = url.Parse(canon)
	}
	body, o := s.decodeBody(e, att)
	if o != nil {
		return PageProbe{}, pageErr(*o, att.status, res.attempts)
	}
	a, err := s.extractPage(ctx, e, att, final, body, false)
	if err != nil {
		return PageProbe{}, pageErr(outcome{Category: CatFailed, Reason: "extractor error", Stage: "extract", Err: err}, att.status, res.attempts)
	}
	out := PageProbe{URL: a.URL, Status: att.status, PageType: a.PageType, Title: a.Title}
	pl := scanLinks(body, s.metaName, s.job.cfg.Crawl.MaxLinksPerPage)
	base := final
	if b := resolveLink(final, pl.Base); b != nil {
		base = b
	}
	seen := map[string]bool{}
	for _, h := range pl.Hrefs {
		u := resolveLink(base, h)
		if u == nil {
			continue
		}
		c, err := s.canonURL(u)
		if err != nil || seen[c] {
			continue
		}
		seen[c] = true
		if cat, _, _ := s.urlRules(u, c, Entry{Kind: KindPage}); cat != "" {
			continue
		}
		if s.obey {
			cu, _ := url.Parse(c)
			if cat, _ := s.robotsVerdict(ctx, cu); cat != "" {
				continue
			}
		}
		out.Links = append(out.Links, c)
	}
	return out, nil
}

// RobotsSitemaps returns the Sitemap: lines of the robots.txt of rawURL's host,
// read as a crawl of the site reads it (the site's fetcher, once per host). A
// robots.txt answering 4xx has none (nil, nil); one that cannot be read (network
// error, 5xx, an address the network policy refuses) is an error naming why.
func (p *PageFetcher) RobotsSitemaps(ctx context.Context, rawURL string) ([]string, error) {
	abs, err := url.Parse(rawURL)
	if err != nil || !abs.IsAbs() {
		return nil, fmt.Errorf("robots.txt of %q: not an absolute URL", rawURL)
	}
	s, err := p.siteRun(abs)
	if err != nil {
		return nil, err
	}
	r := s.robotsOf(ctx, abs)
	if r.data == nil {
		return nil, fmt.Errorf("robots.txt of %s://%s: %s", abs.Scheme, abs.Host, r.reason)
	}
	return r.Sitemaps, nil
}
