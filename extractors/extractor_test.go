package extractors

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
)

func extract(t *testing.T, opts Options, url string, body []byte, header http.Header) *article.Article {
	t.Helper()
	e, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a, err := e.Extract(context.Background(), Page{URL: url, Body: body, Header: header})
	if err != nil {
		t.Fatalf("Extract %s: %v", url, err)
	}
	return a
}

func readPage(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pages", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRealisticPages checks what must and must not be in the text of
// hand-written pages modelled on real templates.
func TestRealisticPages(t *testing.T) {
	cases := []struct {
		file, url   string
		pageType    string
		contains    []string
		notContains []string
		check       func(t *testing.T, a *article.Article)
	}{
		{
			file: "news.html", url: "https://news.example.org/health/sleep-heart-study", pageType: article.PageArticle,
			contains: []string{
				"Adults who regularly sleep seven to eight hours",
				"What the researchers found\n\nShort sleepers",
				"“Sleep is not a luxury, it is a vital sign,”",
				"The study was observational",
			},
			notContains: []string{"cookies", "Advertisement", "mattress", "Share on Social", "Email this article",
				"Getty", "newsletter", "Sign up", "covers health and science", "Most read", "All rights reserved",
				"Opinion", "Medically reviewed", "By Maria", "New Study Links Sleep to Heart Health"},
			check: func(t *testing.T, a *article.Article) {
				eq(t, "title", a.Title, "New Study Links Sleep to Heart Health")
				eqs(t, "authors", a.Authors, []string{"Maria Lopez", "Tom Becker"})
				eq(t, "reviewed_by", a.ReviewedBy, "Dr. Alan Grant, MD")
				eq(t, "reviewed_at", a.ReviewedAt, "2024-03-03")
				eq(t, "published_at", a.PublishedAt, "2024-03-01T08:30:00Z")
				eq(t, "modified_at", a.ModifiedAt, "2024-03-04T09:00:00Z")
				eq(t, "canonical_url", a.CanonicalURL, "https://news.example.org/health/sleep-heart-study")
				eq(t, "image", a.Image, "https://news.example.org/img/sleep.jpg")
				eq(t, "site_name", a.SiteName, "Daily Health Wire")
				eq(t, "language", a.Language, "en")
				eqs(t, "tags", a.Tags, []string{"sleep", "heart health"})
				if len(a.Sections) != 3 || a.Sections[0].Heading != "" || a.Sections[0].Level != 0 ||
					a.Sections[1].Heading != "What the researchers found" || a.Sections[1].Level != 2 {
					t.Errorf("sections = %+v", headings(a))
				}
			},
		},
		{
			file: "blog.html", url: "https://blog.example.org/2023/06/massage-back-pain/", pageType: article.PageArticle,
			contains: []string{
				"Are you dealing with lower back pain",
				"Why It Works",
				"Increased Blood Flow: Massage promotes blood flow",
				"Release of Tension: By breaking up",
				"Bottom Line\n\nMassage therapy can be a helpful part",
			},
			notContains: []string{"cookies", "Share this", "Facebook", "Related", "Five Gentle Stretches", "Glial",
				"Great article", "physiotherapist", "Leave a Reply", "Recent Posts", "Posted in", "Tagged",
				"Previous post", "Proudly powered", "Posted on", "Sam Rivera"},
			check: func(t *testing.T, a *article.Article) {
				eq(t, "title", a.Title, "Can Massage Therapy Help Lower Back Pain?")
				eqs(t, "authors", a.Authors, []string{"Sam Rivera"})
				eq(t, "site_name", a.SiteName, "Wellness Notes")
				if len(a.Related) != 2 {
					t.Fatalf("related = %+v, want 2 stubs", a.Related)
				}
				r := a.Related[0]
				eq(t, "related[0].title", r.Title, "Five Gentle Stretches for Sciatica Relief")
				eq(t, "related[0].url", r.URL, "https://blog.example.org/2023/05/stretches-for-sciatica/")
				eq(t, "related[1].snippet", a.Related[1].Snippet, "Glial cells, also kn")
				if !r.Truncated || !a.Related[1].Truncated {
					t.Errorf("related stubs cut mid-word must be truncated: %+v", a.Related)
				}
				var list *article.Block
				for i := range a.Sections {
					for j := range a.Sections[i].Blocks {
						if a.Sections[i].Blocks[j].Type == article.BlockList {
							list = &a.Sections[i].Blocks[j]
						}
					}
				}
				if list == nil || len(list.Items) != 3 || list.Items[0].Label != "Increased Blood Flow" ||
					!strings.HasPrefix(list.Items[0].Text, "Massage promotes") {
					t.Errorf("label list = %+v", list)
				}
			},
		},
		{
			file: "reference.html", url: "https://library.example.net/conditions/type-2-diabetes", pageType: article.PageArticle,
			contains: []string{
				"Type 2 diabetes is a long-term condition",
				"Increased thirst and frequent urination\nespecially at night\noften with a dry mouth\nFatigue",
				"Factor | Relative risk\nFamily history | 2–4×",
				"Metformin, usually the first medicine prescribed.",
				"Losing 5 to 10 percent",
				"HbA1c target: < 7.0 %\nFasting glucose",
			},
			notContains: []string{"Contents", "Search", "Smith J", "Garcia M", "References", "Type 1 Diabetes",
				"information only"},
			check: func(t *testing.T, a *article.Article) {
				eq(t, "title", a.Title, "Type 2 Diabetes: Overview")
				// The table of contents is kept as structure (first block of
				// the lead, role toc, its "Contents" label not a section) and
				// left out of text, which starts with the prose.
				if len(a.Sections) == 0 || a.Sections[0].Heading != "" || len(a.Sections[0].Blocks) < 2 {
					t.Fatalf("lead section = %+v", a.Sections)
				}
				toc := a.Sections[0].Blocks[0]
				var tocItems []string
				for _, it := range toc.Items {
					tocItems = append(tocItems, it.Text)
				}
				if toc.Role != article.RoleTOC || !toc.Ordered {
					t.Errorf("first block = %+v, want an ordered list with role toc", toc)
				}
				eqs(t, "toc items", tocItems, []string{"Symptoms", "Causes", "Treatment", "References"})
				if !strings.HasPrefix(a.Text, "Type 2 diabetes is a long-term condition") {
					t.Errorf("text starts %.60q", a.Text)
				}
				for _, s := range a.Sections {
					if s.Heading == "Contents" {
						t.Errorf("the TOC label became a section heading")
					}
				}
				eqs(t, "authors", a.Authors, []string{"Priya Natarajan", "Li Wei"})
				eq(t, "published_at", a.PublishedAt, "2022-11-05")
				eq(t, "reviewed_by", a.ReviewedBy, "Omar Haddad, MD")
				eq(t, "reviewed_at", a.ReviewedAt, "2024-01-15")
				if len(a.References) != 3 {
					t.Fatalf("references = %+v, want 3", a.References)
				}
				eq(t, "ref[0].doi", a.References[0].DOI, "10.1210/jc.2018-01234")
				eq(t, "ref[0].pmid", a.References[0].PMID, "30512345")
				eq(t, "ref[1].doi", a.References[1].DOI, "10.1001/jama.2020.5678")
				eq(t, "ref[1].url", a.References[1].URL, "https://doi.org/10.1001/jama.2020.5678")
				eq(t, "ref[2].pmid", a.References[2].PMID, "31234567")
				depth := map[string]int{}
				for _, s := range a.Sections {
					for _, b := range s.Blocks {
						for _, it := range b.Items {
							depth[it.Text] = it.Depth
						}
						if b.Type == article.BlockTable && len(b.Rows) != 4 {
							t.Errorf("table rows = %v", b.Rows)
						}
					}
				}
				if depth["especially at night"] != 1 || depth["Fatigue and blurred vision"] != 0 {
					t.Errorf("nested list depths = %v", depth)
				}
				if len(a.Related) != 2 {
					t.Errorf("related = %+v", a.Related)
				}
			},
		},
		{
			file: "listing.html", url: "https://blog.example.org/category/nutrition/", pageType: article.PageListing,
			check: func(t *testing.T, a *article.Article) {
				if a.Text != "" || len(a.Sections) != 0 {
					t.Errorf("listing page has a body: %q", a.Text)
				}
			},
		},
		{
			file: "hidden.html", url: "https://site.example.com/articles/hidden-test", pageType: article.PageArticle,
			contains:    []string{"This first paragraph is visible", "The second visible paragraph"},
			notContains: []string{"SECRET", "never in text"},
		},
		{
			file: "cp1252-nometa.html", url: "https://fr.example.com/sante/cafe", pageType: article.PageArticle,
			contains: []string{"Le café est l’une des boissons", "modérée – trois à quatre tasses", "“Il faut cependant éviter le café le soir”"},
			check: func(t *testing.T, a *article.Article) {
				eq(t, "title", a.Title, "Café et santé : ce que dit la science")
				eq(t, "language", a.Language, "fr")
			},
		},
		{
			file: "cp1252-meta.html", url: "https://fr.example.com/sante/cafe", pageType: article.PageArticle,
			contains: []string{"Le café est l’une des boissons", "“Il faut cependant éviter le café le soir”"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			a := extract(t, Options{}, tc.url, readPage(t, tc.file), nil)
			if a.PageType != tc.pageType {
				t.Fatalf("page_type = %q, want %q (text %q)", a.PageType, tc.pageType, a.Text)
			}
			if !utf8.ValidString(a.Text) {
				t.Errorf("text is not valid UTF-8")
			}
			for _, s := range tc.contains {
				if !strings.Contains(a.Text, s) {
					t.Errorf("text lacks %q\n--- text:\n%s", s, a.Text)
				}
			}
			for _, s := range tc.notContains {
				if strings.Contains(a.Text, s) {
					t.Errorf("text contains %q\n--- text:\n%s", s, a.Text)
				}
			}
			if tc.pageType == article.PageArticle && a.WordCount == 0 {
				t.Errorf("word_count = 0")
			}
			if tc.check != nil {
				tc.check(t, a)
			}
		})
	}
}

func eq(t *testing.T, field, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", field, got, want)
	}
}

func eqs(t *testing.T, field string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("%s = %q, want %q", field, got, want)
	}
}

func headings(a *article.Article) []string {
	var hs []string
	for _, s := range a.Sections {
		hs = append(hs, s.Heading)
	}
	return hs
}

const bodyText = `<p>First paragraph of the article body with enough words to be taken as content by the extractor.</p>
<p>Second paragraph of the article body, also long enough, so that the page is an article and not a stub.</p>`

func metaPage(head, body string) []byte {
	return []byte("<!DOCTYPE html><html><head>" + head + "</head><body>" + body + "<article>" + bodyText + "</article></body></html>")
}

// TestMetadataPrecedence checks, field by field, JSON-LD > OpenGraph > <meta>
// > visible page.
func TestMetadataPrecedence(t *testing.T) {
	const (
		ld      = `<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"LD headline","author":{"@type":"Person","name":"LD Author"},"datePublished":"2021-01-02","dateModified":"2021-02-03","description":"LD description","inLanguage":"de"}</script>`
		og      = `<meta property="og:title" content="OG title"><meta property="og:description" content="OG description"><meta property="article:published_time" content="2020-05-06T07:08:09Z"><meta property="article:modified_time" content="2020-06-07">`
		meta    = `<meta name="author" content="Meta Author"><meta name="description" content="Meta description"><meta name="citation_publication_date" content="2019/03/04"><meta name="DC.title" content="DC title"><meta name="citation_title" content="Citation title">`
		title   = `<title>Doc Title Here For Tests | Some Site</title>`
		visible = `<h1>Seen on the page</h1><p class="byline">By <a rel="author" href="/a/v">Visible Author</a></p><time datetime="2018-07-08">July 8, 2018</time>`
	)
	cases := []struct {
		name, head, body                             string
		title, author, published, modified, descript string
	}{
		// The visible byline names the author whatever the metadata says
		// (people.go); the subtest below checks metadata without one.
		// published_at: the date shown in the byline beats every metadata
		// date that disagrees with it (TestDates covers the metadata order).
		{"jsonld wins", ld + og + meta + title, visible, "LD headline", "Visible Author", "2018-07-08", "2021-02-03", "LD description"},
		{"dc and og beat citation and title", og + meta + title, visible, "DC title", "Visible Author", "2018-07-08", "2020-06-07", "OG description"},
		{"og beats title", og + title, visible, "OG title", "Visible Author", "2018-07-08", "2020-06-07", "OG description"},
		{"meta beats visible", meta + title, visible, "DC title", "Visible Author", "2018-07-08", "", "Meta description"},
		{"visible only", title, visible, "Doc Title Here For Tests", "Visible Author", "2018-07-08", "", ""},
	}
	t.Run("metadata authors without a byline", func(t *testing.T) {
		noByline := `<h1>Visible headline</h1><time datetime="2018-07-08">July 8, 2018</time>`
		a := extract(t, Options{}, "https://example.com/news/story", metaPage(ld+meta+title, noByline), nil)
		eqs(t, "authors", a.Authors, []string{"LD Author"})
		a = extract(t, Options{}, "https://example.com/news/story", metaPage(meta+title, noByline), nil)
		eqs(t, "authors", a.Authors, []string{"Meta Author"})
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := extract(t, Options{}, "https://example.com/news/story", metaPage(tc.head, tc.body), nil)
			eq(t, "title", a.Title, tc.title)
			eqs(t, "authors", a.Authors, []string{tc.author})
			eq(t, "published_at", a.PublishedAt, tc.published)
			eq(t, "modified_at", a.ModifiedAt, tc.modified)
			eq(t, "description", a.Description, tc.descript)
		})
	}
	t.Run("jsonld graph, microdata and itemprop", func(t *testing.T) {
		head := `<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Graph Site"},{"@type":"BlogPosting","headline":"Graph headline","author":[{"name":"A One"},{"name":"B Two"}]}]}</script>`
		a := extract(t, Options{}, "https://example.com/post", metaPage(head, ""), nil)
		eq(t, "title", a.Title, "Graph headline")
		eqs(t, "authors", a.Authors, []string{"A One", "B Two"})
		eq(t, "site_name", a.SiteName, "Graph Site")

		body := `<div itemscope itemtype="https://schema.org/Article"><h1 itemprop="headline">Micro headline</h1><span itemprop="author" itemscope><span itemprop="name">Micro Author</span></span><meta itemprop="datePublished" content="2017-09-10"></div>`
		a = extract(t, Options{}, "https://example.com/post", metaPage("", body), nil)
		eq(t, "title", a.Title, "Micro headline")
		eqs(t, "authors", a.Authors, []string{"Micro Author"})
		eq(t, "published_at", a.PublishedAt, "2017-09-10")
	})
	t.Run("title suffix and language", func(t *testing.T) {
		head := `<meta property="og:site_name" content="Health Site"><meta property="og:title" content="Ten Tips for Better Sleep When You Travel Abroad | Health Site">`
		a := extract(t, Options{}, "https://example.com/post", []byte(`<html lang="pt-BR"><head>`+head+`</head><body><article>`+bodyText+`</article></body></html>`), nil)
		eq(t, "title", a.Title, "Ten Tips for Better Sleep When You Travel Abroad")
		eq(t, "language", a.Language, "pt")
	})
	t.Run("short title loses its site suffix too", func(t *testing.T) {
		head := `<meta property="og:site_name" content="Health Site"><meta property="og:title" content="Ten Tips for Better Sleep | Health Site">`
		a := extract(t, Options{}, "https://example.com/post", metaPage(head, ""), nil)
		eq(t, "title", a.Title, "Ten Tips for Better Sleep")
	})
	t.Run("title without site name in the suffix", func(t *testing.T) {
		head := `<meta property="og:site_name" content="Health Site"><meta property="og:title" content="Sleep and the Heart: What a Ten-Year Study Found - Part Two">`
		a := extract(t, Options{}, "https://example.com/post", metaPage(head, ""), nil)
		eq(t, "title", a.Title, "Sleep and the Heart: What a Ten-Year Study Found - Part Two")
	})
}

func TestDecodeHTML(t *testing.T) {
	latin := []byte("<html><head><title>Caf\xe9</title></head><body><p>na\xefve \x93quoted\x94</p></body></html>")
	utf8Late := []byte("<html><head>" + strings.Repeat("<meta name=\"x\" content=\"padding padding padding\">", 60) +
		"<title>Café</title></head><body><p>naïve “quoted”</p></body></html>")
	cases := []struct {
		name, contentType string
		body              []byte
		want              string
	}{
		{"utf-8 without header, non-ASCII after 1 KiB", "", utf8Late, "naïve “quoted”"},
		{"utf-8 body despite latin-1 header", "text/html; charset=iso-8859-1", utf8Late, "naïve “quoted”"},
		{"windows-1252 without header or meta", "", latin, "naïve “quoted”"},
		{"windows-1252 from header", "text/html; charset=windows-1252", latin, "naïve “quoted”"},
		{"meta charset after 1 KiB", "", append([]byte("<html><head>"+strings.Repeat("<!-- padding -->", 100)+`<meta charset="windows-1252">`), latin[6:]...), "naïve “quoted”"},
		{"utf-8 BOM", "", append([]byte{0xEF, 0xBB, 0xBF}, []byte("<p>Grüße</p>")...), "<p>Grüße</p>"},
		{"utf-16le BOM", "", []byte{0xFF, 0xFE, '<', 0, 'p', 0, '>', 0, 0xE9, 0, '<', 0, '/', 0, 'p', 0, '>', 0}, "<p>é</p>"},
		{"gbk from meta", "", append([]byte(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head><body><p>`), 0xD6, 0xD0, 0xCE, 0xC4, '<', '/', 'p', '>'), "中文"},
		{"shift_jis from header", "text/html; charset=Shift_JIS", []byte{'<', 'p', '>', 0x93, 0xfa, 0x96, 0x7b, '<', '/', 'p', '>'}, "日本"},
		{"iso-8859-2 from meta", "", []byte("<meta charset=\"iso-8859-2\"><p>\xb3\xf3d\xbc</p>"), "łódź"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeHTML(tc.body, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if !utf8.Valid(got) {
				t.Fatalf("not UTF-8: %q", got)
			}
			if !strings.Contains(string(got), tc.want) {
				t.Errorf("decoded %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

func TestSelectorOverrides(t *testing.T) {
	page := []byte(`<html><head><title>Generic Title</title><meta name="author" content="Meta Author"></head><body>
<div class="chrome"><p>Site chrome paragraph that is long enough to look like content to the heuristics here.</p></div>
<div class="story"><h1 class="hl">Selector Headline</h1><span class="who">Selected Author</span><span class="when" data-x="1">2022-02-03</span>
<p>The real story paragraph that the selector points at, with plenty of words in it for everyone.</p>
<p class="promo">PROMO paragraph inside the story container that the exclude selector removes.</p>
<div class="mentions"><a href="/other-story">A Related Story Picked By Selector</a></div>
<p class="revby">Reviewed by Selected Reviewer, RN</p>
<ul class="srcs"><li>Source one, doi:10.5555/abc.123</li></ul></div>
<div class="chrome"><p>More site chrome text, long enough to be picked by a generic content heuristic as well.</p></div>
</body></html>`)
	opts := Options{Selectors: config.Selectors{
		Title: "h1.hl", Content: "div.story", Exclude: ".promo, .revby", Related: ".mentions",
		Authors: ".who", PublishedAt: ".when", ReviewedBy: ".revby", References: ".srcs",
	}}
	a := extract(t, opts, "https://example.com/s/1", page, nil)
	eq(t, "title", a.Title, "Selector Headline")
	eqs(t, "authors", a.Authors, []string{"Selected Author"})
	eq(t, "published_at", a.PublishedAt, "2022-02-03")
	eq(t, "reviewed_by", a.ReviewedBy, "Selected Reviewer, RN")
	if !strings.Contains(a.Text, "The real story paragraph") || strings.Contains(a.Text, "chrome") || strings.Contains(a.Text, "PROMO") ||
		strings.Contains(a.Text, "Source one") || strings.Contains(a.Text, "Related Story") {
		t.Errorf("content/exclude selectors not applied: %q", a.Text)
	}
	if len(a.Related) != 1 || a.Related[0].URL != "https://example.com/other-story" {
		t.Errorf("related = %+v", a.Related)
	}
	if len(a.References) != 1 || a.References[0].DOI != "10.5555/abc.123" {
		t.Errorf("references = %+v", a.References)
	}
}

// A content selector is trusted even when the element's class looks like
// boilerplate to the heuristics.
func TestContentSelectorTrusted(t *testing.T) {
	page := []byte(`<html><body><main><p>Main column text that the heuristics would pick on this page, long enough to win easily over the rest.</p>
<p>More main column text, again long enough to be a real paragraph of an article body for the scorer.</p></main>
<aside class="sidebar widget"><p>The sidebar story this site wants: short but chosen by the site's selector on purpose.</p></aside></body></html>`)
	a := extract(t, Options{Selectors: config.Selectors{Content: "aside.sidebar"}}, "https://example.com/s/2", page, nil)
	if !strings.Contains(a.Text, "The sidebar story this site wants") || strings.Contains(a.Text, "Main column") {
		t.Errorf("text = %q, want only the selected aside", a.Text)
	}
}

func TestInvalidSelectors(t *testing.T) {
	s := config.Selectors{Content: "div[", Title: "h1", Related: "::nope("}
	errs := ValidateSelectors(s)
	if len(errs) != 2 {
		t.Fatalf("ValidateSelectors = %v, want 2 errors", errs)
	}
	if !strings.HasPrefix(errs[0].Error(), `selectors.content: invalid selector "div["`) ||
		!strings.HasPrefix(errs[1].Error(), `selectors.related: invalid selector`) {
		t.Errorf("errors = %v", errs)
	}
	if _, err := New(Options{Selectors: s}); err == nil || !strings.Contains(err.Error(), "selectors.content") {
		t.Errorf("New error = %v, want one naming selectors.content", err)
	}
	if errs := ValidateSelectors(config.Selectors{Content: "article .body, main > p"}); len(errs) != 0 {
		t.Errorf("valid selectors rejected: %v", errs)
	}
}

// A page deeper than the parser's 512 open elements is read (deep_test.go).
func TestTooDeep(t *testing.T) {
	e, _ := New(Options{})
	a, err := e.Extract(context.Background(), Page{URL: "https://example.com/deep", Body: []byte(strings.Repeat("<div>", 5000) + "deep text")})
	if err != nil || a.PageType == "" || !strings.Contains(a.Text, "deep text") {
		t.Errorf("Extract = %+v, %v; want a record with the deep text", a, err)
	}
}

func TestExtractCanceled(t *testing.T) {
	e, _ := New(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Extract(ctx, Page{URL: "https://example.com/", Body: []byte("<p>x</p>")}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestEdgeInputs: empty, binary and tag-soup inputs give a record, never a panic.
func TestEdgeInputs(t *testing.T) {
	for name, body := range map[string][]byte{
		"empty":      nil,
		"binary":     {0x00, 0xff, 0xfe, 0x01, 0x89, 'P', 'N', 'G'},
		"text":       []byte("just some words, no markup at all"),
		"unclosed":   []byte("<html><body><div><p>unclosed <b>tags <table><tr><td>cell"),
		"deep":       []byte(strings.Repeat("<div>", 300) + "deep text" + strings.Repeat("</div>", 300)),
		"bad jsonld": []byte(`<script type="application/ld+json">{"@type":["Article",{"x":1}],"author":[null,1,{"name":[]}],"headline":{"@value":3}}</script><p>body</p>`),
	} {
		a := extract(t, Options{}, "https://example.com/x", body, nil)
		if a.PageType == "" || !utf8.ValidString(a.Text) || a.SchemaVersion != article.SchemaVersion {
			t.Errorf("%s: bad record %+v", name, a)
		}
	}
}

// One Extractor serves concurrent callers: same results as sequential calls
// (run with -race).
func TestConcurrentUse(t *testing.T) {
	e, err := New(Options{Selectors: config.Selectors{Exclude: ".ad-slot"}})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "pages", "*.html"))
	want := map[string]string{}
	for _, f := range files {
		body, _ := os.ReadFile(f)
		a, err := e.Extract(context.Background(), Page{URL: "https://example.com/a/" + filepath.Base(f), Body: body})
		if err != nil {
			t.Fatal(err)
		}
		want[f] = a.Text
	}
	errs := make(chan error, 4*len(files))
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for _, f := range files {
				body, _ := os.ReadFile(f)
				a, err := e.Extract(context.Background(), Page{URL: "https://example.com/a/" + filepath.Base(f), Body: body})
				if err != nil {
					errs <- err
					continue
				}
				if a.Text != want[f] {
					errs <- errors.New(f + ": text differs between calls")
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A table of contents under its own heading (no box around it) stays in that
// section as a role toc list; the section's heading leaves text with it. Links
// to anchors that are not a table of contents (two "skip to" links) are dropped
// as before, never turned into a TOC.
func TestTOCUnderOwnHeading(t *testing.T) {
	para := "Iron deficiency anaemia develops when the body lacks the iron it needs to make haemoglobin, the protein in red blood cells that carries oxygen around the body. "
	page := `<html><head><title>Iron deficiency anaemia</title></head><body>
<ul class="skip"><li><a href="#main">Skip to content</a></li><li><a href="#nav">Skip to navigation</a></li></ul>
<article><h1>Iron deficiency anaemia</h1>
<h2>On this page</h2>
<ol><li><a href="#symptoms">Symptoms</a></li><li><a href="#causes">Causes</a></li><li><a href="#treatment">Treatment</a></li></ol>
<h2 id="symptoms">Symptoms</h2><p>` + para + para + `</p>
<h2 id="causes">Causes</h2><p>` + para + `</p>
<h2 id="treatment">Treatment</h2><p>` + para + `</p>
</article></body></html>`
	a := extract(t, Options{}, "https://health.example.org/conditions/iron-deficiency-anaemia", []byte(page), nil)
	if len(a.Sections) == 0 || a.Sections[0].Heading != "On this page" {
		t.Fatalf("sections = %+v", a.Sections)
	}
	s0 := a.Sections[0]
	if len(s0.Blocks) != 1 || s0.Blocks[0].Role != article.RoleTOC || len(s0.Blocks[0].Items) != 3 || s0.Blocks[0].Items[2].Text != "Treatment" {
		t.Errorf("TOC section blocks = %+v", s0.Blocks)
	}
	if !strings.HasPrefix(a.Text, "Symptoms\n\nIron deficiency anaemia develops") {
		t.Errorf("text starts %.80q", a.Text)
	}
	if strings.Contains(a.Text, "On this page") || strings.Contains(a.Text, "Skip to") {
		t.Errorf("navigation in text: %q", a.Text)
	}
	if n := article.CountWords(a.Text); n != a.WordCount {
		t.Errorf("word_count %d, text has %d words", a.WordCount, n)
	}
}

// The URL alone never makes a post a listing: "/?p=5031" (WordPress's plain
// permalink) addresses one post, and a directory named "page" is not
// pagination; taxonomy paths and "/page/2" still count. The front page is
// judged by its content: without teasers it is a landing page (other).
func TestPageTypeFromURL(t *testing.T) {
	short := `<html><head><title>Clinic news</title></head><body><main><h1>Clinic news</h1>
<p>The clinic in the old town opens a second practice room on Monday, with longer hours on Thursdays and a nurse on duty for walk-in vaccinations all week long.</p>
<p>Appointments can be booked at the desk or by phone; the pharmacy next door keeps its own hours and is not affected by the change.</p></main></body></html>`
	for _, tc := range []struct {
		url, want string
	}{
		{"https://clinic.example/?p=5031", article.PageArticle},
		{"https://clinic.example/?page_id=12", article.PageArticle},
		{"https://clinic.example/page/index.php?scroll=news", article.PageArticle},
		{"https://clinic.example/news/second-room.html", article.PageArticle},
		{"https://clinic.example/", article.PageOther},
		{"https://clinic.example/?lang=en", article.PageOther},
		{"https://clinic.example/category/news/", article.PageListing},
		{"https://clinic.example/news/page/2/", article.PageListing},
	} {
		a := extract(t, Options{}, tc.url, []byte(short), nil)
		if a.PageType != tc.want {
			t.Errorf("%s: page_type %q, want %q", tc.url, a.PageType, tc.want)
		}
	}
}

// A page that appends the next stories below the one asked for (infinite
// scroll): the record is the article carrying the page's headline, even when
// a following one is longer; like-classed wrappers of one article (intro and
// body) are still read together.
func TestFeedOfArticles(t *testing.T) {
	p := func(s string, n int) string { return strings.Repeat("<p>"+s+"</p>\n", n) }
	feed := `<html><head><title>Flu vaccine clinics open this weekend | Daily Health</title>
<meta property="og:title" content="Flu vaccine clinics open this weekend"></head><body><main>
<article class="story"><h1>Flu vaccine clinics open this weekend</h1>` +
		p("Walk-in flu vaccine clinics open on Saturday in all district health centres, with no appointment needed for adults or children.", 3) +
		`</article>
<article class="story"><h1>Hospital car park fees to rise in spring</h1>` +
		p("Parking at the general hospital will cost more from April, the trust said, with discounts kept for patients on long treatments.", 8) +
		`</article></main></body></html>`
	a := extract(t, Options{}, "https://news.example.org/2026/11/flu-clinics", []byte(feed), nil)
	if !strings.Contains(a.Text, "Walk-in flu vaccine clinics") || strings.Contains(a.Text, "Parking at the general hospital") {
		t.Errorf("feed page text = %q", a.Text)
	}

	split := `<html><head><title>Flu vaccine clinics open this weekend</title></head><body><main>
<div class="para"><h1>Flu vaccine clinics open this weekend</h1>` + p("Walk-in flu vaccine clinics open on Saturday in all district health centres, with no appointment needed.", 1) + `</div>
<div class="para">` + p("Adults over 65, pregnant women and people with long-term conditions are asked to come first, in the morning hours.", 6) + `</div>
</main></body></html>`
	a = extract(t, Options{}, "https://news.example.org/2026/11/flu-clinics", []byte(split), nil)
	if !strings.Contains(a.Text, "Adults over 65") {
		t.Errorf("split article lost its body: %q", a.Text)
	}
}

// Page builders wrap every block of an article in "widget" containers: a weak
// boilerplate word with long, link-poor prose inside is content. A widget of
// linked teasers next to it stays out. A section label in an <h1> that reads
// like a references heading ("Literatur") does not swallow the article, and
// typography utility classes ("text-right") are no sign of content.
func TestPageBuilderWidgetsAndLabels(t *testing.T) {
	prose := func(s string) string {
		return `<div class="builder-widget widget-wrap"><div class="widget-container"><p>` + strings.Repeat(s+" ", 7) + `</p></div></div>`
	}
	page := `<html><head><title>Our research on sleep</title></head><body>
<div class="site"><div class="builder-section">` +
		prose("Our sleep laboratory studies how shift work changes the body clock of nurses and doctors.") +
		prose("Participants wear a light sensor for four weeks and keep a diary of naps, meals and coffee.") +
		prose("Results are shared with the hospitals, which adjust rosters to give longer recovery between night shifts.") +
		`</div>
<div class="widget recent-posts"><h3><a href="/news/one">A new grant for the sleep laboratory team</a></h3><p>Short teaser.</p>
<h3><a href="/news/two">Volunteers wanted for the winter study</a></h3><p>Short teaser.</p>
<h3><a href="/news/three">Open day at the research campus in May</a></h3><p>Short teaser.</p></div>
<footer class="footer"><div class="column text-right"><p>All rights reserved, Sleep Institute.</p></div></footer>
</div></body></html>`
	a := extract(t, Options{}, "https://sleep.example.org/research", []byte(page), nil)
	for _, s := range []string{"shift work changes the body clock", "light sensor for four weeks", "longer recovery between night shifts"} {
		if !strings.Contains(a.Text, s) {
			t.Errorf("text lacks %q: %q", s, a.Text)
		}
	}
	for _, s := range []string{"Volunteers wanted", "All rights reserved"} {
		if strings.Contains(a.Text, s) {
			t.Errorf("text has %q: %q", s, a.Text)
		}
	}

	review := `<html><head><title>Book of the week: The Sleep Book</title></head><body><div id="content">
<h1>Literatur</h1><h2>Book of the week</h2>
<p>` + strings.Repeat("A clear and kind guide to sleeping better, written by a sleep physician with thirty years of clinic experience. ", 4) + `</p>
<p>` + strings.Repeat("Each chapter ends with small changes to try for a week, from light in the morning to a cooler bedroom. ", 3) + `</p>
</div></body></html>`
	a = extract(t, Options{}, "https://books.example.org/kultur/literatur/sleep-book", []byte(review), nil)
	if !strings.Contains(a.Text, "A clear and kind guide") || !strings.Contains(a.Text, "cooler bedroom") || len(a.References) != 0 {
		t.Errorf("review text %q, references %d", a.Text, len(a.References))
	}
}

// A short post whose <article> also holds a <footer> of teaser cards: the
// content root does not climb to the <article> for the teasers' text, so they
// stay out of the body (and become related stubs).
func TestShortPostWithTeaserFooter(t *testing.T) {
	card := func(n int) string {
		return fmt.Sprintf(`<li class="grid-item"><time>31.01.2022</time><a class="item-link" href="/news/item-%d"><h3>Volunteer firefighters honoured in district %d</h3></a>
<p class="item-preview">The district council thanked its volunteer crews for their work during the winter storms and the floods in the valley towns, and announced new equipment…</p>
<a href="/news/item-%d">read more</a></li>`, n, n, n)
	}
	page := `<html><head><title>Training day for boat crews</title></head><body><main><article class="post">
<section class="post-main"><div class="content"><h1>Training day for boat crews</h1>
<p>The boat crews of the fire brigade trained on the lake on Saturday, practising rescues from the water and towing a disabled boat to the shore.</p>
<p>New crew members also passed their first test, steering the boat through a course of buoys in light wind and rain.</p></div></section>
<footer class="post-footer"><section class="post-more"><h2>News</h2><ul class="grid">` + card(1) + card(2) + card(3) + card(4) + `</ul></section></footer>
</article></main></body></html>`
	a := extract(t, Options{}, "https://firebrigade.example.org/news/training-day", []byte(page), nil)
	if !strings.Contains(a.Text, "practising rescues from the water") || !strings.Contains(a.Text, "course of buoys") {
		t.Errorf("body lost: %q", a.Text)
	}
	if strings.Contains(a.Text, "Volunteer firefighters honoured") || strings.Contains(a.Text, "district council thanked") {
		t.Errorf("teaser cards in the body: %q", a.Text)
	}
}

// A short post and a longer cookie-consent modal: the retry that scores
// boilerplate regions on short pages still skips what several strong words
// condemn, also when they sit in a slug-like id.
func TestShortPostBesideCookieModal(t *testing.T) {
	page := `<html><head><title>Keep our lakes clean</title></head><body>
<div class="wrapper"><article class="post"><h1>Keep our lakes clean</h1>
<p>Children can enter the poster contest until the end of May; the best posters hang at every marina this summer.</p></article></div>
<div id="site_gdpr_cookie_modal" class="lity-hide"><div class="modal-body"><p>` +
		strings.Repeat("This website uses cookies so that we can give you the best possible user experience, remember you when you return and learn which sections you find most useful. ", 7) +
		`</p></div></div></body></html>`
	a := extract(t, Options{}, "https://sailing.example.org/keep-our-lakes-clean/", []byte(page), nil)
	if !strings.Contains(a.Text, "poster contest") || strings.Contains(a.Text, "uses cookies") {
		t.Errorf("text = %q", a.Text)
	}
}

// A post the article embeds (a tweet's blockquote, rendered by a script that is
// not run) is a quote of the body, although its wrapper is classed "social"; the
// share bar beside it is not.
func TestEmbeddedPostIsAQuote(t *testing.T) {
	para := "<p>The health department's new campaign drew wide attention on social media on Monday, and most of it was not the attention it wanted. </p>"
	page := `<html><head><title>Campaign slogan backfires</title></head><body><article><h1>Campaign slogan backfires</h1>` +
		para + para + `<div class="social-media-embed"><blockquote class="twitter-tweet"><p lang="en">Yes this is real and the state spent half a million dollars on it</p>— A. Reader (@areader) <a href="https://twitter.com/areader/status/1">November 18, 2019</a></blockquote>
<script async src="https://platform.twitter.com/widgets.js"></script></div>` + para +
		`<div class="article-widget article-tweet"><div class="tweet-inner"><div class="tweet-content"><blockquote class="twitter-tweet"><p>Club statement</p>— The Club (@club) November 20, 2019</blockquote></div></div></div>` +
		`<div class="social-share"><a href="https://twitter.com/share">Share on Twitter</a> <a href="https://facebook.com/share">Share on Facebook</a></div></article></body></html>`
	a := extract(t, Options{}, "https://news.example.org/2019/11/slogan", []byte(page), nil)
	var quotes []string
	for _, s := range a.Sections {
		for _, b := range s.Blocks {
			if b.Type == article.BlockQuote {
				quotes = append(quotes, b.Text)
			}
		}
	}
	if len(quotes) != 2 || !strings.HasPrefix(quotes[0], "Yes this is real") || !strings.Contains(quotes[0], "(@areader)") ||
		!strings.HasPrefix(quotes[1], "Club statement") {
		t.Errorf("quote blocks = %q", quotes)
	}
	if strings.Contains(a.Text, "Share on Twitter") {
		t.Errorf("share bar in text: %q", a.Text)
	}
}
