package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

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
	CrawlDelay  time.Duration
	Sitemaps    []string
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

// robotsCache fetches and caches robots.txt per scheme://host, once each. Its
// requests carry the page fetches' User-Agent and Accept headers and take the
// host's turn under the site's per-host limits (siteRun.hostTurn), like a page.
type robotsCache struct {
	client  *http.Client
	agent   string
	header  http.Header  // User-Agent and Accept, as the collector sends them
	count   atomic.Int64 // robots.txt requests made, retries included (Summary.RobotsRequests)
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

func newRobotsCache(client *http.Client, agent string, retries int, retry retryPolicy, log *slog.Logger) *robotsCache {
	return &robotsCache{client: client, agent: agent, header: requestHeader(agent), retries: retries, retry: retry, log: log, hosts: map[string]*robotsSlot{}}
}

// hostTurnFunc waits for a request's turn at host and returns the function to call
// when the request has ended (siteRun.hostTurn); nil = no per-host limits.
type hostTurnFunc func(ctx context.Context, host string) (release func(), err error)

// get returns the robots.txt of u's host, fetching it on first use with turn
// taken for each attempt. A fetch that keeps failing disallows the whole host (with
// the error as the reason), like a 5xx.
func (c *robotsCache) get(ctx context.Context, u *url.URL, turn hostTurnFunc) *robots {
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
	s.once.Do(func() { s.r = c.fetch(context.WithoutCancel(ctx), origin, u.Host, turn) })
	return s.r
}

func (c *robotsCache) fetch(ctx context.Context, origin, host string, turn hostTurnFunc) *robots {
	target := origin + "/robots.txt"
	var lastErr error
	attempts := 1 + min(c.retries, 2)
	for i := 1; i <= attempts; i++ {
		status, body, retryAfter, err := c.fetchTurn(ctx, target, host, turn)
		if err == nil && !retryableStatus(status) {
			r, perr := parseRobots(status, body, c.agent)
			if perr != nil {
				c.log.Warn("robots.txt unparsable, allowing all", "url", target, "err", perr)
				return &robots{data: mustAllowAll(), agent: c.agent}
			}
			c.log.Debug("robots.txt", "url", target, "status", status, "sitemaps", len(r.Sitemaps), "crawl_delay", r.CrawlDelay)
			return r
		}
		if err != nil {
			lastErr = err
		} else {
			lastErr = fmt.Errorf("status %d", status)
		}
		if i < attempts && !sleepCtx(ctx, c.retry.wait(i, retryAfter)) {
			break
		}
	}
	c.log.Warn("robots.txt unavailable, host disallowed", "url", target, "err", lastErr)
	return &robots{agent: c.agent, reason: "robots.txt unavailable: " + lastErr.Error(), unreachable: robotsCause(lastErr, c.client.Timeout)}
}

// fetchTurn is fetchOnce in the host's turn (released when the request has ended).
func (c *robotsCache) fetchTurn(ctx context.Context, target, host string, turn hostTurnFunc) (int, []byte, string, error) {
	if turn != nil {
		release, err := turn(ctx, host)
		if err != nil {
			return 0, nil, "", fmt.Errorf("robots %s: %w", target, err)
		}
		defer release()
	}
	c.count.Add(1)
	return c.fetchOnce(ctx, target)
}

// fetchOnce GETs robots.txt: status, body (at most maxRobotsBytes) and the
// Retry-After header.
func (c *robotsCache) fetchOnce(ctx context.Context, target string) (int, []byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, nil, "", fmt.Errorf("robots %s: %w", target, err)
	}
	req.Header = c.header.Clone()
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, nil, "", fmt.Errorf("robots %s: %w", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRobotsBytes))
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, nil, "", fmt.Errorf("robots %s: read: %w", target, err)
	}
	return resp.StatusCode, body, resp.Header.Get("Retry-After"), nil
}

func mustAllowAll() *robotstxt.RobotsData {
	d, _ := robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
	return d
}
