package output_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/parquet-go/parquet-go"
)

func TestParquetRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "out.parquet")
	want := richRecords(output.ParquetRowGroup + 5) // more than one row group
	s, err := output.NewParquetSink(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range want {
		if err := s.Write(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	assertNoFile(t, path) // not under the final name before Close
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	// Read with the parquet library directly.
	rows, err := parquet.ReadFile[output.ParquetRecord](path)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]*article.Article, len(rows))
	for i := range rows {
		got[i] = rows[i].Article()
	}
	if d := diffRecords(want, got); d != "" {
		t.Errorf("parquet round trip (-want +got):\n%s", d)
	}
	// The nested parts are nested columns, not JSON strings.
	f, err := parquet.OpenFile(openReaderAt(t, path))
	if err != nil {
		t.Fatal(err)
	}
	leaf := map[string]bool{}
	for _, p := range f.Schema().Columns() {
		leaf[filepath.Join(p...)] = true
	}
	for _, c := range []string{"sections/list/element/blocks/list/element/items/list/element/label",
		"sections/list/element/blocks/list/element/rows/list/element/cells/list/element",
		"related/list/element/truncated", "authors/list/element"} {
		if !leaf[c] {
			t.Errorf("no column %s in %v", c, leaf)
		}
	}
	// ReadParquet streams the same records.
	var streamed []*article.Article
	if err := output.ReadParquet(ctx, path, func(a *article.Article) error { streamed = append(streamed, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if d := diffRecords(want, streamed); d != "" {
		t.Errorf("ReadParquet (-want +got):\n%s", d)
	}
}

// A corrupt parquet file on which parquet-go panics (a page index offset out of
// range; found by report's FuzzBuild) is an error naming the file, not a panic.
func TestReadParquetCorruptFile(t *testing.T) {
	path := filepath.Join("testdata", "corrupt-page-index.parquet")
	n := 0
	err := output.ReadParquet(t.Context(), path, func(*article.Article) error { n++; return nil })
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "corrupt parquet file") {
		t.Fatalf("ReadParquet = %v (%d records); want an error naming %s as corrupt", err, n, path)
	}
}
