package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/crawler"
)

// The summary table: counts, categories with their reasons (most frequent first),
// the incremental verdicts, failures and the nothing-new line.
func TestPrintSummary(t *testing.T) {
	var b strings.Builder
	printSummary(&b, crawler.Summary{
		Fetched: 20, Requests: 23, Articles: 11, Errors: 2,
		Categories: map[string]int{crawler.CatDuplicate: 3, crawler.CatFailed: 2, crawler.CatOverLimit: 1},
		Reasons: map[string]map[string]int{
			crawler.CatDuplicate: {"rel=canonical alias": 2, "same text": 1},
			crawler.CatFailed:    {"timeout": 2},
			crawler.CatOverLimit: {"url too long": 1},
		},
		New: 1, Changed: 1, Unchanged: 7, Gone: 1,
		Elapsed: 2 * time.Second,
	})
	out := b.String()
	for _, re := range []string{
		`(?m)^pages fetched +20 +\(23 requests\)$`,
		`(?m)^articles written +11\b`,
		`(?m)^duplicates +3\b`,
		`(?m)^  rel=canonical alias +2 *\n  same text +1\b`,
		`(?m)^failed +2 *\n  timeout +2\b`,
		`(?m)^over a limit +1\b`,
		`(?m)^new / changed / unchanged / gone +1 / 1 / 7 / 1\b`,
		`(?m)^errors +2\b`,
		`(?m)^elapsed +2s\b`,
		`(?m)^pages/s +10\.0\b`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("summary does not match %s:\n%s", re, out)
		}
	}
	if strings.Contains(out, "pages rendered") || strings.Contains(out, "FAILED") || strings.Contains(out, "still queued") {
		t.Errorf("summary shows lines for zero values:\n%s", out)
	}
}

// The rendered pages line appears only when a page was rendered.
func TestPrintSummaryRendered(t *testing.T) {
	var with, without strings.Builder
	printSummary(&with, crawler.Summary{Fetched: 3, Articles: 2, Rendered: 2})
	printSummary(&without, crawler.Summary{Fetched: 3, Articles: 2})
	if !regexp.MustCompile(`(?m)^pages rendered +2 +\(headless Chromium\)$`).MatchString(with.String()) {
		t.Errorf("summary lacks the rendered line:\n%s", with.String())
	}
	if strings.Contains(without.String(), "pages rendered") {
		t.Errorf("summary without renders shows the line:\n%s", without.String())
	}
}

// A site that fetched nothing is named with its cause; the nothing-new line of an
// incremental run is printed once.
func TestPrintSummaryFailuresAndNothingNew(t *testing.T) {
	failed := "site down: 0 pages fetched: robots.txt of http://127.0.0.1:1 unreachable: connection refused"
	var b strings.Builder
	printSummary(&b, crawler.Summary{Failures: []string{failed}})
	if !strings.Contains(b.String(), "FAILED: "+failed+"\n") {
		t.Errorf("summary does not name the cause:\n%s", b.String())
	}

	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	s := crawler.Summary{PrevRun: 3, PrevRunAt: at, Unchanged: 27}
	want := s.NothingNew()
	if want == "" {
		t.Fatal("NothingNew is empty for an unchanged incremental run")
	}
	b.Reset()
	printSummary(&b, s)
	if strings.Count(b.String(), want+"\n") != 1 {
		t.Errorf("summary lacks the line %q once:\n%s", want, b.String())
	}
}

// The bench table names the four crawls and the ratios.
func TestPrintBench(t *testing.T) {
	var b strings.Builder
	printBench(&b, crawler.BenchResult{Pages: 100, Parallelism: 4, Rounds: 1, Ratio: 0.8, DurableRatio: 0.5,
		Full: crawler.BenchRun{Fetched: 103, Articles: 100, PagesPerSec: 250, PeakRSS: 64 << 20}, Bare: crawler.BenchRun{PeakRSS: -1}})
	out := b.String()
	for _, s := range []string{"100 article pages + 2 listing pages", "healthcrawl (extract+pipeline)          103    100", "64 MiB", "n/a", "ratio full / bare", "80 %", "50 %"} {
		if !strings.Contains(out, s) {
			t.Errorf("bench table lacks %q:\n%s", s, out)
		}
	}
}

// Reasons with a detail of their own (a URL, a number) are shown for the 10 most
// frequent of a category and summed in one "… and N more" row; reasons without
// one are always shown; a long reason is cut to 60 characters with "…". The
// table stays narrow.
func TestPrintSummaryGroupsAndCapsReasons(t *testing.T) {
	dropped := map[string]int{"filter: too_short": 1}
	total := 1
	for i := range 25 {
		n := 30 - i // 30, 29, … 6: the first ten are the most frequent
		dropped[fmt.Sprintf("dedupe: duplicate_of https://health.example.org/articles/%02d", i)] = n
		total += n
	}
	long := "extractor error: " + strings.Repeat("the page said something unexpected ", 5)
	failed := map[string]int{long: 2, "status 503": 3}
	s := crawler.Summary{
		Categories: map[string]int{crawler.CatDropped: total, crawler.CatFailed: 5},
		Reasons:    map[string]map[string]int{crawler.CatDropped: dropped, crawler.CatFailed: failed},
		Errors:     5,
	}
	var b strings.Builder
	printSummary(&b, s)
	out := b.String()
	for i := range 10 {
		if !strings.Contains(out, fmt.Sprintf("  dedupe: duplicate_of https://health.example.org/articles/%02d ", i)) {
			t.Errorf("row of reason %d (among the 10 most frequent) missing:\n%s", i, out)
		}
	}
	if strings.Contains(out, "articles/10") {
		t.Errorf("the 11th reason with a URL has its own row:\n%s", out)
	}
	more := 0
	for i := 10; i < 25; i++ {
		more += 30 - i
	}
	if !regexp.MustCompile(fmt.Sprintf(`(?m)^  … and 15 more +%d\b`, more)).MatchString(out) {
		t.Errorf("no '… and 15 more  %d' row:\n%s", more, out)
	}
	if !regexp.MustCompile(`(?m)^  filter: too_short +1\b`).MatchString(out) {
		t.Errorf("the reason without a detail is not shown:\n%s", out)
	}
	capped := strings.TrimSpace(string([]rune(long)[:maxReasonRunes-1])) + "…"
	if !strings.Contains(out, "  "+capped+" ") || strings.Contains(out, long) {
		t.Errorf("the long reason is not cut to %q:\n%s", capped, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(l); n > 90 {
			t.Errorf("line of %d characters: %q", n, l)
		}
	}
	// The reasons sum to the category, rows shown and the "more" row together.
	sum := 0
	for _, r := range reasonRows(dropped) {
		sum += r.n
	}
	if sum != total {
		t.Errorf("rows of dropped sum to %d, want %d", sum, total)
	}
}
