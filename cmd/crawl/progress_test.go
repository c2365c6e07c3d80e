package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/crawler"
)

// The live line: elapsed, done / queued, recent and average pages/s, articles,
// errors (singular for one).
func TestFormatProgress(t *testing.T) {
	p := crawler.ProgressSnapshot{Queued: 5678, InFlight: 4, Fetched: 1234, Articles: 800, Errors: 1, Elapsed: 65 * time.Second}
	got := formatProgress(p, 12.34)
	want := "1m05s  1234 done / 5678 queued  12.3 pages/s (avg 19.0)  800 articles  1 error"
	if got != want {
		t.Errorf("formatProgress = %q, want %q", got, want)
	}
	for d, want := range map[time.Duration]string{0: "0s", 59400 * time.Millisecond: "59s", time.Hour + 2*time.Minute + 3*time.Second: "1h02m03s"} {
		if got := shortElapsed(d); got != want {
			t.Errorf("shortElapsed(%s) = %q, want %q", d, got, want)
		}
	}
}

// The recent rate is the pages of the last rateWindow, not the average: a crawl
// that fetched 100 pages/s for a minute and then 10 pages/s shows 10.
func TestRateMeterRecent(t *testing.T) {
	var r rateMeter
	var got float64
	fetched := 0
	for ms := 500; ms <= 90_000; ms += 500 {
		if ms <= 60_000 {
			fetched += 50
		} else {
			fetched += 5
		}
		got = r.recent(crawler.ProgressSnapshot{Fetched: fetched, Elapsed: time.Duration(ms) * time.Millisecond})
	}
	if got < 9.9 || got > 10.1 {
		t.Errorf("recent rate %.2f, want 10", got)
	}
	if len(r.samples) > int(rateWindow/crawler.ProgressInterval)+2 {
		t.Errorf("%d samples kept, want about %d", len(r.samples), rateWindow/crawler.ProgressInterval)
	}
	// Before a second has passed: the average.
	var first rateMeter
	if got := first.recent(crawler.ProgressSnapshot{Fetched: 3, Elapsed: 500 * time.Millisecond}); got != 6 {
		t.Errorf("first rate %.1f, want the average 6", got)
	}
}

// On a terminal, a log record written while the progress line is shown erases the
// line, is written whole on its own line, and the line is drawn again after it;
// the last snapshot leaves the line on screen with a newline.
func TestConsoleLogAboveProgressLine(t *testing.T) {
	var b bytes.Buffer
	c := &console{w: &b, tty: true}
	log := slog.New(slog.NewTextHandler(c, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	show := progressLine(c)
	show(crawler.ProgressSnapshot{Queued: 3, Fetched: 1, Elapsed: time.Second})
	log.Warn("not emitted", "url", "https://x/a")
	show(crawler.ProgressSnapshot{Queued: 0, Fetched: 4, Articles: 2, Elapsed: 2 * time.Second, Done: true})
	c.notice("after")

	line1 := "1s  1 done / 3 queued  1.0 pages/s (avg 1.0)  0 articles  0 errors"
	line2 := "2s  4 done / 0 queued  3.0 pages/s (avg 2.0)  2 articles  0 errors" // 3 pages in the last second
	want := eraseLine + line1 +
		eraseLine + "level=WARN msg=\"not emitted\" url=https://x/a\n" + line1 +
		eraseLine + line2 + "\n" +
		"after\n"
	if b.String() != want {
		t.Errorf("console output\n%q\nwant\n%q", b.String(), want)
	}
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// Log records from many goroutines and progress updates at the same time: every
// record is whole on a line of its own, never glued to the progress line (-race).
func TestConsoleConcurrent(t *testing.T) {
	var b bytes.Buffer
	c := &console{w: &b, tty: true}
	log := slog.New(slog.NewTextHandler(c, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	show := progressLine(c)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				log.Info("record", "g", g, "i", i)
			}
		}()
	}
	for i := range 100 {
		show(crawler.ProgressSnapshot{Fetched: i, Elapsed: time.Duration(i+1) * time.Second})
	}
	wg.Wait()
	show(crawler.ProgressSnapshot{Fetched: 100, Elapsed: 101 * time.Second, Done: true})
	records := 0
	for _, seg := range strings.Split(b.String(), eraseLine) {
		// A segment is a progress line, or a log record (ending in \n) followed by
		// the progress line drawn again.
		rec, _, found := strings.Cut(seg, "\n")
		if !found {
			if strings.Contains(seg, "msg=") {
				t.Fatalf("a record glued to the progress line: %q", seg)
			}
			continue
		}
		if strings.HasPrefix(rec, "level=INFO msg=record ") {
			records++
		} else if !strings.Contains(rec, "pages/s") {
			t.Fatalf("segment %q: neither a record nor the last progress line", seg)
		}
	}
	if records != 200 {
		t.Errorf("%d whole records, want 200", records)
	}
}

// Not on a terminal: one "progress" record per --progress-every, with the counters
// as attributes (JSON with --log-format json); none after the last snapshot.
func TestProgressLog(t *testing.T) {
	var b bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&b, nil))
	report := progressLog(log, 2*time.Second)
	for ms := 500; ms <= 10_000; ms += 500 {
		report(crawler.ProgressSnapshot{Fetched: ms / 100, Queued: 7, InFlight: 2, Articles: ms / 200, Errors: 1, Elapsed: time.Duration(ms) * time.Millisecond})
	}
	report(crawler.ProgressSnapshot{Fetched: 100, Elapsed: 10 * time.Second, Done: true})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d progress records in 10 s every 2 s, want 5:\n%s", len(lines), b.String())
	}
	for i, l := range lines {
		var rec struct {
			Msg      string  `json:"msg"`
			Elapsed  float64 `json:"elapsed_s"`
			Fetched  int     `json:"fetched"`
			Queued   int     `json:"queued"`
			InFlight int     `json:"in_flight"`
			Articles int     `json:"articles"`
			Errors   int     `json:"errors"`
			Rate     float64 `json:"pages_per_s"`
			Avg      float64 `json:"pages_per_s_avg"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("record %d: %v: %s", i, err, l)
		}
		el := float64(2 * (i + 1))
		if rec.Msg != "progress" || rec.Elapsed != el || rec.Fetched != int(el*10) || rec.Queued != 7 || rec.InFlight != 2 ||
			rec.Articles != int(el*5) || rec.Errors != 1 || rec.Avg != 10 || rec.Rate != 10 {
			t.Errorf("record %d: %s", i, l)
		}
	}
	a := &app{stdio: stdio{err: newConsole(&bytes.Buffer{})}, logger: log}
	if a.progress(0) != nil || a.progress(time.Second) == nil {
		t.Error("not on a terminal: --progress-every 0 must report nothing, 1s must report")
	}
}

// A negative --progress-every is a usage error naming the flag.
func TestProgressEveryNegative(t *testing.T) {
	for _, cmd := range []string{"run", "demo"} {
		args := []string{cmd, "--progress-every", "-1s"}
		if cmd == "run" {
			args = append(args, "--config", "x.yaml")
		}
		r := runCrawl(t, "", nil, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--progress-every -1s: must be 0 (never) or more") {
			t.Errorf("%s: exit %d\n%s", cmd, r.code, r.stderr)
		}
	}
}
