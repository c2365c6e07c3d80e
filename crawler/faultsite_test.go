package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
)

// recordingSink is an in-memory output.Sink.
type recordingSink struct {
	mu      sync.Mutex
	records []*article.Article
	closed  bool
}

func (s *recordingSink) Write(_ context.Context, a *article.Article) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("write after close")
	}
	s.records = append(s.records, a)
	return nil
}

func (s *recordingSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

func (s *recordingSink) all() []*article.Article {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*article.Article(nil), s.records...)
}

// faultSite is the httptest site with every fault the crawler must survive.
type faultSite struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits map[string]int // request path+query → requests
}

func (f *faultSite) hit(r *http.Request) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hits[r.URL.RequestURI()]++
	return f.hits[r.URL.RequestURI()]
}

func (f *faultSite) count(uri string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[uri]
}

// cp1252Text is the windows-1252 page's sentence, as UTF-8.
const cp1252Text = "Café au lait, naïve crème brûlée — “quoted” for 5 €, déjà vu."

func toCP1252(s string) []byte {
	m := map[rune]byte{'é': 0xE9, 'ï': 0xEF, 'è': 0xE8, 'û': 0xFB, '—': 0x97, '“': 0x93, '”': 0x94, '€': 0x80, 'à': 0xE0}
	var out []byte
	for _, r := range s {
		if r < 0x80 {
			out = append(out, byte(r))
		} else if b, ok := m[r]; ok {
			out = append(out, b)
		} else {
			panic(fmt.Sprintf("no cp1252 byte for %q", r))
		}
	}
	return out
}

func newFaultSite() *faultSite {
	f := &faultSite{hits: map[string]int{}}
	mux := http.NewServeMux()
	f.srv = httptest.NewServer(mux)
	base := f.srv.URL
	html := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}
	art := func(id string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			f.hit(r)
			html(w, GenArticleHTML(id, "Article "+id, "", "", nil))
		}
	}
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		fmt.Fprintf(w, "User-agent: *\nDisallow: /private/\n\nSitemap: %s/sitemap_index.xml\n", base)
	})
	mux.HandleFunc("/sitemap_index.xml", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>%[1]s/sitemaps/articles.xml.gz</loc><lastmod>2026-11-01</lastmod></sitemap>
<sitemap><loc>%[1]s/sitemaps/broken.xml</loc></sitemap>
</sitemapindex>`, base)
	})
	mux.HandleFunc("/sitemaps/articles.xml.gz", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		fmt.Fprintf(zw, `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>%[1]s/articles/sitemap-only</loc><lastmod>2026-10-30</lastmod></url>
<url><loc>%[1]s/articles/a1</loc></url>
<url><loc>%[1]s/private/secret-2</loc></url>
</urlset>`, base)
		zw.Close()
		w.Header().Set("Content-Type", "application/x-gzip")
		w.Write(buf.Bytes())
	})
	mux.HandleFunc("/sitemaps/broken.xml", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<urlset><url><loc>%s/articles/from-broken</loc></url><url><loc>%s/articles/never`, base, base)
	})
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>News</title><link>%[1]s/</link>
<item><title>From feed</title><link>%[1]s/articles/from-feed</link></item></channel></rss>`, base)
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		html(w, fmt.Sprintf(`<!DOCTYPE html><html><head><title>Health Site</title>
<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>
<h1>Latest</h1><ul>
<li><a href="/articles/a1">A1</a></li>
<li><a href="/articles/a1?utm_source=newsletter&amp;utm_medium=email">A1 (newsletter)</a></li>
<li><a href="/articles/a1?fbclid=IwAR0abc">A1 (facebook)</a></li>
<li><a href="HTTP://%s/articles/a1?gclid=xyz&amp;mc_cid=77#comments">A1 (ads)</a></li>
<li><a href="/articles/alias">Alias of A2</a></li>
<li><a href="/articles/ratelimited">Rate limited</a></li>
<li><a href="/articles/ratelimited-date">Rate limited (date)</a></li>
<li><a href="/articles/flaky">Flaky</a></li>
<li><a href="/articles/slow">Slow</a></li>
<li><a href="/redirect/1">Moved</a></li>
<li><a href="/loop/a">Loop</a></li>
<li><a href="/articles/cp1252-meta">Windows-1252 (meta)</a></li>
<li><a href="/articles/cp1252-sniff">Windows-1252 (sniffed)</a></li>
<li><a href="/articles/huge">Huge</a></li>
<li><a href="/articles/huge-cl">Huge (Content-Length)</a></li>
<li><a href="/articles/binary">Binary</a></li>
<li><a href="/articles/missing">Missing</a></li>
<li><a href="/files/leaflet.pdf">Leaflet (PDF)</a></li>
<li><a href="/private/secret">Members only</a></li>
<li><a href="/calendar?month=2026-11">Events calendar</a></li>
<li><a href="/deep/1">Deep</a></li>
<li><a href="/about">About</a></li>
<li><a href="https://elsewhere.invalid/page">Elsewhere</a></li>
<li><a href="mailto:editor@example.org">Mail us</a></li>
<li><a href="/articles/a1">A1 again</a></li>
</ul></body></html>`, strings.TrimPrefix(base, "http://")))
	})
	for _, id := range []string{"a1", "a2", "sitemap-only", "from-broken", "from-feed", "redirected"} {
		mux.HandleFunc("/articles/"+id, art(id))
	}
	mux.HandleFunc("/articles/alias", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		html(w, GenArticleHTML("a2", "Article a2", `<link rel="canonical" href="/articles/a2">`, `<p><a href="/articles/alias2">Another alias</a></p>`, nil))
	})
	mux.HandleFunc("/articles/alias2", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		html(w, GenArticleHTML("a2", "Article a2", `<link rel="canonical" href="`+base+`/articles/a2/">`, "", nil))
	})
	mux.HandleFunc("/articles/ratelimited", func(w http.ResponseWriter, r *http.Request) {
		if f.hit(r) == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		html(w, GenArticleHTML("ratelimited", "Rate limited", "", "", nil))
	})
	mux.HandleFunc("/articles/ratelimited-date", func(w http.ResponseWriter, r *http.Request) {
		if f.hit(r) == 1 {
			w.Header().Set("Retry-After", time.Now().Add(time.Second).UTC().Format(http.TimeFormat))
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		html(w, GenArticleHTML("ratelimited-date", "Rate limited by date", "", "", nil))
	})
	mux.HandleFunc("/articles/flaky", func(w http.ResponseWriter, r *http.Request) {
		if f.hit(r) < 3 {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		html(w, GenArticleHTML("flaky", "Flaky", "", "", nil))
	})
	mux.HandleFunc("/articles/slow", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		select {
		case <-time.After(20 * time.Second):
		case <-r.Context().Done():
			return
		}
		html(w, GenArticleHTML("slow", "Slow", "", "", nil))
	})
	mux.HandleFunc("/redirect/1", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		http.Redirect(w, r, "/redirect/2", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/redirect/2", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		http.Redirect(w, r, "/articles/redirected?utm_source=redirect", http.StatusFound)
	})
	mux.HandleFunc("/loop/a", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		http.Redirect(w, r, "/loop/b", http.StatusFound)
	})
	mux.HandleFunc("/loop/b", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		http.Redirect(w, r, "/loop/a", http.StatusFound)
	})
	mux.HandleFunc("/articles/cp1252-meta", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		w.Header().Set("Content-Type", "text/html")
		page := GenArticleHTML("cp1252-meta", "Windows page", `<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">`, "<p>"+cp1252Text+"</p>", nil)
		page = strings.Replace(page, `<meta charset="utf-8">`, "", 1)
		w.Write(toCP1252(page))
	})
	mux.HandleFunc("/articles/cp1252-sniff", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		w.Header().Set("Content-Type", "text/html")
		page := GenArticleHTML("cp1252-sniff", "Windows page sniffed", "", "<p>"+cp1252Text+"</p>", nil)
		page = strings.Replace(page, `<meta charset="utf-8">`, "", 1)
		w.Write(toCP1252(page))
	})
	huge := GenArticleHTML("huge", "Huge", "", strings.Repeat("<p>"+strings.Repeat("padding ", 100)+"</p>\n", 300), nil)
	mux.HandleFunc("/articles/huge", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		w.Header().Set("Content-Type", "text/html")
		for i := 0; i < len(huge); i += 4096 { // chunked: no Content-Length
			w.Write([]byte(huge[i:min(i+4096, len(huge))]))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/articles/huge-cl", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(len(huge)))
		w.Write([]byte(huge))
	})
	mux.HandleFunc("/articles/binary", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		w.Header().Set("Content-Type", "text/html")
		b := make([]byte, 3000)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		w.Write(b)
	})
	mux.HandleFunc("/files/leaflet.pdf", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4 " + strings.Repeat("x", 5000)))
	})
	mux.HandleFunc("/private/", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		html(w, GenArticleHTML("secret", "Secret", "", "", nil))
	})
	mux.HandleFunc("/calendar", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		m, err := time.Parse("2006-01", r.URL.Query().Get("month"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		html(w, fmt.Sprintf(`<html><head><title>Events %s</title></head><body><h1>Events in %s</h1><p>No events.</p>
<a href="/calendar?month=%s">previous</a> <a href="/calendar?month=%s">next</a> <a href="/">home</a></body></html>`,
			m.Format("January 2006"), m.Format("January 2006"), m.AddDate(0, -1, 0).Format("2006-01"), m.AddDate(0, 1, 0).Format("2006-01")))
	})
	mux.HandleFunc("/deep/{n}", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		n, _ := strconv.Atoi(r.PathValue("n"))
		html(w, fmt.Sprintf(`<html><head><title>Deep %d</title></head><body><p>Level %d.</p><a href="/deep/%d">deeper</a></body></html>`, n, n, n+1))
	})
	mux.HandleFunc("/about", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		html(w, `<html><head><title>About</title></head><body><p>About us.</p><a href="/">home</a></body></html>`)
	})
	return f
}
