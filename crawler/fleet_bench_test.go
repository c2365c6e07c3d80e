package crawler

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/store"
)

// BenchmarkFleet crawls the 2,000-article loopback site with 1, 2 and 3 workers
// sharing a redis state (in one process, each worker with its own store connection,
// as separate processes would have), per-host limits of the fleet off (and, for
// contrast, on with 3 workers). It reports
// pages/s and the Redis round trips per page: the top-level commands the server
// executed (INFO commandstats before/after: EVALSHA, EVAL and the direct reads).
//
//	go test -run '^$' -bench BenchmarkFleet -benchtime 1x ./crawler/
func BenchmarkFleet(b *testing.B) {
	for _, latency := range []time.Duration{0, 20 * time.Millisecond} {
		site := BenchSite{Pages: 2000, PerList: 50, Latency: latency}
		hs := httptest.NewServer(site)
		srv := redistest.Start(b)
		type run struct {
			workers int
			limits  bool
		}
		runs := []run{{1, false}, {2, false}, {3, false}}
		if latency > 0 {
			// For contrast: the fleet-wide limits on (parallelism 4 for the fleet).
			runs = append(runs, run{3, true})
		}
		for _, r := range runs {
			n := r.workers
			b.Run(fmt.Sprintf("latency=%s/workers=%d/fleet_limits=%v", latency, n, r.limits), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					prefix := fmt.Sprintf("bench-%s-%d-%v-%d", latency, n, r.limits, i)
					before := topLevelCalls(b, srv)
					pages, articles, el := fleetCrawl(b, srv, hs.URL, prefix, n, r.limits)
					calls := topLevelCalls(b, srv) - before - 1 // the INFO itself
					if articles != site.Pages {
						b.Fatalf("%d articles written, want %d", articles, site.Pages)
					}
					b.ReportMetric(float64(pages)/el.Seconds(), "pages/s")
					b.ReportMetric(float64(calls)/float64(pages), "roundtrips/page")
				}
			})
		}
		srv.Stop()
		hs.Close()
	}
}

// fleetCrawl runs n workers on one site with a fresh prefix and returns the pages
// fetched and articles written by all, and the elapsed time.
func fleetCrawl(b *testing.B, srv *redistest.Server, base, prefix string, n int, limits bool) (pages, articles int, el time.Duration) {
	b.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Name = prefix
	cfg.Crawl.Delay = 0
	cfg.State.FleetLimits = limits
	cfg.State.Lease = 30 * time.Second
	cfg.Sites = []config.Site{{Name: "bench", StartURLs: []string{base + "/"}, Articles: []string{`/article/[0-9]+$`}, MaxDepth: 100, MaxPages: 100000}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for w := range n {
		st, err := store.OpenRedis(ctx, srv.URL(0), store.RedisOptions{Prefix: prefix})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sink countingSink
			sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: &sink, Store: st, Worker: "w" + strconv.Itoa(w)})
			if err != nil {
				b.Error(err)
			}
			mu.Lock()
			pages += sum.Fetched
			articles += sum.Articles
			mu.Unlock()
		}()
		// The first worker begins the run and seeds it; the others join it.
		if w == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	wg.Wait()
	return pages, articles, time.Since(start)
}

// topLevelCalls is the number of commands clients sent to srv: INFO commandstats
// counts the commands run inside scripts too, so only the commands never called
// from the store's scripts are summed.
func topLevelCalls(b *testing.B, srv *redistest.Server) int64 {
	b.Helper()
	info, err := srv.Do(context.Background(), "INFO", "commandstats")
	if err != nil {
		b.Fatal(err)
	}
	top := map[string]bool{"evalsha": true, "eval": true, "sismember": true, "hkeys": true, "smembers": true,
		"ping": true, "hello": true, "client|setinfo": true, "client": true, "select": true, "info": true}
	var n int64
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") || !top[strings.TrimPrefix(name, "cmdstat_")] {
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		c, _ := strconv.ParseInt(calls, 10, 64)
		n += c
	}
	return n
}
