package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/fetch"
)

// Pages that need a browser (sites[].render): the static HTML goes through
// handleHTML first; with render: auto a page that gives no article and looks
// client-rendered (fetch.NeedsRender), or that matched the articles rule with no
// body, is loaded in headless Chromium and its DOM goes through handleHTML again —
// the same extractor, canonical URL, pipeline and record path. With render: always
// every HTML page is rendered before handleHTML; with never, a client-rendered page
// is filed not_article with a reason that says to set render: auto.

// notRenderedHint ends the not_article reason of a client-rendered page of a site
// with render: never.
const notRenderedHint = " (client-rendered page: set render: auto)"

// minBodyWords: a page matched by the articles rule whose extracted body has fewer
// words ("Loading…") has no article body of its own.
const minBodyWords = 20

// renderState is the rendering decision of one page.
type renderState struct {
	mode     string // config.RenderNever, RenderAlways or RenderAuto
	rendered bool   // the body handed to handleHTML is a rendered DOM
	again    bool   // set by handleHTML: render the page and handle it again
	err      error  // the render failed: handleHTML files the page as failed (its links are still read)
}

// newRenderer is the job's browser (crawl.renderer) when a selected site may
// render, nil otherwise; Chromium is looked for and started at the first page that
// needs it.
func newRenderer(cfg config.Config, sites []config.Site, j *job) (fetch.Fetcher, error) {
	for _, s := range sites {
		if s.RenderMode() != config.RenderNever {
			name := cfg.Crawl.Renderer
			if name == "" {
				name = fetch.NameChromium
			}
			r, err := fetch.New(name, fetch.Options{
				UserAgent:         cfg.Crawl.UserAgent,
				RenderBinary:      cfg.Crawl.RenderBinary,
				RenderParallelism: cfg.Crawl.RenderParallelism,
				RenderTimeout:     cfg.Crawl.RenderTimeout,
				Logger:            j.log,
			})
			if err != nil {
				return nil, fmt.Errorf("crawl.renderer: %w", err)
			}
			return r, nil
		}
	}
	return nil, nil
}

// handlePage is handleHTML with the site's render mode applied.
func (s *siteRun) handlePage(ctx context.Context, e Entry, att *attempt, final *url.URL, body []byte, fail func(cat, reason, stage string, err error)) bool {
	rs := &renderState{mode: s.site.RenderMode()}
	if rs.mode == config.RenderAlways {
		return s.renderAndHandle(ctx, e, att, final, body, fail, rs)
	}
	handed := s.handleHTML(ctx, e, att, final, body, fail, rs)
	if !rs.again {
		return handed
	}
	return s.renderAndHandle(ctx, e, att, final, body, fail, rs)
}

// renderAndHandle renders the page and hands its DOM to handleHTML; when the render
// fails, the static body goes through handleHTML, which files the page as failed
// (its links are still queued).
func (s *siteRun) renderAndHandle(ctx context.Context, e Entry, att *attempt, final *url.URL, static []byte, fail func(cat, reason, stage string, err error), rs *renderState) bool {
	rs.again = false
	resp, err := s.render(ctx, final)
	if err != nil && s.job.stoppedNow() {
		att.renderStopped = true // cancelled by the hard stop: queued again (handle)
		return false
	}
	if err == nil && (resp.Status < 200 || resp.Status > 299) {
		err = fmt.Errorf("render %s: HTTP %d %s", final, resp.Status, http.StatusText(resp.Status))
	}
	if err == nil {
		if limit := s.job.cfg.Crawl.MaxBodyBytes; limit > 0 && int64(len(resp.Body)) > limit {
			fail(CatOverLimit, "body_size", "render", fmt.Errorf("render %s: rendered DOM larger than max_body_bytes %d", final, limit))
			return false
		}
		s.job.rendered.Add(1)
		rs.rendered = true
		rfinal := final
		if u, perr := url.Parse(resp.URL); perr == nil && u.IsAbs() {
			rfinal = u
		}
		s.log.Debug("rendered", "url", e.URL, "final", rfinal, "bytes", len(resp.Body), "blocked", resp.Blocked)
		return s.handleHTML(ctx, e, att, rfinal, resp.Body, fail, rs)
	}
	if errors.Is(err, fetch.ErrChromiumNotFound) {
		s.job.renderMissing.Do(func() { s.log.Error("pages need rendering but Chromium is missing", "err", err) })
	}
	rs.err = err
	rs.mode = config.RenderNever
	return s.handleHTML(ctx, e, att, final, static, fail, rs)
}

// render loads u in the job's browser under the site's politeness (s.renderer
// takes the host's turn) while holding one of the job's request slots. robots.txt
// allowed the URL already (its static fetch); the page's own requests are checked
// against robots.txt too (when the site obeys it).
func (s *siteRun) render(ctx context.Context, u *url.URL) (*fetch.Response, error) {
	if s.renderer == nil {
		return nil, fmt.Errorf("render %s: no renderer (site %s has render: never)", u, s.site.Name)
	}
	rctx, done := s.job.inFlight(ctx) // cancelled by the job's hard stop
	defer done()
	select {
	case s.job.sem <- struct{}{}:
	case <-rctx.Done():
		return nil, fmt.Errorf("render %s: %w", u, context.Cause(rctx))
	}
	defer func() { <-s.job.sem }()
	req := fetch.Request{
		URL: u.String(), Site: s.site.Name, MaxBytes: s.job.cfg.Crawl.MaxBodyBytes,
		WaitFor: strings.TrimSpace(s.site.RenderWaitFor), AllowHosts: s.site.RenderAllowHosts,
	}
	if s.obey {
		// The page's own requests (scripts, JSON, images) obey robots.txt as well.
		req.Allow = func(ru *url.URL) bool {
			ok, _ := s.robotsOf(ctx, ru).Allowed(ru)
			return ok
		}
	}
	return s.renderer.Fetch(rctx, req)
}

// afterExtract decides, for a page whose static HTML gave no article, whether it is
// rendered (render: auto) or filed; it reports whether handleHTML stops here.
func (s *siteRun) afterExtract(rs *renderState, body []byte, a *article.Article, matchedRule bool, fail func(cat, reason, stage string, err error)) bool {
	if rs == nil || rs.rendered {
		return false
	}
	noBody := matchedRule && len(strings.Fields(a.Text)) < minBodyWords
	if !noBody && (matchedRule || a.PageType == article.PageArticle) {
		return false
	}
	if rs.err != nil {
		fail(CatFailed, renderReason(rs.err), "render", rs.err)
		return true
	}
	need, why := fetch.NeedsRender(body)
	switch {
	case rs.mode == config.RenderAuto && (need || noBody):
		if why == "" {
			why = "matched by articles, no body"
		}
		s.log.Debug("rendering", "url", a.URL, "why", why)
		rs.again = true
		return true
	case need && noBody:
		fail(CatNotArticle, "no article body"+notRenderedHint, "extract", nil)
		return true
	case need:
		fail(CatNotArticle, "page_type "+a.PageType+notRenderedHint, "extract", nil)
		return true
	}
	return false
}

// renderReason names a render failure for the summary.
func renderReason(err error) string {
	switch {
	case errors.Is(err, fetch.ErrChromiumNotFound):
		return "render: chromium not found"
	case errors.Is(err, context.DeadlineExceeded):
		return "render: timeout"
	case strings.Contains(err.Error(), "HTTP "):
		return "render: bad status"
	}
	return "render: browser error"
}
