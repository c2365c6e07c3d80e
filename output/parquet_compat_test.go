package output_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/healthcrawl/healthcrawl/output"
	"github.com/parquet-go/parquet-go"
)

// A parquet file written before record_id existed reads back (record_id empty), and
// a new run appending to it keeps its rows.
func TestParquetWithoutRecordIDColumn(t *testing.T) {
	type oldRow struct {
		SchemaVersion int64  `parquet:"schema_version"`
		URL           string `parquet:"url"`
		Title         string `parquet:"title"`
		ContentHash   string `parquet:"content_hash"`
	}
	path := filepath.Join(t.TempDir(), "old.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[oldRow](f)
	if _, err := w.Write([]oldRow{{SchemaVersion: 1, URL: "https://old.example/a", Title: "Old", ContentHash: "ab"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	got := readAll(t, "parquet", path)
	if len(got) != 1 || got[0].URL != "https://old.example/a" || got[0].Title != "Old" || got[0].RecordID != "" {
		t.Fatalf("old file read as %+v", got)
	}
	ctx := context.Background()
	s, err := output.OpenSpec(ctx, output.Spec{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	a := urlRec(recURL(1), 1)
	if err := s.Write(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got = readAll(t, "parquet", path)
	if len(got) != 2 || got[0].Title != "Old" || got[1].RecordID != a.RecordID || a.RecordID == "" {
		t.Errorf("after a new run: %d records %+v", len(got), got)
	}
}
