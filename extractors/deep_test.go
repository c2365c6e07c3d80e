package extractors

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"golang.org/x/net/html"
)

// deepArticle is an article page whose <article> sits inside depth nested
// wrappers (a page builder gone wrong, or a hostile page).
func deepArticle(depth int) []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Shin splints: causes and treatment | Deep Health</title></head><body>`)
	b.WriteString(`<header><nav><a href="/">Home</a> <a href="/sports/">Sports injuries</a></nav></header>`)
	b.WriteString(strings.Repeat(`<div class="wrap">`, depth))
	b.WriteString(`<article><h1>Shin splints: causes and treatment</h1>`)
	b.WriteString(`<p>Shin splints are pain along the inner edge of the shinbone, common in runners who increase their mileage too quickly or change their running surface.</p>`)
	b.WriteString(`<p>The pain usually starts as a dull ache during exercise and eases with rest; it can become constant if training goes on unchanged for weeks.</p>`)
	b.WriteString(`<h2>Treatment at home</h2>`)
	b.WriteString(`<ul><li>Rest from running for two to four weeks, keeping fit with swimming or cycling.</li><li>Cool the shin with an ice pack wrapped in a towel for twenty minutes, several times a day.</li></ul>`)
	b.WriteString(`<p>Return to running gradually, on soft surfaces at first, and replace worn shoes; see a physiotherapist if the pain persists after a month of rest.</p>`)
	b.WriteString(`</article>`)
	b.WriteString(strings.Repeat(`</div>`, depth))
	b.WriteString(`<footer><p>© 2026 Deep Health</p></footer></body></html>`)
	return []byte(b.String())
}

// A page nested 5,000 elements deep is extracted whole: no error, the article's
// text, its headings and list (the structure inside the wrappers is kept), with
// allocation bounded by a small multiple of the page.
func TestExtractVeryDeepPage(t *testing.T) {
	body := deepArticle(5000)
	if _, err := html.Parse(bytes.NewReader(body)); err == nil {
		t.Fatal("the page parses as it is: the test needs one the parser refuses")
	}
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	a, err := e.Extract(context.Background(), Page{URL: "https://example.com/sports/shin-splints", Body: body})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if a.PageType != article.PageArticle {
		t.Errorf("page_type = %q, want article", a.PageType)
	}
	if a.Title != "Shin splints: causes and treatment" {
		t.Errorf("title = %q", a.Title)
	}
	for _, want := range []string{"Shin splints are pain along", "dull ache during exercise", "Rest from running", "Cool the shin", "Return to running gradually"} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, a.Text)
		}
	}
	var headings []string
	items := 0
	for _, s := range a.Sections {
		headings = append(headings, s.Heading)
		for _, b := range s.Blocks {
			items += len(b.Items)
		}
	}
	if !strings.Contains(strings.Join(headings, "|"), "Treatment at home") || items != 2 {
		t.Errorf("structure lost: headings %q, %d list items (want Treatment at home, 2)", headings, items)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 64*uint64(len(body))+8<<20 {
		t.Errorf("extracting a %d-byte page allocated %d bytes", len(body), got)
	}
}

// Nestings the parser refuses are flattened whatever makes them: start tags, the
// parser reopening unclosed formatting elements (<p><b>x</p>y), self-closing
// <div/>, tables, SVG, markup in <noscript>; the text is kept each time, and a
// script never turns into text.
func TestParseHTMLDeepShapes(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"divs":      {strings.Repeat("<div>", 3000) + "<p>deep text</p>", "deep text"},
		"spans":     {strings.Repeat("<span>", 3000) + "deep text", "deep text"},
		"reopened":  {strings.Repeat("<p><b>x</p>y", 3000) + "<p>deep text</p>", "deep text"},
		"divslash":  {strings.Repeat("<div/>", 3000) + "deep text", "deep text"},
		"tables":    {strings.Repeat("<table><tr><td>", 1000) + "deep text", "deep text"},
		"svg":       {"<p>before</p><svg>" + strings.Repeat("<g>", 3000) + "<text>deep text</text></svg>", "deep text"},
		"noscript":  {"<noscript>" + strings.Repeat("<div>", 3000) + "deep text</noscript>", "deep text"},
		"script":    {strings.Repeat("<div>", 3000) + "<script>var secret = '<div>';</script><p>deep text</p>", "deep text"},
		"unclosed":  {strings.Repeat("<span><div></span>", 2000) + "deep text", "deep text"},
		"formatted": {strings.Repeat("<b><div></b>", 2000) + "deep text", "deep text"},
	} {
		if _, err := html.ParseWithOptions(strings.NewReader(tc.body), html.ParseOptionEnableScripting(false)); err == nil {
			t.Errorf("%s: parses as it is: not a case for flattening", name)
		}
		root, err := parseHTML([]byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		text := nodeText(root)
		if !strings.Contains(text, tc.want) {
			t.Errorf("%s: text %.80q lacks %q", name, text, tc.want)
		}
		if strings.Contains(text, "secret") {
			t.Errorf("%s: a script became text", name)
		}
	}
}

// nodeText is the text of n's tree outside scripts and styles.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// A page no deeper than the first flattening's budget comes out of flattenDeep
// byte for byte: the pages the parser reads are never changed.
func TestFlattenKeepsShallowPages(t *testing.T) {
	pages, _ := filepath.Glob(filepath.Join("testdata", "pages", "*.html"))
	if len(pages) == 0 {
		t.Fatal("no test pages")
	}
	pages = append(pages, "deep300")
	for _, p := range pages {
		var body []byte
		if p == "deep300" {
			body = deepArticle(200)
		} else {
			var err error
			if body, err = os.ReadFile(p); err != nil {
				t.Fatal(err)
			}
		}
		if got := flattenDeep(body, flattenings[0]); !bytes.Equal(got, body) {
			t.Errorf("%s: flattened (%d bytes to %d)", p, len(body), len(got))
		}
	}
}

// BenchmarkExtractDeep: a 5,000-deep page (parsed, refused, flattened, parsed).
func BenchmarkExtractDeep(b *testing.B) {
	body := deepArticle(5000)
	e, _ := New(Options{})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Extract(context.Background(), Page{URL: "https://example.com/a", Body: body}); err != nil {
			b.Fatal(err)
		}
	}
}

// A page of more than MaxElements elements is read up to its MaxElements-th: the
// DOM of one hostile page stays bounded. A page under the limit is read whole.
func TestCapElements(t *testing.T) {
	page := []byte("<html><body><p>a</p><p>b</p><p>c</p></body></html>")
	if got, cut := capElements(page, 10); cut || !bytes.Equal(got, page) {
		t.Errorf("a page of 5 elements under a cap of 10 changed: %q %v", got, cut)
	}
	got, cut := capElements(page, 3)
	if !cut || string(got) != "<html><body><p>a</p>" {
		t.Errorf("cap 3: %q %v, want the page up to its 4th element", got, cut)
	}
	// '<' in text and attributes do not count as elements.
	text := []byte(`<p title="<<<<">a < b << c</p>`)
	if got, cut := capElements(text, 1); cut || !bytes.Equal(got, text) {
		t.Errorf("one element with '<' in its text was cut: %q", got)
	}
	var b strings.Builder
	b.WriteString("<html><body><article><h1>Flood</h1><p>" + strings.Repeat("Sleep matters. ", 40) + "</p></article>")
	for i := range MaxElements + 5000 {
		fmt.Fprintf(&b, `<a href="/l/%d">%d</a>`, i, i)
	}
	b.WriteString("</body></html>")
	e, _ := New(Options{})
	a, err := e.Extract(context.Background(), Page{URL: "https://example.org/flood", Body: []byte(b.String())})
	if err != nil || !strings.Contains(a.Text, "Sleep matters.") {
		t.Fatalf("flood page: %v, text %.80q", err, a.Text)
	}
}
