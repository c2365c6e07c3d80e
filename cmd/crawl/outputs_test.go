package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/sample"
	"github.com/healthcrawl/healthcrawl/schedule"
)

// A scheduled run writes to every output of the config: output.path and each
// output.sinks entry (a jsonl.gz and a parquet file here), each rotated by
// output.rotate and named per run ({site}, {run}, {date}; a path with neither {date}
// nor {run} gets "-{date}", as output.path does). Before, crawl schedule opened
// output.path only and ignored output.sinks and output.rotate.
func TestCrawlJobWritesEverySinkWithRotation(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	cfg, err := config.Load(demoConfigFile(t, srv.URL), config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg.Output.Path = filepath.Join(dir, "main", "{site}-{run}.jsonl")
	cfg.Output.Sinks = []config.Sink{
		{Path: filepath.Join(dir, "gz", "{site}-{run}.jsonl.gz"), Format: "jsonl"},
		{Path: filepath.Join(dir, "pq", "{site}.parquet"), Format: "parquet"},
	}
	const perFile = 10
	cfg.Output.Rotate.MaxRecords = perFile
	start := time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)
	vars := config.PathVars{Site: "sample-health", Run: 1, Start: start}
	job := schedule.Job{Site: "sample-health", Start: start, Vars: vars,
		Output: schedule.Expand(cfg.Output.Path, vars), Errors: schedule.Expand(cfg.Output.ErrorsPath, vars)}
	res, err := crawlJob(cfg, nil, slog.New(slog.DiscardHandler))(context.Background(), job)
	if err != nil {
		t.Fatalf("crawlJob: %v", err)
	}
	n := len(sample.ArticlePaths())
	if res.Articles != n {
		t.Fatalf("%d articles, want %d", res.Articles, n)
	}
	var want []string
	for _, p := range sample.ArticlePaths() {
		want = append(want, srv.URL+p)
	}
	parts := (n + perFile - 1) / perFile
	for _, base := range []string{
		filepath.Join(dir, "main", "sample-health-1.jsonl"),
		filepath.Join(dir, "gz", "sample-health-1.jsonl.gz"),
		filepath.Join(dir, "pq", "sample-health-"+start.Format(config.DateLayout)+".parquet"),
	} {
		var urls []string
		for i := 1; i <= parts+1; i++ {
			path := output.NumberedPath(base, i)
			count := 0
			err := output.Read(context.Background(), "", path, func(a *article.Article) error {
				urls = append(urls, a.URL)
				count++
				return nil
			})
			switch {
			case i > parts && err == nil:
				t.Errorf("%s: a part more than %d records need", path, n)
			case i <= parts && err != nil:
				t.Errorf("%s: %v", path, err)
			case i < parts && count != perFile:
				t.Errorf("%s: %d records, want %d (output.rotate)", path, count, perFile)
			}
		}
		sort.Strings(urls)
		if diff := cmp.Diff(want, urls); diff != "" {
			t.Errorf("%s: records (-want +got):\n%s", base, diff)
		}
		if strings.HasSuffix(base, ".gz") {
			b, err := os.ReadFile(output.NumberedPath(base, 1))
			if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
				t.Errorf("%s: not gzip (%v)", base, err)
			}
		}
	}
}

// openOutputs on a resumed run cuts every output (output.path and each sink) back
// to the position the interrupted run committed for it (by output.SpecKey), then
// appends; a committed position that cannot be read is an error naming the output.
func TestOpenOutputsResumeCutsEveryOutput(t *testing.T) {
	dir := t.TempDir()
	out := config.Output{Path: filepath.Join(dir, "main.jsonl"), Format: "jsonl",
		Sinks: []config.Sink{{Path: filepath.Join(dir, "copy.jsonl"), Format: "jsonl"}}}
	lines := []string{`{"url":"https://example.org/1"}` + "\n", `{"url":"https://example.org/2"}` + "\n", `{"url":"https://example.org/3"}` + "\n"}
	all := strings.Join(lines, "")
	writeFile(t, out.Path, []byte(all))
	writeFile(t, out.Sinks[0].Path, []byte(all))
	specs, err := outputSpecs(out, true)
	if err != nil {
		t.Fatal(err)
	}
	positions := map[string]string{
		output.SpecKey(specs[0]): output.Position{Offset: int64(len(lines[0]) + len(lines[1]))}.String(),
		output.SpecKey(specs[1]): output.Position{Offset: int64(len(lines[0]))}.String(),
	}
	ctx := context.Background()
	sink, err := openOutputs(ctx, out, outputOptions{appendTo: true, positions: positions})
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Write(ctx, &article.Article{SchemaVersion: 1, URL: "https://example.org/new", PageType: article.PageArticle}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for path, keep := range map[string]string{out.Path: lines[0] + lines[1], out.Sinks[0].Path: lines[0]} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rest, ok := strings.CutPrefix(string(b), keep)
		if !ok || strings.Count(rest, "\n") != 1 || !strings.Contains(rest, `"url":"https://example.org/new"`) {
			t.Errorf("%s after resume:\n%s\nwant the committed lines, then the new record", path, b)
		}
	}

	positions[output.SpecKey(specs[1])] = "garbage"
	if _, err := openOutputs(ctx, out, outputOptions{appendTo: true, positions: positions}); err == nil || !strings.Contains(err.Error(), out.Sinks[0].Path) {
		t.Errorf("bad committed position: %v, want an error naming %s", err, out.Sinks[0].Path)
	}
}
