package crawler

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/healthcrawl/healthcrawl/extractors"
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
		b.ReportMetric(res.DurableRatio*100, "durable_ratio_%")
		b.ReportMetric(float64(res.Full.PeakRSS)/(1<<20), "full_peak_MiB")
		b.ReportMetric(float64(res.Bare.PeakRSS)/(1<<20), "bare_peak_MiB")
		if testing.Verbose() {
			b.Logf("%+v", res) // the table is cmd/crawl's (crawl bench crawl)
		}
	}
}

// BenchmarkLinks compares reading a page's links with a goquery DOM (as colly's
// OnHTML does) against the tokenizer scan the crawler uses, next to the extractor's
// own cost on the same page.
//
//	go test -run '^$' -bench BenchmarkLinks -benchmem ./crawler/
func BenchmarkLinks(b *testing.B) {
	page := []byte(GenArticleHTML("bench-links", "Links", "", "", []string{"/a/1", "/a/2", "/a/3"}))
	b.Run("goquery", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			doc.Find("a[href], area[href], link[href]").Each(func(_ int, s *goquery.Selection) { n++ })
			if n == 0 {
				b.Fatal("no links")
			}
		}
	})
	b.Run("tokenizer", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			if len(scanLinks(page, "healthcrawl", 0).Hrefs) == 0 {
				b.Fatal("no links")
			}
		}
	})
	b.Run("extractor", func(b *testing.B) {
		ex, err := extractors.New(extractors.Options{})
		if err != nil {
			b.Fatal(err)
		}
		p := extractors.Page{URL: "http://h/a/0", Body: page, Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}}
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			if _, err := ex.Extract(context.Background(), p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
