package output_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
)

// benchRecord is a typical article: ~700 words in 6 sections with a list, a table and
// 4 related stubs.
func benchRecord(i int) *article.Article {
	a := richRecord(i)
	para := strings.Repeat("Massage therapy may ease lower back pain by improving blood flow and relaxing tense muscles. ", 6)
	for s := range 5 {
		a.Sections = append(a.Sections, article.Section{Heading: fmt.Sprintf("Section %d", s), Level: 2,
			Blocks: []article.Block{{Type: article.BlockParagraph, Text: para}, {Type: article.BlockParagraph, Text: para}}})
	}
	a.Related = append(a.Related, a.Related...)
	a.URL = fmt.Sprintf("https://health.example/articles/%d-back-pain", i)
	a.Finalize()
	return a
}

// BenchmarkWrite measures writing throughput per format (records/s), Close included,
// to files in a temporary directory:
//
//	go test -run '^$' -bench BenchmarkWrite -benchtime 2000x ./output/
func BenchmarkWrite(b *testing.B) {
	recs := make([]*article.Article, 64)
	for i := range recs {
		recs[i] = benchRecord(i)
	}
	for _, tc := range []struct{ format, name string }{
		{"jsonl", "out.jsonl"}, {"jsonl", "out.jsonl.gz"}, {"json", "out.json"}, {"csv", "out.csv"},
		{"parquet", "out.parquet"}, {"sqlite", "out.db"}, {"files", "tree"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			s, err := output.OpenSpec(ctx, output.Spec{Path: filepath.Join(b.TempDir(), tc.name), Format: tc.format})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				a := recs[i%len(recs)]
				if tc.format == "files" || tc.format == "sqlite" {
					a = a.Clone() // a distinct URL per record: no overwriting
					a.URL = fmt.Sprintf("https://health.example/articles/%d", i)
				}
				if err := s.Write(ctx, a); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.Close(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
