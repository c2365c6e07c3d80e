package output_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/output"
)

// ResolveFormat is the one rule for the format of an output path, wherever the path
// is set: a given format wins when it agrees with the path's extension; without one,
// the extension names it; no extension is jsonl; an extension no format has is an
// error listing the known ones.
func TestResolveFormat(t *testing.T) {
	for _, tc := range []struct {
		path, format, want string
		err                error
	}{
		{"out/a.jsonl", "", "jsonl", nil},
		{"out/a.ndjson", "", "jsonl", nil},
		{"out/a.jsonl.gz", "", "jsonl", nil},
		{"out/a.gz", "", "jsonl", nil},
		{"out/A.PARQUET", "", "parquet", nil},
		{"out/a.json", "", "json", nil},
		{"out/a.csv", "", "csv", nil},
		{"out/a.db", "", "sqlite", nil},
		{"out/a.sqlite3", "", "sqlite", nil},
		{"out/a.md", "", "markdown", nil},
		{"out/a.txt", "", "text", nil},
		{"out/articles", "", "jsonl", nil},
		{"out/.jsonl", "", "jsonl", nil},
		{"-", "", "jsonl", nil},
		{"-", "csv", "csv", nil},
		{"out/{site}/{date}.parquet", "", "parquet", nil},
		{"out/records.{run}", "", "jsonl", nil},
		{"out/v1.2/{date}.csv", "", "csv", nil},
		{"out/articles", "files", "files", nil},
		{"out/a.parquet", "parquet", "parquet", nil},
		{"out/a.jsonl.gz", "jsonl", "jsonl", nil},
		{"out/a.weird", "csv", "csv", nil}, // a format given names an unknown extension
		{"out/a.xlsx", "", "", output.ErrUnknownExtension},
		{"out/a.csv.gz", "", "", output.ErrUnknownExtension},
		{"out/a.parquet", "jsonl", "", output.ErrFormatMismatch},
		{"out/a.jsonl", "csv", "", output.ErrFormatMismatch},
		{"out/a.json", "jsonl", "", output.ErrFormatMismatch},
		{"out/a.jsonl", "yaml", "", output.ErrUnknownFormat},
	} {
		got, err := output.ResolveFormat(tc.path, tc.format)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("ResolveFormat(%q, %q) = %q, %v; want %q, %v", tc.path, tc.format, got, err, tc.want, tc.err)
		}
	}
	_, err := output.ResolveFormat("out/a.xlsx", "")
	for _, ext := range []string{".xlsx", ".jsonl", ".parquet", ".csv", ".db", ".md", ".txt"} {
		if err == nil || !strings.Contains(err.Error(), ext) {
			t.Errorf("unknown extension error lacks %s: %v", ext, err)
		}
	}
	// FormatForPath stays lenient for readers (crawl report): jsonl for anything unknown.
	if f := output.FormatForPath("out/a.xlsx"); f != "jsonl" {
		t.Errorf("FormatForPath(.xlsx) = %q, want jsonl", f)
	}
}
