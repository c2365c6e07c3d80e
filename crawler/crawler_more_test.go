package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
)

func smallConfig(sites ...config.Site) config.Config {
	cfg := config.Default()
	cfg.Crawl.Parallelism = 2
	cfg.Crawl.Delay = 0
	cfg.Crawl.Timeout = 2 * time.Second
	cfg.Crawl.Retries = 1
	cfg.Sites = sites
	return cfg
}

func run(t *testing.T, cfg config.Config, sink *recordingSink) Summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: sink, Logger: testLogger(t), RetryBase: 10 * time.Millisecond})
	if err != nil {
		t.Fatalf("RunJob: %v", err)
	}
	return sum
}

func paths(recs []*article.Article) map[string]int {
	out := map[string]int{}
	for _, a := range recs {
		i := strings.Index(a.URL, "//")
		j := strings.IndexByte(a.URL[i+2:], '/')
		out[a.URL[i+2+j:]]++
	}
	return out
}

// tinySite serves robots.txt (Disallow: /private/), /private/secret (an article) and
// /deep/N chains, counting requests.
func tinySite() (*httptest.Server, func(string) int) {
	var mu sync.Mutex
	hits := map[string]int{}
	mux := http.NewServeMux()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	})
	mux.HandleFunc("/private/secret", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, GenArticleHTML("secret", "Secret", "", "", nil))
	})
	mux.HandleFunc("/deep/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		fmt.Fprintf(w, `<html><head><title>Deep %d</title></head><body><p>Level %d.</p><a href="/deep/%d">deeper</a> <a href="/deep/%d/notes">notes</a></body></html>`, n, n, n+1, n)
	})
	count := func(p string) int {
		mu.Lock()
		defer mu.Unlock()
		return hits[p]
	}
	return srv, count
}

func TestCrawlMaxDepth(t *testing.T) {
	srv, count := tinySite()
	defer srv.Close()
	cfg := smallConfig(config.Site{Name: "deep", StartURLs: []string{srv.URL + "/deep/1"}, Exclude: []string{`/notes$`}, MaxDepth: 3})
	sum := run(t, cfg, &recordingSink{})
	// /deep/1 is depth 0 … /deep/4 depth 3; /deep/5 (depth 4) is over the limit.
	for n, want := range map[int]int{1: 1, 4: 1, 5: 0} {
		if got := count(fmt.Sprintf("/deep/%d", n)); got != want {
			t.Errorf("hits /deep/%d = %d, want %d", n, got, want)
		}
	}
	if got := sum.Reasons[CatOverLimit]["max_depth"]; got != 1 || sum.Categories[CatOverLimit] != 1 {
		t.Errorf("over_limit = %v, want max_depth: 1", sum.Reasons[CatOverLimit])
	}
	if got := sum.Reasons[CatExcluded]["matched by exclude"]; got != 4 {
		t.Errorf("excluded = %v, want matched by exclude: 4", sum.Reasons[CatExcluded])
	}
}

func TestCrawlMaxPages(t *testing.T) {
	srv := httptest.NewServer(BenchSite{Pages: 40, PerList: 10})
	defer srv.Close()
	var hits atomic.Int64
	counting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/robots.txt" {
			hits.Add(1)
		}
		BenchSite{Pages: 40, PerList: 10}.ServeHTTP(w, r)
	}))
	defer counting.Close()
	cfg := smallConfig(config.Site{Name: "capped", StartURLs: []string{counting.URL + "/"}, Articles: []string{`/article/`}, MaxPages: 8})
	sink := &recordingSink{}
	sum := run(t, cfg, sink)
	if hits.Load() != 8 {
		t.Errorf("page requests = %d, want 8 (max_pages)", hits.Load())
	}
	if sum.Fetched != 8 {
		t.Errorf("Fetched = %d, want 8", sum.Fetched)
	}
	if sum.Reasons[CatOverLimit]["max_pages"] == 0 {
		t.Errorf("no URL filed under over_limit max_pages: %v", sum.Reasons)
	}
	if len(sink.all()) != sum.Articles || sum.Articles == 0 || sum.Articles > 8 {
		t.Errorf("articles = %d (sink %d), want 1..8", sum.Articles, len(sink.all()))
	}
}

func TestCrawlObeyRobotsOverride(t *testing.T) {
	srv, count := tinySite()
	defer srv.Close()
	no := false
	cfg := smallConfig(config.Site{Name: "rude", StartURLs: []string{srv.URL + "/private/secret"}, Articles: []string{`/private/`}, ObeyRobots: &no})
	sink := &recordingSink{}
	sum := run(t, cfg, sink)
	if got := paths(sink.all()); got["/private/secret"] != 1 {
		t.Errorf("obey_robots=false: records %v, want /private/secret", got)
	}
	if count("/robots.txt") != 0 {
		t.Errorf("obey_robots=false: robots.txt fetched %d times, want 0", count("/robots.txt"))
	}
	if sum.Categories[CatRobots] != 0 {
		t.Errorf("obey_robots=false: robots_disallowed = %d", sum.Categories[CatRobots])
	}

	// The default (crawl.obey_robots: true) keeps out of /private/.
	srv2, count2 := tinySite()
	defer srv2.Close()
	cfg = smallConfig(config.Site{Name: "polite", StartURLs: []string{srv2.URL + "/private/secret"}, Articles: []string{`/private/`}})
	sink = &recordingSink{}
	sum, err := RunJob(context.Background(), JobOptions{Config: cfg, Sink: sink, Logger: testLogger(t), RetryBase: 10 * time.Millisecond})
	// Nothing fetched is a failed run, naming why.
	if !errors.Is(err, ErrNothingFetched) || !strings.Contains(err.Error(), "site polite: 0 pages fetched (first URL disallowed by robots.txt: robots.txt disallows)") {
		t.Errorf("RunJob error = %v, want 0 pages fetched with the robots.txt reason", err)
	}
	if len(sum.Failures) != 1 {
		t.Errorf("Summary.Failures = %q, want one", sum.Failures)
	}
	if len(sink.all()) != 0 || count2("/private/secret") != 0 || count2("/robots.txt") != 1 {
		t.Errorf("obey_robots default: %d records, %d hits on /private/secret, %d on robots.txt; want 0, 0, 1",
			len(sink.all()), count2("/private/secret"), count2("/robots.txt"))
	}
	if sum.Reasons[CatRobots]["robots.txt disallows"] != 1 {
		t.Errorf("robots_disallowed reasons = %v, want 1 robots.txt disallows", sum.Reasons[CatRobots])
	}
}

// With no articles rule, the extractor's page_type decides: listing and other pages
// are followed but not emitted.
func TestCrawlPageTypeGate(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>Healthy Living</title></head><body><h1>Healthy Living</h1>
<p><a href="/posts/one">One</a> <a href="/posts/two">Two</a> <a href="/posts/three">Three</a> <a href="/about">About</a></p></body></html>`)
	})
	mux.HandleFunc("/about", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>About</title></head><body><h1>About</h1><p>We write about health.</p><a href="/">Home</a></body></html>`)
	})
	mux.HandleFunc("/posts/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, GenArticleHTML(r.PathValue("id"), "Post "+r.PathValue("id"), "", "", nil))
	})
	sink := &recordingSink{}
	sum := run(t, smallConfig(config.Site{Name: "types", StartURLs: []string{srv.URL + "/"}}), sink)
	got := paths(sink.all())
	want := map[string]int{"/posts/one": 1, "/posts/two": 1, "/posts/three": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("records %v, want %v", got, want)
	}
	for _, a := range sink.all() {
		if a.PageType != article.PageArticle {
			t.Errorf("%s: page_type %q emitted", a.URL, a.PageType)
		}
	}
	if n := sum.Reasons[CatNotArticle]["page_type listing"] + sum.Reasons[CatNotArticle]["page_type other"]; n != 2 {
		t.Errorf("not_article page_type reasons = %v, want home and about", sum.Reasons[CatNotArticle])
	}
}

// A pipeline drop is accounted with the stage's reason.
func TestCrawlPipelineDrop(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><body><a href="/a/original">o</a> <a href="/b/copy">c</a> <a href="/a/other">x</a></body></html>`)
	})
	same := GenArticleHTML("same", "The same article", "", "", nil)
	mux.HandleFunc("/a/original", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, same) })
	mux.HandleFunc("/b/copy", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, same) })
	mux.HandleFunc("/a/other", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, GenArticleHTML("other", "Another article", "", "", nil))
	})
	sink := &recordingSink{}
	sum := run(t, smallConfig(config.Site{Name: "dupes", StartURLs: []string{srv.URL + "/"}, Articles: []string{`/[ab]/`}}), sink)
	if len(sink.all()) != 2 || sum.Articles != 2 {
		t.Fatalf("records %v (Articles %d), want 2", paths(sink.all()), sum.Articles)
	}
	if sum.Categories[CatDropped] != 1 {
		t.Fatalf("dropped = %d, want 1 (reasons %v)", sum.Categories[CatDropped], sum.Reasons)
	}
	for r := range sum.Reasons[CatDropped] {
		if !strings.HasPrefix(r, "dedupe: duplicate_of "+srv.URL) {
			t.Errorf("dropped reason %q, want dedupe: duplicate_of …", r)
		}
	}
	if sum.Pipeline.In != 3 || sum.Pipeline.Kept != 2 {
		t.Errorf("pipeline stats in %d kept %d, want 3, 2", sum.Pipeline.In, sum.Pipeline.Kept)
	}
}

// Cancellation stops scheduling, lets the pages in flight finish, and returns the
// summary with ctx.Err() wrapped.
func TestCrawlCancel(t *testing.T) {
	var inflight, maxAfter atomic.Int64
	site := BenchSite{Pages: 300, PerList: 50, Latency: 5 * time.Millisecond}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inflight.Add(1)
		defer inflight.Add(-1)
		site.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := &cancellingSink{after: 10, cancel: cancel}
	cfg := smallConfig(config.Site{Name: "big", StartURLs: []string{srv.URL + "/"}, Articles: []string{`/article/`}})
	sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: sink, Logger: testLogger(t)})
	maxAfter.Store(inflight.Load())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RunJob error = %v, want context.Canceled wrapped", err)
	}
	if sum.Articles < 10 || sum.Articles >= 300 || sum.Articles != sink.count() {
		t.Errorf("Articles = %d, sink %d: want ≥ 10, < 300, equal", sum.Articles, sink.count())
	}
	if sum.Pending == 0 {
		t.Error("Pending = 0, want URLs left in the queue")
	}
	if maxAfter.Load() != 0 {
		t.Errorf("%d requests still in flight after RunJob returned", maxAfter.Load())
	}
}

type cancellingSink struct {
	recordingSink
	after  int
	cancel func()
	once   sync.Once
}

func (s *cancellingSink) Write(ctx context.Context, a *article.Article) error {
	if err := s.recordingSink.Write(ctx, a); err != nil {
		return err
	}
	if len(s.all()) >= s.after {
		s.once.Do(s.cancel)
	}
	return nil
}

func (s *cancellingSink) count() int { return len(s.all()) }

// A sink error stops the job and is returned.
func TestCrawlSinkError(t *testing.T) {
	srv := httptest.NewServer(BenchSite{Pages: 50, PerList: 50})
	defer srv.Close()
	cfg := smallConfig(config.Site{Name: "s", StartURLs: []string{srv.URL + "/"}, Articles: []string{`/article/`}})
	boom := errors.New("disk full")
	sum, err := RunJob(context.Background(), JobOptions{Config: cfg, Sink: failingSink{boom}, Logger: testLogger(t)})
	if !errors.Is(err, boom) {
		t.Fatalf("RunJob error = %v, want %v", err, boom)
	}
	if sum.Articles != 0 {
		t.Errorf("Articles = %d, want 0", sum.Articles)
	}
}

type failingSink struct{ err error }

func (f failingSink) Write(context.Context, *article.Article) error { return f.err }
func (f failingSink) Close(context.Context) error                   { return nil }

// Retry-After is honoured: the retry of a 429 waits for it.
func TestCrawlRetryAfterWait(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/a/limited", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		n := len(times)
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, GenArticleHTML("limited", "Limited", "", "", nil))
	})
	sink := &recordingSink{}
	run(t, smallConfig(config.Site{Name: "ra", StartURLs: []string{srv.URL + "/a/limited"}, Articles: []string{`/a/`}}), sink)
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 || len(sink.all()) != 1 {
		t.Fatalf("%d requests, %d records; want 2, 1", len(times), len(sink.all()))
	}
	// The backoff base is 10 ms here: only Retry-After explains a wait of ~1 s.
	if gap := times[1].Sub(times[0]); gap < 900*time.Millisecond {
		t.Errorf("retry after %v, want ≥ 1s (Retry-After: 1)", gap)
	}
}

// robots.txt Crawl-delay becomes the host's delay.
func TestCrawlDelayFromRobots(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nCrawl-delay: 0.3\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		fmt.Fprint(w, `<html><body><a href="/p1">1</a><a href="/p2">2</a></body></html>`)
	})
	cfg := smallConfig(config.Site{Name: "cd", StartURLs: []string{srv.URL + "/"}})
	cfg.Crawl.Parallelism = 4
	run(t, cfg, &recordingSink{})
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 3 {
		t.Fatalf("%d page requests, want 3", len(times))
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 250*time.Millisecond {
			t.Errorf("request %d came %v after the previous one, want ≥ 300ms (Crawl-delay)", i, gap)
		}
	}
}

// Redirects are checked like links: a limit, the allowed domains, robots.txt, the
// visited set; over-long URLs are over a limit.
func TestCrawlRedirectRules(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	long := "/a/" + strings.Repeat("x", 2100)
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><body><a href="/a/target">t</a> <a href="/chain/0">chain</a> <a href="/away">away</a>
<a href="/sneaky">sneaky</a> <a href="/again">again</a> <a href="%s">long</a></body></html>`, long)
	})
	mux.HandleFunc("/a/target", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, GenArticleHTML("target", "Target", "", "", nil))
	})
	mux.HandleFunc("/chain/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		http.Redirect(w, r, fmt.Sprintf("/chain/%d", n+1), http.StatusFound)
	})
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.invalid/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/sneaky", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/private/page", http.StatusFound)
	})
	mux.HandleFunc("/again", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/a/target", http.StatusFound)
	})
	cfg := smallConfig(config.Site{Name: "redir", StartURLs: []string{srv.URL + "/"}, Articles: []string{`/a/`}})
	cfg.Crawl.Parallelism = 1 // links in document order: /a/target is seen before /again
	sink := &recordingSink{}
	sum := run(t, cfg, sink)
	want := map[string]map[string]int{
		CatFailed:     {"more than 10 redirects": 1, "status 404": 1}, // 404: the article's nav link to /about
		CatExcluded:   {"redirect to a domain not allowed": 1},
		CatRobots:     {"redirect target: robots.txt disallows": 1},
		CatDuplicate:  {"redirect to a URL already seen": 1},
		CatOverLimit:  {"url_length": 1},
		CatNotArticle: {"not matched by articles": 1},
	}
	if fmt.Sprint(sum.Reasons) != fmt.Sprint(want) {
		t.Errorf("reasons\n got %v\nwant %v", sum.Reasons, want)
	}
	if got := paths(sink.all()); fmt.Sprint(got) != "map[/a/target:1]" {
		t.Errorf("records %v, want /a/target once", got)
	}
}

// Several sites crawl in one job, each with its own rules and name; JobOptions.Sites
// selects among them.
func TestCrawlSites(t *testing.T) {
	a := httptest.NewServer(BenchSite{Pages: 12, PerList: 5})
	defer a.Close()
	b := httptest.NewServer(BenchSite{Pages: 7, PerList: 5, Name: "beta"})
	defer b.Close()
	cfg := smallConfig(
		config.Site{Name: "alpha", StartURLs: []string{a.URL + "/"}, Articles: []string{`/article/`}},
		config.Site{Name: "beta", StartURLs: []string{b.URL + "/"}, Articles: []string{`/article/`}},
		config.Site{Name: "gamma", StartURLs: []string{"http://gamma.invalid/"}},
	)
	ctx := context.Background()
	sink := &recordingSink{}
	sum, err := RunJob(ctx, JobOptions{Config: cfg, Sites: []string{"alpha", "beta"}, Sink: sink, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	bySite := map[string]int{}
	for _, r := range sink.all() {
		bySite[r.Site]++
		host := a.URL
		if r.Site == "beta" {
			host = b.URL
		}
		if !strings.HasPrefix(r.URL, host+"/article/") {
			t.Errorf("%s record from %s", r.Site, r.URL)
		}
	}
	if bySite["alpha"] != 12 || bySite["beta"] != 7 || len(bySite) != 2 || sum.Articles != 19 {
		t.Errorf("records by site %v (Articles %d), want alpha 12, beta 7", bySite, sum.Articles)
	}
	if _, err := RunJob(ctx, JobOptions{Config: cfg, Sites: []string{"delta"}, Sink: sink}); err == nil || !strings.Contains(err.Error(), `"delta"`) {
		t.Errorf("unknown site: err %v, want one naming delta", err)
	}
}
