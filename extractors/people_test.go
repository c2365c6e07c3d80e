package extractors

import (
	"strings"
	"testing"
)

// peoplePage builds a health publisher's article page: head metadata, a site
// header with navigation, the article (header with headline and the given
// header HTML, a body of several paragraphs, then footer HTML inside the
// article), then what follows the article (related boxes, comments) and the
// site footer.
func peoplePage(head, header, articleFoot, after string) []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Iron deficiency anaemia: symptoms and treatment | Hearthside Health</title>
<meta property="og:site_name" content="Hearthside Health">` + head + `</head><body>
<header class="site-header"><a class="logo" href="/">Hearthside Health</a>
<nav><ul><li><a href="/conditions/">Conditions</a></li><li><a href="/nutrition/">Nutrition</a></li><li><a href="/sleep/">Sleep</a></li></ul></nav></header>
<main><article class="post">
<header class="entry-header"><h1 class="entry-title">Iron deficiency anaemia: symptoms and treatment</h1>` + header + `</header>
<div class="entry-content">
<p>Iron deficiency anaemia happens when the body does not have enough iron to make haemoglobin, the protein in red blood cells that carries oxygen around the body.</p>
<p>It is the most common kind of anaemia worldwide. It often develops slowly, so many people do not notice the symptoms until the iron stores are very low.</p>
<h2>Symptoms</h2>
<p>Common symptoms are tiredness, shortness of breath on exertion, pale skin, headaches and a fast heartbeat. Some people crave ice or other non-food items.</p>
<h2>Treatment</h2>
<p>Treatment usually means iron tablets for several months and treating the cause, such as heavy periods or bleeding from the gut. A blood test shows whether it works.</p>
</div>` + articleFoot + `</article>` + after + `</main>
<footer class="site-footer"><p>© 2025 Hearthside Health. All rights reserved.</p><p><a href="/about/">About us</a> · <a href="/privacy/">Privacy</a></p></footer>
</body></html>`)
	return []byte(b.String())
}

const pageURL = "https://hearthside.example/conditions/iron-deficiency-anaemia/"

// relatedBox is a related-articles box after the article whose teaser cards
// carry their own bylines and reviewer lines.
const relatedBox = `<section class="related-articles"><h2>Related articles</h2><ul>
<li class="teaser"><a href="/nutrition/iron-rich-foods/"><h3>Iron-rich foods for every diet</h3></a><p class="teaser-byline">By Oliver Grant</p><p class="teaser-review">Medically reviewed by Dr. Hannah Wu, MD</p></li>
<li class="teaser"><a href="/conditions/b12-deficiency/"><h3>Vitamin B12 deficiency explained</h3></a><p class="teaser-byline">By Rosa Delgado</p><p class="teaser-review">Reviewed by Kwame Mensah, RD</p></li>
</ul></section>`

func TestAuthors(t *testing.T) {
	cases := []struct {
		name                   string
		head, header, foot     string
		after                  string
		authors                []string
		reviewedBy, reviewedAt string
		lang                   string // the page's lang attribute ("" = en)
	}{
		{
			name:    "multi-author byline with a date and a reading time",
			header:  `<p class="meta">By <a href="/authors/maria-lopez/">Maria Lopez</a>, <a href="/authors/tom-becker/">Tom Becker</a> and <a href="/authors/ana-ruiz/">Ana Ruiz</a> | Updated May 3, 2024 · 6 min read</p>`,
			authors: []string{"Maria Lopez", "Tom Becker", "Ana Ruiz"},
		},
		{
			name:    "ampersand byline, label on its own line",
			header:  `<div class="byline"><span class="label">Written by</span><div class="names">Priya Natarajan &amp; Li Wei</div></div>`,
			authors: []string{"Priya Natarajan", "Li Wei"},
		},
		{
			name:    "role cut, credentials kept",
			header:  `<p>By Shelby Loos, DVM, Senior Veterinary Editor</p>`,
			authors: []string{"Shelby Loos, DVM"},
		},
		{
			name:    "URL fragments of article:author are no names",
			head:    `<meta property="article:author" content="https://www.facebook.com/HearthsideHealth/"><meta name="sailthru.author" content="Mary Ellen Porter">`,
			authors: []string{"Mary Ellen Porter"},
		},
		{
			name:    "CMS account in metadata, byline names the writer",
			head:    `<meta name="author" content="andrew.keaveney"><script type="application/ld+json">{"@context":"https://schema.org","@type":"Article","headline":"Iron deficiency anaemia: symptoms and treatment","author":{"@type":"Person","name":"andrew.keaveney"}}</script>`,
			header:  `<div class="post-meta"><span class="author-name">Denise Everheart</span><span class="date">March 4, 2024</span></div>`,
			authors: []string{"Denise Everheart"},
		},
		{
			name:    "publisher as meta author, the byline names someone else",
			head:    `<meta name="author" content="Hearthside Health">`,
			header:  `<p class="byline">By <a rel="author" href="/authors/jonah-price/">Jonah Price</a></p>`,
			authors: []string{"Jonah Price"},
		},
		{
			name:    "JSON-LD Person beats Organization, @id references resolved",
			head:    `<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"Organization","@id":"https://hearthside.example/#org","name":"Hearthside Health"},{"@type":"Person","@id":"https://hearthside.example/#/person/1","name":"Grace Okafor"},{"@type":"MedicalWebPage","@id":"https://hearthside.example/conditions/iron-deficiency-anaemia/","name":"Iron deficiency anaemia"},{"@type":"Article","headline":"Iron deficiency anaemia: symptoms and treatment","author":[{"@id":"https://hearthside.example/#org"},{"@id":"https://hearthside.example/#/person/1"}]}]}</script>`,
			authors: []string{"Grace Okafor"},
		},
		{
			name:    "JSON-LD Organization only: the organisation",
			head:    `<script type="application/ld+json">{"@context":"https://schema.org","@type":"Article","headline":"Iron deficiency anaemia: symptoms and treatment","author":{"@type":"Organization","name":"Hearthside Health Editorial"}}</script>`,
			authors: []string{"Hearthside Health Editorial"},
		},
		{
			name:    "footer author box beats an organisation in metadata",
			head:    `<script type="application/ld+json">{"@context":"https://schema.org","@type":"BlogPosting","headline":"Iron deficiency anaemia: symptoms and treatment","author":{"@type":"Organization","name":"Hearthside Health"}}</script>`,
			foot:    `<footer class="entry-footer"><div class="about-box"><h3>About the author</h3><h4>Liam O'Connor</h4><p>Liam is a health journalist who has covered nutrition and blood disorders for ten years.</p></div></footer>`,
			authors: []string{"Liam O'Connor"},
		},
		{
			name:    "footer box of several authors, nothing after it",
			head:    `<meta name="author" content="Hearthside Health">`,
			foot:    `<section class="post-authors"><h2>About the authors</h2><div class="card"><h3><a href="/a/tm">Tessa Monroe</a></h3><p>Tessa is a health writer who covers sleep, fitness and everyday wellness for our readers.</p></div><div class="card"><h3><a href="/a/jp">Julian Park, PA-C</a></h3><p>Julian is a physician assistant in internal medicine at the Eastside clinic.</p></div></section>`,
			after:   `<section class="comments"><h2>2 Comments</h2><div class="comment"><p class="comment-author">Rhonda K.</p><p>The walk tip really works for me after lunch.</p></div></section>`,
			authors: []string{"Tessa Monroe", "Julian Park, PA-C"},
		},
		{
			name:    "teaser bylines and comments are never authors",
			head:    `<meta name="author" content="Claire Dubois">`,
			after:   relatedBox + `<section class="comments"><h2>Comments</h2><div class="comment"><p class="comment-author">Written by Bob Fenwick</p><p>Thanks, this helped me a lot with my tiredness questions.</p></div></section>`,
			authors: []string{"Claire Dubois"},
		},
		{
			name:       "medically reviewed on a date, in the byline",
			header:     `<p class="byline">Written by <a href="/authors/sam-lee/">Sam Lee</a> — Medically reviewed by <a href="/reviewers/jane-roe/">Dr. Jane Roe, MD</a> on May 3, 2024</p>`,
			authors:    []string{"Sam Lee"},
			reviewedBy: "Dr. Jane Roe, MD",
			reviewedAt: "2024-05-03",
		},
		{
			name:       "reviewer first, then the writer, in one line",
			header:     `<div class="article-meta">Medically reviewed by <a href="/reviewers/jane-roe/">Dr. Jane Roe, MD</a> — Written by <a href="/authors/sam-lee/">Sam Lee</a> — Updated on June 13, 2025</div>`,
			authors:    []string{"Sam Lee"},
			reviewedBy: "Dr. Jane Roe, MD",
		},
		{
			name:       "fact-checker only: the fact-checker",
			header:     `<p class="byline">By Sam Lee</p><p class="fact-check">Fact-checked by Nora Blake</p>`,
			authors:    []string{"Sam Lee"},
			reviewedBy: "Nora Blake",
		},
		{
			name:       "clinical reviewer and fact-checker: both, reviewer first",
			header:     `<p class="byline">By Sam Lee</p><p>Clinically reviewed by Omar Haddad, MD</p><p>Fact checked by Nora Blake</p>`,
			authors:    []string{"Sam Lee"},
			reviewedBy: "Omar Haddad, MD; Nora Blake",
		},
		{
			name:       "German reviewer with academic titles",
			header:     `<p class="byline">Von <a href="/redaktion/k-vogel">Dr. med. Katharina Vogel</a></p><p class="pruefung">Medizinisch geprüft von <a href="/redaktion/j-hartmann">Prof. Dr. Jens Hartmann</a></p>`,
			authors:    []string{"Dr. med. Katharina Vogel"},
			reviewedBy: "Prof. Dr. Jens Hartmann",
			lang:       "de",
		},
		{
			name:       "Spanish reviewer, role on the next line",
			header:     `<p class="byline">Por <a href="/autor/lf">Lucía Fernández Ortega</a></p><div class="medical-review">Revisado médicamente por <a href="/revisores/aq">Dr. Andrés Quintero</a><br><span>Especialista en Endocrinología y Nutrición</span></div>`,
			authors:    []string{"Lucía Fernández Ortega"},
			reviewedBy: "Dr. Andrés Quintero",
			lang:       "es",
		},
		{
			name:       "reviewer box at the foot of the article",
			header:     `<p class="byline">By Sam Lee</p>`,
			foot:       `<div class="review-box"><p class="label">Article reviewed by:</p><p class="reviewer-name">Dr. Farah Qureshi, PhD</p><p>Last reviewed: January 20, 2025</p></div>`,
			authors:    []string{"Sam Lee"},
			reviewedBy: "Dr. Farah Qureshi, PhD",
			reviewedAt: "2025-01-20",
		},
		{
			name:       "Reviewer: label with two reviewers",
			header:     `<p class="byline">By Sam Lee</p><p>Reviewers: Dr. Alan Grant, MD and Ellie Sattler, PhD</p>`,
			authors:    []string{"Sam Lee"},
			reviewedBy: "Dr. Alan Grant, MD; Ellie Sattler, PhD",
		},
		{
			name:       "schema.org reviewedBy on the MedicalWebPage",
			head:       `<script type="application/ld+json">{"@context":"https://schema.org","@type":"MedicalWebPage","name":"Iron deficiency anaemia","lastReviewed":"2025-02-03","reviewedBy":[{"@type":"Person","name":"Helen Marsh","honorificSuffix":"MD"},{"@type":"Person","name":"Peter Ng, RN"}]}</script>`,
			header:     `<p class="byline">By Sam Lee</p>`,
			authors:    []string{"Sam Lee"},
			reviewedBy: "Helen Marsh, MD; Peter Ng, RN",
			reviewedAt: "2025-02-03",
		},
		{
			name:       "own reviewer, not the related teasers'",
			header:     `<p class="byline">By Sam Lee</p><p>Expert reviewed by Dr. Ines Carvalho</p>`,
			after:      relatedBox,
			authors:    []string{"Sam Lee"},
			reviewedBy: "Dr. Ines Carvalho",
		},
		{
			name:       "no reviewer: the teasers' reviewers are not taken",
			header:     `<p class="byline">By Sam Lee</p>`,
			after:      relatedBox,
			authors:    []string{"Sam Lee"},
			reviewedBy: "",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page := peoplePage(tc.head, tc.header, tc.foot, tc.after)
			if tc.lang != "" {
				page = []byte(strings.Replace(string(page), `lang="en"`, `lang="`+tc.lang+`"`, 1))
			}
			a := extract(t, Options{}, pageURL, page, nil)
			eqs(t, "authors", a.Authors, tc.authors)
			eq(t, "reviewed_by", a.ReviewedBy, tc.reviewedBy)
			eq(t, "reviewed_at", a.ReviewedAt, tc.reviewedAt)
			if !strings.Contains(a.Text, "haemoglobin") {
				t.Errorf("body lost: %q", a.Text)
			}
		})
	}
}

func TestCutNames(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"Jane Doe and John Roe", []string{"Jane Doe", "John Roe"}},
		{"A. J. Neal", []string{"A. J. Neal"}},
		{"Justin C. Meserole, Trial Attorney at Morgan & Morgan, on December 9, 2024.", []string{"Justin C. Meserole"}},
		{"Shelby Loos, DVM. Reviewed by Molly Price, DVM", []string{"Shelby Loos, DVM"}},
		{"Niko Matsakis on behalf of the Rust Project", []string{"Niko Matsakis"}},
		{"Mahua Das in Project Management", []string{"Mahua Das"}},
		{"5 min read", nil},
		{"https://www.facebook.com/someone", nil},
		{"Admin", nil},
	}
	for _, tc := range cases {
		if got := cutNames(tc.in, nameByline); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("cutNames(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
