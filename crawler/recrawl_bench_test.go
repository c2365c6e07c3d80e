package crawler

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/internal/condsite"
	"github.com/healthcrawl/healthcrawl/store"
)

// BenchmarkRecrawl304 measures an unchanged re-crawl of a site without a sitemap
// (sub-benchmark sitemap=no; sitemap=yes: the same with a sitemap listing every
// article with its lastmod, so the second run asks none of them): the generated
// loopback site (BenchSite, $CRAWL_BENCH_PAGES article pages, default
// 5000) served with ETag/Last-Modified by condsite, crawled with no state
// (memory, for reference), then twice on a fresh SQLite state: the second run asks
// every page with a conditional request and every page answers 304. It reports both
// runs' wall and CPU time and second/first (the issue 17 targets: ≤ 25 % without a
// sitemap, ≤ 12 % with one).
// The site answers conditional requests from the validators of its last 200
// (condsite.CacheValidators, as a CDN does); $CRAWL_BENCH_REGEN=1 makes it
// regenerate every page to answer instead.
// $CRAWL_BENCH_PROFILE=FILE writes a CPU profile of the second run alone;
// $CRAWL_BENCH_NODEDUPE=1 leaves the dedupe stage out of the pipeline (its scan of
// every kept record makes a first run of many pages slower than it will be with an
// index, and the ratio look better than it is).
//
//	CRAWL_BENCH_PAGES=20000 go test -run '^$' -bench BenchmarkRecrawl304 -benchtime 1x ./crawler/
func BenchmarkRecrawl304(b *testing.B) {
	b.Run("sitemap=no", func(b *testing.B) { benchRecrawl(b, false) })
	b.Run("sitemap=yes", func(b *testing.B) { benchRecrawl(b, true) })
}

func benchRecrawl(b *testing.B, withSitemap bool) {
	pages := 5000
	if v, err := strconv.Atoi(os.Getenv("CRAWL_BENCH_PAGES")); err == nil && v > 0 {
		pages = v
	}
	site := condsite.New(benchSiteWithSitemap(BenchSite{Pages: pages, PerList: 50}))
	// A real server or CDN answers a conditional request from the validators it
	// already has; the generator would otherwise rebuild and hash every page to
	// answer 304, and the benchmark would measure the site, not the crawler.
	// $CRAWL_BENCH_REGEN=1 measures that slower site instead.
	site.CacheValidators = os.Getenv("CRAWL_BENCH_REGEN") != "1"
	srv := httptest.NewServer(site)
	defer srv.Close()
	cfg := config.Default()
	cfg.Crawl.Delay = 0
	cfg.Sites = []config.Site{{Name: "bench", StartURLs: []string{srv.URL + "/"},
		Articles: []string{`/article/[0-9]+$`}, MaxPages: pages + 1000}}
	if withSitemap {
		cfg.Sites[0].Sitemaps = []string{srv.URL + "/sitemap.xml"}
	}
	if os.Getenv("CRAWL_BENCH_NODEDUPE") == "1" {
		cfg.Pipeline.Stages = slices.DeleteFunc(slices.Clone(cfg.Pipeline.Stages), func(s config.StageConfig) bool { return s.Name == "dedupe" })
	}
	ctx := context.Background()
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	crawl := func(st store.Store, profile string) (wall, cpuT time.Duration, sum Summary) {
		var sink countingSink
		if profile != "" {
			f, err := os.Create(profile)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				b.Fatal(err)
			}
			defer pprof.StopCPUProfile()
			// And where the workers wait: a block profile next to it.
			runtime.SetBlockProfileRate(int(10 * time.Microsecond))
			defer func() {
				runtime.SetBlockProfileRate(0)
				if bf, err := os.Create(profile + ".block"); err == nil {
					_ = pprof.Lookup("block").WriteTo(bf, 0)
					bf.Close()
				}
			}()
		}
		start, c0 := time.Now(), cpu()
		sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: &sink, Store: st})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start), cpu() - c0, sum
	}
	for b.Loop() {
		memT, memC, memSum := crawl(nil, "")
		st, err := store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "state.db"))
		if err != nil {
			b.Fatal(err)
		}
		firstT, firstC, firstSum := crawl(st, "")
		site.ResetCounts()
		secondT, secondC, secondSum := crawl(st, os.Getenv("CRAWL_BENCH_PROFILE"))
		notModified, full := site.Count(304), site.Count(200)
		st.Close()
		if memSum.Articles != pages || firstSum.Articles != pages || secondSum.Articles != 0 || (!withSitemap && secondSum.Unchanged != pages) {
			b.Fatalf("articles: memory %d, sqlite %d, second run %d (unchanged %d); want %d, %d, 0 (%d)",
				memSum.Articles, firstSum.Articles, secondSum.Articles, secondSum.Unchanged, pages, pages, pages)
		}
		b.ReportMetric(memT.Seconds(), "memory_s")
		b.ReportMetric(firstT.Seconds(), "first_s")
		b.ReportMetric(secondT.Seconds(), "second_s")
		b.ReportMetric(100*secondT.Seconds()/firstT.Seconds(), "second/first_%")
		b.ReportMetric(100*secondC.Seconds()/firstC.Seconds(), "second/first_cpu_%")
		b.ReportMetric(100*firstC.Seconds()/memC.Seconds(), "sqlite/memory_cpu_%")
		b.ReportMetric(float64(firstC.Microseconds())/float64(firstSum.Fetched), "first_cpu_us/page")
		b.ReportMetric(float64(secondC.Microseconds())/float64(secondSum.Fetched), "second_cpu_us/page")
		b.ReportMetric(float64(notModified), "second_304s")
		b.ReportMetric(float64(full), "second_200s")
	}
}
