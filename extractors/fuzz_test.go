package extractors

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"golang.org/x/net/html"
)

// FuzzExtract: on any input, Extract never panics, and a record it returns has a
// page type, valid UTF-8 text consistent with its sections (Finalize), and
// survives a JSON round trip. The seed corpus is in testdata/fuzz/FuzzExtract
// plus the hand-written pages.
func FuzzExtract(f *testing.F) {
	pages, _ := filepath.Glob(filepath.Join("testdata", "pages", "*.html"))
	for _, p := range pages {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, "")
		}
	}
	f.Add([]byte(`<p>x</p>`), "text/html; charset=gbk")
	e, err := New(Options{Selectors: config.Selectors{Exclude: ".ad", Related: ".related"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		h := map[string][]string{"Content-Type": {contentType}}
		a, err := e.Extract(context.Background(), Page{URL: "https://example.com/a/b", Body: body, Header: h})
		if err != nil {
			return
		}
		if a.PageType == "" {
			t.Fatal("empty page_type")
		}
		if !utf8.ValidString(a.Text) || !utf8.ValidString(a.Title) {
			t.Fatalf("invalid UTF-8 in text/title")
		}
		text := a.Text
		a.Finalize()
		if a.Text != text {
			t.Fatalf("text not derived from sections")
		}
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back article.Article
		if err := json.Unmarshal(b, &back); err != nil || back.Text != a.Text {
			t.Fatalf("JSON round trip: %v", err)
		}
	})
}

// benchPages returns the benchmark pages beside the module root (../shared), or
// nil when they are absent.
func benchPages(t testing.TB) map[string][]byte {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "shared", "benchmarks")
	aeb, _ := filepath.Glob(filepath.Join(root, "article-extraction", "html", "*.html.gz"))
	rd, _ := filepath.Glob(filepath.Join(root, "readability-pages", "pages", "*", "source.html"))
	if len(aeb) == 0 && len(rd) == 0 {
		return nil
	}
	out := map[string][]byte{}
	for _, p := range append(aeb, rd...) {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if raw, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		out[p] = raw
	}
	return out
}

// TestBenchmarkPagesNoPanic extracts all 311 benchmark pages (181 + 130) when
// ../shared is present: no panic, no error, an article with text for every
// article-extraction page.
func TestBenchmarkPagesNoPanic(t *testing.T) {
	pages := benchPages(t)
	if pages == nil {
		t.Skip("../shared/benchmarks not present")
	}
	if len(pages) != 311 {
		t.Errorf("found %d benchmark pages, want 311", len(pages))
	}
	e, _ := New(Options{})
	empty := 0
	for p, body := range pages {
		a, err := e.Extract(context.Background(), Page{URL: "https://example.com/news/2019/story-title", Body: body})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if strings.Contains(p, "article-extraction") && (a.PageType != article.PageArticle || a.Text == "") {
			empty++
		}
	}
	// A handful of very short pages may come out empty; most must not.
	if empty > 5 {
		t.Errorf("%d article-extraction pages without text, want ≤ 5", empty)
	}
}

// BenchmarkExtract and BenchmarkParse compare the extractor with a bare
// golang.org/x/net/html parse of the same pages (run with -cpu 1).
func BenchmarkExtract(b *testing.B) {
	pages := benchCorpus(b)
	e, _ := New(Options{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range pages {
			if _, err := e.Extract(context.Background(), Page{URL: "https://example.com/a", Body: p}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkParse(b *testing.B) {
	pages := benchCorpus(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range pages {
			if _, err := html.Parse(bytes.NewReader(p)); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkExtractRatio is the extractor's cost in bare parses of the same
// pages, measured so that other jobs on a shared machine disturb it little:
// each page is parsed and extracted 9 times, alternately, and the least time
// of each is kept; the metric is the sum of the extractor's least times over
// the sum of the parse's (run with -cpu 1 -benchtime 1x).
func BenchmarkExtractRatio(b *testing.B) {
	pages := benchCorpus(b)
	b.SetBytes(0) // the metrics below, not bytes per b.N loop
	e, _ := New(Options{})
	const tries = 9
	var parse, extract time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		parse, extract = 0, 0
		for _, p := range pages {
			var mp, me time.Duration
			for k := 0; k < tries; k++ {
				t0 := time.Now()
				if _, err := html.Parse(bytes.NewReader(p)); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := e.Extract(context.Background(), Page{URL: "https://example.com/a", Body: p}); err != nil {
					b.Fatal(err)
				}
				d0, d1 := t1.Sub(t0), time.Since(t1)
				if k == 0 || d0 < mp {
					mp = d0
				}
				if k == 0 || d1 < me {
					me = d1
				}
			}
			parse += mp
			extract += me
		}
	}
	b.ReportMetric(float64(parse.Microseconds())/1000, "parse-ms")
	b.ReportMetric(float64(extract.Microseconds())/1000, "extract-ms")
	b.ReportMetric(float64(extract)/float64(parse), "x-parse")
}

// benchCorpus is the article-extraction pages, or the hand-written pages when
// ../shared is absent.
func benchCorpus(b *testing.B) [][]byte {
	var out [][]byte
	var n int64
	for p, body := range benchPages(b) {
		if strings.Contains(p, "article-extraction") {
			out = append(out, body)
			n += int64(len(body))
		}
	}
	if len(out) == 0 {
		files, _ := filepath.Glob(filepath.Join("testdata", "pages", "*.html"))
		for _, f := range files {
			body, _ := os.ReadFile(f)
			out = append(out, body)
			n += int64(len(body))
		}
	}
	b.SetBytes(n)
	return out
}

// Case folding that changes byte lengths (the Kelvin sign lowers to a one-byte
// "k") or invalid UTF-8 in a header never misaligns an index: these inputs
// once sliced a title mid-rune and a charset out of range.
func TestFoldingNeverMisalignsSlices(t *testing.T) {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	page := "<html><head><title>Sleep and memory | \u212Aelvin Health</title><meta property=\"og:site_name\" content=\"kelvin health\">" +
		"<meta property=\"og:title\" content=\"Sleep and memory | \u212Aelvin Health\"></head><body><p>Text.</p></body></html>"
	for _, ct := range []string{"", "\xb2ChArset=", "text/html; \xff\xfecharset=utf-8"} {
		a, err := e.Extract(context.Background(), Page{URL: "https://example.com/a", Body: []byte(page), Header: map[string][]string{"Content-Type": {ct}}})
		if err != nil {
			t.Fatalf("%q: %v", ct, err)
		}
		if !utf8.ValidString(a.Title) || !strings.HasPrefix(a.Title, "Sleep and memory") {
			t.Errorf("%q: title %q", ct, a.Title)
		}
	}
}
