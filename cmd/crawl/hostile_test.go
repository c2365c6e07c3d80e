package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// formulaPage is an article page whose title starts with a tab then "=" and whose
// first paragraph starts with "@": the extractor and the normalize stage trim the
// tab, leaving a bare "=" at the start of the title.
func formulaPage() string {
	page := articleHTML("Walking for Health")
	page = strings.Replace(page, "<title>Walking for Health", "<title>\t=HYPERLINK(&quot;https://evil.example/&quot;)", 1)
	page = strings.Replace(page, "<h1>Walking for Health", "<h1>\t=HYPERLINK(&quot;https://evil.example/&quot;)", 1)
	return strings.Replace(page, "</h1><p>", "</h1><p>@SUM(1+1) ", 1)
}

// csvRow reads the csv output holding one record: its cells by column.
func csvRow(t *testing.T, data string) map[string]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("read csv: %v\n%s", err, data)
	}
	if len(rows) != 2 {
		t.Fatalf("%d csv rows, want header + 1:\n%s", len(rows), data)
	}
	m := map[string]string{}
	for i, c := range rows[0] {
		m[c] = rows[1][i]
	}
	return m
}

// The csv output of a crawl command neutralises the final values (after the
// pipeline): a title the normalize stage left starting with "=" and a text starting
// with "@" get a leading "'"; output.csv_raw (here CRAWL_OUTPUT_CSV_RAW) writes
// them as they are, and the jsonl output always does.
func TestExtractCSVNeutralisesFormulas(t *testing.T) {
	page := filepath.Join(t.TempDir(), "page.html")
	writeFile(t, page, []byte(formulaPage()))

	r := runCrawl(t, "", nil, "extract", page)
	if r.code != exitOK {
		t.Fatalf("jsonl: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	recs := records(t, r.stdout)
	if len(recs) != 1 || !strings.HasPrefix(recs[0].Title, "=HYPERLINK(") || !strings.HasPrefix(recs[0].Text, "@SUM(1+1) ") {
		t.Fatalf("jsonl record: title %q, text %.30q; want them to start with = and @", recs[0].Title, recs[0].Text)
	}
	title, text := recs[0].Title, recs[0].Text

	r = runCrawl(t, "", nil, "extract", "--format", "csv", page)
	if r.code != exitOK {
		t.Fatalf("csv: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	row := csvRow(t, r.stdout)
	if row["title"] != "'"+title || row["text"] != "'"+text {
		t.Errorf("csv: title %q, text %.30q; want them neutralised: %q, %.30q", row["title"], row["text"], "'"+title, "'"+text)
	}

	out := filepath.Join(t.TempDir(), "out.csv")
	r = runCrawl(t, "", map[string]string{"CRAWL_OUTPUT_CSV_RAW": "true"}, "extract", "--out", out, page)
	if r.code != exitOK {
		t.Fatalf("csv raw: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	row = csvRow(t, string(data))
	if row["title"] != title || row["text"] != text {
		t.Errorf("csv_raw: title %q, text %.30q; want them raw: %q, %.30q", row["title"], row["text"], title, text)
	}
}

// A saved page with NUL bytes in its text (within the first 512 bytes too) and a
// page nested 5,000 elements deep are extracted, with all their text; a PNG is
// still refused as binary.
func TestExtractNULAndDeepPages(t *testing.T) {
	dir := t.TempDir()
	nul := strings.Replace(articleHTML("Sleep Hygiene"), "<head>", "<head>\x00", 1)
	nul = strings.Replace(nul, "Most guidelines", "Most guide\x00lines", 1)
	nulPath := filepath.Join(dir, "nul.html")
	writeFile(t, nulPath, []byte(nul))
	deep := articleHTML("Deep Wrappers")
	deep = strings.Replace(deep, "<article>", strings.Repeat("<div>", 5000)+"<article>", 1)
	deep = strings.Replace(deep, "</article>", "</article>"+strings.Repeat("</div>", 5000), 1)
	deepPath := filepath.Join(dir, "deep.html")
	writeFile(t, deepPath, []byte(deep))
	png := filepath.Join(dir, "photo.html")
	writeFile(t, png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01"))

	r := runCrawl(t, "", nil, "extract", nulPath, deepPath, png)
	if r.code != exitPartial || !strings.Contains(r.stderr, png+": binary input, not an HTML page (image/png)") {
		t.Errorf("exit %d, want 1 with the PNG named binary; stderr:\n%s", r.code, r.stderr)
	}
	recs := records(t, r.stdout)
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2; stderr:\n%s", len(recs), r.stderr)
	}
	for i, title := range []string{"Sleep Hygiene", "Deep Wrappers"} {
		a := recs[i]
		if !strings.Contains(a.Title, title) || a.WordCount < 50 || !strings.Contains(a.Text, "150 minutes of moderate activity") || strings.ContainsRune(a.Text, 0) {
			t.Errorf("record %d: title %q, %d words, text %.60q", i, a.Title, a.WordCount, a.Text)
		}
	}
	if !strings.Contains(recs[0].Text, "Most guidelines recommend") {
		t.Errorf("the NUL inside a word was not dropped: %.80q", recs[0].Text)
	}
}
