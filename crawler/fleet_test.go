package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/store"
)

// fleetJob runs workers crawls of cfg in this process, each with its own
// connection to the redis state (as separate processes would), and returns the
// articles written by each.
func fleetJob(t *testing.T, srv *redistest.Server, cfg config.Config, workers int) []int {
	t.Helper()
	ctx := context.Background()
	out := make([]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		st, err := store.OpenRedis(ctx, srv.URL(0), store.RedisOptions{Prefix: cfg.StatePrefix()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sink countingSink
			sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: &sink, Store: st, Worker: "w" + strconv.Itoa(w), Logger: testLogger(t)})
			if err != nil {
				t.Error(err)
			}
			out[w] = sum.Articles
		}()
	}
	wg.Wait()
	return out
}

// Two workers with crawl.parallelism 3 each never send more than 3 requests at a
// time to the site together (state.fleet_limits); with the fleet limits off, each
// applies its own 3.
func TestFleetLimitsHoldAcrossWorkers(t *testing.T) {
	srv := redistest.Start(t)
	for _, tc := range []struct {
		fleetLimits bool
		maxWant     int64 // the most requests in flight the site may see
		minWant     int64 // and at least this many (the limit is reached)
	}{
		{true, 3, 3},
		{false, 6, 4},
	} {
		t.Run(fmt.Sprintf("fleet_limits=%v", tc.fleetLimits), func(t *testing.T) {
			var inFlight, maxInFlight atomic.Int64
			site := BenchSite{Pages: 150, PerList: 50}
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for m := maxInFlight.Load(); n > m && !maxInFlight.CompareAndSwap(m, n); m = maxInFlight.Load() {
				}
				time.Sleep(8 * time.Millisecond)
				site.ServeHTTP(w, r)
			}))
			defer hs.Close()
			cfg := config.Default()
			cfg.Name = fmt.Sprintf("limits-%v", tc.fleetLimits)
			cfg.Crawl.Delay = 0
			cfg.Crawl.Parallelism = 3
			cfg.State.FleetLimits = tc.fleetLimits
			cfg.Sites = []config.Site{{Name: "s", StartURLs: []string{hs.URL + "/"}, Articles: []string{`/article/[0-9]+$`}, MaxDepth: 10, MaxPages: 1000}}
			got := fleetJob(t, srv, cfg, 2)
			if got[0]+got[1] != site.Pages {
				t.Fatalf("articles written %v, want %d in all", got, site.Pages)
			}
			if m := maxInFlight.Load(); m > tc.maxWant || m < tc.minWant {
				t.Fatalf("at most %d requests in flight at the site, want between %d and %d", m, tc.minWant, tc.maxWant)
			}
		})
	}
}
