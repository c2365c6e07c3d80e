package crawler

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/internal/condsite"
	"github.com/healthcrawl/healthcrawl/store"
)

// BenchmarkStateStore crawls the generated loopback site (BenchSite, $CRAWL_BENCH_PAGES
// article pages, default 5000, served with ETag/Last-Modified by condsite, plus a
// sitemap listing every article with a lastmod) five times per iteration: with no
// state (memory), with a fresh SQLite state file, again on that file with nothing
// changed (sitemap lastmods unchanged: articles not requested), again without the
// sitemap in the config (every page asked with a conditional request: 304s), and
// with no state again. It reports the times (the memory time is the mean of the two
// memory runs, which bracket the others, since the load of a shared machine drifts)
// and the ratios of issue 6: sqlite/memory (≤ 120 %) and second/first run (≤ 30 %).
//
//	go test -run '^$' -bench BenchmarkStateStore -benchtime 1x ./crawler/
func BenchmarkStateStore(b *testing.B) {
	pages := 5000
	if v, err := strconv.Atoi(os.Getenv("CRAWL_BENCH_PAGES")); err == nil && v > 0 {
		pages = v
	}
	bench := BenchSite{Pages: pages, PerList: 50}
	site := condsite.New(benchSiteWithSitemap(bench))
	srv := httptest.NewServer(site)
	defer srv.Close()
	cfg := config.Default()
	cfg.Crawl.Delay = 0
	cfg.Sites = []config.Site{{Name: "bench", StartURLs: []string{srv.URL + "/"}, Sitemaps: []string{srv.URL + "/sitemap.xml"},
		Articles: []string{`/article/[0-9]+$`}, MaxPages: pages + 1000}}
	noSitemap := cfg
	noSitemap.Sites = []config.Site{cfg.Sites[0]}
	noSitemap.Sites[0].Sitemaps = nil
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
	crawl := func(cfg config.Config, st store.Store) (time.Duration, Summary) {
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
		memT1, memSum := crawl(cfg, nil)
		memC1 := cpuMark
		st, err := store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "state.db"))
		if err != nil {
			b.Fatal(err)
		}
		firstT, firstSum := crawl(cfg, st)
		firstC := cpuMark
		site.ResetCounts()
		secondT, secondSum := crawl(cfg, st)
		secondC := cpuMark
		secondReqs := site.Count(200) + site.Count(304)
		site.ResetCounts()
		condT, condSum := crawl(noSitemap, st)
		condC := cpuMark
		notModified := site.Count(304)
		st.Close()
		memT2, _ := crawl(cfg, nil)
		memT, memC := (memT1+memT2)/2, (memC1+cpuMark)/2
		if memSum.Articles != pages || firstSum.Articles != pages || secondSum.Articles != 0 || secondSum.Unchanged != pages ||
			condSum.Articles != 0 || condSum.Unchanged != pages {
			b.Fatalf("articles: memory %d, sqlite %d, second run %d (unchanged %d), conditional run %d (unchanged %d); want %d, %d, 0 (%d), 0 (%d)",
				memSum.Articles, firstSum.Articles, secondSum.Articles, secondSum.Unchanged, condSum.Articles, condSum.Unchanged, pages, pages, pages, pages)
		}
		b.ReportMetric(memT.Seconds(), "memory_s")
		b.ReportMetric(firstT.Seconds(), "sqlite_s")
		b.ReportMetric(secondT.Seconds(), "second_s")
		b.ReportMetric(condT.Seconds(), "second304_s")
		b.ReportMetric(100*firstT.Seconds()/memT.Seconds(), "sqlite/memory_%")
		b.ReportMetric(100*secondT.Seconds()/firstT.Seconds(), "second/first_%")
		b.ReportMetric(100*condT.Seconds()/firstT.Seconds(), "second304/first_%")
		b.ReportMetric(float64(secondReqs), "second_requests")
		b.ReportMetric(float64(notModified), "second304_304s")
		b.ReportMetric(100*firstC.Seconds()/memC.Seconds(), "sqlite/memory_cpu_%")
		b.ReportMetric(100*secondC.Seconds()/firstC.Seconds(), "second/first_cpu_%")
		b.ReportMetric(100*condC.Seconds()/firstC.Seconds(), "second304/first_cpu_%")
	}
}

// benchSiteWithSitemap serves bench and a /sitemap.xml listing every article of it
// with a lastmod.
func benchSiteWithSitemap(bench BenchSite) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", bench)
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		var sb strings.Builder
		sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := 1; i <= bench.Pages; i++ {
			fmt.Fprintf(&sb, "<url><loc>http://%s/article/%d</loc><lastmod>2026-11-%02d</lastmod></url>\n", r.Host, i, 1+i%28)
		}
		sb.WriteString("</urlset>")
		io.WriteString(w, sb.String())
	})
	return mux
}
