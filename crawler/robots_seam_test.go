package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/fetch"
	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/store"
)

// recordedRequest is one request a headerSite saw, stamped on arrival.
type recordedRequest struct {
	path, agent, accept string
	at                  time.Time
}

// headerSite serves a robots.txt allowing all and one article page, and records
// every request's path, User-Agent, Accept and arrival time.
type headerSite struct {
	mu   sync.Mutex
	reqs []recordedRequest
}

func (h *headerSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.reqs = append(h.reqs, recordedRequest{r.URL.Path, r.UserAgent(), r.Header.Get("Accept"), time.Now()})
	h.mu.Unlock()
	switch r.URL.Path {
	case "/robots.txt":
		fmt.Fprint(w, "User-agent: *\nAllow: /\n")
	case "/a":
		fmt.Fprint(w, GenArticleHTML("a", "Article A", "", "", nil))
	default:
		http.NotFound(w, r)
	}
}

func (h *headerSite) requests() []recordedRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]recordedRequest(nil), h.reqs...)
}

// robots.txt goes through the crawl's fetch path: the configured User-Agent and
// the pages' Accept header, counted in Summary.RobotsRequests, and the host's
// per-host limits — with crawl.delay (and parallelism 1), the first page request
// follows robots.txt by at least the delay, locally and (redis state,
// state.fleet_limits) through the fleet limiter.
func TestRobotsTxtThroughFetchPath(t *testing.T) {
	const agent = "healthcrawl-seam-test/1.0 (+https://example.org/bot)"
	const delay = 300 * time.Millisecond
	for _, mode := range []string{"local", "fleet"} {
		t.Run(mode, func(t *testing.T) {
			site := &headerSite{}
			srv := httptest.NewServer(site)
			defer srv.Close()
			cfg := smallConfig(config.Site{Name: "hdr", StartURLs: []string{srv.URL + "/a"}, Articles: []string{"/a$"}})
			cfg.Name = "robots-seam-" + mode
			cfg.Crawl.UserAgent = agent
			cfg.Crawl.Delay = delay
			// One request at a time per host: the fleet limiter's delay is per slot (a
			// slot is reusable delay after its release), like colly's LimitRule.
			cfg.Crawl.Parallelism = 1
			opts := JobOptions{Config: cfg, Sink: &recordingSink{}, Logger: testLogger(t), RetryBase: time.Millisecond}
			if mode == "fleet" {
				rs := redistest.Start(t)
				cfg.State.FleetLimits = true
				opts.Config = cfg
				st, err := store.OpenRedis(context.Background(), rs.URL(0), store.RedisOptions{Prefix: cfg.StatePrefix()})
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				opts.Store = st
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			sum, err := RunJob(ctx, opts)
			if err != nil {
				t.Fatalf("RunJob: %v", err)
			}
			reqs := site.requests()
			var robots, page *recordedRequest
			for i := range reqs {
				switch {
				case reqs[i].path == "/robots.txt" && robots == nil:
					robots = &reqs[i]
				case reqs[i].path == "/a" && page == nil:
					page = &reqs[i]
				}
			}
			if robots == nil || page == nil {
				t.Fatalf("requests %+v: want robots.txt and /a", reqs)
			}
			if robots.agent != agent || robots.accept != fetch.DefaultAccept {
				t.Errorf("robots.txt User-Agent %q Accept %q, want %q and %q", robots.agent, robots.accept, agent, fetch.DefaultAccept)
			}
			if page.agent != robots.agent || page.accept != robots.accept {
				t.Errorf("page headers (%q, %q) differ from robots.txt's (%q, %q)", page.agent, page.accept, robots.agent, robots.accept)
			}
			if gap := page.at.Sub(robots.at); gap < delay {
				t.Errorf("first page request %s after robots.txt, want at least crawl.delay %s", gap, delay)
			}
			if sum.RobotsRequests != 1 || sum.Articles != 1 {
				t.Errorf("RobotsRequests %d, articles %d; want 1, 1", sum.RobotsRequests, sum.Articles)
			}
			if pages := len(reqs) - 1; sum.Requests != pages {
				t.Errorf("Requests = %d, want the %d non-robots requests the site saw", sum.Requests, pages)
			}
		})
	}
}
