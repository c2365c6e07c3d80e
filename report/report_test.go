package report_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/report"
	"golang.org/x/net/html"
)

func records() []*article.Article {
	mk := func(site, lang string, words int, title, date bool, authors, related int) *article.Article {
		a := &article.Article{PageType: article.PageArticle, Site: site, Language: lang, WordCount: words}
		if title {
			a.Title = "T"
		}
		if date {
			a.PublishedAt = "2025-01-02"
		}
		for range authors {
			a.Authors = append(a.Authors, "A")
		}
		for range related {
			a.Related = append(a.Related, article.Related{Title: "R"})
		}
		return a
	}
	return []*article.Article{
		mk("blog", "en", 120, true, true, 1, 2),
		mk("blog", "en", 480, true, false, 0, 0),
		mk("blog", "de", 510, true, true, 2, 1),
		mk("<script>alert(1)</script>", "", 0, false, false, 0, 0),
	}
}

const errorsFile = `{"time":"2026-01-01T00:00:00Z","site":"blog","url":"https://b.example/1","category":"failed","stage":"fetch","reason":"http_404","status":404,"error":"GET: 404","attempts":1}
{"site":"blog","url":"https://b.example/2","category":"failed","stage":"fetch","reason":"http_404","status":404,"error":"GET: 404","attempts":1}

{"site":"blog","url":"https://b.example/3","category":"failed","stage":"fetch","status":503,"error":"GET: 503","attempts":3}
{"site":"blog","url":"https://b.example/4","category":"over_limit","stage":"discover","reason":"max_pages","error":"max_pages","attempts":0}
`

func build(t *testing.T) *report.Report {
	t.Helper()
	dir := t.TempDir()
	// Two rotated parts in different formats: report reads both.
	p1, p2 := filepath.Join(dir, "a.jsonl.gz"), filepath.Join(dir, "b.parquet")
	recs := records()
	for i, p := range []string{p1, p2} {
		writeOutput(t, p, recs[i*2:i*2+2])
	}
	ep := filepath.Join(dir, "errors.jsonl")
	if err := os.WriteFile(ep, []byte(errorsFile), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(context.Background(), []string{p1, p2}, ep)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBuildCounts(t *testing.T) {
	r := build(t)
	if r.Articles != 4 || r.Errors != 4 {
		t.Fatalf("articles %d errors %d", r.Articles, r.Errors)
	}
	if d := cmp.Diff([]report.Count{{"blog", 3}, {"<script>alert(1)</script>", 1}}, r.Sites); d != "" {
		t.Errorf("sites (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]report.Count{{"en", 2}, {"(none)", 1}, {"de", 1}}, r.Languages); d != "" {
		t.Errorf("languages (-want +got):\n%s", d)
	}
	fill := map[string]float64{}
	for _, f := range r.Fill {
		fill[f.Field] = f.Pct
	}
	for f, want := range map[string]float64{"title": 75, "authors": 50, "published_at": 50, "related": 50, "references": 0} {
		if fill[f] != want {
			t.Errorf("fill %s = %v, want %v", f, fill[f], want)
		}
	}
	if r.Words != (report.WordStats{Min: 0, Median: 120, P90: 510, Max: 510, Mean: 277.5}) {
		t.Errorf("words %+v", r.Words)
	}
	total := 0
	for _, b := range r.WordHist {
		total += b.N
	}
	if total != 4 || len(r.WordHist) > report.MaxBuckets || r.WordHist[0].Lo != 0 {
		t.Errorf("histogram %+v", r.WordHist)
	}
	want := []report.Count{{"failed: http_404", 2}, {"failed: fetch: HTTP 503", 1}, {"over_limit: max_pages", 1}}
	if d := cmp.Diff(want, r.ErrorReasons); d != "" {
		t.Errorf("error reasons (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]report.Count{{"failed", 3}, {"over_limit", 1}}, r.ErrorCats); d != "" {
		t.Errorf("error categories (-want +got):\n%s", d)
	}
	if len(r.PerSite) != 2 || r.PerSite[0].Site != "blog" || r.PerSite[0].MedianWords != 480 ||
		!cmp.Equal(r.PerSite[0].Fill, []float64{100, 100 * 2.0 / 3, 100 * 2.0 / 3, 100 * 2.0 / 3}) {
		t.Errorf("per site %+v", r.PerSite)
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	if err := build(t).WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"Articles: 4", "Errors:   4", "Articles per site", "blog", "75.0%",
		"Word count (min 0, median 120", "Languages", "Fields filled", "published_at", "Top error reasons",
		"failed: http_404", "50.0%", "bins of 50 words", "Per site"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// The per-site table, as in the HTML page: articles, median words, top language
	// and the fill rates of SiteFields.
	rows := map[string]string{}
	for _, l := range strings.Split(out[strings.Index(out, "Per site"):], "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			rows[f[0]] = strings.Join(f, " ")
		}
	}
	for first, want := range map[string]string{
		"SITE":                      "SITE ARTICLES MEDIAN WORDS LANGUAGE TITLE AUTHORS PUBLISHED_AT RELATED",
		"blog":                      "blog 3 480 en 100.0% 66.7% 66.7% 66.7%",
		"<script>alert(1)</script>": "<script>alert(1)</script> 1 0 (none) 0.0% 0.0% 0.0% 0.0%",
	} {
		if rows[first] != want {
			t.Errorf("per-site row %q, want %q", rows[first], want)
		}
	}
}

// The HTML page parses, holds one SVG chart per section, escapes labels, and refers
// to nothing outside itself.
func TestWriteHTMLSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := build(t).WriteHTML(&buf, time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	svgs, scripts := 0, 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "svg":
				svgs++
			case "script", "img", "link", "iframe", "object":
				scripts++
			}
			for _, a := range n.Attr {
				if (a.Key == "src" || a.Key == "href") || strings.Contains(a.Val, "url(") {
					t.Errorf("<%s %s=%q>: external reference", n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if svgs != 5 { // sites, languages, words, fields, errors
		t.Errorf("%d svg charts, want 5", svgs)
	}
	if scripts != 0 {
		t.Errorf("%d script/img/link elements", scripts)
	}
	out := buf.String()
	if strings.Contains(out, "<script>alert") || !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("site label not escaped")
	}
	for _, want := range []string{"2026-01-02 03:04 UTC", "failed: http_404", "words per article · bins of 50 words", ">75%<",
		`<title>0–149 words: 2</title>`, `class="lbl">550</text>`} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	_ = os.WriteFile(bad, []byte("{\"url\":\"x\",\"page_type\":\"article\"}\nnot json\n"), 0o644)
	if _, err := report.Build(context.Background(), []string{bad}, ""); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad line: %v", err)
	}
	if _, err := report.Build(context.Background(), []string{filepath.Join(dir, "missing.jsonl")}, ""); err == nil {
		t.Error("missing input: want an error")
	}
	good := filepath.Join(dir, "good.jsonl")
	_ = os.WriteFile(good, nil, 0o644)
	if _, err := report.Build(context.Background(), []string{good}, filepath.Join(dir, "nope.jsonl")); err == nil ||
		!strings.Contains(err.Error(), "nope.jsonl") {
		t.Errorf("missing errors file: %v", err)
	}
	r, err := report.Build(context.Background(), []string{good}, "")
	if err != nil || r.Articles != 0 {
		t.Fatalf("empty input: %v %+v", err, r)
	}
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil || !strings.Contains(buf.String(), "Articles: 0") {
		t.Errorf("empty table: %v\n%s", err, buf.String())
	}
	buf.Reset()
	if err := r.WriteHTML(&buf, time.Time{}); err != nil || !strings.Contains(buf.String(), "None.") {
		t.Errorf("empty HTML: %v", err)
	}
}

// Word counts no record can have (negative, near the int limits: a corrupt or
// hand-made file) are counted as 0 and 1<<40 words: the histogram and the
// statistics stay whole, no overflow.
func TestExtremeWordCounts(t *testing.T) {
	b := report.NewBuilder()
	for _, w := range []int{-1 << 63, 1<<63 - 1 - 30000, -7, 120, 1<<63 - 1} {
		b.Add(&article.Article{WordCount: w})
	}
	r := b.Report()
	n := 0
	for _, bk := range r.WordHist {
		n += bk.N
	}
	if n != 5 || r.Words.Min != 0 || r.Words.Max != report.MaxWordCount || r.Words.Mean <= 0 {
		t.Errorf("histogram holds %d of 5, words %+v", n, r.Words)
	}
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
}
