package main

// Presentation of the crawler's data: the live progress line, the run summary
// table and the crawl benchmark table. The crawler package only exposes data
// (crawler.Summary, crawler.ProgressSnapshot, crawler.BenchResult).

import (
	"fmt"
	"github.com/dustin/go-humanize/english"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/crawler"
)

// printSummary writes the human-readable summary of a run: pages fetched,
// articles written, URLs not emitted by category and reason, errors, elapsed
// time and pages/s, then the failed sites and the nothing-new line.
func printSummary(w io.Writer, s crawler.Summary) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Fetched) / s.Elapsed.Seconds()
	}
	fmt.Fprintf(tw, "pages fetched\t%d\t(%s)\n", s.Fetched, english.Plural(s.Requests, "request", ""))
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
		for _, row := range reasonRows(s.Reasons[cat]) {
			fmt.Fprintf(tw, "  %s\t%d\t\n", row.reason, row.n)
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

// Limits of the reason rows of the summary table.
const (
	maxReasonRunes = 60 // a longer reason is cut, ending in "…"
	maxDetailRows  = 10 // reasons with a detail shown per category; the rest make one "… and N more" row
)

type reasonRow struct {
	reason string
	n      int
}

// reasonRows are the rows of one category's reasons, the most frequent first.
// Reasons that carry a detail of their own — a URL, an address, a number ("dedupe:
// duplicate_of https://…", "robots.txt unavailable: Get \"http://…\"") — can be
// one per URL: the maxDetailRows most frequent are shown, the others are summed in
// one "… and N more" row. Reasons without one are always shown. Each reason is
// cut to maxReasonRunes. (Every reason is in the --stats JSON, whole.)
func reasonRows(reasons map[string]int) []reasonRow {
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
	var rows []reasonRow
	details, more, moreN := 0, 0, 0
	for _, r := range keys {
		if hasDetail(r) {
			if details == maxDetailRows {
				more++
				moreN += reasons[r]
				continue
			}
			details++
		}
		rows = append(rows, reasonRow{capReason(r), reasons[r]})
	}
	if more > 0 {
		rows = append(rows, reasonRow{fmt.Sprintf("… and %d more", more), moreN})
	}
	return rows
}

// hasDetail reports whether a reason carries a detail of its own (a URL, an
// address, a number), so that there may be one such reason per URL.
func hasDetail(reason string) bool {
	return strings.Contains(reason, "://") || strings.ContainsAny(reason, "0123456789")
}

// capReason is reason on one line, cut to maxReasonRunes with "…".
func capReason(reason string) string {
	reason = oneLine(reason)
	if utf8.RuneCountInString(reason) <= maxReasonRunes {
		return reason
	}
	r := []rune(reason)
	return strings.TrimSpace(string(r[:maxReasonRunes-1])) + "…"
}

// printBench writes the crawl benchmark result as a table.
func printBench(w io.Writer, r crawler.BenchResult) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	where := "served in this process"
	if r.SiteProcess {
		where = "served by another process"
	}
	fmt.Fprintf(tw, "site\t%d article pages + %d listing pages, server latency %s, %s, parallelism %d, median of %d rounds\n", r.Pages, crawler.BenchSite{Pages: r.Pages, PerList: 50}.Lists(), r.Latency, where, r.Parallelism, r.Rounds)
	fmt.Fprintf(tw, "crawl\tpages\tarticles\telapsed\tpages/s\tpeak RSS\n")
	for _, row := range []struct {
		name string
		run  crawler.BenchRun
	}{{"bare colly (no extraction)", r.Bare}, {"healthcrawl, no extraction", r.CrawlOnly}, {"healthcrawl (extract+pipeline)", r.Full}, {"healthcrawl, sqlite state + jsonl file", r.Durable}} {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%.0f\t%s\n", row.name, row.run.Fetched, row.run.Articles, row.run.Elapsed.Round(time.Millisecond), row.run.PagesPerSec, mib(row.run.PeakRSS))
	}
	fmt.Fprintf(tw, "ratio full / bare\t%.0f %%\t(medians)\n", r.Ratio*100)
	fmt.Fprintf(tw, "best full / best bare\t%.0f %%\t(best round of each; issue 17 target ≥ 100 %%)\n", r.BestRatio*100)
	fmt.Fprintf(tw, "ratio sqlite+jsonl / bare\t%.0f %%\t(write-then-commit: each batch synced before its commit)\n", r.DurableRatio*100)
	tw.Flush()
}

func mib(b int64) string {
	if b < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}
