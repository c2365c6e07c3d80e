package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

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

// The progress line is rewritten in place (\r) and ended with a newline by the
// last snapshot; no writer = no callback.
func TestProgressLine(t *testing.T) {
	if progressLine(nil) != nil {
		t.Error("progressLine(nil) is not nil")
	}
	var b strings.Builder
	f := progressLine(&b)
	f(crawler.ProgressSnapshot{Queued: 5, Fetched: 2, Articles: 1, Elapsed: time.Second})
	f(crawler.ProgressSnapshot{Queued: 9, Fetched: 8, Articles: 6, Errors: 1, Elapsed: 2 * time.Second, Done: true})
	want := "\rqueued 5  fetched 2  articles 1  errors 0  2.0 pages/s   " +
		"\rqueued 9  fetched 8  articles 6  errors 1  4.0 pages/s   \n"
	if b.String() != want {
		t.Errorf("progress output %q, want %q", b.String(), want)
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
