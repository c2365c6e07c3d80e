// Package sampletest runs the extractor and the default pipeline over the bundled
// sample site: the golden test of the seed article's page, idempotence on every
// article, and the throughput benchmarks recorded in BENCHMARKS.md (## Pipeline).
// It lives apart from package pipeline so the unit tests never depend on the
// extractor.
package sampletest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/extractors"
	"github.com/healthcrawl/healthcrawl/pipeline"
	"github.com/healthcrawl/healthcrawl/sample"
)

const base = "http://sample.test"

type page struct {
	path string
	p    extractors.Page
}

func pages(t testing.TB) []page {
	t.Helper()
	var out []page
	for _, path := range sample.ArticlePaths() {
		body, err := sample.Page(path, base)
		if err != nil {
			t.Fatalf("sample page %s: %v", path, err)
		}
		out = append(out, page{path: path, p: extractors.Page{
			URL: base + path, Status: 200, Body: body, FetchedAt: time.Unix(1700000000, 0).UTC(),
		}})
	}
	if len(out) == 0 {
		t.Skip("sample site has no articles")
	}
	return out
}

func extract(t testing.TB, ex *extractors.Extractor, p extractors.Page) *article.Article {
	t.Helper()
	a, err := ex.Extract(context.Background(), p)
	if err != nil {
		t.Fatalf("extract %s: %v", p.URL, err)
	}
	return a
}

func newExtractor(t testing.TB) *extractors.Extractor {
	t.Helper()
	ex, err := extractors.New(extractors.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// The seed article's page yields the structure the seed lost.
func TestSeedPageGolden(t *testing.T) {
	body, err := sample.Page(sample.SeedPath, base)
	if err != nil {
		t.Fatal(err)
	}
	a := extract(t, newExtractor(t), extractors.Page{URL: base + sample.SeedPath, Status: 200, Body: body})
	run, err := pipeline.Build(config.Default().Pipeline, nil)
	if err != nil {
		t.Fatal(err)
	}
	if keep, reason := run.Process(context.Background(), a); !keep {
		t.Fatalf("dropped: %s", reason)
	}
	if a.Title != "Can Massage Therapy Help Lower Back Pain?" {
		t.Errorf("title = %q", a.Title)
	}
	if strings.Contains(a.Text, a.Title) {
		t.Errorf("title repeated in the body text")
	}
	var headings []string
	for _, s := range a.Sections {
		headings = append(headings, s.Heading)
	}
	want := []string{"", "Why It Works", "What to Remember", "Combining Massage Therapy with Other Treatments", "Seeking Further Advice"}
	if d := cmp.Diff(want, headings); d != "" {
		t.Fatalf("headings (-want +got):\n%s", d)
	}
	labels := func(i int) []string {
		var ls []string
		for _, b := range a.Sections[i].Blocks {
			for _, it := range b.Items {
				ls = append(ls, it.Label)
			}
		}
		return ls
	}
	for i, w := range map[int][]string{
		1: {"Increased Blood Flow", "Release of Tension", "Pain Relief", "Increased Range of Motion"},
		2: {"It's Not a Standalone Fix", "Keep Moving", "Consult a Healthcare Professional"},
		3: {"Physical Therapy", "Exercise", "Heat or Cold Therapy", "Strengthening Exercises"},
	} {
		if d := cmp.Diff(w, labels(i)); d != "" {
			t.Errorf("%s labels (-want +got):\n%s", a.Sections[i].Heading, d)
		}
	}
	if len(a.Related) != 2 {
		t.Fatalf("related = %+v", a.Related)
	}
	for i, title := range []string{
		"Understanding the Role of Glial Cells in Supporting Neurons",
		"Are There Any Side Effects or Problems Associated with Buying Generic Brands of Food Medicine and Cosmetics?",
	} {
		r := a.Related[i]
		if r.Title != title || !r.Truncated || strings.HasPrefix(r.Snippet, title[:20]) {
			t.Errorf("related[%d] = %+v", i, r)
		}
	}
	if a.Language != "en" {
		t.Errorf("language = %q", a.Language)
	}
}

// Every sample article survives the default pipeline, and a second pass changes nothing.
func TestSampleIdempotent(t *testing.T) {
	ex := newExtractor(t)
	run, _ := pipeline.Build(config.Pipeline{}, nil)
	for _, pg := range pages(t) {
		a := extract(t, ex, pg.p)
		if keep, reason := run.Process(context.Background(), a); !keep {
			t.Errorf("%s dropped: %s", pg.path, reason)
			continue
		}
		again := a.Clone()
		r2, _ := pipeline.Build(config.Pipeline{}, nil)
		r2.Process(context.Background(), again)
		if d := cmp.Diff(a, again, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: not idempotent (-first +second):\n%s", pg.path, d)
		}
	}
	st := run.Stats()
	t.Logf("sample site: in=%d kept=%d dropped=%v changed=%v errors=%v", st.In, st.Kept, st.Dropped, st.Changed, st.Errors)
}

// BenchmarkExtract is the extraction time per sample page (the baseline).
func BenchmarkExtract(b *testing.B) {
	ex := newExtractor(b)
	ps := pages(b)
	var bytes int64
	for _, p := range ps {
		bytes += int64(len(p.p.Body))
	}
	b.SetBytes(bytes / int64(len(ps)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		extract(b, ex, ps[i%len(ps)].p)
	}
}

// BenchmarkPipeline is the default pipeline per sample record (records extracted once,
// cloned per run; dedupe state reset each round so records are not all duplicates).
func BenchmarkPipeline(b *testing.B) {
	ex := newExtractor(b)
	var raw []*article.Article
	for _, p := range pages(b) {
		raw = append(raw, extract(b, ex, p.p))
	}
	b.ReportAllocs()
	b.ResetTimer()
	var run *pipeline.Runner
	stageTime := map[string]time.Duration{}
	in := 0
	for i := 0; i < b.N; i++ {
		if i%len(raw) == 0 {
			b.StopTimer()
			if run != nil {
				st := run.Stats()
				in += st.In
				for k, v := range st.Time {
					stageTime[k] += v
				}
			}
			run, _ = pipeline.Build(config.Pipeline{}, nil)
			b.StartTimer()
		}
		a := raw[i%len(raw)].Clone()
		run.Process(context.Background(), a)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if testing.Verbose() && in > 0 {
		for _, name := range config.DefaultStages {
			b.Logf("%-18s %7.1f µs/record", name, float64(stageTime[name].Microseconds())/float64(in))
		}
	}
}

// BenchmarkClone is the per-record copy BenchmarkPipeline makes (subtract it).
func BenchmarkClone(b *testing.B) {
	ex := newExtractor(b)
	var raw []*article.Article
	for _, p := range pages(b) {
		raw = append(raw, extract(b, ex, p.p))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = raw[i%len(raw)].Clone()
	}
}

// BenchmarkFinalize is article.Finalize on a sample record (paid by the extractor too).
func BenchmarkFinalize(b *testing.B) {
	ex := newExtractor(b)
	var raw []*article.Article
	for _, p := range pages(b) {
		raw = append(raw, extract(b, ex, p.p))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		raw[i%len(raw)].Finalize()
	}
}

// BenchmarkStages times each default stage alone over the sample records.
func BenchmarkStages(b *testing.B) {
	ex := newExtractor(b)
	var raw []*article.Article
	for _, p := range pages(b) {
		raw = append(raw, extract(b, ex, p.p))
	}
	for _, name := range config.DefaultStages {
		b.Run(name, func(b *testing.B) {
			var run *pipeline.Runner
			for i := 0; i < b.N; i++ {
				if i%len(raw) == 0 {
					b.StopTimer()
					run, _ = pipeline.Build(config.Pipeline{Stages: []config.StageConfig{{Name: name}}}, nil)
					b.StartTimer()
				}
				run.Process(context.Background(), raw[i%len(raw)].Clone())
			}
		})
	}
}

// BenchmarkOverhead extracts each sample page and runs the default pipeline on the
// result, timing both halves in the same iteration so machine load affects them
// alike; it reports the pipeline's cost as a percentage of extraction.
func BenchmarkOverhead(b *testing.B) {
	ex := newExtractor(b)
	ps := pages(b)
	var extractT, pipeT time.Duration
	var run *pipeline.Runner
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(ps) == 0 {
			run, _ = pipeline.Build(config.Pipeline{}, nil)
		}
		t0 := time.Now()
		a := extract(b, ex, ps[i%len(ps)].p)
		t1 := time.Now()
		run.Process(context.Background(), a)
		t2 := time.Now()
		extractT += t1.Sub(t0)
		pipeT += t2.Sub(t1)
	}
	b.ReportMetric(float64(extractT.Nanoseconds())/float64(b.N), "extract-ns/page")
	b.ReportMetric(float64(pipeT.Nanoseconds())/float64(b.N), "pipeline-ns/page")
	b.ReportMetric(100*float64(pipeT)/float64(extractT), "pipeline-%")
}
