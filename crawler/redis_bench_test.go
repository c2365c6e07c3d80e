package crawler

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/store"
)

// roundTripCounter is a go-redis hook counting the client's round trips: a command
// (a script call included) is one, a pipeline is one.
type roundTripCounter struct {
	calls atomic.Int64
	mu    sync.Mutex
	byOp  map[string]int64 // by command name (and the script's SHA1 prefix)
}

func (c *roundTripCounter) count(name string) {
	c.calls.Add(1)
	c.mu.Lock()
	if c.byOp == nil {
		c.byOp = map[string]int64{}
	}
	c.byOp[name]++
	c.mu.Unlock()
}

func (c *roundTripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *roundTripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		name := cmd.Name()
		if a := cmd.Args(); (name == "evalsha" || name == "eval") && len(a) > 1 {
			name += " " + fmt.Sprint(a[1])[:8]
		}
		c.count(name)
		return next(ctx, cmd)
	}
}

func (c *roundTripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.count("pipeline")
		return next(ctx, cmds)
	}
}

// redisCost is what a crawl with Redis state cost.
type redisCost struct {
	pages, articles int
	roundTrips      int64            // client round trips (hook): state and fleet limiter
	stateTrips      int64            // of them, the state store's (Redis.RoundTrips)
	commands        int64            // commands the server ran (INFO commandstats, inside scripts included)
	byCommand       map[string]int64 // of them, per command
	cpu             time.Duration    // this process's user+system CPU
	serverCPU       time.Duration    // redis-server's user+system CPU
	elapsed         time.Duration
	byOp            map[string]int64 // round trips by command (script SHA1 prefix)
}

// commandStats returns the calls of every command from INFO commandstats and the
// server's CPU time from INFO cpu.
func commandStats(tb testing.TB, srv *redistest.Server) (map[string]int64, time.Duration) {
	tb.Helper()
	info, err := srv.Do(context.Background(), "INFO", "all")
	if err != nil {
		tb.Fatal(err)
	}
	calls := map[string]int64{}
	var cpu float64
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(name, "cmdstat_"):
			n, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
			c, _ := strconv.ParseInt(n, 10, 64)
			calls[strings.TrimPrefix(name, "cmdstat_")] = c
		case name == "used_cpu_sys" || name == "used_cpu_user":
			f, _ := strconv.ParseFloat(rest, 64)
			cpu += f
		}
	}
	return calls, time.Duration(cpu * float64(time.Second))
}

// countedRedis opens a Redis state on srv under prefix, its round trips counted
// by the returned hook (closed when tb ends), and the config of a crawl of the
// bench site at base.
func countedRedis(tb testing.TB, srv *redistest.Server, base, prefix string, limits bool) (*store.Redis, *roundTripCounter, config.Config) {
	tb.Helper()
	st, err := store.OpenRedis(context.Background(), srv.URL(0), store.RedisOptions{Prefix: prefix})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	rt := &roundTripCounter{}
	st.Client().AddHook(rt)
	cfg := config.Default()
	cfg.Crawl.Delay = 0
	cfg.State.FleetLimits = limits
	cfg.Sites = []config.Site{{Name: "bench", StartURLs: []string{base + "/"}, Articles: []string{`/article/[0-9]+$`}}}
	return st, rt, cfg
}

// redisCrawl crawls site (served at base) with a Redis state on srv under a fresh
// prefix and returns what it cost.
func redisCrawl(tb testing.TB, srv *redistest.Server, base, prefix string, pages int, limits bool) redisCost {
	tb.Helper()
	ctx := context.Background()
	st, rt, cfg := countedRedis(tb, srv, base, prefix, limits)
	cfg.Sites[0].MaxPages = pages + 1000
	before, sc0 := commandStats(tb, srv)
	start, c0 := time.Now(), processCPU()
	sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: &countingSink{}, Store: st})
	if err != nil {
		tb.Fatal(err)
	}
	cost := redisCost{pages: sum.Fetched, articles: sum.Articles, roundTrips: rt.calls.Load(), stateTrips: st.RoundTrips(), cpu: processCPU() - c0, elapsed: time.Since(start)}
	after, sc1 := commandStats(tb, srv)
	cost.serverCPU = sc1 - sc0
	cost.byOp = rt.byOp
	cost.byCommand = map[string]int64{}
	for k, v := range after {
		if d := v - before[k]; d > 0 && k != "info" {
			cost.byCommand[k] = d
			cost.commands += d
		}
	}
	return cost
}

// memoryCrawl crawls the site with a memory state (as `crawl run --state memory`)
// and returns the pages fetched, articles written and CPU used.
func memoryCrawl(tb testing.TB, base string, pages int) (int, int, time.Duration, time.Duration) {
	tb.Helper()
	cfg := config.Default()
	cfg.Crawl.Delay = 0
	cfg.Sites = []config.Site{{Name: "bench", StartURLs: []string{base + "/"}, Articles: []string{`/article/[0-9]+$`}, MaxPages: pages + 1000}}
	start, c0 := time.Now(), processCPU()
	sum, err := RunJob(context.Background(), JobOptions{Config: cfg, Sink: &countingSink{}, Store: store.NewMemory()})
	if err != nil {
		tb.Fatal(err)
	}
	return sum.Fetched, sum.Articles, processCPU() - c0, time.Since(start)
}

// BenchmarkRedisState crawls the loopback BenchSite ($CRAWL_BENCH_PAGES articles,
// default 5000) with a memory state, with a Redis state (a redis-server of its
// own on loopback), and with a memory state again (the two memory crawls bracket
// the Redis one, since the load of a shared machine drifts). It reports per page:
// the client round trips of the Redis store (a go-redis hook: a command or a
// pipeline is one), the commands the server ran (INFO commandstats: inside scripts
// included), the crawler's CPU with Redis and with memory state, and their ratio
// (issue 17: ≤ 2 round trips, ≤ 1.3× CPU), and the server's own CPU; with the
// fleet-wide host limits on (state.fleet_limits, the default: two more round
// trips per request, the limiter's) and off. With -v it logs the round trips and
// the commands per page by name.
//
//	go test -run '^$' -bench BenchmarkRedisState -benchtime 1x ./crawler/
func BenchmarkRedisState(b *testing.B) {
	pages := 5000
	if v, err := strconv.Atoi(os.Getenv("CRAWL_BENCH_PAGES")); err == nil && v > 0 {
		pages = v
	}
	site := BenchSite{Pages: pages, PerList: 50}
	hs := httptest.NewServer(site)
	defer hs.Close()
	srv := redistest.Start(b)
	defer srv.Stop()
	for _, limits := range []bool{true, false} {
		b.Run(fmt.Sprintf("fleet_limits=%v", limits), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				benchRedisState(b, srv, hs.URL, fmt.Sprintf("bench-%v-%d", limits, i), pages, limits)
			}
		})
	}
}

func benchRedisState(b *testing.B, srv *redistest.Server, base, prefix string, pages int, limits bool) {
	mp1, ma1, mc1, _ := memoryCrawl(b, base, pages)
	c := redisCrawl(b, srv, base, prefix, pages, limits)
	mp2, ma2, mc2, _ := memoryCrawl(b, base, pages)
	if c.articles != pages || ma1 != pages || ma2 != pages {
		b.Fatalf("articles: redis %d, memory %d and %d; want %d", c.articles, ma1, ma2, pages)
	}
	memPerPage := (mc1.Seconds()/float64(mp1) + mc2.Seconds()/float64(mp2)) / 2
	p := float64(c.pages)
	redisPerPage := c.cpu.Seconds() / p
	b.ReportMetric(float64(c.roundTrips)/p, "roundtrips/page")
	b.ReportMetric(float64(c.stateTrips)/p, "state_roundtrips/page")
	b.ReportMetric(float64(c.commands)/p, "commands/page")
	b.ReportMetric(redisPerPage*1e6, "redis_cpu_µs/page")
	b.ReportMetric(memPerPage*1e6, "memory_cpu_µs/page")
	b.ReportMetric(redisPerPage/memPerPage, "redis/memory_cpu")
	b.ReportMetric(c.serverCPU.Seconds()/p*1e6, "server_cpu_µs/page")
	b.ReportMetric(p/c.elapsed.Seconds(), "redis_pages/s")
	b.Logf("%d pages fetched; commands per page: %s", c.pages, perPage(c.byCommand, p))
	if testing.Verbose() {
		b.Logf("round trips per page by command: %s", perPage(c.byOp, p))
	}
}

// perPage formats counts divided by pages, largest first.
func perPage(counts map[string]int64, pages float64) string {
	names := make([]string, 0, len(counts))
	for k := range counts {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return counts[names[i]] > counts[names[j]] })
	var sb strings.Builder
	for _, k := range names {
		fmt.Fprintf(&sb, " %s=%.3f", k, float64(counts[k])/pages)
	}
	return strings.TrimSpace(sb.String())
}
