package extractors

import (
	"fmt"
	"math/rand"
	"regexp"
	"strings"
	"testing"
	"time"
)

// healthPage builds a realistic health article: site header with navigation,
// the article header (kicker, headline, byline HTML given), the body, a
// related-articles box with its own dates, and the site footer.
func healthPage(lang, head, byline, afterBody string) []byte {
	return []byte(`<!DOCTYPE html><html lang="` + lang + `"><head><meta charset="utf-8">
<title>Living with type 2 diabetes: what helps | Northfield Health</title>` + head + `</head><body>
<header class="site-header"><a href="/" class="logo">Northfield Health</a>
<nav><ul><li><a href="/conditions">Conditions</a></li><li><a href="/news">News — updated March 3, 2021</a></li></ul></nav></header>
<main><article class="post">
<div class="post-header"><p class="kicker"><a href="/conditions/diabetes">Diabetes</a></p>
<h1>Living with type 2 diabetes: what helps</h1>
` + byline + `
</div>
<div class="entry-content">
<p>Type 2 diabetes affects how the body uses glucose. Most people manage it with a mix of diet, movement and, for many, medication that their care team adjusts over time.</p>
<p>Small changes add up: a daily walk after meals lowers blood sugar peaks, and regular check-ups catch problems with the eyes, kidneys and feet early, when they are easiest to treat.</p>
<h2>Eating well</h2>
<p>There is no single diabetes diet. Plates built on vegetables, whole grains and lean protein keep glucose steadier than refined carbohydrates, and portion sizes matter as much as choices.</p>
` + afterBody + `
</div>
</article>
<aside class="related-articles"><h2>Related articles</h2><ul>
<li><a href="/news/insulin-prices-fall">Insulin prices fall for the third year running</a> <span class="date">January 5, 2024</span></li>
<li><a href="/news/metformin-shortage">What the metformin shortage means for you</a> <time datetime="2023-11-02">Nov 2, 2023</time></li>
</ul></aside></main>
<footer class="site-footer"><p>© 2025 Northfield Health. Page reviewed 2020-01-01.</p></footer>
</body></html>`)
}

const ldPublished = `<script type="application/ld+json">{"@context":"https://schema.org","@type":"MedicalWebPage","headline":"Living with type 2 diabetes: what helps","datePublished":"%s","dateModified":"%s"}</script>`

func TestDates(t *testing.T) {
	cases := []struct {
		name, url, lang, head, byline, after string
		published, modified, reviewed        string
	}{
		{name: "unlabelled byline date",
			byline:    `<p class="byline">By <a href="/authors/maria-lopez">Maria Lopez</a> · Mar 27, 2024</p>`,
			published: "2024-03-27"},
		{name: "shown date beats disagreeing metadata (site launch date)",
			head:      fmt.Sprintf(ldPublished, "2019-01-01T00:00:00+00:00", "2019-01-01T00:00:00+00:00"),
			byline:    `<div class="meta"><span>Posted on April 3, 2024</span></div>`,
			published: "2024-04-03", modified: "2019-01-01"},
		{name: "metadata naming the shown day gives the time, in UTC",
			head:      fmt.Sprintf(ldPublished, "2024-03-01T09:30:00+01:00", "2024-03-04T10:00:00+01:00"),
			byline:    `<p class="byline">By Maria Lopez | <time datetime="2024-03-01">March 1, 2024</time></p>`,
			published: "2024-03-01T08:30:00Z", modified: "2024-03-04T09:00:00Z"},
		{name: "an evening time on the next UTC day keeps the day the page shows",
			head:      fmt.Sprintf(ldPublished, "2024-03-01T21:30:00-05:00", "2024-03-01T21:30:00-05:00"),
			byline:    `<p class="byline">March 1, 2024</p>`,
			published: "2024-03-01", modified: "2024-03-01"},
		{name: "metadata in UTC on the day after the shown day: the shown day",
			head: `<meta property="article:published_time" content="2025-12-19T02:41:41+00:00">` +
				`<meta property="article:modified_time" content="2025-12-19T14:39:52+00:00">`,
			byline:    `<p class="byline">Posted on December 18, 2025 by Maria Lopez</p>`,
			published: "2025-12-18", modified: "2025-12-19T14:39:52Z"},
		{name: "a time element with an offset, on another UTC day: its shown day",
			byline:    `<p class="byline">By Maria Lopez · <time datetime="2025-12-18T19:05:00-08:00">December 18, 2025</time></p>`,
			published: "2025-12-18"},
		{name: "a morning in New Zealand shown as the local day",
			head:      fmt.Sprintf(ldPublished, "2025-12-19T09:04:00+13:00", "2025-12-19T09:30:05+13:00"),
			byline:    `<p class="byline">Maria Lopez · Fri, 19th Dec 2025</p>`,
			published: "2025-12-19", modified: "2025-12-19"},
		{name: "the same instant shown as the last update: its local day",
			head:      fmt.Sprintf(ldPublished, "2025-12-19T01:00:00+05:30", "2025-12-19T01:00:00+05:30"),
			byline:    `<p class="byline">By Maria Lopez · Last Updated: Dec 19, 2025, 01:00:00 AM IST</p>`,
			published: "2025-12-19", modified: "2025-12-19"},
		{name: "the permalink names the local day of the metadata's instant",
			url:       "https://health.example/blog/living-with-type-2/2024/09/16",
			head:      `<meta itemprop="datePublished" content="2024-09-16T19:55:00-0700">`,
			byline:    `<p class="byline">By Maria Lopez</p>`,
			published: "2024-09-16"},
		{name: "an unlabelled date under the article names the local day",
			head:      `<meta itemprop="datePublished" content="2021-06-17T20:45:56-0400"><meta itemprop="dateModified" content="2023-10-17T07:24:36-0400">`,
			byline:    `<p class="byline">By Maria Lopez</p>`,
			after:     `<div class="post-meta"><a href="/blog?author=maria">Maria Lopez</a> <time datetime="2021-06-17">June 17, 2021</time></div>`,
			published: "2021-06-17", modified: "2023-10-17T11:24:36Z"},
		{name: "nothing shown: the metadata's instant in UTC",
			head:      fmt.Sprintf(ldPublished, "2020-04-12T18:00:00-07:00", "2025-08-22T20:53:52-07:00"),
			byline:    `<p class="byline">By Maria Lopez</p>`,
			published: "2020-04-13T01:00:00Z", modified: "2025-08-23T03:53:52Z"},
		{name: "day, month abbreviation and year joined by hyphens", lang: "en",
			byline:    `<p class="byline">By: Northfield Health on 04-Aug-2021 5:11:10</p>`,
			published: "2021-08-04"},
		{name: "updated shown, publication from metadata",
			head:      fmt.Sprintf(ldPublished, "2021-08-12T19:35:44+00:00", "2025-06-13T08:00:00+00:00"),
			byline:    `<div class="page-byline"><div class="date_updated">Updated June 13, 2025</div><div>By Maria Lopez</div></div>`,
			published: "2021-08-12T19:35:44Z", modified: "2025-06-13T08:00:00Z"},
		{name: "shown date that metadata names as the modified date",
			head:      fmt.Sprintf(ldPublished, "2022-07-21T10:36:48+00:00", "2023-08-29T11:36:50+00:00"),
			byline:    `<div class="post-meta"><span>8 min read</span><span>August 29, 2023</span></div>`,
			published: "2022-07-21T10:36:48Z", modified: "2023-08-29T11:36:50Z"},
		{name: "updated only, nothing else: last resort",
			byline:    `<div class="meta"><p>Last updated</p><time>Aug 04, 2025</time></div>`,
			published: "2025-08-04", modified: "2025-08-04"},
		{name: "published and updated both shown",
			byline:    `<p class="dates"><span>August 16, 2019</span> <span>- Updated July 9, 2025</span></p>`,
			published: "2019-08-16", modified: "2025-07-09"},
		{name: "label above the date and a class naming it",
			byline:    `<div class="post-info"><h4>Published</h4><p>15 November 2018</p><h4>Updated</h4><p class="updated">2 February 2024</p></div>`,
			published: "2018-11-15", modified: "2024-02-02"},
		{name: "journal citation date", lang: "en",
			byline:    `<div class="citation"><span class="cit">J Clin Endocrinol. 2023 Jan 7;12(2):450.</span> <span>doi: 10.3390/jce12020450</span></div>`,
			published: "2023-01-07"},
		{name: "German byline", lang: "de",
			byline:    `<p class="meta">Veröffentlicht: 15.12.2022 · Aktualisiert am 3. März 2023</p>`,
			published: "2022-12-15", modified: "2023-03-03"},
		{name: "French byline with a time", lang: "fr",
			byline:    `<p class="meta">Publié le 12 mars 2024 à 10h30, mis à jour le 14 mars 2024</p>`,
			published: "2024-03-12", modified: "2024-03-14"},
		{name: "Spanish byline", lang: "es",
			byline:    `<p class="autor">Por Ana Ruiz | Publicado el 5 de mayo de 2023</p>`,
			published: "2023-05-05"},
		{name: "Portuguese byline", lang: "pt-BR",
			byline:    `<p class="data">Publicado em 27 de março de 2024 · Atualizado em 2 de abril de 2024</p>`,
			published: "2024-03-27", modified: "2024-04-02"},
		{name: "Italian byline", lang: "it",
			byline:    `<p class="data">Pubblicato il 3 luglio 2023</p>`,
			published: "2023-07-03"},
		{name: "Dutch byline", lang: "nl",
			byline:    `<p class="datum">Gepubliceerd op 5 mei 2022, bijgewerkt op 1 juni 2022</p>`,
			published: "2022-05-05", modified: "2022-06-01"},
		{name: "Polish byline", lang: "pl",
			byline:    `<p class="data">Opublikowano 15 marca 2024 r.</p>`,
			published: "2024-03-15"},
		{name: "reviewed line", lang: "en",
			byline:    `<p class="byline">By Maria Lopez · Jan 10, 2024</p><p class="review">Medically reviewed by Jane Doe, MD — on May 3, 2024</p>`,
			published: "2024-01-10", reviewed: "2024-05-03"},
		{name: "a teaser's date beside the headline is not taken",
			head:      fmt.Sprintf(ldPublished, "2024-02-20", "2024-02-21"),
			byline:    `<div class="promo"><a href="/news/new-glucose-monitors-approved">New glucose monitors approved for children</a> <span>Jan 5, 2024</span></div>`,
			published: "2024-02-20", modified: "2024-02-21"},
		{name: "related-article dates are not taken",
			byline: `<p class="byline">By Maria Lopez</p>`},
		{name: "ambiguous numeric date settled by the permalink", lang: "en", url: "https://health.example/blog/2023/10/03/living-with-diabetes/",
			byline:    `<p class="byline">03/10/2023 by Northfield Health</p>`,
			published: "2023-10-03"},
		{name: "numeric date on a US page", lang: "en-US",
			byline:    `<p class="byline">Updated: 10/31/2024</p>`,
			published: "2024-10-31", modified: "2024-10-31"},
		{name: "dateline under the article",
			byline:    `<p class="byline">By Maria Lopez</p>`,
			after:     `<p>Talk to your care team before changing your medication or starting a new exercise plan.</p><div class="post-footer"><span>Posted on April 13, 2023</span></div>`,
			published: "2023-04-13"},
		{name: "health publisher: only 'Updated on' shown, datePublished hidden in metadata",
			head: fmt.Sprintf(ldPublished, "2019-03-02T14:00:00-05:00", "2025-06-13T09:15:00-04:00"),
			byline: `<div class="byline"><span>Medically reviewed by <a href="/reviewers/ana-ruiz">Ana Ruiz, MD</a></span> — ` +
				`<span>Written by Maria Lopez</span> — <span class="byline__date">Updated on June 13, 2025</span></div>`,
			published: "2019-03-02T19:00:00Z", modified: "2025-06-13T13:15:00Z"},
		{name: "originally published note beats the byline date, which is the revision",
			byline: `<p class="byline">Maria Lopez | 30 Sep 2022, 11:07am</p>`,
			after: `<p>Ask your pharmacist which of your medicines interact with alcohol before a night out.</p>` +
				`<p class="disclaimer">This article was originally published on 26 Sep 2019 at 4:12pm but has been regularly updated since.</p>`,
			published: "2019-09-26", modified: "2022-09-30"},
		{name: "originally published with a weekday, metadata names the day",
			head:      fmt.Sprintf(ldPublished, "2022-03-02T09:00:00+00:00", "2025-01-05T10:00:00+00:00"),
			byline:    `<p class="byline">By Maria Lopez</p>`,
			after:     `<div class="release"><p>This page was originally published on Wednesday, March 2, 2022. This page was last updated on Sunday, January 5, 2025.</p></div>`,
			published: "2022-03-02T09:00:00Z", modified: "2025-01-05T10:00:00Z"},
		{name: "'Originally posted by' in a quoted comment is no date of the page",
			byline: `<p class="byline">By Maria Lopez · Mar 27, 2024</p>`,
			after: `<p>Share your experience below.</p><div class="comments"><div class="comment"><blockquote>Originally posted by ` +
				`<b>glucoseguy</b> on April 2, 2020: metformin upset my stomach at first.</blockquote><p>Same here, it passed after two weeks.</p></div></div>`,
			published: "2024-03-27"},
		{name: "two metadata instants for one publication: the one on the shown day",
			head: `<meta property="article:published_time" content="2025-06-25T20:57:00Z">` +
				fmt.Sprintf(ldPublished, "2025-06-25T20:57:54-04:00", "2025-06-25T20:57:00Z"),
			byline:    `<p class="byline">By Maria Lopez Published: Jun 25, 2025</p>`,
			published: "2025-06-25T20:57:00Z", modified: "2025-06-25T20:57:00Z"},
		{name: "a bare day from the theme's JSON-LD takes the instant of the page node on that day",
			head: `<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"Living with type 2 diabetes",` +
				`"datePublished":"2023-05-17T00:00:00+0000","dateModified":"2024-02-26T00:00:00+0000"}</script>` +
				`<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage","@id":"https://health.example/#page",` +
				`"datePublished":"2023-05-18T04:39:05+00:00","dateModified":"2024-02-26T18:05:45+00:00"}]}</script>`,
			byline:    `<p class="byline">By Maria Lopez</p>`,
			published: "2023-05-18T04:39:05Z", modified: "2024-02-26"},
		{name: "JSON-LD written as a meta descriptor",
			head: `<meta name="script:ld+json" content="{&quot;@context&quot;:&quot;https://schema.org&quot;,&quot;@type&quot;:&quot;Article&quot;,` +
				`&quot;datePublished&quot;:&quot;2025-11-17T09:00:00-05:00&quot;,&quot;dateModified&quot;:&quot;2025-11-18T09:00:00-05:00&quot;}">`,
			byline:    `<p class="byline">By Maria Lopez</p>`,
			published: "2025-11-17T14:00:00Z", modified: "2025-11-18T14:00:00Z"},
		{name: "customer reviews are no medical review",
			byline: `<p class="byline">By Maria Lopez · Mar 27, 2024</p>`,
			after: `<div class="customer-reviews"><h3>Top reviews</h3><div><span>5.0 out of 5 stars</span> <span>Reviewed in the United States on October 18, 2024</span>` +
				`<p>Easy to use glucose meter, the strips are cheap enough.</p></div></div>`,
			published: "2024-03-27"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url
			if url == "" {
				url = "https://health.example/conditions/diabetes/living-with-type-2"
			}
			lang := tc.lang
			if lang == "" {
				lang = "en"
			}
			a := extract(t, Options{}, url, healthPage(lang, tc.head, tc.byline, tc.after), nil)
			eq(t, "published_at", a.PublishedAt, tc.published)
			eq(t, "modified_at", a.ModifiedAt, tc.modified)
			eq(t, "reviewed_at", a.ReviewedAt, tc.reviewed)
		})
	}
}

var recordDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$|^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`)

// TestDateFormatProperty extracts generated pages whose metadata and bylines
// carry random dates in random layouts, zones and languages (with noise), and
// checks every date field has the record format.
func TestDateFormatProperty(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	layouts := []string{
		time.RFC3339, time.RFC3339Nano, time.RFC1123, time.RFC1123Z, time.RFC850, time.ANSIC,
		"2006-01-02", "2006-01-02 15:04:05", "2006-01-02 15:04:05 -0700", "2006/01/02", "02.01.2006",
		"2.1.2006 15:04", "01/02/2006", "1/2/2006 3:04 PM", "January 2, 2006", "Jan 2, 2006",
		"Jan. 2, 2006 at 3:04 pm MST", "2 January 2006", "02 Jan 2006 15:04 MST", "Monday, January 2, 2006",
		"2006 Jan 2", "20060102", "January 2006", "Mon Jan _2 15:04:05 2006",
	}
	months := []string{"stycznia", "février", "März", "abril", "maggio", "juni", "julio", "août", "settembre", "outubro", "november", "dezember"}
	zones := []*time.Location{time.UTC, time.FixedZone("EST", -5*3600), time.FixedZone("", 5*3600+1800),
		time.FixedZone("", 14*3600), time.FixedZone("", -12*3600)}
	gen := func() string {
		tm := time.Unix(r.Int63n(5e9)-2e9, int64(r.Intn(1e9))).In(zones[r.Intn(len(zones))])
		var s string
		if r.Intn(4) == 0 {
			s = fmt.Sprintf("%d %s %d", tm.Day(), months[r.Intn(len(months))], tm.Year())
		} else {
			s = tm.Format(layouts[r.Intn(len(layouts))])
		}
		if r.Intn(6) == 0 {
			b := []byte(s)
			b[r.Intn(len(b))] = byte(r.Intn(256))
			s = string(b)
		}
		return s
	}
	labels := []string{"", "Updated ", "Published: ", "Posted on ", "Last reviewed ", "Stand: ", "Publié le ", "Reviewed by Dr. A. Lee on "}
	for i := 0; i < 300; i++ {
		esc := func(s string) string { return strings.NewReplacer(`"`, `'`, `<`, ``, `\`, ``).Replace(s) }
		head := fmt.Sprintf(`<meta property="article:published_time" content="%s"><meta property="article:modified_time" content="%s">`+
			`<script type="application/ld+json">{"@type":"MedicalWebPage","datePublished":"%s","lastReviewed":"%s"}</script>`,
			esc(gen()), esc(gen()), esc(gen()), esc(gen()))
		if r.Intn(3) == 0 {
			head = ""
		}
		byline := fmt.Sprintf(`<p class="byline">%s%s</p><div class="meta"><span>%s</span><time datetime="%s">%s</time></div>`,
			labels[r.Intn(len(labels))], esc(gen()), labels[r.Intn(len(labels))], esc(gen()), esc(gen()))
		a := extract(t, Options{}, "https://health.example/p", healthPage("en", head, byline, ""), nil)
		for _, f := range []struct{ name, v string }{{"published_at", a.PublishedAt}, {"modified_at", a.ModifiedAt}, {"reviewed_at", a.ReviewedAt}} {
			if f.v != "" && !recordDate.MatchString(f.v) {
				t.Fatalf("page %d: %s = %q\nhead: %s\nbyline: %s", i, f.name, f.v, head, byline)
			}
		}
	}
}

// TestDatesRelatedClassedMain: a <main> whose class words read as a related
// box ("has-recirc-strip": the page has a recirculation strip) still holds
// the article's byline.
func TestDatesRelatedClassedMain(t *testing.T) {
	page := []byte(`<!DOCTYPE html><html lang="en"><head><title>4 Best Blood Pressure Monitors, Tested at Home | Northfield Health</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Article","datePublished":"2025-08-22T16:28:40Z"}</script></head><body>
<header class="site-header"><a href="/">Northfield Health</a></header>
<section class="recirc-strip"><a href="/news/a">Salt and your heart: what the new guidance says</a> <span>Dec 1, 2025</span></section>
<main class="listicle-page has-recirc-strip"><div class="content-header"><h1 class="content-title">4 Best Blood Pressure Monitors, Tested at Home</h1></div>
<div id="author-card"><p class="authors"><span>By</span> <a href="/author/maria-lopez/">Maria Lopez</a></p>
<p class="authors"><span>Medically reviewed by</span> <a href="/author/ana-ruiz/">Ana Ruiz, MD</a></p>
<p class="info-link"><a href="/about/editorial-process/">Our Editorial Process</a></p>
<p class="post-updated-date"><span>Updated on</span> Dec. 09, 2025</p></div>
<p>A home blood pressure monitor helps you and your doctor see how your numbers change from day to day, away from the stress of the clinic.</p>
<p>We tested upper-arm cuffs for accuracy against a clinic device, comfort, and how easy the readings are to share with a care team.</p>
</main></body></html>`)
	a := extract(t, Options{}, "https://health.example/shopping/best-blood-pressure-monitors/", page, nil)
	eq(t, "published_at", a.PublishedAt, "2025-08-22T16:28:40Z")
	eq(t, "modified_at", a.ModifiedAt, "2025-12-09")
}
