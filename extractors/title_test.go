package extractors

import (
	"strings"
	"testing"
)

// titleBody is the body of the test articles: a few paragraphs about
// blood pressure, long enough to be the page's content.
const titleBody = `<p>High blood pressure rarely causes symptoms, which is why regular checks matter. Many adults have it without knowing.</p>
<p>Cutting down on salt, moving more and keeping a healthy weight lower blood pressure for most people within a few weeks.</p>
<p>If lifestyle changes are not enough, a doctor may suggest medicines. Most people need more than one to reach their target.</p>
<p>Home blood pressure monitors help you and your care team see how well the treatment works between visits.</p>`

// titlePage is a health article page: head, a site header, then the
// article with the given header markup.
func titlePage(head, siteHeader, articleHeader string) []byte {
	return []byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` + head + `</head><body>
<header class="site-header">` + siteHeader + `<nav><ul><li><a href="/conditions">Conditions</a></li><li><a href="/wellness">Wellness</a></li></ul></nav></header>
<main><article><header class="entry-header">` + articleHeader + `</header>
<div class="entry-content">` + titleBody + `</div></article></main>
<footer><p>© Riverside Health</p></footer></body></html>`)
}

func titleOf(t *testing.T, page []byte) string {
	t.Helper()
	return extract(t, Options{}, "https://www.riversidehealth.example/conditions/blood-pressure", page, nil).Title
}

// TestTitleSiteSuffixes: the site's name is stripped from metadata titles in
// all its forms when no visible heading names the article.
func TestTitleSiteSuffixes(t *testing.T) {
	site := `<meta property="og:site_name" content="Riverside Health">`
	for _, c := range []struct{ name, head, want string }{
		{"pipe", site + `<title>Lowering Blood Pressure | Riverside Health</title>`, "Lowering Blood Pressure"},
		{"hyphen", site + `<title>Lowering Blood Pressure - Riverside Health</title>`, "Lowering Blood Pressure"},
		{"bullet", site + `<meta property="og:title" content="Lowering Blood Pressure • Riverside Health">`, "Lowering Blood Pressure"},
		{"dash and tagline", site + `<meta property="og:title" content="Lowering Blood Pressure — Riverside Health | Care close to home">`, "Lowering Blood Pressure"},
		{"two levels", site + `<title>Lowering Blood Pressure | Heart Health | Riverside Health</title>`, "Lowering Blood Pressure"},
		{"prefix", site + `<meta property="og:title" content="Riverside Health: Lowering Blood Pressure">`, "Lowering Blood Pressure"},
		{"short title too", site + `<meta property="og:title" content="Salt | Riverside Health">`, "Salt"},
		{"site named by its host", `<meta property="og:title" content="Lowering Blood Pressure | RiversideHealth.example">`, "Lowering Blood Pressure"},
		{"site named by its initials", `<meta property="og:site_name" content="Riverside Community Hospital"><meta property="og:title" content="Lowering Blood Pressure | RCH">`, "Lowering Blood Pressure"},
		{"a subtitle is kept", site + `<meta property="og:title" content="Blood Pressure: What the Numbers Mean - Part Two">`, "Blood Pressure: What the Numbers Mean - Part Two"},
	} {
		t.Run(c.name, func(t *testing.T) {
			eq(t, "title", titleOf(t, titlePage(c.head, "", "")), c.want)
		})
	}
}

// TestTitleVisibleHeadline: the article's h1 is the title when it is a
// variant of the metadata title, whatever the metadata says.
func TestTitleVisibleHeadline(t *testing.T) {
	site := `<meta property="og:site_name" content="Riverside Health">`
	for _, c := range []struct{ name, head, h1, want string }{
		{"SEO rewrite", site + `<meta property="og:title" content="How to Lower Blood Pressure Naturally: 7 Proven Ways | Riverside Health">`,
			`<h1 class="entry-title">Seven Ways to Lower Your Blood Pressure Naturally</h1>`, "Seven Ways to Lower Your Blood Pressure Naturally"},
		{"other year", site + `<meta property="og:title" content="Blood Pressure Guidelines for 2025">`,
			`<h1>Blood Pressure Guidelines for 2026</h1>`, "Blood Pressure Guidelines for 2026"},
		{"year decoration", site + `<meta property="og:title" content="Blood Pressure Monitors [2025]: Top 10 Tested | Riverside Health"><title>Blood Pressure Monitors [2025]: Top 10 Tested | Riverside Health</title>`,
			`<h1>The Blood Pressure Monitors Our Nurses Trust</h1>`, "The Blood Pressure Monitors Our Nurses Trust"},
		{"headline with the site suffix", site + `<meta property="og:title" content="Lowering Blood Pressure | Riverside Health">`,
			`<h1>Lowering Blood Pressure – Riverside Health</h1>`, "Lowering Blood Pressure"},
		{"JSON-LD headline", `<script type="application/ld+json">{"@type":"MedicalWebPage","headline":"High Blood Pressure (Hypertension): Symptoms and Causes"}</script>`,
			`<h1>High Blood Pressure (Hypertension)</h1>`, "High Blood Pressure (Hypertension)"},
		{"drastic SEO rewrite, only h1 of the article", site + `<meta property="og:title" content="Hypertension Treatment: What Are Your Options?">`,
			`<h1>A Guide to Hypertension Treatment for Older Adults</h1>`, "A Guide to Hypertension Treatment for Older Adults"},
		{"short h1 whose words are in the metadata title", `<meta property="og:title" content="Shop Blood Pressure Monitors">`,
			`<h1>Monitors</h1>`, "Monitors"},
		{"typography of the page", site + `<meta property="og:title" content="What's a Normal Blood Pressure?">`,
			`<h1>What’s a Normal Blood Pressure?</h1>`, "What’s a Normal Blood Pressure?"},
	} {
		t.Run(c.name, func(t *testing.T) {
			eq(t, "title", titleOf(t, titlePage(c.head, "", c.h1)), c.want)
		})
	}
}

// TestTitleHiddenAndFurnitureHeadings: screen-reader-only headings, kickers,
// logos, site names and pop-up headings are never the title.
func TestTitleHiddenAndFurnitureHeadings(t *testing.T) {
	head := `<meta property="og:site_name" content="Riverside Health"><meta property="og:title" content="Seven Ways to Lower Blood Pressure | Riverside Health">`
	const h1 = `<h1 class="entry-title">Seven Ways to Lower Your Blood Pressure</h1>`
	const want = "Seven Ways to Lower Your Blood Pressure"
	for _, c := range []struct{ name, siteHeader, articleHeader, want string }{
		{"sr-only h1 before the headline", `<h1 class="sr-only">Seven Ways to Lower Blood Pressure</h1>`, h1, want},
		{"visually-hidden wrapper", `<div class="visually-hidden"><h1>Seven ways to lower blood pressure</h1></div>`, h1, want},
		{"clipped h1", `<h1 style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0,0,0,0)">Seven Ways to Lower Blood Pressure</h1>`, h1, want},
		{"screen-reader-only h1 only", `<h1 class="screen-reader-text">Seven Ways to Lower Blood Pressure | Riverside Health</h1>`, `<h2 class="headline">Seven ways to lower your blood pressure</h2>`, "Seven ways to lower your blood pressure"},
		{"kicker above the headline", "", `<p class="kicker">Heart health</p>` + h1, want},
		{"eyebrow inside the headline", "", `<h1><span class="eyebrow">Heart health</span> Seven Ways to Lower Your Blood Pressure</h1>`, want},
		{"date inside the headline", "", `<h1><time datetime="2025-03-04">Mar 4, 2025</time> Seven Ways to Lower Your Blood Pressure</h1>`, want},
		{"logo h1", `<h1 class="site-title"><a href="/"><img src="/logo.svg" alt="">Riverside Health</a></h1>`, h1, want},
		{"site-name h1 without link", `<div class="branding"><h1>Riverside Health</h1></div>`, h1, want},
		{"cookie banner h1", `<div class="cookie-consent"><h1>We value your privacy</h1><p>We use cookies to improve this site.</p></div>`, h1, want},
		{"label before the headline", "", `<h1>Blog: Seven Ways to Lower Blood Pressure</h1>`, "Seven Ways to Lower Blood Pressure"},
	} {
		t.Run(c.name, func(t *testing.T) {
			eq(t, "title", titleOf(t, titlePage(head, c.siteHeader, c.articleHeader)), c.want)
		})
	}
}

// TestTitleWithoutH1: a page without an h1 of its own takes a heading or
// headline-classed element matching the metadata; nothing matching leaves
// the cleaned metadata title.
func TestTitleWithoutH1(t *testing.T) {
	head := `<meta property="og:site_name" content="Riverside Health"><title>Salt and Your Heart: How Much Is Too Much? | Riverside Health</title>`
	for _, c := range []struct{ name, siteHeader, articleHeader, want string }{
		{"h2 headline", "", `<h2 class="post-title">Salt and your heart: how much is too much?</h2>`, "Salt and your heart: how much is too much?"},
		{"headline-classed div", "", `<div class="article-headline">Salt and Your Heart — How Much Is Too Much?</div>`, "Salt and Your Heart — How Much Is Too Much?"},
		{"only the site name in an h1", `<h1 class="logo"><a href="https://www.riversidehealth.example/">Riverside Health</a></h1>`, `<h2>Salt and Your Heart: How Much Is Too Much?</h2>`, "Salt and Your Heart: How Much Is Too Much?"},
		{"nothing matches", "", `<p class="byline">By Dana Whitfield, RN</p>`, "Salt and Your Heart: How Much Is Too Much?"},
		{"an unrelated h1 is not taken", "", `<h1>Our Blog</h1>`, "Salt and Your Heart: How Much Is Too Much?"},
		{"a kicker line is not the headline", "", `<h2>Salt and Your Heart:</h2><h3>How Much Is Too Much?</h3>`, "Salt and Your Heart: How Much Is Too Much?"},
		{"the entry's title heading, rewritten", "", `<h2 class="entry-title">How Much Salt Is Good for Your Heart?</h2>`, "How Much Salt Is Good for Your Heart?"},
		{"an unclassed heading so rewritten is not taken", "", `<h2>How Much Salt Is Good for Your Heart?</h2>`, "Salt and Your Heart: How Much Is Too Much?"},
		{"two entry titles: a list of posts", "", `<h2 class="entry-title">How Much Salt Is Good for Your Heart?</h2><h2 class="entry-title">Salt, Your Heart and Your Kidneys</h2>`, "Salt and Your Heart: How Much Is Too Much?"},
	} {
		t.Run(c.name, func(t *testing.T) {
			eq(t, "title", titleOf(t, titlePage(head, c.siteHeader, c.articleHeader)), c.want)
		})
	}
}

// TestTitleHeadlineLeavesBody: the headline taken as the title is not a
// body heading, nor is a heading repeating the metadata title.
func TestTitleHeadlineLeavesBody(t *testing.T) {
	head := `<meta property="og:title" content="How to Lower Blood Pressure Naturally: 7 Proven Ways">`
	page := titlePage(head, "", `<h1>Seven Ways to Lower Your Blood Pressure Naturally</h1><h2>How to Lower Blood Pressure Naturally: 7 Proven Ways</h2>`)
	a := extract(t, Options{}, "https://www.riversidehealth.example/conditions/blood-pressure", page, nil)
	eq(t, "title", a.Title, "Seven Ways to Lower Your Blood Pressure Naturally")
	for _, h := range headings(a) {
		if h != "" {
			t.Errorf("body heading %q: the title is not a body heading", h)
		}
	}
	if !strings.HasPrefix(a.Text, "High blood pressure rarely causes symptoms") {
		t.Errorf("text starts %q", a.Text[:min(60, len(a.Text))])
	}
}

func TestSrOnlyAndClip(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"position:absolute!important;clip:rect(1px,1px,1px,1px)", true},
		{"clip-path: inset(50%); width: 1px", true},
		{"position:absolute;left:-9999px", true},
		{"width:1px;height:1px;overflow:hidden", true},
		{"text-align:center;margin:0", false},
		{"overflow:hidden;height:300px", false},
	} {
		if got := clipStyle(c.in); got != c.want {
			t.Errorf("clipStyle(%q) = %v, want %v", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"sr-only", true}, {"visually-hidden", true}, {"screen-reader-text", true}, {"u-visually-hidden", true},
		{"element-invisible", true}, {"hidden", true}, {"entry-title", false}, {"overflow-hidden", false},
	} {
		if got := srOnlyClass(c.in); got != c.want {
			t.Errorf("srOnlyClass(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestTitleHeadlineParts: an h1 holding more than the headline (a dek, a
// kicker line, the source and comment count of a link post) gives the part
// a metadata title names; a title and subtitle set apart are joined as the
// metadata joins them.
func TestTitleHeadlineParts(t *testing.T) {
	site := `<meta property="og:site_name" content="Riverside Health">`
	for _, c := range []struct{ name, head, h1, want string }{
		{"dek block in the h1", site + `<meta property="og:title" content="Seven Ways to Lower Blood Pressure">`,
			`<h1><div class="field"><p>Seven Ways to Lower Blood Pressure</p><h4>What works, and how fast, for most adults with hypertension</h4></div></h1>`,
			"Seven Ways to Lower Blood Pressure"},
		{"source and comment count", site + `<meta property="og:title" content="Salt Substitutes Cut Stroke Risk, Trial Finds - Riverside Forum">`,
			`<h1 class="story"><span class="story-title"><a href="/conditions/blood-pressure">Salt Substitutes Cut Stroke Risk, Trial Finds</a></span> <span class="source">(<a href="https://news.example.org/">news.example.org</a>)</span> <span class="comments">87</span></h1>`,
			"Salt Substitutes Cut Stroke Risk, Trial Finds"},
		{"kicker line in the h1", site + `<meta property="og:title" content="Living With Hypertension | Riverside Health">`,
			`<h1><div class="text-muted text-lg">Patient stories</div><span class="lg:block">Living With Hypertension</span></h1>`,
			"Living With Hypertension"},
		{"title and subtitle", site + `<meta property="og:title" content="Living With Hypertension - A Guide to Your First Year">`,
			`<h1><span class="entry-title-primary">Living With Hypertension</span> <span class="entry-subtitle">A Guide to Your First Year</span></h1>`,
			"Living With Hypertension - A Guide to Your First Year"},
		{"subtitle already punctuated", site + `<meta property="og:title" content="Living With Hypertension: A Guide to Your First Year - Riverside Health">`,
			`<h1>Living With Hypertension: <em>A Guide to Your First Year</em></h1>`,
			"Living With Hypertension: A Guide to Your First Year"},
		{"two lines, another metadata title", site + `<meta property="og:title" content="Hypertension Guide for New Patients">`,
			`<h1>Living With Hypertension<br>A Guide to Your First Year</h1>`,
			"Living With Hypertension A Guide to Your First Year"},
		{"display-block line is a word apart", site + `<meta property="og:title" content="Hypertension Guide for New Patients">`,
			`<h1>Living With Hypertension<span class="block text-sm">A Guide to Your First Year</span></h1>`,
			"Living With Hypertension A Guide to Your First Year"},
		{"descriptor label", `<meta name="citation_title" content="Sodium Intake and Blood Pressure in Older Adults">`,
			`<h1 class="title"><span class="descriptor">Title:</span>Sodium Intake and Blood Pressure in Older Adults</h1>`,
			"Sodium Intake and Blood Pressure in Older Adults"},
	} {
		t.Run(c.name, func(t *testing.T) {
			eq(t, "title", titleOf(t, titlePage(c.head, "", c.h1)), c.want)
		})
	}
}

// TestTitleResponsiveCopies: the same h1 set twice for two screen sizes is
// one headline, the page's only one.
func TestTitleResponsiveCopies(t *testing.T) {
	head := `<meta property="og:site_name" content="Riverside Health"><meta property="og:title" content="How Do You Cook for a Healthy Heart? | Riverside Health">`
	h1 := `<div class="md:hidden"><h1>Setting Up a Heart-Healthy Kitchen</h1></div><div class="max-md:hidden"><h1>Setting Up a Heart-Healthy Kitchen</h1></div>`
	eq(t, "title", titleOf(t, titlePage(head, "", h1)), "Setting Up a Heart-Healthy Kitchen")
}

// TestTitleHeadingBeforeBodyH1: when the page's only h1 is a heading of the
// body, a heading before it matching the metadata title is the headline;
// one after it (a section heading below a hero h1) is not.
func TestTitleHeadingBeforeBodyH1(t *testing.T) {
	page := func(head, top, bottom string) []byte {
		return []byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` + head + `</head><body>
<section class="white"><header><h2>What Do Patients Ask About Statins?</h2><p>Dec 19, 2025 · Dana Whitfield</p></header>` + top + `
<div class="post">` + titleBody + `<h1>But what they fear most is the side effects</h1>` + titleBody + bottom + `</div></section></body></html>`)
	}
	head := `<meta property="og:title" content="What Do Patients Ask About Statins? | Riverside Blog">`
	eq(t, "title", titleOf(t, page(head, "", "")), "What Do Patients Ask About Statins?")

	hero := []byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta property="og:site_name" content="Riverside Health">
<meta property="og:title" content="Expert Heart Care That Puts Patients First | Riverside Health"></head><body>
<header class="site-header"><h1>Heart Care</h1></header><main><section><h2>Expert Heart Care That Puts You First</h2>` + titleBody + `</section></main></body></html>`)
	eq(t, "title", titleOf(t, hero), "Expert Heart Care That Puts Patients First")
}

// TestRepairMojibake: UTF-8 read as Latin-1 and encoded again is repaired
// in a page showing it (C1 control characters); Latin-1 text is kept.
func TestRepairMojibake(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"A Patient\u00e2\u0080\u0099s Guide", "A Patient’s Guide"},
		{"JOHNSON\u00e2\u0080\u0099S\u00c2\u00ae baby", "JOHNSON’S® baby"},
		{"caf\u00c3\u00a9 \u00e2\u0080\u0094 na\u00c3\u00afve", "café — naïve"},
		{"Ångström, café, naïve — \u00e2\u0080\u009cquoted\u00e2\u0080\u009d", "Ångström, café, naïve — “quoted”"},
		{"Ångström, café, naïve, Ã©", "Ångström, café, naïve, Ã©"}, // no C1 character: left alone
		{"plain ASCII", "plain ASCII"},
		{"cut short \u00e2\u0080", "cut short \u00e2\u0080"}, // an incomplete sequence is kept
		{"\u0085 ends: \u00c3", "\u0085 ends: \u00c3"},
	} {
		if got := string(repairMojibake([]byte(c.in))); got != c.want {
			t.Errorf("repairMojibake(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	head := `<meta property="og:site_name" content="Riverside Health"><title>A Patient` + "\u00e2\u0080\u0099" + `s Guide to Statins | Riverside Health</title>`
	eq(t, "title", titleOf(t, titlePage(head, "", "")), "A Patient’s Guide to Statins")
}

// TestTitleSearchSegments: a pipe sets apart search-engine segments, in a
// headline or a metadata title; a paragraph set as the h1 is not the
// headline; widgets' h1s are not the article's; the site's host starting a
// title goes.
func TestTitleSearchSegments(t *testing.T) {
	site := `<meta property="og:site_name" content="Riverside Health">`
	for _, c := range []struct{ name, head, h1, want string }{
		{"tagline after a pipe in the h1", site + `<meta property="og:title" content="Best Home Blood Pressure Monitors 2025 | Top 9 Models | Riverside Health">`,
			`<h1>Best Home Blood Pressure Monitors 2025 | Top 9 Models</h1>`, "Best Home Blood Pressure Monitors 2025"},
		{"section after a pipe", site + `<meta property="og:title" content="Why I walk every morning | Opinion">`,
			`<h1>Why I walk every morning | Opinion</h1>`, "Why I walk every morning"},
		{"pipe in a metadata title", `<title>Hypertension in Teens | Causes and Care</title>`, "", "Hypertension in Teens"},
		{"one word before the pipe is kept", `<title>Salt | Riverside Blog</title>`, "", "Salt | Riverside Blog"},
		{"paragraph h1", site + `<meta property="og:title" content="The 10 Blood Pressure Habits Worth Keeping (According to Cardiologists) | Riverside Health">`,
			`<h1>Learn which daily habits lower blood pressure the most? Get expert tips on how to measure your blood pressure at home and read the numbers. We will help you learn everything you need to know about keeping your heart healthy for years.</h1>`,
			"The 10 Blood Pressure Habits Worth Keeping (According to Cardiologists)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			eq(t, "title", titleOf(t, titlePage(c.head, "", c.h1)), c.want)
		})
	}

	widgets := []byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta property="og:title" content="Our Favourite Walking Routes in Riverside"></head><body>
<main class="site-main"><article class="story"><header class="story-header"><h1 class="headline">The Best Trails and Parks in Riverside for Walking</h1></header>` + titleBody + `</article>
<div class="widget"><div class="widget__header"><h1 class="widget__title">Next in Your Guide to Staying Active in Riverside</h1></div></div>
<div class="widget"><div class="widget__header"><h1 class="widget__title">Related Content</h1></div></div></main></body></html>`)
	eq(t, "title", titleOf(t, widgets), "The Best Trails and Parks in Riverside for Walking")

	host := []byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>riversidehealth.example Walking After Dinner</title></head><body>
<h1><a href="/">riversidehealth.example</a></h1><table><tr><td class="blog"><h2 class="date">December 16, 2025</h2><h3 class="title">Walking After Dinner</h3>` + titleBody + `</td></tr></table></body></html>`)
	eq(t, "title", titleOf(t, host), "Walking After Dinner")
}

// TestTitleMetaForm: the metadata title stands for the headline when it is
// the headline in better form: characters a charset conversion turned into
// question marks, a headline set in capitals, the count or year the
// headline's design leaves out. A pipe before a long subtitle stays.
func TestTitleMetaForm(t *testing.T) {
	site := `<meta property="og:site_name" content="Riverside Health">`
	for _, c := range []struct{ name, head, h1, want string }{
		{"question marks for lost characters", site + `<meta property="og:title" content="Home Blood Pressure Checks: A Beginner's Guide">`,
			`<h1 class="entry-title">Home Blood Pressure Checks? A Beginner? Guide</h1>`, "Home Blood Pressure Checks: A Beginner's Guide"},
		{"a real question mark stays", site + `<meta property="og:title" content="Is Salt Bad for You: What the Research Says">`,
			`<h1>Is Salt Bad for You? What the Research Says</h1>`, "Is Salt Bad for You? What the Research Says"},
		{"capitals", site + `<meta property="og:title" content="Best Home Blood Pressure Monitors 2026: Tips From Nurses | Riverside Health">`,
			`<h1>BEST HOME BLOOD PRESSURE MONITORS IN 2026: TIPS FROM NURSES</h1>`, "Best Home Blood Pressure Monitors 2026: Tips From Nurses"},
		{"capitals, the same words", site + `<meta property="og:title" content="Lowering Blood Pressure, Step by Step">`,
			`<h1>LOWERING BLOOD PRESSURE: STEP BY STEP</h1>`, "LOWERING BLOOD PRESSURE: STEP BY STEP"},
		{"year left out", site + `<meta property="og:title" content="Best Blood Pressure Monitors for Seniors in 2025 | Riverside Health">`,
			`<h1>Best Blood Pressure Monitors for Seniors</h1>`, "Best Blood Pressure Monitors for Seniors in 2025"},
		{"count left out", site + `<title>9 Ways to Lower Blood Pressure Without Medication - Riverside Health</title>`,
			`<h1>Ways to Lower Blood Pressure Without Medication</h1>`, "9 Ways to Lower Blood Pressure Without Medication"},
		{"other words after it are no year", site + `<meta property="og:title" content="Best Blood Pressure Monitors for Seniors and Their Carers">`,
			`<h1>Best Blood Pressure Monitors for Seniors</h1>`, "Best Blood Pressure Monitors for Seniors"},
		{"a long subtitle after a pipe stays", site + `<meta property="og:title" content="Top 10 Blood Pressure Monitors of 2025 | The Best Cuffs Our Nurses Trust at Home | Riverside Health">`,
			`<h1>Top 10 Blood Pressure Monitors of 2025 | The Best Cuffs Our Nurses Trust at Home</h1>`, "Top 10 Blood Pressure Monitors of 2025 | The Best Cuffs Our Nurses Trust at Home"},
	} {
		t.Run(c.name, func(t *testing.T) {
			eq(t, "title", titleOf(t, titlePage(c.head, "", c.h1)), c.want)
		})
	}
}

// TestTitleDeclaredArticleHeadline: on a page declaring itself an article
// the only h1, set in a hero block outside <article>, is the headline when
// it shares words with the metadata title's own part; a blog's name
// heading sharing words with the title's site segment only is not.
func TestTitleDeclaredArticleHeadline(t *testing.T) {
	hero := []byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta property="og:type" content="article">
<title>Cardiologist in Riverside, CA - Costs 2025 - Riverside Health</title></head><body>
<div class="hero"><ul class="crumbs"><li><a href="/">Home</a></li><li><a href="/costs">Costs</a></li></ul>
<div class="hero-text"><h1 class="mb-6">How Much Does a Cardiologist Visit Cost in Riverside?</h1><p>Typical range: $180 - $420</p></div></div>
<div class="content">` + titleBody + `</div></body></html>`)
	eq(t, "title", titleOf(t, hero), "How Much Does a Cardiologist Visit Cost in Riverside?")

	blog := []byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Salt and Your Heart: How Much Is Too Much? - Riverside Heart News</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"SocialMediaPosting","headline":"Salt and Your Heart: How Much Is Too Much?"}</script></head><body>
<div class="top"><h1>Heart News</h1></div>
<div class="posts"><div class="post">` + titleBody + `</div></div></body></html>`)
	eq(t, "title", titleOf(t, blog), "Salt and Your Heart: How Much Is Too Much?")
}
