package main

// Presentation of the crawler's data: the live progress line, the run summary
// table and the crawl benchmark table. The crawler package only exposes data
// (crawler.Summary, crawler.ProgressSnapshot, crawler.BenchResult).

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/healthcrawl/healthcrawl/crawler"
)

// progressLine renders the crawler's progress snapshots as one line refreshed in
// place on w (a terminal); the last snapshot ends it with a newline. nil w = no
// progress (nil func).
func progressLine(w io.Writer) func(crawler.ProgressSnapshot) {
	if w == nil {
		return nil
	}
	return func(p crawler.ProgressSnapshot) {
		fmt.Fprintf(w, "\rqueued %d  fetched %d  articles %d  errors %d  %.1f pages/s   ",
			p.Queued, p.Fetched, p.Articles, p.Errors, p.PagesPerSec())
		if p.Done {
			fmt.Fprintln(w)
		}
	}
}

// printSummary writes the human-readable summary of a run: pages fetched,
// articles written, URLs not emitted by category and reason, errors, elapsed
// time and pages/s, then the failed sites and the nothing-new line.
func printSummary(w io.Writer, s crawler.Summary) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Fetched) / s.Elapsed.Seconds()
	}
	fmt.Fprintf(tw, "pages fetched\t%d\t(%d requests)\n", s.Fetched, s.Requests)
	fmt.Fprintf(tw, "articles written\t%d\t\n", s.Articles)
	if s.Rendered > 0 {
		fmt.Fprintf(tw, "pages rendered\t%d\t(headless Chromium)\n", s.Rendered)
	}
	for _, cat := range crawler.Categories {
		n := s.Categories[cat]
		if n == 0 {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t\n", crawler.CategoryLabel(cat), n)
		reasons := s.Reasons[cat]
		keys := make([]string, 0, len(reasons))
		for r := range reasons {
			keys = append(keys, r)
		}
		sort.Slice(keys, func(a, b int) bool {
			if reasons[keys[a]] != reasons[keys[b]] {
				return reasons[keys[a]] > reasons[keys[b]]
			}
			return keys[a] < keys[b]
		})
		for _, r := range keys {
			fmt.Fprintf(tw, "  %s\t%d\t\n", r, reasons[r])
		}
	}
	if s.New+s.Changed+s.Unchanged+s.Gone > 0 {
		fmt.Fprintf(tw, "new / changed / unchanged / gone\t%d / %d / %d / %d\t\n", s.New, s.Changed, s.Unchanged, s.Gone)
	}
	if s.Resumed {
		fmt.Fprintf(tw, "resumed\tyes\t(continued an interrupted run)\n")
	}
	fmt.Fprintf(tw, "errors\t%d\t\n", s.Errors)
	if s.Pending > 0 {
		fmt.Fprintf(tw, "still queued\t%d\t(interrupted)\n", s.Pending)
	}
	fmt.Fprintf(tw, "elapsed\t%s\t\n", s.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(tw, "pages/s\t%.1f\t\n", rate)
	tw.Flush()
	for _, f := range s.Failures {
		fmt.Fprintf(w, "FAILED: %s\n", f)
	}
	if line := s.NothingNew(); line != "" {
		fmt.Fprintln(w, line)
	}
}

// printBench writes the crawl benchmark result as a table.
func printBench(w io.Writer, r crawler.BenchResult) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "site\t%d article pages + %d listing pages, server latency %s, parallelism %d, median of %d rounds\n", r.Pages, crawler.BenchSite{Pages: r.Pages, PerList: 50}.Lists(), r.Latency, r.Parallelism, r.Rounds)
	fmt.Fprintf(tw, "crawl\tpages\tarticles\telapsed\tpages/s\tpeak RSS\n")
	for _, row := range []struct {
		name string
		run  crawler.BenchRun
	}{{"bare colly (no extraction)", r.Bare}, {"healthcrawl, no extraction", r.CrawlOnly}, {"healthcrawl (extract+pipeline)", r.Full}, {"healthcrawl, sqlite state + jsonl file", r.Durable}} {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%.0f\t%s\n", row.name, row.run.Fetched, row.run.Articles, row.run.Elapsed.Round(time.Millisecond), row.run.PagesPerSec, mib(row.run.PeakRSS))
	}
	fmt.Fprintf(tw, "ratio full / bare\t%.0f %%\t(target ≥ 70 %%)\n", r.Ratio*100)
	fmt.Fprintf(tw, "ratio sqlite+jsonl / bare\t%.0f %%\t(write-then-commit: each batch synced before its commit)\n", r.DurableRatio*100)
	tw.Flush()
}

func mib(b int64) string {
	if b < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}
