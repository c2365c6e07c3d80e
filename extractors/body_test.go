package extractors

import (
	"fmt"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

// bodyHeadings lists the non-empty section headings of a, in order.
func bodyHeadings(a *article.Article) []string {
	var hs []string
	for _, s := range a.Sections {
		if s.Heading != "" {
			hs = append(hs, s.Heading)
		}
	}
	return hs
}

// A React page streamed by the server (Suspense): the article is sent later in
// a hidden <div id="S:0"> and moved by $RC into the boundary that first showed
// "Loading…"; a nested segment arrives in S:1 for the placeholder P:1. The
// record reads the article where the browser shows it, without the fallback.
func TestReactStreamingContainers(t *testing.T) {
	page := `<!DOCTYPE html><html lang="en"><head><title>Living with asthma: a practical guide | Breathe Well</title>
<meta property="og:type" content="article"></head>
<body><div id="root"><header><nav><a href="/">Breathe Well</a> <a href="/topics">Topics</a></nav></header>
<main><!--$?--><template id="B:0"></template><div class="spinner"><p>Loading…</p></div><!--/$--></main>
<footer><p>© Breathe Well</p></footer></div>
<script>requestAnimationFrame(function(){$RT=performance.now()});</script>
<div hidden id="S:0"><article class="post"><h1>Living with asthma: a practical guide</h1>
<p>Asthma narrows the airways of the lungs, and most people who have it can keep it under control with the right inhaler, taken the right way, every day.</p>
<h2>Know your triggers</h2>
<p>Cold air, pollen, smoke and colds set off most attacks. Keeping a short diary for a few weeks shows which of them matter for you, and when.</p>
<template id="P:1"></template>
<h2>When to get help</h2>
<p>Call for help when your reliever inhaler does not help, when you are too breathless to speak, or when your lips turn blue or grey.</p></article></div>
<script>$RC=function(b,c,e){c=document.getElementById(c);c.parentNode.removeChild(c)};$RC("B:0","S:0")</script>
<div hidden id="S:1"><p>Write down what you were doing when symptoms began, the weather, and whether you had taken your preventer inhaler that morning.</p></div>
<script>$RS=function(a,b){};$RS("S:1","P:1")</script>
</body></html>`
	a := extract(t, Options{}, "https://breathe.example/guides/asthma", []byte(page), nil)
	if a.PageType != article.PageArticle {
		t.Errorf("page_type = %q, want article", a.PageType)
	}
	if got := strings.Join(bodyHeadings(a), " | "); got != "Know your triggers | When to get help" {
		t.Errorf("headings = %q", got)
	}
	want := "Asthma narrows the airways of the lungs, and most people who have it can keep it under control with the right inhaler, taken the right way, every day.\n\n" +
		"Know your triggers\n\n" +
		"Cold air, pollen, smoke and colds set off most attacks. Keeping a short diary for a few weeks shows which of them matter for you, and when.\n\n" +
		"Write down what you were doing when symptoms began, the weather, and whether you had taken your preventer inhaler that morning.\n\n" +
		"When to get help\n\n" +
		"Call for help when your reliever inhaler does not help, when you are too breathless to speak, or when your lips turn blue or grey."
	if a.Text != want {
		t.Errorf("text =\n%s\nwant\n%s", a.Text, want)
	}
	if strings.Contains(a.Text, "Loading") {
		t.Errorf("fallback kept: %q", a.Text)
	}
}

// A hidden S: container that no script names and that has no boundary of its
// number stays hidden, and so does one whose script names a boundary that is
// not on the page; one without a script but with its boundary (a page saved
// without its trailing scripts) is read in the boundary's place.
func TestReactStreamingWithoutScript(t *testing.T) {
	page := `<html><head><title>Clinic hours</title></head><body><main><h1>Clinic hours</h1>
<p>The clinic is open from eight in the morning to six in the evening on weekdays, and from nine to one on Saturdays.</p>
<p>Blood tests are taken until eleven; please come fasting when your doctor asked you to, and bring your referral letter.</p></main>
<div hidden id="S:0"><p>Draft notice: the clinic closes for renovation in the summer; dates to be confirmed by the practice manager.</p></div>
<div hidden id="S:2"><p>Another draft that no script reveals: the new phone line opens next month for repeat prescriptions.</p></div>
<script>$RC("B:9","S:2")</script></body></html>`
	a := extract(t, Options{}, "https://clinic.example/hours", []byte(page), nil)
	if strings.Contains(a.Text, "Draft notice") || strings.Contains(a.Text, "Another draft") {
		t.Errorf("hidden streaming container read: %q", a.Text)
	}
	if !strings.Contains(a.Text, "Blood tests are taken until eleven") {
		t.Errorf("text = %q", a.Text)
	}
	saved := `<html><head><title>Clinic hours</title></head><body><main><h1>Clinic hours</h1>
<!--$?--><template id="B:1"></template><p>Loading…</p><!--/$--></main>
<div hidden id="S:1"><p>The clinic is open from eight in the morning to six in the evening on weekdays, and from nine to one on Saturdays.</p>
<p>Blood tests are taken until eleven; please come fasting when your doctor asked you to, and bring your referral letter.</p></div></body></html>`
	a = extract(t, Options{}, "https://clinic.example/hours", []byte(saved), nil)
	if want := "The clinic is open from eight in the morning to six in the evening on weekdays, and from nine to one on Saturdays.\n\n" +
		"Blood tests are taken until eleven; please come fasting when your doctor asked you to, and bring your referral letter."; a.Text != want {
		t.Errorf("saved page text = %q", a.Text)
	}
}

func TestStreamCalls(t *testing.T) {
	got := streamCalls(`$RC=function(a,b){};$RC("B:0","S:0");$RS('S:1', 'P:1');$RX("B:2");$RC("B:3")`)
	want := [][3]string{{"C", "B:0", "S:0"}, {"S", "P:1", "S:1"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("streamCalls = %v, want %v", got, want)
	}
}

// benchListPage is a pagination page as `crawl bench crawl` generates it
// (crawler/bench.go): a heading "Articles, page N" and a list of links.
func benchListPage(n, per int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html><head><title>Articles, page %d | Healthy Living</title></head><body>
<header><a href="/">Healthy Living</a></header><main><h1>Articles, page %d</h1><ul class="posts">`, n, n)
	for i := (n-1)*per + 1; i <= n*per; i++ {
		fmt.Fprintf(&b, `<li><a href="/article/%d">Article number %d</a></li>`+"\n", i, i)
	}
	fmt.Fprintf(&b, `</ul><nav class="pagination"><a rel="prev" href="/list/%d">Previous</a> <a rel="next" href="/list/%d">Next</a></nav></main></body></html>`, n-1, n+1)
	return b.String()
}

// The generated pagination pages of the crawl benchmark are listings.
func TestBenchPaginationIsListing(t *testing.T) {
	for _, n := range []int{2, 7} {
		a := extract(t, Options{}, fmt.Sprintf("http://127.0.0.1:8080/list/%d", n), []byte(benchListPage(n, 50)), nil)
		if a.PageType != article.PageListing {
			t.Errorf("list %d: page_type = %q, want listing (text %q)", n, a.PageType, a.Text)
		}
	}
}

// wrapDeep wraps s in n page-builder wrappers.
func wrapDeep(s string, n int) string {
	for i := 0; i < n; i++ {
		s = fmt.Sprintf(`<div class="pb-el pb-el-%d">%s</div>`, i, s)
	}
	return s
}

// A page builder puts every paragraph of the article in its own stack of
// wrappers, so no container gathers the paragraphs' votes; a small callout
// whose class says "content" must not win over the article.
func TestPageBuilderBody(t *testing.T) {
	paras := []string{
		"Physiotherapy after a knee replacement starts on the day of the operation, with gentle bending and straightening while you are still in bed.",
		"In the first two weeks, the aim is to bend the knee to ninety degrees and to walk short distances with crutches or a frame, several times a day.",
		"Swelling is normal for up to three months. Raising the leg, cooling it for twenty minutes at a time and taking the painkillers you were given all help.",
		"From the third week, exercises on a static bike and climbing stairs one step at a time rebuild the strength of the thigh muscles.",
		"Most people drive again after six to eight weeks, once they can make an emergency stop, and return to desk work after about six weeks.",
		"Call the ward if the wound becomes red, hot or starts to leak, or if your calf becomes painful and swollen: these can be signs of infection or a clot.",
	}
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><title>Recovering from a knee replacement</title></head><body>
<header><nav><a href="/">Ortho Clinic</a> <a href="/services">Services</a> <a href="/contact">Contact</a></nav></header>
<div class="pb-page"><div class="pb-section"><div class="pb-row"><div class="pb-col"><h1>Recovering from a knee replacement</h1>`)
	for i, p := range paras {
		if i == 3 {
			b.WriteString(`<h2>Weeks three to six</h2>`)
		}
		b.WriteString(wrapDeep("<p>"+p+"</p>", 6))
	}
	b.WriteString(`</div><div class="pb-col-side"><div class="promo-box"><div class="box-content"><p>Book a free consultation with one of our surgeons this month.</p></div></div></div>
</div></div></div><footer><p>Ortho Clinic, 12 High Street</p></footer></body></html>`)
	a := extract(t, Options{}, "https://ortho.example/patients/knee-recovery", []byte(b.String()), nil)
	if a.PageType != article.PageArticle {
		t.Errorf("page_type = %q", a.PageType)
	}
	want := strings.Join(paras[:3], "\n\n") + "\n\nWeeks three to six\n\n" + strings.Join(paras[3:], "\n\n")
	if a.Text != want {
		t.Errorf("text =\n%s\nwant\n%s", a.Text, want)
	}
}

// A small element whose class says "content" (an accordion panel, a hero
// "copy" box) never wins over the article beside it.
func TestSmallContentClassDoesNotWin(t *testing.T) {
	long := []string{
		"Iron deficiency is the most common cause of anaemia worldwide, and it develops slowly, so many people do not notice the tiredness at first.",
		"Heavy periods, pregnancy, bleeding from the gut and a diet low in iron are the usual causes; in older adults, bleeding from the gut must always be ruled out.",
		"A blood test measuring haemoglobin and ferritin confirms the diagnosis. Ferritin below thirty micrograms per litre means the iron stores are empty.",
		"Treatment is one iron tablet a day, or every other day, which is absorbed just as well with fewer side effects, for three months after the blood count is normal.",
	}
	page := `<!DOCTYPE html><html><head><title>Iron deficiency anaemia</title></head><body>
<div class="hero"><div class="hero-copy content"><p>Our haematology team sees more than a thousand patients a year.</p></div></div>
<div class="layout"><div class="col">` + wrapDeep("<h1>Iron deficiency anaemia</h1>", 3)
	for _, p := range long {
		page += wrapDeep("<p>"+p+"</p>", 6)
	}
	page += `</div></div></body></html>`
	a := extract(t, Options{}, "https://haem.example/conditions/iron-deficiency", []byte(page), nil)
	if a.Text != strings.Join(long, "\n\n") {
		t.Errorf("text =\n%s", a.Text)
	}
}

// A forum thread or a story with a comment thread: each post has a heading
// linking to its author's profile or to its own permalink (#p123). Those are
// no teasers: the page is an article, not a listing.
func TestThreadWithLinkedHeadingsIsArticle(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><title>Knee pain after running - Runners Forum</title></head><body>
<header><nav><a href="/">Forum</a> <a href="/forums/injuries">Injuries</a></nav></header><main><h1>Knee pain after running</h1><div class="posts">`)
	users := []string{"trailfox", "mara_k", "trailfox", "dr_lenz", "pacer42", "mara_k", "olli", "pacer42"}
	for i, u := range users {
		fmt.Fprintf(&b, `<div class="post" id="p%d"><h3 class="post-title"><a href="viewtopic.php?p=%d#p%d">Re: Knee pain after running</a></h3>
<h4 class="post-author"><a href="/members/%s.%d/">%s</a></h4>
<p>Reply %d: I had the same pain on the outside of the knee after long runs; it was the iliotibial band, and stretching plus fewer downhill miles fixed it within a month.</p></div>`, 100+i, 100+i, 100+i, u, 10+i, u, i+1)
	}
	b.WriteString(`</div></main></body></html>`)
	a := extract(t, Options{}, "https://runners.example/viewtopic.php?t=55", []byte(b.String()), nil)
	if a.PageType != article.PageArticle {
		t.Errorf("page_type = %q, want article", a.PageType)
	}
	if !strings.Contains(a.Text, "Reply 8: I had the same pain") {
		t.Errorf("text = %q", a.Text)
	}
}

// A single story whose related area holds many linked headings (teasers of
// other stories) stays an article.
func TestStoryWithRelatedTeasersIsArticle(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><title>New guidance on vitamin D for winter | Health News</title></head><body>
<main><article><h1>New guidance on vitamin D for winter</h1>
<p>Adults and children over four should consider a daily vitamin D supplement of ten micrograms in autumn and winter, the health agency said on Tuesday.</p>
<p>Between October and March the sun is too low for the skin to make enough vitamin D, and few foods contain it in useful amounts.</p>
<p>People who rarely go outside, or who cover their skin, are advised to take the supplement all year round.</p></article>
<section class="more-stories"><h2>More from Health News</h2>`)
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&b, `<div class="card"><h3><a href="/news/story-%d">Story number %d about another health topic</a></h3><p>A short teaser of story %d.</p></div>`, i, i, i)
	}
	b.WriteString(`</section></main></body></html>`)
	a := extract(t, Options{}, "https://healthnews.example/news/vitamin-d-winter", []byte(b.String()), nil)
	if a.PageType != article.PageArticle {
		t.Errorf("page_type = %q, want article", a.PageType)
	}
	if !strings.HasPrefix(a.Text, "Adults and children over four") || strings.Contains(a.Text, "Story number") {
		t.Errorf("text = %q", a.Text)
	}
}

// The site root is judged by its content: with a real article it is an
// article; a landing page without teasers is other (its text kept); a front
// page of teasers is a listing.
func TestSiteRootJudgedByContent(t *testing.T) {
	art := `<!DOCTYPE html><html><head><title>Understanding type 2 diabetes</title><meta property="og:type" content="article"></head><body>
<main><h1>Understanding type 2 diabetes</h1>
<p>Type 2 diabetes develops when the body no longer responds well to insulin, so sugar builds up in the blood instead of being used for energy.</p>
<p>It is linked to weight, activity and family history, and it often causes no symptoms for years, which is why screening matters after the age of forty.</p>
<p>Losing even five percent of body weight, walking thirty minutes a day and eating fewer refined carbohydrates can bring blood sugar back to normal.</p>
<p>When lifestyle changes are not enough, metformin is usually the first medicine, and newer drugs also protect the heart and the kidneys.</p></main></body></html>`
	if a := extract(t, Options{}, "https://diabetes-guide.example/", []byte(art), nil); a.PageType != article.PageArticle {
		t.Errorf("root with an article: page_type = %q", a.PageType)
	}
	landing := `<!DOCTYPE html><html><head><title>CarePlan — scheduling for clinics</title></head><body>
<main><section class="hero"><h1>Scheduling that fits your clinic</h1><p>Book, remind and follow up patients from one calendar.</p></section>
<section><h2>Fewer no-shows</h2><p>Automatic text reminders cut missed appointments by a third.</p>
<h2>Works with your records</h2><p>CarePlan connects to the main patient record systems.</p></section></main></body></html>`
	a := extract(t, Options{}, "https://careplan.example/", []byte(landing), nil)
	if a.PageType != article.PageOther {
		t.Errorf("landing page: page_type = %q, want other", a.PageType)
	}
	if !strings.Contains(a.Text, "Automatic text reminders cut missed appointments by a third.") {
		t.Errorf("landing page text = %q", a.Text)
	}
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><title>Health News</title></head><body><main><h1>Latest</h1>`)
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&b, `<article class="teaser"><h2><a href="/news/%d">Headline of story %d on the front page</a></h2><p>One sentence summing up story %d for readers.</p></article>`, i, i, i)
	}
	b.WriteString(`</main></body></html>`)
	if a := extract(t, Options{}, "https://healthnews.example/", []byte(b.String()), nil); a.PageType != article.PageListing {
		t.Errorf("front page of teasers: page_type = %q", a.PageType)
	}
}

// A responsive layout writes the article's passage twice (a desktop and a
// mobile copy, one hidden by a CSS class): the record has it once. A forum
// reply quoting an earlier post drops the quote; a recurring interview
// question stays.
func TestRepeatedPassageOnce(t *testing.T) {
	passage := `<h2>Preparing for the test</h2>
<p>Do not eat or drink anything but water for eight hours before a fasting blood sugar test, and take your usual medicines unless told otherwise.</p>
<p>Bring a list of your medicines and any readings from your home glucose meter, so the nurse can compare them with the laboratory result.</p>
<p>The blood sample takes a few minutes; most people can go back to work or school straight away afterwards.</p>`
	page := `<!DOCTYPE html><html><head><title>Blood sugar tests</title></head><body><main><article><h1>Blood sugar tests</h1>
<p>A blood sugar test measures the amount of glucose in your blood at one moment, and it is the first step in finding or ruling out diabetes.</p>
<div class="desktop-only">` + passage + `</div><div class="mobile-only">` + passage + `</div>
<h2>An interview with our nurse</h2>
<p>What do patients ask most often about the tests we do at the clinic?</p><p>Whether they can drink coffee. The answer is no, not even black.</p>
<p>What do patients ask most often about the tests we do at the clinic?</p><p>Whether it hurts. It is a small prick and over in a second.</p>
</article></main></body></html>`
	a := extract(t, Options{}, "https://clinic.example/tests/blood-sugar", []byte(page), nil)
	if n := strings.Count(a.Text, "Do not eat or drink anything but water"); n != 1 {
		t.Errorf("passage kept %d times:\n%s", n, a.Text)
	}
	if n := strings.Count(a.Text, "Preparing for the test"); n != 1 {
		t.Errorf("heading kept %d times:\n%s", n, a.Text)
	}
	if n := strings.Count(a.Text, "What do patients ask most often"); n != 2 {
		t.Errorf("recurring question kept %d times:\n%s", n, a.Text)
	}
}

// A service page built from blocks side by side under the body (hero,
// features, how it works, FAQ): its multi-section body is kept whole, not the
// one block that scores best.
func TestServicePageKeepsSections(t *testing.T) {
	page := `<!DOCTYPE html><html><head><title>Home sleep apnoea testing | SleepWell Clinic</title></head><body>
<header><nav><a href="/">SleepWell</a> <a href="/services">Services</a> <a href="/book">Book</a></nav></header>
<section class="hero"><div class="wrap"><h1>Home sleep apnoea testing</h1><p>Find out whether you have sleep apnoea without spending a night in hospital.</p>
<p>Loud snoring, pauses in breathing and daytime sleepiness are the usual signs; untreated, sleep apnoea raises blood pressure.</p></div></section>
<section class="features"><div class="wrap"><div class="grid">
<div class="card"><h3>Sleep in your own bed</h3><p>We post you a small recorder that you wear for one night; it measures breathing, oxygen and pulse.</p></div>
<div class="card"><h3>Results in a week</h3><p>A sleep physician reads the recording and you get a written report with the next steps within seven days.</p></div>
<div class="card"><h3>Covered by most insurers</h3><p>The test is covered by most health insurers when your doctor refers you; we check your cover before we post the kit.</p></div>
</div></div></section>
<section class="steps"><div class="wrap"><h2>How it works</h2><ol><li>Your doctor refers you or you book online.</li><li>The recorder arrives by post with simple instructions.</li><li>You send it back in the prepaid envelope.</li></ol></div></section>
<section class="faq"><div class="wrap"><h2>Questions</h2><h3>Does the test hurt?</h3><p>No. The sensors stick to the skin and a soft tube sits under your nose; most people sleep normally.</p>
<h3>What if the recording fails?</h3><p>About one test in twenty has to be repeated, for instance when a sensor comes off during the night; the second kit is free.</p></div></section>
<section class="reviews"><div class="wrap"><h2>What patients say</h2><blockquote><p>I had waited months for a hospital sleep study; the kit came in three days and the report explained everything clearly.</p></blockquote>
<blockquote><p>Easy to set up, and the physician called me to talk through the results and the treatment options.</p></blockquote></div></section>
<footer><p>SleepWell Clinic, 4 Park Road</p></footer></body></html>`
	a := extract(t, Options{}, "https://sleepwell.example/services/home-sleep-test", []byte(page), nil)
	for _, want := range []string{
		"Find out whether you have sleep apnoea",
		"Sleep in your own bed", "Results in a week", "we check your cover before we post the kit",
		"How it works", "You send it back in the prepaid envelope.",
		"Does the test hurt?", "most people sleep normally",
	} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, a.Text)
		}
	}
	if strings.Contains(a.Text, "4 Park Road") || strings.Contains(a.Text, "Book\n") {
		t.Errorf("footer or menu kept:\n%s", a.Text)
	}
}

// A documentation page: a reference with many sections under <main>, each a
// heading with prose, lists and code, next to a sidebar of links; every
// section is kept, in order.
func TestDocsPageKeepsSections(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><title>dose_calc — Dose calculator API reference</title></head><body>
<nav class="sidebar"><ul><li><a href="/docs/intro">Introduction</a></li><li><a href="/docs/api">API</a></li><li><a href="/docs/faq">FAQ</a></li></ul></nav>
<main><h1>dose_calc</h1><p>The dose_calc module computes weight-based doses for paediatric medicines.</p>`)
	sections := []string{"Installation", "Quick start", "Functions", "Units", "Errors", "FAQ"}
	for i, h := range sections {
		fmt.Fprintf(&b, `<section id="s%d"><h2>%s</h2><p>Section %d explains %s: read it before you use the calculator in a clinical setting.</p>`, i, h, i+1, strings.ToLower(h))
		if i%2 == 0 {
			fmt.Fprintf(&b, `<pre><code>dose_calc.run(weight_kg=%d)</code></pre>`, 10+i)
		} else {
			b.WriteString(`<ul><li>Check the weight unit.</li><li>Round down to the nearest measurable dose.</li></ul>`)
		}
		b.WriteString(`</section>`)
	}
	b.WriteString(`</main><footer><a href="/privacy">Privacy</a></footer></body></html>`)
	a := extract(t, Options{}, "https://docs.dosecalc.example/reference/dose_calc", []byte(b.String()), nil)
	if a.PageType != article.PageArticle {
		t.Errorf("page_type = %q", a.PageType)
	}
	if got := strings.Join(bodyHeadings(a), "|"); got != strings.Join(sections, "|") {
		t.Errorf("headings = %q", got)
	}
	if !strings.Contains(a.Text, "dose_calc.run(weight_kg=14)") || !strings.Contains(a.Text, "Section 6 explains faq") {
		t.Errorf("text = %s", a.Text)
	}
}

// Drupal writes "field--label-hidden" on most fields: the label is hidden,
// not the field. An accordion marked up as a tab list keeps its panels, and a
// heading whose text is a <button> keeps it.
func TestLabelHiddenFieldsAndTablistAccordion(t *testing.T) {
	page := `<!DOCTYPE html><html><head><title>Home energy checkup | City Power</title></head><body><main><article class="node">
<h1>Home energy checkup</h1>
<div class="field field--name-body field--type-text-long field--label-hidden"><p>An energy advisor visits your home, checks insulation, heating and appliances, and leaves a written list of savings you can make.</p></div>
<div class="field field--name-field-intro field--label-hidden"><p>The visit takes about ninety minutes and is free for customers who rent or own their home.</p></div>
<div class="accordion" role="tablist">
<div class="accordion-item" role="tab"><h2 class="accordion-title"><button class="accordion-button" aria-controls="p1">Eligibility</button></h2></div>
<div id="p1" class="collapse" role="tabpanel"><p>Any residential customer with an active account can book one checkup every three years.</p></div>
<div class="accordion-item" role="tab"><h2 class="accordion-title"><button class="accordion-button" aria-controls="p2">What to expect</button></h2></div>
<div id="p2" class="collapse" role="tabpanel"><p>The advisor may install free LED bulbs and low-flow shower heads during the visit.</p></div>
</div></article></main>
<div role="tablist"><a role="tab" href="#a">Residential</a><a role="tab" href="#b">Business</a></div></body></html>`
	a := extract(t, Options{}, "https://citypower.example/save/home-energy-checkup", []byte(page), nil)
	want := "An energy advisor visits your home, checks insulation, heating and appliances, and leaves a written list of savings you can make.\n\n" +
		"The visit takes about ninety minutes and is free for customers who rent or own their home.\n\n" +
		"Eligibility\n\nAny residential customer with an active account can book one checkup every three years.\n\n" +
		"What to expect\n\nThe advisor may install free LED bulbs and low-flow shower heads during the visit."
	if a.Text != want {
		t.Errorf("text =\n%s\nwant\n%s", a.Text, want)
	}
}

// Page builders wrap every block of the article, headings and paragraphs
// alike, in "widget" wrappers: the word marks no boilerplate there. A call to
// action ("cta") is boilerplate whatever else its class says.
func TestWidgetWrappersAreContent(t *testing.T) {
	w := func(kind, inner string) string {
		return `<div class="pb-widget-wrap pb-element-populated"><div class="pb-element pb-invisible pb-widget pb-widget-` + kind + `"><div class="pb-widget-container">` + inner + `</div></div></div>`
	}
	page := `<!DOCTYPE html><html><head><title>Choosing a running shoe</title></head><body><main><article><div class="pb-page">` +
		w("heading", "<h1>Choosing a running shoe</h1>") +
		w("text-editor", "<p>A running shoe should fit the shape of your foot, not a brand's promise: try shoes on in the afternoon, when feet are largest.</p>") +
		w("heading", "<h2>Cushioning</h2>") +
		w("text-editor", "<p>More cushioning does not prevent injuries; choose the amount that feels comfortable over a few minutes of jogging in the shop.</p>") +
		w("text-editor", "<p>Replace shoes after about eight hundred kilometres, or when the midsole shows deep creases on both sides.</p>") +
		`<div class="pb-widget pb-cta-letter"><h5>Support our work</h5><p>We are a small team of physiotherapists. If our guides help you, please consider a donation: every gift keeps the site free of advertising for everyone who reads it, today and next year.</p></div>` +
		`</div></article></main></body></html>`
	a := extract(t, Options{}, "https://runclinic.example/guides/running-shoes", []byte(page), nil)
	want := "A running shoe should fit the shape of your foot, not a brand's promise: try shoes on in the afternoon, when feet are largest.\n\n" +
		"Cushioning\n\nMore cushioning does not prevent injuries; choose the amount that feels comfortable over a few minutes of jogging in the shop.\n\n" +
		"Replace shoes after about eight hundred kilometres, or when the midsole shows deep creases on both sides."
	if a.Text != want {
		t.Errorf("text =\n%s\nwant\n%s", a.Text, want)
	}
}

// An API reference written as one long page whose sections each have a
// heading linking to the section's own address is a documentation page, not
// a listing: its "cards" are far longer than teasers.
func TestReferenceSectionsWithLinkedHeadings(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><title>Prescriptions API</title></head><body><main>`)
	for _, s := range []string{"prescriptions", "prescription-object", "create", "update", "cancel"} {
		fmt.Fprintf(&b, `<section><h1><a href="/api/%s">The %s endpoint</a></h1>`, s, s)
		for i := 0; i < 8; i++ {
			fmt.Fprintf(&b, `<p>Paragraph %d of the %s section describes its parameters, the errors it can return and an example request with the patient identifier, the medicine code and the dose in milligrams per day, so that integrators can test it against the sandbox before going live.</p>`, i+1, s)
		}
		b.WriteString(`<pre><code>curl https://api.example/v1/` + s + `</code></pre></section>`)
	}
	b.WriteString(`</main></body></html>`)
	a := extract(t, Options{}, "https://docs.rxapi.example/api/prescriptions", []byte(b.String()), nil)
	if a.PageType != article.PageArticle {
		t.Errorf("page_type = %q, want article", a.PageType)
	}
	if !strings.Contains(a.Text, "Paragraph 8 of the cancel section") {
		t.Errorf("text = %s", a.Text)
	}
}

// A utility class's variant ("print:break-inside-avoid", "md:overflow-hidden")
// says when a style applies; its words mark no boilerplate.
func TestUtilityVariantsAreNotBoilerplate(t *testing.T) {
	p := func(s string) string {
		return `<p class="mx-auto w-full print:break-inside-avoid md:overflow-hidden">` + s + `</p>`
	}
	page := `<!DOCTYPE html><html><head><title>Sun protection for children</title></head><body><main><h1>Sun protection for children</h1>` +
		p("Babies under six months should be kept out of direct sunlight altogether, in the shade or under a parasol, with a hat and loose clothes.") +
		p("For older children, use a sunscreen with a protection factor of at least thirty, and apply it again every two hours and after swimming.") +
		p("The sun is strongest between eleven and three; plan outdoor play for the morning and the late afternoon in the summer months.") +
		`</main></body></html>`
	a := extract(t, Options{}, "https://kidshealth.example/sun", []byte(page), nil)
	if strings.Count(a.Text, "\n\n") != 2 {
		t.Errorf("text = %q", a.Text)
	}
}

// A how-to shows its steps in tabs (one per platform): the panels not open
// yet (hidden, role="tabpanel") are content the reader opens with a click,
// read like the open one; other hidden elements stay out.
func TestHiddenTabPanelsAreRead(t *testing.T) {
	page := `<!DOCTYPE html><html><head><title>Set up medication reminders</title></head><body><main><h1>Set up medication reminders</h1>
<p>Reminders help you take each dose on time; set them up once on your phone and they repeat every day until you change them.</p>
<div role="tablist"><button role="tab">iPhone</button><button role="tab">Android</button></div>
<div role="tabpanel" id="ios"><p>On an iPhone, open the Health app, tap Browse, then Medications, add your medicine and choose the times of day.</p></div>
<div role="tabpanel" id="android" hidden style="display:none"><p>On Android, open the Clock app, add an alarm for each dose, and name the alarm after the medicine to take.</p></div>
<div hidden><p>Survey: how did you find this guide? Tell us in two minutes and help us improve our pages.</p></div>
</main></body></html>`
	a := extract(t, Options{}, "https://pharmacy.example/help/reminders", []byte(page), nil)
	if !strings.Contains(a.Text, "On Android, open the Clock app") || !strings.Contains(a.Text, "On an iPhone") {
		t.Errorf("tab panels missing: %s", a.Text)
	}
	if strings.Contains(a.Text, "Survey") {
		t.Errorf("hidden survey read: %s", a.Text)
	}
}

// An article whose intro and body sit in nested sections (the body deeper than
// the intro): the root is the wrapper that holds nearly all the paragraphs.
func TestNestedSectionsKeepIntro(t *testing.T) {
	intro := []string{
		"When I started running clinics for new parents ten years ago, the question I heard most was how much a newborn should sleep.",
		"The honest answer is that it varies a lot, and that the range of normal is much wider than most charts suggest to worried parents.",
	}
	body := ""
	for i := 1; i <= 8; i++ {
		body += fmt.Sprintf("<p>Point %d: newborns sleep in short stretches of two to four hours, day and night, and settle into longer night sleep over the first months.</p>", i)
	}
	page := `<!DOCTYPE html><html><head><title>How much should a newborn sleep?</title></head><body><main><article><h1>How much should a newborn sleep?</h1>
<section><p>` + intro[0] + `</p><p>` + intro[1] + `</p>
<section><section><h2>What is normal</h2>` + body + `</section></section></section></article></main></body></html>`
	a := extract(t, Options{}, "https://parents.example/sleep/newborn", []byte(page), nil)
	if !strings.HasPrefix(a.Text, intro[0]+"\n\n"+intro[1]+"\n\nWhat is normal") || !strings.Contains(a.Text, "Point 8:") {
		t.Errorf("text = %s", a.Text)
	}
}

// A section of the article whose class has one weak boilerplate word
// ("sec-more-info") and paragraphs of text is kept; a short "more" box of
// links is not.
func TestWeakClassWordOnProseSection(t *testing.T) {
	page := `<!DOCTYPE html><html><head><title>Tinnitus</title></head><body><main><article><h1>Tinnitus</h1>
<p>Tinnitus is the sensation of hearing a sound, such as ringing or buzzing, that has no outside source; most people have it at some point.</p>
<section class="sec-more-info"><h2>Causes</h2><p>Age-related hearing loss and loud noise are the most common causes; ear wax, ear infections and some medicines can also bring it on, and it often fades when the cause is treated.</p></section>
<div class="more"><a href="/hearing">Hearing</a> <a href="/ears">Ears</a></div>
</article></main></body></html>`
	a := extract(t, Options{}, "https://ent.example/conditions/tinnitus", []byte(page), nil)
	if !strings.Contains(a.Text, "Causes\n\nAge-related hearing loss") || strings.Contains(a.Text, "Hearing") {
		t.Errorf("text = %q", a.Text)
	}
}

// Classes that hide something under a condition or clip overflow do not hide
// the element's text: a collapsed accordion answer ("accordion-content
// hidden"), "max-md:hidden", "ui-overflow-x-hidden". A plain "hidden" class on
// a short box still marks it.
func TestConditionalHiddenClasses(t *testing.T) {
	page := `<!DOCTYPE html><html><head><title>Flu vaccine questions</title></head><body><main><article><h1>Flu vaccine questions</h1>
<p class="ui-overflow-x-hidden">The flu vaccine is offered every autumn to people over sixty-five, pregnant women and anyone with a long-term condition.</p>
<h2>Can I have it while pregnant?</h2><div class="faq-accordion-content pl-2 hidden"><p>Yes. It is safe at any stage of pregnancy and also protects the baby for the first months after birth.</p></div>
<h2>Does it give you flu?</h2><div class="answer max-md:hidden"><p>No. The injected vaccine contains no live virus; a sore arm or a mild temperature for a day is common.</p></div>
<div class="hidden"><p>Cookie preferences saved.</p></div>
</article></main></body></html>`
	a := extract(t, Options{}, "https://gp.example/vaccines/flu-questions", []byte(page), nil)
	for _, want := range []string{"The flu vaccine is offered every autumn", "It is safe at any stage of pregnancy", "The injected vaccine contains no live virus"} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("text lacks %q: %s", want, a.Text)
		}
	}
	if strings.Contains(a.Text, "Cookie preferences") {
		t.Errorf("hidden box read: %s", a.Text)
	}
}
