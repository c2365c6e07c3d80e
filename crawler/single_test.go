package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
)

func singleArticle(title, head string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><title>%s</title>%s</head><body><article><h1>%s</h1>`, title, head, title)
	for i := range 6 {
		fmt.Fprintf(&b, "<p>Paragraph %d of %s: regular walking strengthens the heart, lowers blood pressure and improves sleep for most adults, doctors say.</p>", i, title)
	}
	b.WriteString("</article></body></html>")
	return b.String()
}

// FetchAndExtract gives the record of a page with the crawl's fields, and says what
// a crawl would do with it: emit it, or file it (noindex, not matched by articles,
// a rel=canonical alias); a page that gives no record is a *PageError with the
// crawl's category (robots.txt, HTTP status after retries, not HTML, binary body).
func TestFetchAndExtractOutcomes(t *testing.T) {
	hits := map[string]int{}
	mux := http.NewServeMux()
	html := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
		}
	}
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n") })
	mux.Handle("/articles/walking", html(singleArticle("Walking", "")))
	mux.Handle("/articles/hidden", html(singleArticle("Hidden", `<meta name="robots" content="noindex">`)))
	mux.Handle("/articles/alias", html(singleArticle("Alias", `<link rel="canonical" href="/articles/walking">`)))
	mux.Handle("/other/walking", html(singleArticle("Other", "")))
	mux.Handle("/private/a", html(singleArticle("Private", "")))
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/articles/walking?utm_source=x", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/flaky", func(w http.ResponseWriter, r *http.Request) {
		hits["/flaky"]++
		http.Error(w, "busy", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/image", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00"))
	})
	mux.HandleFunc("/binary", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>\x00\x01\x02\x03 not text</html>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cfg := smallConfig()
	cfg.Crawl.Retries = 2
	site := config.Site{Name: "blog", StartURLs: []string{srv.URL + "/"}, Articles: []string{`/articles/`}}
	cfg.Sites = []config.Site{site}
	p := NewPageFetcher(context.Background(), cfg, site, testLogger(t))
	p.job.retry.base = 0 // no waits between retries here

	for _, tt := range []struct {
		path          string
		url           string // record url ("" = the page's)
		category      string // outcome, "" = emitted
		reason        string
		errCategory   string // a *PageError of this category instead of a record
		errSubstrings string
	}{
		{path: "/articles/walking"},
		{path: "/old", url: "/articles/walking"},
		{path: "/articles/hidden", category: CatNotArticle, reason: "meta robots noindex"},
		{path: "/articles/alias", category: CatDuplicate, reason: "rel=canonical alias (canonical URL queued)"},
		{path: "/other/walking", category: CatNotArticle, reason: "not matched by articles"},
		{path: "/private/a", errCategory: CatRobots, errSubstrings: "robots.txt disallows"},
		{path: "/flaky", errCategory: CatFailed, errSubstrings: "fetch: HTTP 503 Service Unavailable"},
		{path: "/image", errCategory: CatNotArticle, errSubstrings: "not HTML: image/png"},
		{path: "/binary", errCategory: CatFailed, errSubstrings: "binary body"},
	} {
		a, o, err := p.FetchAndExtract(context.Background(), srv.URL+tt.path)
		if tt.errCategory != "" {
			var pe *PageError
			if !errors.As(err, &pe) || pe.Outcome.Category != tt.errCategory || !strings.Contains(err.Error(), tt.errSubstrings) || a != nil {
				t.Errorf("%s: record %v, error %v; want a %s error naming %q", tt.path, a != nil, err, tt.errCategory, tt.errSubstrings)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.path, err)
			continue
		}
		wantURL := srv.URL + tt.path
		if tt.url != "" {
			wantURL = srv.URL + tt.url
		}
		if a.URL != wantURL || a.Source != srv.URL+tt.path || a.Site != "blog" || a.FetchedAt == nil || a.Title == "" {
			t.Errorf("%s: url %q source %q site %q fetched_at %v title %q", tt.path, a.URL, a.Source, a.Site, a.FetchedAt, a.Title)
		}
		if o.Category != tt.category || o.Reason != tt.reason || o.Status != http.StatusOK {
			t.Errorf("%s: outcome %+v, want %q %q status 200", tt.path, o, tt.category, tt.reason)
		}
		if tt.category == "" && a.PageType != article.PageArticle {
			t.Errorf("%s: page_type %q, want article (matched by articles)", tt.path, a.PageType)
		}
	}
	if hits["/flaky"] != 3 {
		t.Errorf("/flaky requested %d times, want 3 (crawl.retries 2)", hits["/flaky"])
	}
}
