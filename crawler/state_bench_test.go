package crawler

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/internal/condsite"
	"github.com/healthcrawl/healthcrawl/store"
)

// BenchmarkStateStore crawls the generated loopback site (BenchSite, $CRAWL_BENCH_PAGES
// article pages, default 5000, served with ETag/Last-Modified by condsite) three
// times per iteration: with no state (memory, before and after, averaged), with a
// fresh SQLite state file, and again on that file with nothing changed (conditional
// requests, 304s). It reports
// the time of each and the two ratios of issue 6: sqlite/memory (≤ 1.20) and
// second/first run (≤ 0.30).
//
//	go test -run '^$' -bench BenchmarkStateStore -benchtime 1x ./crawler/
func BenchmarkStateStore(b *testing.B) {
	pages := 5000
	if v, err := strconv.Atoi(os.Getenv("CRAWL_BENCH_PAGES")); err == nil && v > 0 {
		pages = v
	}
	site := condsite.New(BenchSite{Pages: pages, PerList: 50})
	srv := httptest.NewServer(site)
	defer srv.Close()
	cfg := config.Default()
	cfg.Crawl.Delay = 0
	cfg.Sites = []config.Site{{Name: "bench", StartURLs: []string{srv.URL + "/"}, Articles: []string{`/article/[0-9]+$`}, MaxPages: pages + 1000}}
	ctx := context.Background()
	// cpu is the process's user+system CPU time: on a shared machine the wall time
	// of a run swings with the other processes' load, its CPU time much less.
	var cpuMark time.Duration
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	crawl := func(st store.Store) (time.Duration, Summary) {
		var sink countingSink
		start := time.Now()
		c0 := cpu()
		sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: &sink, Store: st})
		if err != nil {
			b.Fatal(err)
		}
		cpuMark = cpu() - c0
		return time.Since(start), sum
	}
	for b.Loop() {
		// Memory runs before and after the SQLite run, averaged: the machine's load
		// drifts, and the SQLite run is bracketed by the two.
		memT1, memSum := crawl(nil)
		memC1 := cpuMark
		st, err := store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "state.db"))
		if err != nil {
			b.Fatal(err)
		}
		store.DebugCommits.Store(0)
		store.DebugOps.Store(0)
		firstT, firstSum := crawl(st)
		b.Logf("first run: %d commits, %d ops", store.DebugCommits.Load(), store.DebugOps.Load())
		firstC := cpuMark
		site.ResetCounts()
		secondT, secondSum := crawl(st)
		secondC := cpuMark
		notModified := site.Count(304)
		st.Close()
		memT2, _ := crawl(nil)
		memT, memC := (memT1+memT2)/2, (memC1+cpuMark)/2
		if memSum.Articles != pages || firstSum.Articles != pages || secondSum.Articles != 0 || secondSum.Unchanged != pages {
			b.Fatalf("articles: memory %d, sqlite %d, second run %d (unchanged %d); want %d, %d, 0 (%d)",
				memSum.Articles, firstSum.Articles, secondSum.Articles, secondSum.Unchanged, pages, pages, pages)
		}
		b.ReportMetric(memT.Seconds(), "memory_s")
		b.ReportMetric(firstT.Seconds(), "sqlite_s")
		b.ReportMetric(secondT.Seconds(), "second_s")
		b.ReportMetric(100*firstT.Seconds()/memT.Seconds(), "sqlite/memory_%")
		b.ReportMetric(100*secondT.Seconds()/firstT.Seconds(), "second/first_%")
		b.ReportMetric(float64(notModified), "second_304s")
		b.ReportMetric(memC.Seconds(), "memory_cpu_s")
		b.ReportMetric(firstC.Seconds(), "sqlite_cpu_s")
		b.ReportMetric(secondC.Seconds(), "second_cpu_s")
		b.ReportMetric(100*firstC.Seconds()/memC.Seconds(), "sqlite/memory_cpu_%")
		b.ReportMetric(100*secondC.Seconds()/firstC.Seconds(), "second/first_cpu_%")
	}
}
