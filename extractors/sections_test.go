package extractors

import (
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

// lists returns the items of every list block, one string per list.
func lists(a *article.Article) []string {
	var out []string
	for _, s := range a.Sections {
		for _, b := range s.Blocks {
			if b.Type != article.BlockList {
				continue
			}
			var its []string
			for _, it := range b.Items {
				its = append(its, it.Text)
			}
			out = append(out, strings.Join(its, "; "))
		}
	}
	return out
}

const longBody = `<p>Vitamin D helps the body absorb calcium and keeps bones and muscles healthy. Most people make enough from summer sunlight.</p>
<p>In winter, people in northern countries may not make enough, and a daily supplement is often advised for adults and children.</p>
<p>Too much vitamin D over a long time can raise calcium levels in the blood, which can harm the kidneys and the heart.</p>`

func TestSectionLinkLists(t *testing.T) {
	t.Run("see also list inside the article stays in the body", func(t *testing.T) {
		page := `<html><head><title>Vitamin D</title></head><body><nav><ul><li><a href="/">Home</a></li><li><a href="/a">A-Z</a></li></ul></nav>
<article><h1>Vitamin D</h1>` + longBody + `
<h2>See also</h2>
<div class="portal" role="navigation"><a href="/portal">Nutrition portal</a></div>
<ul><li><a href="/calcium">Calcium</a></li><li><a href="/rickets">Rickets</a></li><li><a href="/sunlight-and-skin">Sunlight and skin</a></li></ul>
<h2>External links</h2>
<dl><dt>Agencies</dt></dl>
<ul><li><a href="https://agency.example/vitd">Vitamin D fact sheet</a></li></ul>
<dl><dt>Charities</dt></dl>
<ul><li><a href="https://charity.example/bones">Bone health charity</a> – advice on diet</li></ul>
</article><footer><ul><li><a href="/about">About us</a></li><li><a href="/privacy">Privacy</a></li></ul></footer></body></html>`
		a := extract(t, Options{}, "https://enc.example/vitamin-d", []byte(page), nil)
		eqs(t, "headings", headings(a), []string{"", "See also", "External links"})
		got := strings.Join(lists(a), " | ")
		for _, want := range []string{"Calcium; Rickets; Sunlight and skin", "Vitamin D fact sheet", "Bone health charity – advice on diet"} {
			if !strings.Contains(got, want) {
				t.Errorf("lists %q: missing %q", got, want)
			}
		}
		for _, not := range []string{"Home", "Privacy", "Nutrition portal"} {
			if strings.Contains(a.Text, not) {
				t.Errorf("text contains %q", not)
			}
		}
		if len(a.Related) != 0 {
			t.Errorf("related = %v, want none (the see-also list is body)", a.Related)
		}
	})
	t.Run("link list after prose in a section is still dropped", func(t *testing.T) {
		page := `<html><body><article><h1>Vitamin D</h1><h2>Sources</h2>` + longBody + `
<ul><li><a href="/tag/a">Tag one</a></li><li><a href="/tag/b">Tag two</a></li><li><a href="/tag/c">Tag three</a></li></ul></article></body></html>`
		a := extract(t, Options{}, "https://enc.example/vitamin-d", []byte(page), nil)
		if strings.Contains(a.Text, "Tag two") {
			t.Errorf("text keeps a trailing link list: %q", a.Text)
		}
	})
	t.Run("related widget goes to related, not the body", func(t *testing.T) {
		page := `<html><body><article><h1>Vitamin D</h1>` + longBody + `
<h2>Read next</h2><ul><li><a href="/calcium-and-bones">Calcium and your bones: what to know</a></li><li><a href="/winter-sunlight">How much winter sunlight do you need?</a></li></ul></article></body></html>`
		a := extract(t, Options{}, "https://enc.example/vitamin-d", []byte(page), nil)
		if strings.Contains(a.Text, "Calcium and your bones") || len(a.Related) != 2 {
			t.Errorf("related = %v, text = %q", a.Related, a.Text)
		}
	})
}

func TestStandfirst(t *testing.T) {
	const desc = `Vitamin D keeps bones healthy; here is who needs a supplement and how much is safe.`
	head := `<meta name="description" content="` + desc + `">`
	t.Run("dek above the body is metadata", func(t *testing.T) {
		page := `<html><head>` + head + `</head><body><article><h1>Vitamin D</h1><p class="dek">` + desc + `</p>
<div class="meta">By Ann Lee</div><div class="body">` + longBody + `</div></article></body></html>`
		a := extract(t, Options{}, "https://news.example/vitamin-d", []byte(page), nil)
		eq(t, "description", a.Description, desc)
		if strings.Contains(a.Text, "who needs a supplement") {
			t.Errorf("text keeps the dek: %q", a.Text)
		}
		if !strings.HasPrefix(a.Text, "Vitamin D helps the body") {
			t.Errorf("text starts %q", a.Text[:min(40, len(a.Text))])
		}
	})
	t.Run("first paragraph copied into the description stays", func(t *testing.T) {
		page := `<html><head>` + head + `</head><body><article><h1>Vitamin D</h1><p>` + desc + `</p>` + longBody + `</article></body></html>`
		a := extract(t, Options{}, "https://news.example/vitamin-d", []byte(page), nil)
		if !strings.HasPrefix(a.Text, desc) {
			t.Errorf("text starts %q, want the first paragraph", a.Text[:min(60, len(a.Text))])
		}
	})
}

func TestHeadlineUnlikeTitle(t *testing.T) {
	// An h1 that says something else than the title is a body heading; one
	// that mostly repeats it is the headline and stays out.
	page := func(h1 string) []byte {
		return []byte(`<html><head><title>Vitamin D and winter: who needs a supplement</title></head><body><article><h1>` + h1 + `</h1>` + longBody + `</article></body></html>`)
	}
	a := extract(t, Options{}, "https://news.example/vitamin-d", page("Part one: the sunlight problem"), nil)
	eqs(t, "headings", headings(a), []string{"Part one: the sunlight problem"})
	a = extract(t, Options{}, "https://news.example/vitamin-d", page("Vitamin D in winter: who needs a supplement?"), nil)
	eqs(t, "headings", headings(a), []string{""})
	// The headline is the og:title, the JSON-LD headline another wording:
	// the visible headline is the title, and not a body heading.
	variant := `<html><head><meta property="og:title" content="Stock Is Falling After Its Earnings Release"><script type="application/ld+json">{"@type":"NewsArticle","headline":"Shares Drop on Weak Results"}</script></head><body><article><h1>Stock Is Falling After Its Earnings Release</h1>` + longBody + `</article></body></html>`
	a = extract(t, Options{}, "https://news.example/stock", []byte(variant), nil)
	eq(t, "title", a.Title, "Stock Is Falling After Its Earnings Release")
	eqs(t, "headings", headings(a), []string{""})
}

func TestTitleWords(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{"How to Build a Terrarium", 5},
		{"Friday Facts #282 - 0.17 in sight", 6},
		{"公衆無線LANを安全に使うためのアプリ", 8},
		{"", 0},
	} {
		if got := titleWords(c.in); got != c.want {
			t.Errorf("titleWords(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

// Section headings that divert what follows: references, related-article
// widgets and comment/share sections, in English and in the other languages
// healthcrawl meets most; ordinary headings (also ones sharing a word with
// those) stay body headings.
func TestHeadingRole(t *testing.T) {
	for text, want := range map[string]string{
		"References":                        "references",
		"Quellen":                           "references",
		"Related articles":                  "related",
		"You may also like":                 "related",
		"Mehr zum Thema":                    "related",
		"Das könnte Sie auch interessieren": "related",
		"À lire aussi":                      "related",
		"Noticias relacionadas":             "related",
		"Leggi anche":                       "related",
		"Leia também":                       "related",
		"Lees ook":                          "related",
		"Zobacz również":                    "related",
		"Comments":                          "drop",
		"12 Kommentare":                     "drop",
		"Schreibe einen Kommentar":          "drop",
		"Laisser un commentaire":            "drop",
		"Deja una respuesta":                "drop",
		"Udostępnij":                        "drop",
		"Symptoms":                          "",
		"Weitere Informationen":             "",
		"Related conditions and symptoms":   "",
		"Comments from patients on dosage":  "",
		"Sources of vitamin D":              "",
	} {
		if got := HeadingRole(text); got != want {
			t.Errorf("HeadingRole(%q) = %q, want %q", text, got, want)
		}
	}
}
