package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"github.com/healthcrawl/healthcrawl/extractors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCanonicalize(t *testing.T) {
	tests := []struct {
		in, want, key string
	}{
		{"HTTP://Example.COM:80/a/b?b=2&a=1#frag", "http://example.com/a/b?a=1&b=2", "http://example.com/a/b?a=1&b=2"},
		{"https://example.com:443", "https://example.com/", "https://example.com/"},
		{"https://example.com:8443/x/", "https://example.com:8443/x/", "https://example.com:8443/x"},
		{"https://example.com/a/?utm_source=news&utm_medium=mail&id=7&fbclid=XYZ", "https://example.com/a/?id=7", "https://example.com/a?id=7"},
		{"https://example.com/a?gclid=1&mc_cid=2&mc_eid=3&UTM_Campaign=4", "https://example.com/a", "https://example.com/a"},
		{"https://example.com/a/./b/../c", "https://example.com/a/c", "https://example.com/a/c"},
		{"https://user:pw@example.com/p", "https://example.com/p", "https://example.com/p"},
		{"https://example.com/p?z=1&a=2&a=1", "https://example.com/p?a=2&a=1&z=1", "https://example.com/p?a=2&a=1&z=1"},
		{"https://example.com/p?", "https://example.com/p", "https://example.com/p"},
		{"https://example.com/%E2%82%AC/", "https://example.com/%E2%82%AC/", "https://example.com/%E2%82%AC"},
		{"https://[::1]:443/x", "https://[::1]/x", "https://[::1]/x"},
	}
	for _, tt := range tests {
		got, err := Canonicalize(tt.in)
		if err != nil {
			t.Errorf("Canonicalize(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Canonicalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if k := Key(got); k != tt.key {
			t.Errorf("Key(%q) = %q, want %q", got, k, tt.key)
		}
		again, _ := Canonicalize(got)
		if again != got {
			t.Errorf("Canonicalize not idempotent: %q → %q", got, again)
		}
	}
	for _, bad := range []string{"mailto:a@b.c", "javascript:void(0)", "ftp://x/y", "/relative"} {
		if _, err := Canonicalize(bad); err == nil {
			t.Errorf("Canonicalize(%q): want error", bad)
		} else if bad != "/relative" && !errors.Is(err, ErrNotHTTP) {
			t.Errorf("Canonicalize(%q): %v, want ErrNotHTTP", bad, err)
		}
	}
}

func TestTrapGuard(t *testing.T) {
	g := defaultTrapGuard()
	g.Now = func() time.Time { return time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		url    string
		e      Entry
		trap   bool
		reason string
	}{
		{"https://h/a/b/c", Entry{}, false, ""},
		{"https://h/a/b/a/b/a/b", Entry{}, true, `segment "a" repeats 3 times`},
		{"https://h/x/x/x", Entry{}, true, `segment "x" repeats 3 times`},
		{"https://h/" + strings.Repeat("s/", 25) + "end", Entry{}, true, "segments"},
		{"https://h/calendar/2027/05", Entry{}, false, ""},
		{"https://h/calendar/2029/01", Entry{}, true, "years ahead"},
		{"https://h/events?month=2031-02", Entry{}, true, "years ahead"},
		{"https://h/articles/2031-best-diets", Entry{}, false, ""}, // a year without a month is not a date
		{"https://h/list?page=7", Entry{Barren: 5, Run: 7}, false, ""},
		{"https://h/list?page=8", Entry{Barren: 6, Run: 8}, true, "with the same links"},
		{"https://h/list?page=1001", Entry{Run: 1001}, true, "unbounded run"},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.url)
		got := g.Check(u, tt.e)
		if (got != "") != tt.trap || !strings.Contains(got, tt.reason) {
			t.Errorf("Check(%s, barren=%d run=%d) = %q, want trap=%v containing %q", tt.url, tt.e.Barren, tt.e.Run, got, tt.trap, tt.reason)
		}
	}
	a, _ := url.Parse("https://h/calendar?month=2026-11")
	b, _ := url.Parse("https://h/calendar?month=2026-12")
	c, _ := url.Parse("https://h/calendar?year=2026-12&view=m")
	if urlShape(a) != urlShape(b) {
		t.Errorf("urlShape: %q != %q", urlShape(a), urlShape(b))
	}
	if urlShape(a) == urlShape(c) {
		t.Errorf("urlShape: %q == %q", urlShape(a), urlShape(c))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 24, 21, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"86400", time.Minute, true}, // capped
		{"99999999999999999999", 0, false},
		{now.Add(20 * time.Second).Format(http.TimeFormat), 20 * time.Second, true},
		{now.Add(2 * time.Hour).Format(http.TimeFormat), time.Minute, true}, // capped
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},              // past: retry now
		{"Tue, 24 Nov 2026 21:00:30 GMT", 30 * time.Second, true},
		{"Tuesday, 24-Nov-26 21:00:30 GMT", 30 * time.Second, true}, // RFC 850
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, now, time.Minute)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempt := 1; attempt <= 6; attempt++ {
		base := 100 * time.Millisecond << (attempt - 1)
		for range 50 {
			d := backoff(100*time.Millisecond, 2*time.Second, attempt, 0)
			lo, hi := min(base, 2*time.Second), min(base+base/2, 2*time.Second)
			if d < lo || d > hi {
				t.Fatalf("backoff(attempt %d) = %v, want in [%v, %v]", attempt, d, lo, hi)
			}
		}
	}
	if d := backoff(10*time.Millisecond, time.Second, 1, 5*time.Second); d != 5*time.Second {
		t.Errorf("backoff with Retry-After 5s = %v, want 5s", d)
	}
}

func TestRobots(t *testing.T) {
	const agent = "healthcrawl/0.1 (+https://example.org)"
	body := []byte("User-agent: *\nDisallow: /private/\nAllow: /private/open\n\n" +
		"User-agent: healthcrawl\nDisallow: /nobots\nDisallow: /*?print=1\nCrawl-delay: 2\n\n" +
		"Sitemap: https://h/sitemap.xml\nSitemap: https://h/news.xml\n")
	r, err := parseRobots(200, body, agent)
	if err != nil {
		t.Fatal(err)
	}
	check := func(raw string, want bool) {
		t.Helper()
		u, _ := url.Parse(raw)
		if got, why := r.Allowed(u); got != want {
			t.Errorf("Allowed(%s) = %v (%s), want %v", raw, got, why, want)
		}
	}
	// Our group (healthcrawl) replaces the * group entirely.
	check("https://h/private/x", true)
	check("https://h/nobots", false)
	check("https://h/nobots/deeper", false)
	check("https://h/a?print=1", false)
	check("https://h/a?print=2", true)
	if r.CrawlDelay != 2*time.Second {
		t.Errorf("CrawlDelay = %v, want 2s", r.CrawlDelay)
	}
	if fmt.Sprint(r.Sitemaps) != "[https://h/sitemap.xml https://h/news.xml]" {
		t.Errorf("Sitemaps = %v", r.Sitemaps)
	}

	other, _ := parseRobots(200, body, "otherbot/1.0")
	u, _ := url.Parse("https://h/private/x")
	if ok, _ := other.Allowed(u); ok {
		t.Error("otherbot: /private/x allowed, want disallowed by the * group")
	}
	u, _ = url.Parse("https://h/private/open")
	if ok, _ := other.Allowed(u); !ok {
		t.Error("otherbot: /private/open disallowed, want allowed (longer Allow rule)")
	}

	for _, tt := range []struct {
		status int
		want   bool
	}{{404, true}, {403, true}, {500, false}, {503, false}} {
		r, err := parseRobots(tt.status, nil, agent)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse("https://h/anything")
		if got, _ := r.Allowed(u); got != tt.want {
			t.Errorf("robots status %d: Allowed = %v, want %v", tt.status, got, tt.want)
		}
	}
}

func TestParseSitemap(t *testing.T) {
	urlset := `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> https://h/a </loc><lastmod>2026-01-02</lastmod></url>
  <url><loc>https://h/b?x=1&amp;y=2</loc></url>
</urlset>`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(urlset))
	zw.Close()
	tests := []struct {
		name, kind string
		body       []byte
		want       []sitemapLink
		malformed  bool
	}{
		{"urlset", "urlset", []byte(urlset), []sitemapLink{{URL: "https://h/a", LastMod: "2026-01-02"}, {URL: "https://h/b?x=1&y=2"}}, false},
		{"gzip", "urlset", gz.Bytes(), []sitemapLink{{URL: "https://h/a", LastMod: "2026-01-02"}, {URL: "https://h/b?x=1&y=2"}}, false},
		{"index", "sitemapindex", []byte(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://h/s1.xml.gz</loc><lastmod>2026-02-03</lastmod></sitemap></sitemapindex>`),
			[]sitemapLink{{URL: "https://h/s1.xml.gz", LastMod: "2026-02-03", Sitemap: true}}, false},
		{"rss", "rss", []byte(`<rss version="2.0"><channel><link>https://h/</link><item><title>T</title><link>https://h/p1</link><pubDate>Mon, 02 Jan 2026 10:00:00 GMT</pubDate></item><item><guid>https://h/p2</guid></item></channel></rss>`),
			[]sitemapLink{{URL: "https://h/p1", LastMod: "Mon, 02 Jan 2026 10:00:00 GMT"}, {URL: "https://h/p2"}}, false},
		{"atom", "feed", []byte(`<feed xmlns="http://www.w3.org/2005/Atom"><link href="https://h/"/><entry><link rel="edit" href="https://h/edit"/><link href="https://h/e1"/><updated>2026-03-04T05:06:07Z</updated></entry></feed>`),
			[]sitemapLink{{URL: "https://h/e1", LastMod: "2026-03-04T05:06:07Z"}}, false},
		{"text", "text", []byte("https://h/t1\n\nhttps://h/t2\n"), []sitemapLink{{URL: "https://h/t1"}, {URL: "https://h/t2"}}, false},
		{"truncated", "urlset", []byte(`<urlset><url><loc>https://h/ok</loc></url><url><loc>https://h/cut`), []sitemapLink{{URL: "https://h/ok"}}, true},
		{"html", "html", []byte(`<!DOCTYPE html><html><body>Not found</body></html>`), nil, true},
		{"empty", "empty", nil, nil, true},
		{"bad gzip", "gzip", []byte{0x1f, 0x8b, 0x00, 0x01}, nil, true},
	}
	for _, tt := range tests {
		kind, links, err := parseSitemap(tt.body)
		if kind != tt.kind {
			t.Errorf("%s: kind %q, want %q", tt.name, kind, tt.kind)
		}
		if fmt.Sprint(links) != fmt.Sprint(tt.want) {
			t.Errorf("%s: links %v, want %v", tt.name, links, tt.want)
		}
		if tt.malformed != errors.Is(err, ErrMalformedSitemap) {
			t.Errorf("%s: err %v, want malformed=%v", tt.name, err, tt.malformed)
		}
	}
}

func TestIsBinary(t *testing.T) {
	if extractors.LooksBinary([]byte("<html><body>\tHello\r\n</body></html>")) {
		t.Error("HTML seen as binary")
	}
	if extractors.LooksBinary([]byte("caf\xe9 na\xefve \x80")) {
		t.Error("windows-1252 text seen as binary")
	}
	if !extractors.LooksBinary([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")) {
		t.Error("PNG not seen as binary")
	}
}

func TestMemoryFrontier(t *testing.T) {
	ctx := context.Background()
	f := NewMemoryFrontier()
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := f.MarkSeen(ctx, "k"); ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("MarkSeen: %d callers won, want 1", won)
	}
	for i := range 3000 {
		f.Push(ctx, Entry{URL: fmt.Sprint(i)})
	}
	for i := range 3000 {
		e, ok, err := f.Pop(ctx)
		if err != nil || !ok || e.URL != fmt.Sprint(i) {
			t.Fatalf("Pop %d = %v %v %v", i, e.URL, ok, err)
		}
		if i == 1500 {
			f.Push(ctx, Entry{URL: "late"})
		}
	}
	if e, ok, _ := f.Pop(ctx); !ok || e.URL != "late" {
		t.Fatalf("Pop after compaction = %v %v, want late", e.URL, ok)
	}
	if _, ok, _ := f.Pop(ctx); ok {
		t.Fatal("Pop on empty frontier: ok")
	}
	if n, _ := f.Len(ctx); n != 0 {
		t.Fatalf("Len = %d, want 0", n)
	}
}

func TestScanLinks(t *testing.T) {
	page := `<!DOCTYPE html><html><head>
<base href="https://h/base/">
<link rel="canonical" href="/canon"><link rel="canonical" href="/second">
<link rel="alternate" type="application/rss+xml" href="/feed.xml">
<link rel="alternate" hreflang="fr" href="/fr/">
<link rel="next" href="?page=2"><link rel="stylesheet" href="/s.css">
<meta name="HealthCrawl" content="NoIndex">
<script>var s = '<a href="/in-script">x</a>';</script>
</head><body>
<a href="/one">1</a><a href='two'>2</a><a rel="nofollow sponsored" href="/ad">ad</a><a name="x">anchor</a>
<map><area href="/area" alt=""></map>
<!-- <a href="/commented">c</a> -->
</body></html>`
	got := scanLinks([]byte(page), productToken("healthcrawl/0.1 (+https://example.org)"), 0)
	want := pageLinks{
		Hrefs:     []string{"?page=2", "/one", "two", "/area"},
		Next:      []string{"?page=2"},
		Feeds:     []string{"/feed.xml"},
		Canonical: "/canon",
		Base:      "https://h/base/",
		NoIndex:   true,
	}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("scanLinks =\n%+v\nwant\n%+v", got, want)
	}
	if pl := scanLinks([]byte(`<meta name="robots" content="none"><a href="/x">`), "healthcrawl", 0); !pl.NoIndex || !pl.NoFollow {
		t.Errorf("meta robots none: %+v, want noindex and nofollow", pl)
	}
	if pl := scanLinks([]byte(`<meta name="otherbot" content="noindex">`), "healthcrawl", 0); pl.NoIndex {
		t.Error("meta for another bot applied")
	}
}

func TestYearMonths(t *testing.T) {
	for in, want := range map[string]string{
		"/events/2026-11/":                                   "2026-11",
		"/cal/2031/02/?d=2099.12":                            "2031-02 2099-12",
		"/a/2026-11/2027-12":                                 "2026-11 2027-12",
		"/p/12026-11 /x/2026-110 /1850-01 /2026-13 /2026-00": "",
		"2026_07":       "2026-07",
		"/article/1234": "",
		"":              "",
	} {
		var got []string
		yearMonths(in, func(y, m int) { got = append(got, fmt.Sprintf("%d-%02d", y, m)) })
		if g := strings.Join(got, " "); g != want {
			t.Errorf("yearMonths(%q) = %q, want %q", in, g, want)
		}
	}
}

// parseSitemap reads a whole sitemap body (see scanSitemap) with no limit on the
// number of URLs. Its error wraps ErrMalformedSitemap when the file could not be read
// to its end or some of its entries were lost (the links read are returned all the
// same). The crawl uses readSitemap, which streams and accounts each lost entry.
func parseSitemap(body []byte) (kind string, links []sitemapLink, err error) {
	var bad []sitemapEntry
	nbad := 0
	st, err := scanSitemap(bytes.NewReader(body), sitemapOptions{MaxURLs: math.MaxInt}, func(it sitemapEntry) {
		if it.Fault != "" {
			if nbad++; len(bad) < 1 {
				bad = append(bad, it)
			}
			return
		}
		links = append(links, it.sitemapLink)
	})
	if err == nil && nbad > 0 {
		err = fmt.Errorf("%w: %d entries lost (first: %s: %v)", ErrMalformedSitemap, nbad, bad[0].Fault, bad[0].Err)
	}
	return st.Kind, links, err
}
