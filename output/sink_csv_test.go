package output_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
)

// The csv file reads back with encoding/csv: one header, one row per record, every
// carried field equal to the original (lists split on "; ", counts of nested parts).
func TestCSVRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.csv")
	s, err := output.NewCSVSink(path, output.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := richRecords(6)
	ctxWrite := func() {
		for _, a := range want[:2] {
			if err := s.Write(t.Context(), a); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctxWrite()
	assertNoFile(t, path)
	writeAll(t, s, want[2:])

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(output.CSVColumns, rows[0]); d != "" {
		t.Errorf("header (-want +got):\n%s", d)
	}
	if len(rows) != len(want)+1 {
		t.Fatalf("%d rows, want %d + header", len(rows), len(want))
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	for i, a := range want {
		row := rows[i+1]
		get := func(c string) string { return row[col[c]] }
		got := &article.Article{
			Source: get("source"), URL: get("url"), CanonicalURL: get("canonical_url"), Site: get("site"),
			PageType: get("page_type"), Change: get("change"), Title: get("title"), Description: get("description"),
			PublishedAt: get("published_at"), ModifiedAt: get("modified_at"), Language: get("language"),
			SiteName: get("site_name"), Image: get("image"), ReviewedBy: get("reviewed_by"),
			ReviewedAt: get("reviewed_at"), ContentHash: get("content_hash"), RecordID: get("record_id"), Text: get("text"),
		}
		got.SchemaVersion, _ = strconv.Atoi(get("schema_version"))
		got.WordCount, _ = strconv.Atoi(get("word_count"))
		if v := get("authors"); v != "" {
			got.Authors = strings.Split(v, output.CSVListSep)
		}
		if v := get("tags"); v != "" {
			got.Tags = strings.Split(v, output.CSVListSep)
		}
		if v := get("fetched_at"); v != "" {
			ts, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				t.Fatal(err)
			}
			got.FetchedAt = &ts
		}
		// The csv carries no nested parts: compare the rest.
		carried := a.Clone()
		carried.Sections, carried.Related, carried.References = nil, nil, nil
		if d := cmp.Diff(carried, got, equateEmpty); d != "" {
			t.Errorf("row %d (-want +got):\n%s", i, d)
		}
		for c, n := range map[string]int{"section_count": len(a.Sections), "related_count": len(a.Related), "reference_count": len(a.References)} {
			if get(c) != strconv.Itoa(n) {
				t.Errorf("row %d %s = %s, want %d", i, c, get(c), n)
			}
		}
	}
	if !strings.Contains(rows[1][col["text"]], "\n\n") {
		t.Errorf("text lost its blank lines: %q", rows[1][col["text"]])
	}
}
