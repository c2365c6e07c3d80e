package crawler

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkCrawl runs RunCrawlBench once per iteration on a BenchSite of
// $CRAWL_BENCH_PAGES article pages (default 5000), server latency
// $CRAWL_BENCH_LATENCY (default 0), $CRAWL_BENCH_PARALLELISM (default 4) and
// $CRAWL_BENCH_ROUNDS (default 3; medians are reported), and reports pages/s of the bare
// colly crawl and of the full crawl, their ratio, and the full crawl's peak RSS.
//
//	go test -run '^$' -bench BenchmarkCrawl -benchtime 1x ./crawler/
func BenchmarkCrawl(b *testing.B) {
	pages := 5000
	if v, err := strconv.Atoi(os.Getenv("CRAWL_BENCH_PAGES")); err == nil && v > 0 {
		pages = v
	}
	var latency time.Duration
	if v, err := time.ParseDuration(os.Getenv("CRAWL_BENCH_LATENCY")); err == nil {
		latency = v
	}
	par, _ := strconv.Atoi(os.Getenv("CRAWL_BENCH_PARALLELISM"))
	rounds, _ := strconv.Atoi(os.Getenv("CRAWL_BENCH_ROUNDS"))
	for b.Loop() {
		res, err := RunCrawlBench(context.Background(), BenchOptions{Pages: pages, Latency: latency, Parallelism: par, Rounds: rounds})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.Bare.PagesPerSec, "bare_pages/s")
		b.ReportMetric(res.Full.PagesPerSec, "full_pages/s")
		b.ReportMetric(res.Ratio*100, "ratio_%")
		b.ReportMetric(float64(res.Full.PeakRSS)/(1<<20), "full_peak_MiB")
		b.ReportMetric(float64(res.Bare.PeakRSS)/(1<<20), "bare_peak_MiB")
		if testing.Verbose() {
			res.Print(os.Stderr)
		}
	}
}
