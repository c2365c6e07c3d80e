package main

// Progress of a crawl: on a terminal one live line rewritten in place, with the
// log lines printed above it; elsewhere a "progress" log record every
// --progress-every.

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"sync"
	"time"

	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
)

// defaultProgressEvery is the default of --progress-every.
const defaultProgressEvery = 30 * time.Second

// rateWindow is how far back the recent pages/s of the progress line looks.
const rateWindow = 10 * time.Second

// console is the command's stderr, shared by the log, the live progress line and
// the stop messages under one mutex: while a progress line is shown, every other
// write first erases it (\r, erase line), then draws it again below, so a log line
// is never glued onto it.
type console struct {
	mu   sync.Mutex
	w    io.Writer
	tty  bool
	line string // the progress line on screen ("" = none)
}

// newConsole wraps w; tty says whether it is a terminal (where the live line goes).
func newConsole(w io.Writer) *console {
	c := &console{w: w}
	if f, ok := w.(*os.File); ok {
		c.tty = isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
	}
	return c
}

// eraseLine returns the cursor to the start of the line and clears it.
const eraseLine = "\r\x1b[K"

// Write writes p (whole lines: a log record, a summary, a message) above the
// progress line.
func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.line == "" {
		return c.w.Write(p)
	}
	io.WriteString(c.w, eraseLine)
	n, err := c.w.Write(p)
	io.WriteString(c.w, c.line)
	return n, err
}

// show draws line in place of the progress line; last ends it with a newline, so
// it stays on screen and what follows is written below it.
func (c *console) show(line string, last bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	io.WriteString(c.w, eraseLine+line)
	c.line = line
	if last {
		io.WriteString(c.w, "\n")
		c.line = ""
	}
}

// notice writes one line for the user (the stop messages).
func (c *console) notice(msg string) { _, _ = c.Write([]byte(msg + "\n")) }

// progressFlags are --progress-every and --stats, shared by run and demo.
type progressFlags struct {
	every time.Duration
	stats string
}

func (f *progressFlags) register(cmd *cobra.Command) {
	cmd.Flags().DurationVar(&f.every, "progress-every", defaultProgressEvery,
		"when stderr is not a terminal, log a progress line this often (0 = never);\non a terminal a live line shows the progress")
	cmd.Flags().StringVar(&f.stats, "stats", "", "write the run's summary as JSON to this file when the run ends\n(also when stopped or failed)")
}

// check rejects a negative --progress-every.
func (f *progressFlags) check() error {
	if f.every < 0 {
		return usageError("--progress-every %s: must be 0 (never) or more", f.every)
	}
	return nil
}

// progress is the OnProgress of a crawl: the live line when stderr is a terminal,
// else a "progress" log record every every (nil when every ≤ 0).
func (a *app) progress(every time.Duration) func(crawler.ProgressSnapshot) {
	if c, ok := a.err.(*console); ok && c.tty {
		return progressLine(c)
	}
	if every <= 0 {
		return nil
	}
	return progressLog(a.logger, every)
}

// progressLine renders the crawler's progress snapshots as one line redrawn in
// place on c; the last snapshot leaves it on screen.
func progressLine(c *console) func(crawler.ProgressSnapshot) {
	var r rateMeter
	return func(p crawler.ProgressSnapshot) {
		c.show(formatProgress(p, r.recent(p)), p.Done)
	}
}

// formatProgress is the live line: elapsed time, pages done and still queued, the
// recent and the average pages/s, articles written and errors:
//
//	1m05s  1,234 done / 5,678 queued  12.3 pages/s (avg 10.1)  800 articles  3 errors
func formatProgress(p crawler.ProgressSnapshot, recent float64) string {
	return fmt.Sprintf("%s  %d done / %d queued  %.1f pages/s (avg %.1f)  %s  %s",
		shortElapsed(p.Elapsed), p.Fetched, p.Queued, recent, p.PagesPerSec(),
		countNoun(p.Articles, "article", "articles"), countNoun(p.Errors, "error", "errors"))
}

// progressLog returns an OnProgress that logs a "progress" record every every
// (the crawler reports every crawler.ProgressInterval); the last snapshot is not
// logged (the summary follows).
func progressLog(log *slog.Logger, every time.Duration) func(crawler.ProgressSnapshot) {
	var r rateMeter
	next := every
	return func(p crawler.ProgressSnapshot) {
		recent := r.recent(p)
		if p.Done || p.Elapsed < next {
			return
		}
		for next <= p.Elapsed {
			next += every
		}
		log.Info("progress", progressAttrs(p, recent)...)
	}
}

// progressAttrs are the fields of a progress record (durations in seconds).
func progressAttrs(p crawler.ProgressSnapshot, recent float64) []any {
	return []any{
		"elapsed_s", round1(p.Elapsed.Seconds()), "fetched", p.Fetched, "queued", p.Queued, "in_flight", p.InFlight,
		"pages_per_s", round1(recent), "pages_per_s_avg", round1(p.PagesPerSec()),
		"articles", p.Articles, "errors", p.Errors,
	}
}

// rateMeter computes the recent pages/s from successive snapshots: the pages
// fetched over the last rateWindow (the average until a second has passed).
type rateMeter struct {
	samples []crawler.ProgressSnapshot
}

func (r *rateMeter) recent(p crawler.ProgressSnapshot) float64 {
	r.samples = append(r.samples, p)
	i := 0
	for i < len(r.samples)-1 && p.Elapsed-r.samples[i+1].Elapsed >= rateWindow {
		i++
	}
	r.samples = r.samples[i:]
	old := r.samples[0]
	dt := (p.Elapsed - old.Elapsed).Seconds()
	if dt < 1 {
		return p.PagesPerSec()
	}
	return float64(p.Fetched-old.Fetched) / dt
}

// shortElapsed is d to the second: 45s, 1m05s, 2h03m09s.
func shortElapsed(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh%02dm%02ds", s/3600, s/60%60, s%60)
}

// countNoun is "1 article", "3 articles".
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func round1(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*10) / 10
}
