package extractors

import (
	"fmt"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

// An API reference page: each object's attributes are described in the main
// column, and a long JSON example sits in the column beside them. The
// example's commas are syntax, not the clauses of prose: the record is the
// whole reference, with the examples as code blocks, not one example's column.
func TestAPIReferenceCodeDoesNotWinTheBody(t *testing.T) {
	attr := func(name, typ, desc string) string {
		return `<div class="param"><h4>` + name + ` <span class="type">` + typ + `</span></h4><p>` + desc + `</p></div>`
	}
	json := func(id string, items int) string {
		var b strings.Builder
		b.WriteString("{\n")
		for _, f := range []string{"id", "resource_type", "status", "subject", "performer", "effective_at", "issued_at", "code", "value", "unit", "interpretation", "reference_low", "reference_high", "note", "method", "specimen", "device"} {
			b.WriteString(`  "` + f + `": "` + id + `_` + f + `",` + "\n")
		}
		b.WriteString(`  "components": [`)
		for i := 0; i < items; i++ {
			b.WriteString(`{"code": "c", "value": 1, "unit": "u"}, `)
		}
		b.WriteString("{}]\n}")
		return b.String()
	}
	section := func(id, title, intro, attrs string, items int) string {
		return `<section class="api-section" id="` + id + `"><div class="api-grid">
<div class="api-main"><h1>` + title + `</h1><p>` + intro + `</p><h3>Attributes</h3>` + attrs + `</div>
<div class="api-example"><div class="example-card"><pre><code>` + json(id, items) + `</code></pre></div></div></div></section>`
	}
	page := `<html><head><title>Observations | Clinic Data API Reference</title></head><body>
<nav class="api-nav"><ul><li><a href="/api/patients">Patients</a></li><li><a href="/api/observations">Observations</a></li><li><a href="/api/encounters">Encounters</a></li></ul></nav>
<main>` +
		section("observations", "Observations", "An observation is a single measurement or finding recorded for a patient: a blood pressure reading, a laboratory result, a smoking status.",
			attr("id", "string", "Unique identifier for the observation.")+
				attr("status", "enum", "Whether the result is preliminary, final or amended; an amended result replaces the earlier one in every report.")+
				attr("value", "number", "The measured value, in the unit given by the unit attribute."), 4) +
		section("create_observation", "Create an observation", "Records a new observation for a patient. The observation is final unless its status says otherwise.",
			attr("subject", "string, required", "The patient the observation is about.")+
				attr("code", "string, required", "The code of what was measured, from the laboratory's code system."), 12) +
		`</main></body></html>`
	a := extract(t, Options{}, "https://developers.clinicdata.example/api/observations", []byte(page), nil)
	if a.PageType != article.PageArticle {
		t.Errorf("page_type = %q, want article", a.PageType)
	}
	for _, want := range []string{
		"An observation is a single measurement",
		"Whether the result is preliminary, final or amended",
		"Records a new observation for a patient.",
		"The code of what was measured",
		`"resource_type": "observations_resource_type",`,
		`"resource_type": "create_observation_resource_type",`,
	} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, a.Text)
		}
	}
	codes := 0
	for _, s := range a.Sections {
		for _, b := range s.Blocks {
			if b.Type == article.BlockCode {
				codes++
			}
		}
	}
	if codes != 2 {
		t.Errorf("%d code blocks, want 2", codes)
	}
}

// Some sites hide the whole page with "visibility: hidden" on the wrapper
// below the body until their styles load, and a script shows it: the page's
// text is read all the same. Hidden regions inside it (a collapsed menu with
// display: none, a visibility: hidden notice) stay out.
func TestAntiFlickerWrapperIsRead(t *testing.T) {
	page := `<html><head><title>Vitamin D: how much you need | Healthy Living</title></head><body>
<div id="__next"><div style="visibility:hidden;min-height:100vh">
<header><div class="menu" style="display:none"><a href="/">Home</a> <a href="/topics">All topics and conditions we cover</a></div></header>
<article><h1>Vitamin D: how much you need</h1>
<p>Vitamin D keeps bones, teeth and muscles healthy. From late March to the end of September most people make enough of it from sunlight on their skin.</p>
<p>From October to early March the sun is too weak, so adults and children over four should think about a daily supplement of 10 micrograms.</p>
<h2>Who should take a supplement all year</h2>
<p>People who are rarely outdoors, who live in a care home, or who cover most of their skin when outside should take it every day of the year.</p>
<div style="visibility:hidden"><p>Thanks for your feedback, it helps us improve the pages you read every day.</p></div>
</article></div></div>
<script>document.querySelector('#__next > div').style.visibility = 'visible'</script>
</body></html>`
	a := extract(t, Options{}, "https://healthyliving.example/vitamin-d", []byte(page), nil)
	want := "Vitamin D keeps bones, teeth and muscles healthy. From late March to the end of September most people make enough of it from sunlight on their skin.\n\n" +
		"From October to early March the sun is too weak, so adults and children over four should think about a daily supplement of 10 micrograms.\n\n" +
		"Who should take a supplement all year\n\n" +
		"People who are rarely outdoors, who live in a care home, or who cover most of their skin when outside should take it every day of the year."
	if a.Text != want {
		t.Errorf("text =\n%s\nwant\n%s", a.Text, want)
	}
	if a.Title != "Vitamin D: how much you need" {
		t.Errorf("title = %q", a.Title)
	}
}

// A listicle whose numbered headings link to the products they name ("1.
// <a>Snake plant</a>") is one article, not a listing of teasers: its items
// keep their headings and text. Unnumbered linked headings with short
// summaries are still a listing.
func TestNumberedLinkedHeadingsAreAnArticle(t *testing.T) {
	plants := []struct{ name, text string }{
		{"Snake plant", "Snake plant has stiff upright leaves and copes with dim corners, dry air and the odd missed watering, which makes it a good first plant for an office."},
		{"Pothos", "Pothos is a vining plant with heart-shaped leaves that trails from a shelf or climbs a moss pole, and grows well a few metres from a north window."},
		{"Cast iron plant", "Cast iron plant earned its name by surviving in dark hallways where little else grows; water it when the top few centimetres of soil are dry."},
		{"Peace lily", "Peace lily droops when it is thirsty and perks up within hours of a drink, and it flowers in low light more readily than most houseplants."},
		{"ZZ plant", "ZZ plant stores water in thick underground stems, so it needs watering only every few weeks and tolerates rooms lit only by lamps."},
	}
	var items strings.Builder
	for i, p := range plants {
		fmt.Fprintf(&items, `<div class="item"><h2>%d. <a href="/plants/%s">%s</a></h2><p><em>Light:</em> low to medium</p><p>%s</p></div>`+"\n",
			i+1, strings.ReplaceAll(strings.ToLower(p.name), " ", "-"), p.name, p.text)
	}
	page := `<html><head><title>5 Houseplants for Low Light | Green Rooms</title></head><body>
<header><nav><a href="/">Green Rooms</a> <a href="/plants">Plants</a> <a href="/guides">Guides</a></nav></header>
<div id="content"><h1>5 Houseplants for Low Light</h1>
<p>Every plant needs some light, but these five grow happily far from a window, in offices, hallways and rooms that face north.</p>
` + items.String() + `</div><footer><p>© Green Rooms</p></footer></body></html>`
	a := extract(t, Options{}, "https://greenrooms.example/learn/low-light-houseplants", []byte(page), nil)
	if a.PageType != article.PageArticle {
		t.Fatalf("page_type = %q, want article", a.PageType)
	}
	if got := strings.Join(bodyHeadings(a), " | "); got != "1. Snake plant | 2. Pothos | 3. Cast iron plant | 4. Peace lily | 5. ZZ plant" {
		t.Errorf("headings = %q", got)
	}
	if !strings.Contains(a.Text, plants[4].text) {
		t.Errorf("text lacks the last item:\n%s", a.Text)
	}

	// The same cards without numbers: a category page of teasers.
	listing := strings.NewReplacer("<h2>1. ", "<h2>", "<h2>2. ", "<h2>", "<h2>3. ", "<h2>", "<h2>4. ", "<h2>", "<h2>5. ", "<h2>").Replace(page)
	listing = strings.Replace(listing, "<p>Every plant needs some light, but these five grow happily far from a window, in offices, hallways and rooms that face north.</p>", "", 1)
	if a := extract(t, Options{}, "https://greenrooms.example/plants/low-light", []byte(listing), nil); a.PageType != article.PageListing {
		t.Errorf("unnumbered cards: page_type = %q, want listing", a.PageType)
	}
}

// An accordion built on ARIA's pattern: each toggle (role="button",
// aria-controls) opens a panel with role="region" labelled by it, collapsed
// with display:none until clicked. The panels are the page's content: each
// is a section under its toggle's title. A display:none element that is no
// such panel (a hidden promo) stays out.
func TestCollapsedRegionPanelsAreRead(t *testing.T) {
	step := func(i int, title, body string) string {
		return fmt.Sprintf(`<div class="accordion"><a id="step_%d_header" role="button" tabindex="0" aria-expanded="false" aria-controls="step_%d_panel"><span>%s</span></a>
<div id="step_%d_panel" role="region" aria-labelledby="step_%d_header" style="display:none;"><div class="rich"><p>%s</p></div></div></div>`, i, i, title, i, i, body)
	}
	page := `<html><head><title>Preparing for your colonoscopy | Riverside Hospital</title></head><body>
<header><nav><a href="/">Riverside Hospital</a> <a href="/services">Services</a></nav></header>
<main><article><h1>Preparing for your colonoscopy</h1>
<p>A colonoscopy lets your doctor look at the inside of your bowel. Good preparation makes the test quicker, safer and more accurate, so please follow each step below.</p>
<h2>Before the test</h2>
<div class="accordion-list">` +
		step(0, "One week before", "Stop taking iron tablets and anything that makes stools firmer, and tell us if you take blood thinners or insulin so we can plan with you.") +
		step(1, "The day before", "Eat only a light breakfast, then drink clear fluids for the rest of the day and take the bowel preparation as the leaflet describes.") +
		`</div>
<div class="promo" style="display:none"><p>Download our app to book appointments, see test results and message your care team from your phone.</p></div>
<h2>After the test</h2>
<p>You can usually go home within an hour or two. Someone must take you home and stay with you overnight if you had a sedative.</p>
</article></main></body></html>`
	a := extract(t, Options{}, "https://riverside-hospital.example/services/colonoscopy/preparing", []byte(page), nil)
	if got := strings.Join(bodyHeadings(a), " | "); got != "Before the test | One week before | The day before | After the test" {
		t.Errorf("headings = %q", got)
	}
	for _, want := range []string{"Stop taking iron tablets", "drink clear fluids for the rest of the day", "Someone must take you home"} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, a.Text)
		}
	}
	if strings.Contains(a.Text, "Download our app") {
		t.Errorf("hidden promo kept:\n%s", a.Text)
	}
}

// FAQ accordions whose answers sit in [hidden] panels right after their
// toggles (<h3><button aria-expanded="false" aria-controls="faq-1">…</button></h3>
// <div id="faq-1" hidden>) are read: each question a heading over its answer.
// Panels kept apart from their buttons (a row of "Author information",
// "License" buttons over a box of panels) stay hidden, and so does a menu a
// "Menu" toggle opens.
func TestHiddenAccordionPanelsAfterToggles(t *testing.T) {
	faq := func(i int, q, a string) string {
		return fmt.Sprintf(`<div class="faq-item"><h3><button type="button" aria-expanded="false" aria-controls="faq-%d">%s</button></h3>
<div id="faq-%d" class="faq-answer" hidden><p>%s</p></div></div>`, i, q, i, a)
	}
	page := `<html><head><title>Flu vaccine: questions and answers | City Health Department</title></head><body>
<header><button aria-expanded="false" aria-controls="site-menu">Menu</button><div id="site-menu" hidden><a href="/">Home</a> <a href="/clinics">Find a clinic near you today</a></div></header>
<main><article><h1>Flu vaccine: questions and answers</h1>
<div class="tools"><button aria-controls="lic" aria-expanded="false">License information</button></div>
<div class="panels"><div id="lic" hidden><p>This page may be copied and shared freely for non-commercial purposes under an open licence.</p></div></div>
<p>The flu vaccine is offered every autumn to people at higher risk from flu. These answers cover the questions our clinics hear most often.</p>
<h2>Frequently asked questions</h2>` +
		faq(1, "Who should get the flu vaccine?", "Adults over 65, pregnant women, children from two years old and people with long-term health conditions are offered it free of charge.") +
		faq(2, "Can the vaccine give me flu?", "No. The injected vaccine contains no live virus, so it cannot cause flu, though your arm may feel sore for a day or two.") +
		`</article></main></body></html>`
	a := extract(t, Options{}, "https://cityhealth.example/flu/vaccine-questions", []byte(page), nil)
	if got := strings.Join(bodyHeadings(a), " | "); got != "Frequently asked questions | Who should get the flu vaccine? | Can the vaccine give me flu?" {
		t.Errorf("headings = %q", got)
	}
	if !strings.Contains(a.Text, "Adults over 65, pregnant women") || !strings.Contains(a.Text, "cannot cause flu") {
		t.Errorf("answers missing:\n%s", a.Text)
	}
	for _, not := range []string{"open licence", "Find a clinic"} {
		if strings.Contains(a.Text, not) {
			t.Errorf("text has %q:\n%s", not, a.Text)
		}
	}
}

// "More about …" over paragraphs is a section of the text (a guide's "More
// about insulin pens"); over a box of links it is a related box.
func TestMoreAboutSectionOfProse(t *testing.T) {
	page := `<html><head><title>Starting insulin: a guide for adults with type 2 diabetes | Diabetes Care Network</title></head><body>
<main><article><h1>Starting insulin: a guide for adults with type 2 diabetes</h1>
<p>Many people with type 2 diabetes need insulin after some years, when tablets no longer keep blood sugar in the target range. Starting it is a routine step, not a failure.</p>
<h2>More about insulin pens</h2>
<p>Most people inject insulin with a pen that holds a cartridge of several days' doses. You dial the dose, attach a new needle and inject into the fat under the skin of the belly or thigh.</p>
<p>Change the injection site each time, keeping at least two centimetres from the last one, so that lumps do not form under the skin and the insulin keeps working as it should.</p>
<h2>More from Diabetes Care Network</h2>
<ul><li><a href="/guides/hypoglycaemia">Low blood sugar: signs and what to do</a></li>
<li><a href="/guides/sick-day-rules">Sick day rules when you take insulin</a></li>
<li><a href="/guides/driving">Driving safely when you take insulin</a></li></ul>
</article></main></body></html>`
	a := extract(t, Options{}, "https://diabetescare.example/guides/starting-insulin", []byte(page), nil)
	if got := strings.Join(bodyHeadings(a), " | "); got != "More about insulin pens" {
		t.Errorf("headings = %q", got)
	}
	if !strings.Contains(a.Text, "Change the injection site each time") {
		t.Errorf("section lost:\n%s", a.Text)
	}
	if strings.Contains(a.Text, "Sick day rules") {
		t.Errorf("related links in text:\n%s", a.Text)
	}
	if len(a.Related) != 3 || a.Related[1].Title != "Sick day rules when you take insulin" {
		t.Errorf("related = %+v", a.Related)
	}
}

// A section whose id is made from its own heading keeps its text even when
// the heading's words are boilerplate words ("sharing", "social"): the id
// names the section, not its role. A slug id of boilerplate words over no
// such heading still marks boilerplate.
func TestSectionIDFromItsHeading(t *testing.T) {
	page := `<html><head><title>Your health records | Northfield Hospital</title></head><body>
<main><article><h1>Your health records</h1>
<p>Every time you are treated at Northfield Hospital, the staff caring for you add to your health record. This page explains what it holds, who can see it, and how to ask for a copy.</p>
<section id="what-your-record-holds"><h2>What your record holds</h2>
<p>Your hospital record holds your test results, letters from your appointments, the medicines you were given and notes written by the staff who cared for you.</p>
<p>It is kept for at least eight years after your last treatment, and for longer for children and for people who took part in clinical trials.</p></section>
<section id="sharing-your-record-with-social-services"><h2>Sharing your record with social services</h2>
<p>We share parts of your record with social services only when you agree, or when the law requires it to keep you or someone else safe from serious harm.</p>
<p>You can ask us at any time which parts of your record were shared, with whom and when, and we will answer within one month of your request.</p></section>
<div id="share-on-social-media-buttons"><p>Share this page with your friends and family on your favourite network.</p></div>
</article></main></body></html>`
	a := extract(t, Options{}, "https://northfield-hospital.example/patients/health-records", []byte(page), nil)
	if got := strings.Join(bodyHeadings(a), " | "); got != "What your record holds | Sharing your record with social services" {
		t.Errorf("headings = %q", got)
	}
	if !strings.Contains(a.Text, "We share parts of your record with social services only when you agree") {
		t.Errorf("section lost:\n%s", a.Text)
	}
	if strings.Contains(a.Text, "favourite network") {
		t.Errorf("share box kept:\n%s", a.Text)
	}
}

// Headings classed "section-header" or "code-header" (documentation
// generators write them on every heading) are headings of the text; a
// heading whose class says date or topics stays out.
func TestHeaderClassedHeadings(t *testing.T) {
	page := `<html><head><title>dose_calc — Dose calculator library</title></head><body>
<main><section id="main-content" class="content"><h1>Module dose_calc</h1>
<p>The dose_calc module converts a weight-based prescription into a dose for one patient, rounding to what the chosen formulation can deliver.</p>
<h2 id="functions" class="section-header">Functions</h2>
<section class="method"><h3 class="code-header">dose_for(weight_kg, mg_per_kg)</h3></section>
<div class="docblock"><p>Returns the dose in milligrams for a patient of the given weight, never more than the adult maximum configured for the drug.</p></div>
<section class="method"><h3 class="code-header">round_to_form(dose_mg, form)</h3></section>
<div class="docblock"><p>Rounds a dose to the nearest amount the formulation can measure: half tablets, or 0.1 ml steps for oral solutions.</p></div>
<h4 class="post-date">Updated March 3, 2025</h4>
</section></main></body></html>`
	a := extract(t, Options{}, "https://docs.dosecalc.example/dose_calc/index.html", []byte(page), nil)
	if got := strings.Join(bodyHeadings(a), " | "); got != "Functions | dose_for(weight_kg, mg_per_kg) | round_to_form(dose_mg, form)" {
		t.Errorf("headings = %q", got)
	}
}

// A reference page wraps each part in a <section> opening with an anchored
// heading; a short part that is only links ("See also") stays in the text, a
// part whose only block is a table of links leaves its heading, and a boxed
// widget of links without such a heading stays out.
func TestAnchoredSectionOfLinks(t *testing.T) {
	page := `<html><head><title>DoseTimer - Clinic Web API | Clinic Docs</title></head><body>
<main><div class="reference-body"><h1>DoseTimer</h1>
<p>The DoseTimer interface schedules reminders for a patient's medication doses and reports each dose the patient confirms or skips.</p>
<p>Create a timer with the DoseTimer() constructor, passing the prescription it follows; the timer starts at the next dose time.</p>
<section class="content-section"><h2 id="instance_methods">Instance methods</h2>
<dl><dt><a href="/docs/DoseTimer/confirm"><code>DoseTimer.confirm()</code></a></dt><dd><p>Records that the patient took the current dose, and schedules the next one.</p></dd>
<dt><a href="/docs/DoseTimer/skip"><code>DoseTimer.skip()</code></a></dt><dd><p>Records a skipped dose, with the reason the patient gives.</p></dd></dl></section>
<section class="content-section"><h2 id="specifications">Specifications</h2>
<table><tr><th>Specification</th></tr><tr><td><a href="https://spec.example/dosetimer#the-dosetimer-interface">Dose Timer API<br># the-dosetimer-interface</a></td></tr></table></section>
<section class="content-section"><h2 id="see_also">See also</h2>
<ul><li><a href="/docs/guides/reminders">Writing medication reminder applications</a></li></ul></section>
<div class="more-box"><h3>Other interfaces</h3><ul><li><a href="/docs/Prescription">Prescription</a></li><li><a href="/docs/Refill">Refill</a></li></ul></div>
</div></main></body></html>`
	a := extract(t, Options{}, "https://docs.clinic.example/api/DoseTimer", []byte(page), nil)
	eqs(t, "headings", bodyHeadings(a), []string{"Instance methods", "Specifications", "See also"})
	want := `The DoseTimer interface schedules reminders for a patient's medication doses and reports each dose the patient confirms or skips.

Create a timer with the DoseTimer() constructor, passing the prescription it follows; the timer starts at the next dose time.

Instance methods

DoseTimer.confirm(): Records that the patient took the current dose, and schedules the next one.
DoseTimer.skip(): Records a skipped dose, with the reason the patient gives.

Specifications

See also

Writing medication reminder applications`
	if a.Text != want {
		t.Errorf("text =\n%s\nwant\n%s", a.Text, want)
	}
}

// Documentation generators prefix a section's id with a word of their own
// and put an empty anchor before its heading (<section id="s-more-topics">
// <span id="more-topics"></span><h2>More topics</h2>): the id still names the
// section by its title, so the boilerplate word in it ("topics") does not
// drop the section.
func TestPrefixedSectionIDFromItsHeading(t *testing.T) {
	page := `<html><head><title>Working with dose schedules | MedSched 4.2 documentation</title></head><body>
<article id="docs-content"><section id="s-working-with-dose-schedules"><span id="working-with-dose-schedules"></span><h1>Working with dose schedules</h1>
<p>A dose schedule tells MedSched when each dose of a prescription is due. Schedules are built from the prescription's frequency, its start date and the patient's time zone.</p>
<section id="s-building-a-schedule"><span id="building-a-schedule"></span><h2>Building a schedule<a class="headerlink" href="#building-a-schedule">¶</a></h2>
<p>Call build_schedule() with a prescription to get its schedule; the result is a list of due times, in the patient's time zone, up to the prescription's end date.</p>
<p>Times that fall in a daylight saving gap move to the next valid minute, so that no dose is lost when the clocks change.</p></section>
<section id="s-further-topics"><span id="further-topics"></span><h2>Further topics<a class="headerlink" href="#further-topics">¶</a></h2>
<p>This covers the basics; see also:</p>
<ul><li><a href="skipped-doses/">Skipped doses</a></li><li><a href="refills/">Refills and repeats</a></li><li><a href="time-zones/">Travelling across time zones</a></li></ul></section>
</section></article></body></html>`
	a := extract(t, Options{}, "https://docs.medsched.example/en/4.2/guide/schedules.html", []byte(page), nil)
	eqs(t, "headings", bodyHeadings(a), []string{"Building a schedule", "Further topics"})
	if !strings.HasSuffix(a.Text, "Further topics\n\nThis covers the basics; see also:\n\nSkipped doses\nRefills and repeats\nTravelling across time zones") {
		t.Errorf("text =\n%s", a.Text)
	}
}

// A list of links wrapped in a box of its own, right after a sentence that
// introduces it ("…can do a whole lot more:"), is part of the text; the same
// kind of box after a paragraph that introduces nothing stays out.
func TestIntroducedLinkBox(t *testing.T) {
	page := `<html><head><title>Recording blood pressure at home | Heartline Guides</title></head><body>
<main><article><h1>Recording blood pressure at home</h1>
<p>Home readings help your doctor see how your blood pressure behaves away from the clinic, where many people read higher than they do at home.</p>
<p>Sit quietly for five minutes before you measure, with your back supported, your feet flat on the floor and your arm resting at the level of your heart.</p>
<p>Take two readings a minute apart, morning and evening, for seven days before your appointment, and write each one down with the time you took it.</p>
<p>This covers the basics, but the guides can help you further:</p>
<div class="toctree-wrapper"><ul><li><a href="/guides/choosing-a-monitor">Choosing a monitor</a></li><li><a href="/guides/cuff-size">Finding the right cuff size</a></li><li><a href="/guides/readings">Understanding your readings</a></li></ul></div>
<p>Bring your record and your monitor to your next appointment so the nurse can check the monitor against the clinic's.</p>
<div class="link-box"><ul><li><a href="/guides/salt">Cutting down on salt</a></li><li><a href="/guides/exercise">Exercise and blood pressure</a></li></ul></div>
</article></main></body></html>`
	a := extract(t, Options{}, "https://heartline.example/guides/home-blood-pressure", []byte(page), nil)
	want := `Home readings help your doctor see how your blood pressure behaves away from the clinic, where many people read higher than they do at home.

Sit quietly for five minutes before you measure, with your back supported, your feet flat on the floor and your arm resting at the level of your heart.

Take two readings a minute apart, morning and evening, for seven days before your appointment, and write each one down with the time you took it.

This covers the basics, but the guides can help you further:

Choosing a monitor
Finding the right cuff size
Understanding your readings

Bring your record and your monitor to your next appointment so the nurse can check the monitor against the clinic's.`
	if a.Text != want {
		t.Errorf("text =\n%s\nwant\n%s", a.Text, want)
	}
}

// A manual's chapter page: a navigation table above and below ("Prev | Up |
// Home | Next"), a "Table of Contents" box listing the chapter's pages, and
// a short introduction. The contents box is the page's content and stays in
// the text; the navigation tables do not. A contents box of anchors on the
// page itself (written as the page's own address with "#…") stays out of
// text.
func TestChapterContentsPage(t *testing.T) {
	page := `<html><head><title>Chapter 7. Medication Records | ClinicDB Manual</title></head><body>
<div id="docContent"><div class="navheader"><table width="100%" summary="Navigation header">
<tr><th colspan="5" align="center">Chapter 7. Medication Records</th></tr>
<tr><td><a accesskey="p" href="patients-merge.html">Prev</a></td><td><a accesskey="u" href="admin.html">Up</a></td><th>Part II. Administration</th><td><a accesskey="h" href="index.html">Home</a></td><td><a accesskey="n" href="medrec-intro.html">Next</a></td></tr>
</table><hr></div>
<div class="chapter" id="MEDREC"><div class="titlepage"><h2 class="title">Chapter 7. Medication Records</h2></div>
<div class="toc"><p><strong>Table of Contents</strong></p>
<dl class="toc"><dt><a href="medrec-intro.html">7.1. Introduction</a></dt>
<dt><a href="medrec-entries.html">7.2. Recording a Dose</a></dt>
<dd><dl><dt><a href="medrec-entries.html#MEDREC-MISSED">7.2.1. Missed Doses</a></dt></dl></dd>
<dt><a href="medrec-audit.html">7.3. Auditing Changes</a></dt>
<dt><a href="medrec-export.html">7.4. Exporting Records</a></dt></dl></div>
<p>Medication records hold every dose prescribed, dispensed and given to a patient. They are written once and never changed: a correction is a new entry that refers to the one it corrects.</p></div>
<div class="navfooter"><hr><table width="100%" summary="Navigation footer">
<tr><td><a accesskey="p" href="patients-merge.html">Prev</a></td><td><a accesskey="u" href="admin.html">Up</a></td><td><a accesskey="n" href="medrec-intro.html">Next</a></td></tr>
<tr><td>6.4. Merging Patients</td><td><a accesskey="h" href="index.html">Home</a></td><td>7.1. Introduction</td></tr>
</table></div></div></body></html>`
	a := extract(t, Options{}, "https://docs.clinicdb.example/manual/medrec.html", []byte(page), nil)
	want := `7.1. Introduction
7.2. Recording a Dose: 7.2.1. Missed Doses
7.3. Auditing Changes
7.4. Exporting Records

Medication records hold every dose prescribed, dispensed and given to a patient. They are written once and never changed: a correction is a new entry that refers to the one it corrects.`
	if a.Text != want {
		t.Errorf("text =\n%s\nwant\n%s", a.Text, want)
	}

	guide := `<html><head><title>Starting a new medicine | Riverside Pharmacy</title></head><body>
<main><article><h1>Starting a new medicine</h1>
<div class="toc-box"><h3>Table of contents</h3><ul>
<li><a href="https://riverside-pharmacy.example/advice/new-medicine#before">Before you start</a></li>
<li><a href="https://riverside-pharmacy.example/advice/new-medicine#first-week">The first week</a></li>
<li><a href="https://riverside-pharmacy.example/advice/new-medicine#side-effects">Side effects</a></li></ul></div>
<h2 id="before">Before you start</h2><p>Tell your pharmacist about every other medicine you take, including remedies bought without a prescription, so that they can check the new one is safe with them.</p>
<h2 id="first-week">The first week</h2><p>Take the medicine at the same time every day. Some medicines take a week or two to work fully, so keep taking it even if you notice no change at first.</p>
<h2 id="side-effects">Side effects</h2><p>Mild side effects such as an upset stomach often settle within a few days. Call us if they do not, or if you get a rash or feel short of breath.</p>
</article></main></body></html>`
	a = extract(t, Options{}, "https://riverside-pharmacy.example/advice/new-medicine", []byte(guide), nil)
	if strings.Contains(a.Text, "Table of contents") || strings.HasPrefix(a.Text, "Before you start\nThe first week") {
		t.Errorf("in-page contents in text:\n%s", a.Text)
	}
	eqs(t, "headings", bodyHeadings(a), []string{"Before you start", "The first week", "Side effects"})
}
