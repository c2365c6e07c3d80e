package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
)

func TestIsNextPage(t *testing.T) {
	for _, tt := range []struct {
		cur, next string
		want      bool
	}{
		{"https://h/blog/page/2/", "https://h/blog/page/3/", true},
		{"https://h/blog/page/2/", "https://h/blog/page/4/", false}, // a jump, not the next page
		{"https://h/blog/page/3/", "https://h/blog/page/2/", false}, // backwards
		{"https://h/blog/page-7", "https://h/blog/page-8", true},
		{"https://h/blog/Page_7", "https://h/blog/Page_8", true},
		{"https://h/list?page=9", "https://h/list?page=10", true},
		{"https://h/list?cat=4&p=9", "https://h/list?cat=4&p=10", true},
		{"https://h/list?cat=4&p=9", "https://h/list?cat=5&p=10", false}, // two changes
		{"https://h/list?paged=1", "https://h/list?paged=2&x=1", false},  // a new parameter
		{"https://h/calendar?month=2026-11", "https://h/calendar?month=2026-12", false},
		{"https://h/deep/7", "https://h/deep/8", false}, // no page word
		{"https://h/p7", "https://h/p8", false},         // p glued to digits: a product id as often
		{"https://h/list?page=9", "https://x/list?page=10", false},
		{"https://h/list?page=a", "https://h/list?page=b", false},
	} {
		cur, _ := url.Parse(tt.cur)
		next, _ := url.Parse(tt.next)
		if got := isNextPage(cur, next); got != tt.want {
			t.Errorf("isNextPage(%s, %s) = %v, want %v", tt.cur, tt.next, got, tt.want)
		}
	}
}

// The run length that stops a trap is crawl.trap_run_length.
func TestTrapRunLengthConfigured(t *testing.T) {
	g := newTrapGuard(50)
	u, _ := url.Parse("https://h/calendar?month=2026-11")
	if got := g.Check(u, Entry{Run: 50}); got != "" {
		t.Errorf("run 50 of 50 stopped: %q", got)
	}
	if got := g.Check(u, Entry{Run: 51}); !strings.Contains(got, "unbounded run: 51 pages") {
		t.Errorf("run 51 of 50: %q, want an unbounded run", got)
	}
	if got := newTrapGuard(0).Check(u, Entry{Run: 1_000_000}); got != "" {
		t.Errorf("trap_run_length 0 (no limit) stopped a run: %q", got)
	}
}

// paginatedSite serves a listing of n pages, each linking to per articles (and
// only the listing does): the home links to page 1, page k to page k+1.
// nextMarkup is what page k's <head> holds for page k+1 (a <link rel=next>, or
// nothing).
func paginatedSite(n, per int, pageURL func(k int) string, nextMarkup func(href string) string) http.Handler {
	mux := http.NewServeMux()
	listing := func(w http.ResponseWriter, k int) {
		if k < 1 || k > n {
			http.NotFound(w, nil)
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, "<!DOCTYPE html><html><head><title>Health news, page %d</title>", k)
		if k < n {
			b.WriteString(nextMarkup(pageURL(k + 1)))
		}
		fmt.Fprintf(&b, "</head><body><h1>Health news, page %d of %d</h1><ul>", k, n)
		for i := 0; i < per; i++ {
			id := (k-1)*per + i
			fmt.Fprintf(&b, `<li><a href="/articles/a%d">Article %d on healthy habits</a></li>`, id, id)
		}
		b.WriteString(`</ul><a href="/">Home</a> <a href="/about">About</a></body></html>`)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, b.String())
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/robots.txt":
			http.NotFound(w, r)
		case r.URL.Path == "/" || r.URL.Path == "/about":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<html><head><title>Home</title></head><body><a href="%s">News</a></body></html>`, pageURL(1))
		case strings.HasPrefix(r.URL.Path, "/articles/a"):
			id := strings.TrimPrefix(r.URL.Path, "/articles/a")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, GenArticleHTML("a"+id, "Article "+id+" on healthy habits", "", "", nil))
		default:
			k := -1
			for c := 1; c <= n; c++ { // the listing pages by their URL
				if u, _ := url.Parse(pageURL(c)); u.Path == r.URL.Path && u.RawQuery == r.URL.RawQuery {
					k = c
					break
				}
			}
			listing(w, k)
		}
	})
	return mux
}

func paginationConfig(base string, maxDepth int) config.Config {
	cfg := config.Default()
	cfg.Crawl.Parallelism = 8
	cfg.Crawl.Delay = 0
	cfg.Crawl.Timeout = 10 * time.Second
	cfg.Pipeline.Stages = nil // the crawler alone
	cfg.Sites = []config.Site{{Name: "paged", StartURLs: []string{base + "/"}, Articles: []string{`/articles/`},
		MaxDepth: maxDepth, MaxPages: 0}}
	return cfg
}

// A site whose articles are reachable only through a long pagination chain is
// crawled whole — /page/N/ (3,000 listing pages, one article each), ?page=N, and
// a rel=next chain of URLs with no page word (1,500 pages, two articles each) —
// while the same chain without rel=next is a run stopped as a trap after
// crawl.trap_run_length pages.
func TestPaginationFollowedTrapStopped(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls 13,500 loopback pages")
	}
	plainLink := func(href string) string { return "" } // the link is in the body only
	for _, tc := range []struct {
		name      string
		n, per    int
		pageURL   func(k int) string
		next      func(href string) string
		runLength int
		wantAll   bool
	}{
		{"path /page/N/", 3000, 1, func(k int) string { return fmt.Sprintf("/news/page/%d/", k) }, nil, 1000, true},
		{"query ?page=N", 1500, 2, func(k int) string { return "/news?page=" + strconv.Itoa(k) }, nil, 1000, true},
		{"rel=next", 1500, 2, func(k int) string { return fmt.Sprintf("/archive/%d", k) },
			func(href string) string { return `<link rel="next" href="` + href + `">` }, 1000, true},
		{"no rel=next: a run", 1500, 2, func(k int) string { return fmt.Sprintf("/archive/%d", k) }, plainLink, 100, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := tc.next
			if next == nil {
				next = plainLink
			}
			// The next page is linked from the body too, as a plain <a> (addNextAnchor).
			srv := httptest.NewServer(addNextAnchor(paginatedSite(tc.n, tc.per, tc.pageURL, next), tc.pageURL, tc.n))
			defer srv.Close()
			cfg := paginationConfig(srv.URL, tc.n+10)
			cfg.Crawl.TrapRunLength = tc.runLength
			sink := &recordingSink{}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: sink, Logger: testLogger(t)})
			if err != nil {
				t.Fatalf("RunJob: %v", err)
			}
			got := map[string]bool{}
			for _, a := range sink.all() {
				got[a.URL] = true
			}
			all := tc.n * tc.per
			traps := sum.Reasons[CatOverLimit]["trap"]
			if tc.wantAll {
				if len(got) != all || sum.Articles != all || traps != 0 {
					t.Errorf("%d distinct articles written (%d records), %d traps; want all %d, no trap", len(got), sum.Articles, traps, all)
				}
				for _, id := range []int{0, all / 2, all - 1} {
					if !got[fmt.Sprintf("%s/articles/a%d", srv.URL, id)] {
						t.Errorf("article a%d (listing page %d) not written", id, id/tc.per+1)
					}
				}
				return
			}
			// Page k is run k-1 (page 1 is reached from the home, of another shape): the
			// page whose run passes trap_run_length is stopped.
			wantPages := tc.runLength + 1
			if traps != 1 || len(got) != wantPages*tc.per {
				t.Errorf("%d traps, %d articles; want 1 trap, the articles of the first %d listing pages (%d)", traps, len(got), wantPages, wantPages*tc.per)
			}
		})
	}
}

// addNextAnchor adds to every listing page an <a href> to the next page (no rel)
// before </body>, as a pager does.
func addNextAnchor(h http.Handler, pageURL func(int) string, n int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.String()
		for k := 1; k < n; k++ {
			if u, _ := url.Parse(pageURL(k)); u.Path == r.URL.Path && u.RawQuery == r.URL.RawQuery && rec.Code == 200 {
				body = strings.Replace(body, "</body>", `<a href="`+pageURL(k+1)+`">Older posts</a></body>`, 1)
				break
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		fmt.Fprint(w, body)
	})
}
