package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/dustin/go-humanize/english"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/extractors"
	"github.com/healthcrawl/healthcrawl/fetch"
)

// handle fetches one entry, files its outcome, and tells the frontier it is done.
func (s *siteRun) handle(ctx context.Context, e Entry) {
	failed := false
	// Pages in flight finish even when ctx is cancelled (SIGINT): only scheduling
	// stops; their requests and renders are cancelled by the job's hard stop.
	pctx := context.WithoutCancel(ctx)
	retry := false     // interrupted (a stop) before or during its fetch or render: queued again
	handedOff := false // its record went to the committer, whose commit ends the lease
	defer func() {
		if handedOff {
			return
		}
		if retry {
			s.giveBack(e)
			return
		}
		if err := s.frontier.Done(pctx, e, failed); err != nil {
			s.log.Error("frontier done", "url", e.URL, "err", err)
		}
	}()
	if why := s.trap.CheckQueued(e); why != "" {
		// Queued before the trap guard learned that its parameter or host only
		// makes copies.
		s.job.acct.record(s.site.Name, e.URL, outcome{Category: CatOverLimit, Reason: "trap", Stage: "discover", Err: fmt.Errorf("crawler trap: %s", why), Parent: e.Parent})
		return
	}
	var hdr http.Header
	if e.LastMod == "" && e.Kind == KindPage {
		if lm, ok := s.lateLastMod.LoadAndDelete(Key(e.URL)); ok {
			e.LastMod = lm.(string)
		}
	}
	m, known := s.meta(pctx, e.URL)
	if known && e.Kind == KindPage && !s.job.opts.Full {
		// Listed in a sitemap with the lastmod it had when fetched: not requested.
		if e.LastMod != "" && m.SitemapLastMod == e.LastMod && m.ContentHash != "" {
			s.unchanged(pctx, e, m, 0, "sitemap lastmod unchanged")
			return
		}
		hdr = conditionalHeaders(m)
	}
	res := s.fetch(ctx, &e, hdr)
	att := res.att
	sp := singleFrom(ctx)
	if sp != nil {
		sp.status, sp.attempts = att.status, res.attempts
	}
	fail := func(cat, reason, stage string, err error) {
		if sp != nil { // a single-page fetch: the verdict is its caller's to report
			sp.verdict(outcome{Category: cat, Reason: reason, Stage: stage, Status: att.status, Err: err, Attempts: res.attempts})
			return
		}
		failed = failed || cat == CatFailed
		s.job.acct.record(s.site.Name, e.URL, outcome{Category: cat, Reason: reason, Stage: stage, Status: att.status, Err: err, Attempts: res.attempts})
		lvl := s.log.Debug
		if cat == CatFailed || cat == CatOverLimit {
			lvl = s.log.Warn
		}
		lvl("not emitted", "url", e.URL, "category", cat, "reason", reason, "status", att.status, "attempts", res.attempts, "err", err)
	}
	if res.interrupted {
		if sp != nil { // a single-page fetch: its caller reports the interruption
			fail(CatFailed, "interrupted", "fetch", fmt.Errorf("fetch %s: %w", e.URL, context.Cause(ctx)))
			return
		}
		// Neither failed nor done: the next run (or a resumed one) fetches it.
		retry = true
		return
	}
	if att.status != 0 {
		s.job.fetched.Add(1)
		s.fetched.Add(1)
	}
	switch {
	case att.status == http.StatusNotModified && known:
		if e.LastMod != "" && m.SitemapLastMod != e.LastMod && m.ContentHash != "" {
			// Unchanged, but listed with another lastmod than the one stored (or
			// none was): stored now, so that the next run does not ask again.
			m.SitemapLastMod = e.LastMod
			s.storeMeta(pctx, e.URL, m)
		}
		s.unchanged(pctx, e, m, att.status, "not modified (304)")
		return
	case att.status != 0 && (att.status < 200 || att.status > 299) && s.gone(pctx, e.URL, att.status):
		return
	}
	if o := s.fetchFailure(e, att); o != nil {
		fail(o.Category, o.Reason, o.Stage, o.Err)
		return
	}
	final := att.finalURL
	if final == nil {
		final, _ = url.Parse(e.URL)
	}
	if e.Kind == KindSitemap || (att.contentType != "" && !isHTMLType(att.contentType) && (isFeedType(att.contentType) || isXMLType(att.contentType))) {
		s.handleSitemap(pctx, e, att, fail)
		return
	}
	body, o := s.decodeBody(e, att)
	if o != nil {
		fail(o.Category, o.Reason, o.Stage, o.Err)
		return
	}
	handedOff = s.handlePage(pctx, e, att, final, body, fail)
	retry = att.renderStopped
}

// giveBack queues e again after a stop interrupted its fetch or render: it is
// neither failed nor done, and the run's pending count includes it. A persistent
// frontier ends its lease without counting it lost (storeFrontier.Retry).
func (s *siteRun) giveBack(e Entry) {
	if s.requeue(e) {
		s.job.queued.Add(1)
		s.log.Debug("interrupted: queued again", "url", e.URL)
	}
}

// requeue puts e, popped from the frontier, back into it; it reports whether it did.
func (s *siteRun) requeue(e Entry) bool {
	ctx := context.Background()
	var err error
	if r, ok := s.frontier.(retrier); ok {
		err = r.Retry(ctx, e)
	} else {
		err = s.frontier.Push(ctx, e)
	}
	if err != nil {
		s.log.Error("frontier: queue an interrupted page again", "url", e.URL, "err", err)
		return false
	}
	return true
}

// fetchFailure is why a finished fetch (after retries) gives no body to read, nil
// when it does: a redirect not followed, a body over max_body_bytes, a type that is
// not HTML, an HTTP error status, a network error. (304 and gone pages are the crawl's incremental cases, checked first.)
func (s *siteRun) fetchFailure(e Entry, att *attempt) *outcome {
	var re *RedirectError
	switch {
	case errors.As(att.err, &re):
		stage := "redirect"
		if re.Category != CatFailed {
			stage = "discover"
		}
		return &outcome{Category: re.Category, Reason: re.Reason, Stage: stage, Err: fmt.Errorf("fetch %s: %w", e.URL, re)}
	case att.abort == abortTooBig && att.length >= 0:
		return &outcome{Category: CatOverLimit, Reason: "body_size", Stage: "fetch", Err: fmt.Errorf("fetch %s: Content-Length %d > max_body_bytes %d", e.URL, att.length, s.job.cfg.Crawl.MaxBodyBytes)}
	case att.abort == abortTooBig:
		return &outcome{Category: CatOverLimit, Reason: "body_size", Stage: "fetch", Err: fmt.Errorf("fetch %s: body larger than max_body_bytes %d", e.URL, s.job.cfg.Crawl.MaxBodyBytes)}
	case att.abort == abortNotHTML:
		return &outcome{Category: CatNotArticle, Reason: "not HTML: " + mediaType(att.contentType), Stage: "fetch"}
	case isAddressErr(att.err):
		ae, _ := fetch.IsAddressError(att.err)
		return &outcome{Category: CatExcluded, Reason: ae.Reason(), Stage: "fetch", Err: fmt.Errorf("fetch %s: %w", e.URL, ae)}
	case att.status != 0 && (att.status < 200 || att.status > 299):
		return &outcome{Category: CatFailed, Reason: fmt.Sprintf("status %d", att.status), Stage: "fetch", Err: fmt.Errorf("fetch %s: HTTP %d %s", e.URL, att.status, http.StatusText(att.status))}
	case att.err != nil:
		return &outcome{Category: CatFailed, Reason: netReason(att.err), Stage: "fetch", Err: fmt.Errorf("fetch %s: %w", e.URL, att.err)}
	case att.body == nil && att.finalURL == nil:
		return &outcome{Category: CatFailed, Reason: "no response", Stage: "fetch", Err: fmt.Errorf("fetch %s: no response", e.URL)}
	}
	if limit := s.job.cfg.Crawl.MaxBodyBytes; limit > 0 && int64(len(att.body)) > limit {
		return &outcome{Category: CatOverLimit, Reason: "body_size", Stage: "fetch", Err: fmt.Errorf("fetch %s: body larger than max_body_bytes %d", e.URL, limit)}
	}
	return nil
}

func isAddressErr(err error) bool {
	_, ok := fetch.IsAddressError(err)
	return ok
}

// decodeBody checks that a fetched page body is HTML text (the Content-Type, or the
// sniffed type when there is none; no binary bytes) and decodes it to UTF-8 from
// its charset (extractors.DecodeHTML). PageFetcher uses it through handle.
func (s *siteRun) decodeBody(e Entry, att *attempt) ([]byte, *outcome) {
	ct := att.contentType
	if ct == "" {
		ct = http.DetectContentType(att.body)
		if !isHTMLType(ct) {
			return nil, &outcome{Category: CatNotArticle, Reason: "not HTML: " + mediaType(ct), Stage: "fetch"}
		}
	}
	if extractors.LooksBinary(att.body) {
		return nil, &outcome{Category: CatFailed, Reason: "binary body", Stage: "decode", Err: fmt.Errorf("decode %s: binary content served as %s", e.URL, mediaType(ct))}
	}
	body, err := extractors.DecodeHTML(att.body, ct)
	if err != nil {
		return nil, &outcome{Category: CatFailed, Reason: "undecodable body", Stage: "decode", Err: fmt.Errorf("decode %s: %w", e.URL, err)}
	}
	return body, nil
}

// handleHTML reads a decoded page's links, extracts the article (when the URL rules
// and the extractor say it is one), runs the pipeline and writes the record, then
// queues the links. The links come from a tokenizer pass, so the page is parsed into
// a DOM once, by the extractor.
//
// It reports whether the record was handed to the job's committer (which then ends
// the entry's lease, with the page's metadata, once the record is committed).
// rs carries the render decision (render.go): with rs.again set on return, the
// page is rendered and handled again, and nothing of this pass is kept.
func (s *siteRun) handleHTML(ctx context.Context, e Entry, att *attempt, final *url.URL, body []byte, fail func(cat, reason, stage string, err error), rs *renderState) (handedOff bool) {
	finalStr := final.String()
	pl := scanLinks(body, s.metaName, s.job.cfg.Crawl.MaxLinksPerPage)
	base := final
	if b := resolveLink(final, pl.Base); b != nil {
		base = b
	}
	noindex := pl.NoIndex
	follow := !pl.NoFollow && (e.Seed || len(s.rules.Follow) == 0 || config.Match(s.rules.Follow, e.URL) || config.Match(s.rules.Follow, finalStr))
	var hrefs, feeds, next []string
	if follow {
		hrefs, feeds, next = pl.Hrefs, pl.Feeds, pl.Next
	}
	canonHref := pl.Canonical

	finalKey := s.keyOf(final)
	emitKey := finalKey
	isArticle := false
	hash := "" // content_hash of the record when the page is an emitted (or unchanged) article
	var pending *pendingRecord
	sp := singleFrom(ctx) // a single-page fetch: every verdict noted, the record kept, nothing queued or written
	defer func() {
		if (rs != nil && rs.again) || sp != nil {
			return
		}
		s.trap.observePage(e, body)
		for _, f := range feeds {
			if u := resolveLink(base, f); u != nil {
				s.discover(ctx, u, Entry{Depth: e.Depth + 1, Kind: KindSitemap, Parent: e.URL})
			}
		}
		if follow && pl.Dropped > 0 {
			lim := s.job.cfg.Crawl.MaxLinksPerPage
			s.job.acct.recordN(s.site.Name, e.URL, outcome{Category: CatOverLimit, Reason: "max_links_per_page", Stage: "discover",
				Err: fmt.Errorf("%s past the first %d of the page not read (crawl.max_links_per_page)", english.Plural(pl.Dropped, "link", ""), lim)}, pl.Dropped)
			s.log.Warn("links not read", "url", e.URL, "links", pl.Dropped+lim, "max_links_per_page", lim)
		}
		s.discoverLinks(ctx, e, base, hrefs, next, isArticle)
		switch {
		case pending != nil:
			// The links are queued before the record is committed: a crash in between
			// fetches the page again, and its links are seen already.
			if s.incremental() {
				m := pageMeta(e, att, hash, absLinks(base, hrefs))
				pending.meta = &m
			}
			s.job.commit.submit(pending)
			handedOff = true
		case s.incremental():
			s.putMeta(ctx, e, att, hash, absLinks(base, hrefs))
		}
	}()

	// rel=canonical pointing elsewhere: the canonical URL is the page to emit. If it is
	// new and allowed, it is queued and this alias is a duplicate; if it was seen, this
	// alias is a duplicate; if the rules reject it, this page is used in its place.
	if cu := resolveLink(base, canonHref); cu != nil {
		if ck := s.keyOf(cu); ck != "" && ck != finalKey && ck != Key(e.URL) {
			switch s.discover(ctx, cu, Entry{Depth: e.Depth, Kind: KindPage, Parent: e.URL, LastMod: e.LastMod}) {
			case discQueued:
				fail(CatDuplicate, "rel=canonical alias (canonical URL queued)", "canonical", nil)
				if sp == nil {
					return
				}
			case discSeen:
				fail(CatDuplicate, "rel=canonical alias of a URL already seen", "canonical", nil)
				if sp == nil {
					return
				}
			case discRejected:
				emitKey = ck
			}
		}
	}

	matchedRule := s.matchesArticles(e.URL, finalStr)
	switch {
	case noindex:
		fail(CatNotArticle, "meta robots noindex", "extract", nil)
		if sp == nil {
			return
		}
	case len(s.rules.Articles) > 0 && !matchedRule:
		fail(CatNotArticle, "not matched by articles", "extract", nil)
		if sp == nil {
			return
		}
	}

	a, err := s.extractPage(ctx, e, att, final, body, matchedRule)
	if err != nil {
		fail(CatFailed, "extractor error", "extract", err)
		return
	}
	if s.afterExtract(rs, body, a, matchedRule, fail) {
		if sp != nil && !rs.again {
			sp.rec = a
		}
		return
	}
	if a.PageType != article.PageArticle {
		fail(CatNotArticle, "page_type "+a.PageType, "extract", nil)
	}
	if sp != nil {
		sp.rec = a // the pipeline is the caller's (crawl extract)
		return
	}
	if a.PageType != article.PageArticle {
		return
	}
	isArticle = true
	keep, reason := s.job.runner.Process(ctx, a)
	if !keep {
		fail(CatDropped, reason, "pipeline", nil)
		return
	}
	hash, pending = s.emitRecord(ctx, e, emitKey, a, att.status, fail)
	return false
}

// matchesArticles reports whether the page (by its URL or its URL after redirects)
// is matched by the site's articles rules.
func (s *siteRun) matchesArticles(u, final string) bool {
	return len(s.rules.Articles) > 0 && (config.Match(s.rules.Articles, u) || config.Match(s.rules.Articles, final))
}

// extractPage runs the site's extractor on a decoded page and fills in the record
// fields the crawl owns: page_type article when the articles rules matched, site,
// source (the URL as queued), url (the URL after redirects, in canonical form) and
// fetched_at. PageFetcher uses it through handle.
func (s *siteRun) extractPage(ctx context.Context, e Entry, att *attempt, final *url.URL, body []byte, matchedRule bool) (*article.Article, error) {
	finalStr := final.String()
	page := extractors.Page{URL: e.URL, FinalURL: finalStr, Status: att.status, Header: att.header.Clone(), Body: body, FetchedAt: time.Now().UTC()}
	if page.Header == nil {
		page.Header = http.Header{}
	}
	// The body is already UTF-8: say so, so that it is not decoded twice.
	page.Header.Set("Content-Type", "text/html; charset=utf-8")
	a, err := s.extractor.Extract(ctx, page)
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", e.URL, err)
	}
	if a == nil {
		return nil, fmt.Errorf("extract %s: no article", e.URL)
	}
	if matchedRule {
		a.PageType = article.PageArticle
	}
	a.Site = s.site.Name
	a.Source = e.URL
	// url is where the page was fetched from after redirects, in canonical form.
	if c, err := s.canonURL(final); err == nil {
		a.URL = c
	} else if a.URL == "" {
		a.URL = finalStr
	}
	if a.FetchedAt == nil {
		t := page.FetchedAt
		a.FetchedAt = &t
	}
	return a, nil
}

// handleSitemap reads a sitemap, sitemap index or feed as a stream and queues what
// it lists (readSitemap): a broken entry is filed alone, the rest are read. A file
// that is not one, or is cut off, is filed as failed; the URLs read before the
// fault are still queued.
func (s *siteRun) handleSitemap(ctx context.Context, e Entry, att *attempt, fail func(cat, reason, stage string, err error)) {
	var st sitemapStats
	var err error
	if att.sitemap != nil {
		st, err = s.queueSitemap(ctx, e, att.sitemap)
	} else {
		st, err = s.readSitemap(ctx, e, bytes.NewReader(att.body))
	}
	s.cond.Broadcast()
	if err != nil {
		s.log.Warn("malformed sitemap", "url", e.URL, "kind", st.Kind, "urls_read", st.URLs, "entries_lost", st.Bad, "err", err)
		fail(CatFailed, "malformed sitemap", "sitemap", fmt.Errorf("sitemap %s: %w", e.URL, err))
		return
	}
	s.log.Debug("sitemap", "url", e.URL, "kind", st.Kind, "urls", st.URLs, "entries_lost", st.Bad, "over_limit", st.OverLimit)
	reason := "sitemap"
	if st.Feed() {
		reason = "feed"
	}
	fail(CatNotArticle, reason, "sitemap", nil)
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(strings.ToLower(list)) {
		if f == tok {
			return true
		}
	}
	return false
}

// netReason names a network error for the summary: timeout, connection refused, …
func netReason(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case strings.Contains(err.Error(), "connection reset"):
		return "connection reset"
	case strings.Contains(err.Error(), "no such host"):
		return "no such host"
	default:
		return "network error"
	}
}
