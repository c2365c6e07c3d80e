package crawler

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/internal/redistest"
)

// TestRedisStateRoundTrips crawls a 400-article site with a Redis state, with the
// default config (fleet-wide host limits on: the state's calls, the near-duplicate
// index's and the fleet limiter's) and with the fleet limits off, and checks that
// every article is written once and that a page costs at most 2 client round trips
// (issue 17): links, metadata and acks go with one call, reservations and commits
// per batch, near-duplicate look-ups made at the same time in one script call, and
// a host slot is reused for the worker's next requests.
func TestRedisStateRoundTrips(t *testing.T) {
	srv := redistest.Start(t)
	site := BenchSite{Pages: 400, PerList: 50}
	hs := httptest.NewServer(site)
	defer hs.Close()
	ctx := context.Background()
	if !config.Default().State.FleetLimits {
		t.Fatal("state.fleet_limits is off by default: the test's first case expects the default on")
	}
	for _, limits := range []bool{true, false} {
		t.Run(fmt.Sprintf("fleet_limits=%v", limits), func(t *testing.T) {
			st, rt, cfg := countedRedis(t, srv, hs.URL, fmt.Sprintf("rt-%v", limits), limits)
			var sink countingSink
			sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: &sink, Store: st})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Articles != site.Pages || sink.n.Load() != int64(site.Pages) {
				t.Fatalf("%d articles (%d records written), want %d", sum.Articles, sink.n.Load(), site.Pages)
			}
			pages := site.Pages + site.Lists() + 2 // the home and about pages
			if sum.Fetched < pages {
				t.Fatalf("%d pages fetched, want at least %d", sum.Fetched, pages)
			}
			stats, err := st.Stats(ctx, "bench")
			if err != nil || stats.Done != int64(sum.Fetched) || stats.Queued+stats.Leased != 0 || stats.Emitted != int64(site.Pages) {
				t.Fatalf("state after the crawl = %+v, %v; want %d done, nothing queued or leased, %d emitted", stats, err, sum.Fetched, site.Pages)
			}
			trips := float64(rt.calls.Load()) / float64(sum.Fetched)
			t.Logf("%d round trips for %d pages (%.2f per page): %s", rt.calls.Load(), sum.Fetched, trips, perPage(rt.byOp, float64(sum.Fetched)))
			if trips > 2 {
				t.Errorf("%.2f client round trips per page, want ≤ 2", trips)
			}
		})
	}
}
