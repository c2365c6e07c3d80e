package crawler

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseRobots: a robots.txt response of any status and body is read without
// panicking, as Google documents it: 5xx disallows everything with a reason naming
// the status, 4xx allows everything; the Crawl-delay is within [0, 60 s]; Allowed
// answers for any path.
func FuzzParseRobots(f *testing.F) {
	for _, s := range []string{
		"User-agent: *\nDisallow: /private/\nAllow: /private/ok\nCrawl-delay: 2.5\nSitemap: https://h/sitemap.xml\n",
		"User-agent: healthcrawl\nDisallow: /\n\nUser-agent: *\nAllow: /",
		"User-agent: *\nDisallow: /*.pdf$\nDisallow: /search?q=*\nCrawl-delay: 99999999999999999999\n",
		"User-agent: *\nCrawl-delay: -5\nCrawl-delay: NaN\nCrawl-delay: 1e308\n",
		"\xef\xbb\xbfuser-AGENT:*\r\ndisallow:/a\r\n# comment\x00\n",
		"<html><body>Not a robots.txt</body></html>",
	} {
		f.Add(200, []byte(s), "healthcrawl", "/private/x?y=1")
	}
	f.Add(503, []byte("down"), "healthcrawl", "/")
	f.Add(404, []byte(""), "", "")
	f.Fuzz(func(t *testing.T, status int, body []byte, agent, path string) {
		r, err := parseRobots(status, body, agent)
		if err != nil {
			return // robotstxt refuses some statuses (1xx, 3xx…): an error, not a panic
		}
		if r.CrawlDelay < 0 || r.CrawlDelay > maxCrawlDelay {
			t.Fatalf("Crawl-delay %v out of [0, %v]", r.CrawlDelay, maxCrawlDelay)
		}
		u := &url.URL{Path: path}
		if i := strings.IndexByte(path, '?'); i >= 0 {
			u = &url.URL{Path: path[:i], RawQuery: path[i+1:]}
		}
		ok, reason := r.Allowed(u)
		switch {
		case status >= 500 && status <= 599:
			if ok || reason != "robots.txt status "+strconv.Itoa(status) {
				t.Fatalf("status %d: Allowed = %v, %q; want disallowed naming the status", status, ok, reason)
			}
		case status >= 400 && status <= 499:
			if !ok {
				t.Fatalf("status %d: Allowed = false (%s); 4xx allows everything", status, reason)
			}
		}
		if !ok && reason == "" {
			t.Fatal("disallowed without a reason")
		}
	})
}

// FuzzParseRetryAfter: any header value gives a wait in [0, maxWait] (maxWait ≤ 0:
// no cap), 0 when it is not understood; delay-seconds and an HTTP date saying the
// same give the same wait.
func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC)
	for _, s := range []string{"", "3", " 120 ", "-1", "+5", "1e3", "99999999999999999999", "9223372036854775807",
		"Tue, 24 Nov 2026 21:00:30 GMT", "Tuesday, 24-Nov-26 21:00:30 GMT", "Tue Nov 24 21:00:30 2026", "Fri, 31 Dec 9999 23:59:59 GMT"} {
		f.Add(s, int64(time.Minute))
	}
	f.Add("30", int64(0))
	f.Add("30", int64(-time.Second))
	f.Fuzz(func(t *testing.T, v string, maxWait int64) {
		mw := time.Duration(maxWait)
		d, ok := ParseRetryAfter(v, now, mw)
		if d < 0 || (mw > 0 && d > mw) {
			t.Fatalf("ParseRetryAfter(%q, %v) = %v, out of range", v, mw, d)
		}
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q, %v) = %v, false: a wait for a value not understood", v, mw, d)
		}
		secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || secs < 0 || secs > 1<<30 {
			return
		}
		date := now.Add(time.Duration(secs) * time.Second).Format(http.TimeFormat)
		if d2, ok2 := ParseRetryAfter(date, now, mw); !ok || !ok2 || d2 != d {
			t.Fatalf("%q gives %v, %v; the same as a date (%s) gives %v, %v", v, d, ok, date, d2, ok2)
		}
	})
}
