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
