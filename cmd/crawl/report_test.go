package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
)

// `crawl report` on the demo output prints the table and writes the HTML page; the
// same crawl written as parquet with rotation reports the same article count.
func TestReportOnDemo(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "demo.jsonl")
	errs := filepath.Join(dir, "errors.jsonl")
	if r := runCrawl(t, "", map[string]string{"CRAWL_OUTPUT_ERRORS_PATH": errs}, "demo", "--out", out); r.code != exitOK {
		t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	n := len(records(t, string(data)))
	page := filepath.Join(dir, "report.html")
	r := runCrawl(t, "", nil, "report", out, "--errors", errs, "--html", page)
	if r.code != exitOK {
		t.Fatalf("report: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"Articles: " + strconv.Itoa(n), "Articles per site", "sample-health",
		"Word count", "Languages", "Fields filled", "Top error reasons"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, want := range []string{"Per site", "MEDIAN WORDS", "sample-health  " + strconv.Itoa(n) + "  "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks the per-site table (%q):\n%s", want, r.stdout)
		}
	}
	html, err := os.ReadFile(page)
	if err != nil || !strings.Contains(string(html), "<svg") {
		t.Fatalf("HTML page: %v", err)
	}
	// The word-count chart (the one screenshot into docs/report.png) shows more than 3
	// non-empty bars on the demo output: bars are <rect> elements with a height.
	chart := wordChart(t, string(html))
	bars := regexp.MustCompile(`<rect [^>]*height="(\d+)"`).FindAllStringSubmatch(chart, -1)
	nonEmpty := 0
	for _, b := range bars {
		if b[1] != "0" {
			nonEmpty++
		}
	}
	if len(bars) == 0 || nonEmpty <= 3 {
		t.Errorf("word-count chart: %d bars, %d non-empty, want > 3:\n%s", len(bars), nonEmpty, chart)
	}

	// parquet, rotated every 10 records.
	pq := filepath.Join(dir, "pq", "demo.parquet")
	env := map[string]string{"CRAWL_OUTPUT_ROTATE_MAX_RECORDS": "10"}
	if r := runCrawl(t, "", env, "demo", "--out", pq, "--format", "parquet"); r.code != exitOK {
		t.Fatalf("demo parquet: exit %d\n%s", r.code, r.stderr)
	}
	parts, _ := filepath.Glob(filepath.Join(dir, "pq", "demo-*.parquet"))
	if want := (n + 9) / 10; len(parts) != want {
		t.Errorf("%d parquet parts, want %d: %v", len(parts), want, parts)
	}
	r = runCrawl(t, "", nil, append([]string{"report"}, parts...)...)
	if r.code != exitOK || !strings.Contains(r.stdout, "Articles: "+strconv.Itoa(n)) {
		t.Errorf("report on parquet parts: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCrawl(t, "", nil, "report"); r.code != exitUsage {
		t.Errorf("report without arguments: exit %d", r.code)
	}
	if r := runCrawl(t, "", nil, "report", filepath.Join(dir, "missing.jsonl")); r.code != exitPartial ||
		!strings.Contains(r.stderr, "missing.jsonl") {
		t.Errorf("missing input: exit %d %s", r.code, r.stderr)
	}
}

// wordChart is the SVG of the word-count histogram in a report page.
func wordChart(t *testing.T, page string) string {
	t.Helper()
	for _, svg := range strings.SplitAfter(page, "</svg>") {
		if i := strings.Index(svg, "<svg"); i >= 0 && strings.Contains(svg, "words per article") {
			return svg[i:]
		}
	}
	t.Fatalf("no word-count chart in the page")
	return ""
}

// openSink writes output.path and every output.sinks entry, with rotation.
func TestOpenSinkSeveral(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Output.Path = filepath.Join(dir, "a.jsonl")
	cfg.Output.Sinks = []config.Sink{{Path: filepath.Join(dir, "b.db")}, {Path: filepath.Join(dir, "c.csv"), Format: "csv"}}
	cfg.Output.Rotate.MaxRecords = 2
	a := &app{stdio: stdio{out: io.Discard, err: io.Discard}, logger: slog.New(slog.DiscardHandler)}
	s, err := a.openSink(context.Background(), cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		rec := &article.Article{PageType: article.PageArticle, URL: "https://e.example/" + strconv.Itoa(i)}
		if err := s.Write(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{"a", "b", "c"} {
		got, _ := filepath.Glob(filepath.Join(dir, base+"-0000*"))
		if len(got) != 2 {
			t.Errorf("%s: %d files, want 2: %v", base, len(got), got)
		}
	}
	// A sink that cannot be opened aborts the others: no whole-file output appears.
	cfg.Output.Path, cfg.Output.Format = filepath.Join(dir, "x.json"), "json"
	cfg.Output.Rotate.MaxRecords = 0
	blocker := filepath.Join(dir, "blocker")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Output.Sinks = []config.Sink{{Path: filepath.Join(blocker, "under-a-file.db")}}
	if _, err := a.openSink(context.Background(), cfg, false); exitCode(err) != exitPartial {
		t.Errorf("unopenable sink: %v (exit %d)", err, exitCode(err))
	}
	if _, err := os.Stat(cfg.Output.Path); err == nil {
		t.Errorf("%s written although another sink failed to open", cfg.Output.Path)
	}
}
