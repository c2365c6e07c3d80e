package report_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/report"
)

// fuzzKinds are the inputs FuzzBuild writes its bytes as: the output formats crawl
// report reads (jsonl, gzip-compressed jsonl, json, parquet, sqlite, a files
// directory) — kindGzipped gzips the bytes, so that the reader sees a valid gzip
// stream of arbitrary JSON Lines.
var fuzzKinds = []string{"out.jsonl", "out.jsonl.gz", "gzipped.jsonl.gz", "out.json", "out.parquet", "out.db", "tree"}

const kindGzipped = 2

// writeOutput writes recs to the output at path (format from the extension).
func writeOutput(tb testing.TB, path string, recs []*article.Article) {
	tb.Helper()
	s, err := output.OpenSpec(context.Background(), output.Spec{Path: path})
	if err != nil {
		tb.Fatal(err)
	}
	for _, a := range recs {
		if err := s.Write(context.Background(), a); err != nil {
			tb.Fatal(err)
		}
	}
	if err := s.Close(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

// fileOf writes recs as the output at name and returns its bytes.
func fileOf(f *testing.F, name string, recs []*article.Article) []byte {
	p := filepath.Join(f.TempDir(), name)
	writeOutput(f, p, recs)
	b, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzBuild: crawl report reads any bytes in any of its input formats, and any
// errors file, without panicking; what it reads it can always write as a table and
// as HTML. Records with extreme word counts (negative, near the int limits) must
// not break the histogram.
func FuzzBuild(f *testing.F) {
	recs := records()
	extreme := []*article.Article{{URL: "https://h/min", WordCount: -1 << 63}, {URL: "https://h/max", WordCount: 1<<63 - 1}, {URL: "https://h/neg", WordCount: -7}}
	for _, rs := range [][]*article.Article{recs, extreme} {
		f.Add(fileOf(f, "a.jsonl", rs), uint8(0), []byte(errorsFile))
		f.Add(fileOf(f, "a.json", rs), uint8(3), []byte(""))
		f.Add(fileOf(f, "a.parquet", rs), uint8(4), []byte("\n{}\n"))
		f.Add(fileOf(f, "a.db", rs[:1]), uint8(5), []byte(`{"status":-1,"error":": "}`))
	}
	f.Add([]byte(`{"url":"https://h/a","word_count":3,"sections":[{"blocks":[{"type":"list","items":[{"text":"x","depth":-1}]}]}]}`), uint8(6), []byte("not json"))
	f.Add([]byte(`{"word_count":9223372036854775807}`+"\n"+`{"word_count":-9223372036854775808}`), uint8(kindGzipped), []byte(`{"error":"a: b: "}`))
	f.Fuzz(func(t *testing.T, data []byte, kind uint8, errs []byte) {
		dir := t.TempDir()
		name := fuzzKinds[int(kind)%len(fuzzKinds)]
		path := filepath.Join(dir, name)
		write := func(p string, b []byte) {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		switch int(kind) % len(fuzzKinds) {
		case kindGzipped:
			var zb bytes.Buffer
			zw := gzip.NewWriter(&zb)
			_, _ = zw.Write(data)
			_ = zw.Close()
			write(path, zb.Bytes())
		case len(fuzzKinds) - 1: // a files directory holding one record file
			write(filepath.Join(path, "site", "2026", "01", "a.json"), data)
		default:
			write(path, data)
		}
		ep := filepath.Join(dir, "errors.jsonl")
		write(ep, errs)
		r, err := report.Build(context.Background(), []string{path}, ep)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := r.WriteTable(&buf); err != nil {
			t.Fatalf("WriteTable: %v", err)
		}
		buf.Reset()
		if err := r.WriteHTML(&buf, time.Time{}); err != nil {
			t.Fatalf("WriteHTML: %v", err)
		}
		n := 0
		for _, b := range r.WordHist {
			n += b.N
		}
		if n != r.Articles {
			t.Fatalf("histogram counts %d records of %d", n, r.Articles)
		}
	})
}
