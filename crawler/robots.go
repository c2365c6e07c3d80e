package crawler

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/healthcrawl/healthcrawl/fetch"
	"github.com/temoto/robotstxt"
)

// maxRobotsBytes bounds the robots.txt read (Google reads the first 500 KiB).
const maxRobotsBytes = 500 << 10

// maxCrawlDelay caps a robots.txt Crawl-delay.
const maxCrawlDelay = 60 * time.Second

// robots is one host's parsed robots.txt.
type robots struct {
	data   *robotstxt.RobotsData // nil = everything disallowed (see reason)
	agent  string
	reason string // why everything is disallowed, when data is nil
	// unreachable is why robots.txt could not be read (timeout, connection
	// refused, 5xx after retries); "" = it was read (see robotsCause).
	unreachable string
	// refused: the network policy refused the host's address (crawl.network); its
	// URLs are excluded with this reason rather than disallowed.
	refused    string
	CrawlDelay time.Duration
	Sitemaps   []string
}

// Allowed reports whether u may be fetched; when not, the reason names the rule source.
func (r *robots) Allowed(u *url.URL) (bool, string) {
	if r == nil {
		return true, ""
	}
	if r.data == nil {
		return false, r.reason
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	if r.data.TestAgent(p, r.agent) {
		return true, ""
	}
	return false, "robots.txt disallows"
}

// parseRobots interprets a robots.txt response the way Google documents it: 2xx is
// parsed, 4xx allows everything, 5xx disallows everything.
func parseRobots(status int, body []byte, agent string) (*robots, error) {
	data, err := robotstxt.FromStatusAndBytes(status, body)
	if err != nil {
		return nil, err
	}
	r := &robots{data: data, agent: agent, Sitemaps: data.Sitemaps}
	if status >= 500 {
		r.data = nil
		r.reason = fmt.Sprintf("robots.txt status %d", status)
		return r, nil
	}
	if g := data.FindGroup(agent); g != nil && g.CrawlDelay > 0 {
		r.CrawlDelay = min(g.CrawlDelay, maxCrawlDelay)
	}
	return r, nil
}

// robotsCache fetches and caches robots.txt per scheme://host, once each, through
// the fetcher of the site that first needs it: the page requests' headers, the
// site's politeness, the same body reader (cut at maxRobotsBytes).
type robotsCache struct {
	agent   string
	timeout time.Duration // the request timeout (robotsCause tells a timeout by it)
	count   atomic.Int64  // robots.txt requests made, retries included (Summary.RobotsRequests)
	retries int
	retry   retryPolicy // the fetches' policy (JobOptions.RetryBase, MaxBackoff, MaxRetryAfter)
	log     *slog.Logger

	mu    sync.Mutex
	hosts map[string]*robotsSlot
}

type robotsSlot struct {
	once sync.Once
	r    *robots
}

func newRobotsCache(agent string, timeout time.Duration, retries int, retry retryPolicy, log *slog.Logger) *robotsCache {
	return &robotsCache{agent: agent, timeout: timeout, retries: retries, retry: retry, log: log, hosts: map[string]*robotsSlot{}}
}

// get returns the robots.txt of u's host, fetching it with f on first use. A fetch
// that keeps failing disallows the whole host (with the error as the reason), like
// a 5xx.
func (c *robotsCache) get(ctx context.Context, u *url.URL, f fetch.Fetcher) *robots {
	origin := u.Scheme + "://" + u.Host
	c.mu.Lock()
	s, ok := c.hosts[origin]
	if !ok {
		s = &robotsSlot{}
		c.hosts[origin] = s
	}
	c.mu.Unlock()
	// Not cancelled with the crawl: the verdict is cached for the host, so an
	// interrupted fetch must not turn into "everything disallowed".
	s.once.Do(func() { s.r = c.fetch(context.WithoutCancel(ctx), origin, f) })
	return s.r
}

func (c *robotsCache) fetch(ctx context.Context, origin string, f fetch.Fetcher) *robots {
	target := origin + "/robots.txt"
	var lastErr error
	attempts := 1 + min(c.retries, 2)
	for i := 1; i <= attempts; i++ {
		c.count.Add(1)
		resp, err := f.Fetch(ctx, fetch.Request{URL: target, MaxBytes: maxRobotsBytes, Truncate: true})
		if err == nil && !retryableStatus(resp.Status) {
			r, perr := parseRobots(resp.Status, resp.Body, c.agent)
			if perr != nil {
				c.log.Warn("robots.txt unparsable, allowing all", "url", target, "err", perr)
				return &robots{data: mustAllowAll(), agent: c.agent}
			}
			c.log.Debug("robots.txt", "url", target, "status", resp.Status, "sitemaps", len(r.Sitemaps), "crawl_delay", r.CrawlDelay)
			return r
		}
		if ae, ok := fetch.IsAddressError(err); ok {
			return &robots{agent: c.agent, reason: ae.Reason(), refused: ae.Reason()}
		}
		retryAfter := ""
		if err != nil {
			lastErr = fmt.Errorf("robots %s: %w", target, err)
		} else {
			lastErr = fmt.Errorf("status %d", resp.Status)
			retryAfter = resp.Header.Get("Retry-After")
		}
		if i < attempts && !sleepCtx(ctx, c.retry.wait(i, retryAfter)) {
			break
		}
	}
	c.log.Warn("robots.txt unavailable, host disallowed", "url", target, "err", lastErr)
	return &robots{agent: c.agent, reason: "robots.txt unavailable: " + lastErr.Error(), unreachable: robotsCause(lastErr, c.timeout)}
}

func mustAllowAll() *robotstxt.RobotsData {
	d, _ := robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
	return d
}
