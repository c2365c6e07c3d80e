package sampletest

import (
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/extractors"
	"github.com/healthcrawl/healthcrawl/pipeline"
)

// benchPages reads ../shared/benchmarks/article-extraction/html/*.html.gz (real pages
// of many sites and languages); the benchmark is skipped when they are absent.
func benchPages(b testing.TB) []extractors.Page {
	b.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "benchmarks", "article-extraction", "html")
	names, _ := filepath.Glob(filepath.Join(dir, "*.html.gz"))
	if len(names) == 0 {
		b.Skip("benchmark pages not available")
	}
	var out []extractors.Page
	for _, n := range names {
		f, err := os.Open(n)
		if err != nil {
			b.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, extractors.Page{URL: "https://bench.test/" + strings.TrimSuffix(filepath.Base(n), ".html.gz"), Status: 200, Body: body})
	}
	return out
}

// BenchmarkOverheadReal is BenchmarkOverhead over 181 real article pages (average
// 170 KB of HTML, many languages): the pipeline's cost relative to extraction.
func BenchmarkOverheadReal(b *testing.B) {
	ex := newExtractor(b)
	ps := benchPages(b)
	var extractT, pipeT time.Duration
	stage := map[string]time.Duration{}
	var run *pipeline.Runner
	in := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(ps) == 0 {
			if run != nil {
				for k, v := range run.Stats().Time {
					stage[k] += v
				}
				in += run.Stats().In
			}
			run, _ = pipeline.Build(config.Pipeline{}, nil)
		}
		t0 := time.Now()
		a, err := ex.Extract(context.Background(), ps[i%len(ps)])
		t1 := time.Now()
		if err != nil {
			continue
		}
		run.Process(context.Background(), a)
		t2 := time.Now()
		extractT += t1.Sub(t0)
		pipeT += t2.Sub(t1)
	}
	b.ReportMetric(float64(extractT.Nanoseconds())/float64(b.N), "extract-ns/page")
	b.ReportMetric(float64(pipeT.Nanoseconds())/float64(b.N), "pipeline-ns/page")
	b.ReportMetric(100*float64(pipeT)/float64(extractT), "pipeline-%")
	if testing.Verbose() && in > 0 {
		for _, name := range config.DefaultStages {
			b.Logf("%-18s %7.1f µs/record", name, float64(stage[name].Nanoseconds())/float64(in)/1000)
		}
	}
}
