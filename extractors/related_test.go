package extractors

import (
	"strings"
	"testing"
)

// A journal page's "Similar articles" box is related; a sidebar's "Most
// popular" box is neither related nor body; "All news releases" is no stub;
// a stub whose teaser ends with a citation's number is not cut short.
func TestRelatedBoxesKinds(t *testing.T) {
	para := `<p>Evening light delays the body clock of adolescents, and dimmer, warmer lighting in the hours before bed shortened the time they needed to fall asleep in our six-week trial.</p>`
	page := `<!DOCTYPE html><html lang="en"><head><title>Evening light and adolescent sleep</title></head><body>
<main><article><h1>Evening light and adolescent sleep</h1>` + strings.Repeat(para, 4) + `
<section class="box"><h2>More news releases</h2><ul>
<li><a href="/newsroom/2024/crisis-line-partnership">Ashford Regional partners with county on crisis response teams</a></li>
<li><a href="/newsroom/releases">All news releases</a></li></ul></section>
</article></main>
<aside><section class="similar-articles"><h2>Similar articles</h2><ul>
<li><a href="https://pubmed.ncbi.nlm.nih.gov/34455667/">Blue-light filtering glasses and sleep timing in high school students: a pilot trial</a><div>Sleep Health. 2021. PMID: 34455667</div></li>
</ul></section>
<section class="widget"><h2>Most popular</h2><ol><li><a href="/news/restaurants">These 6 downtown restaurants closed this month</a></li></ol></section></aside>
</body></html>`
	a := extract(t, Options{}, "https://journal.example/articles/evening-light", []byte(page), nil)
	var titles []string
	for _, r := range a.Related {
		titles = append(titles, r.Title)
		if r.Truncated {
			t.Errorf("stub %q marked truncated (snippet %q)", r.Title, r.Snippet)
		}
	}
	want := []string{"Ashford Regional partners with county on crisis response teams", "Blue-light filtering glasses and sleep timing in high school students: a pilot trial"}
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Errorf("related = %q, want %q", titles, want)
	}
	if strings.Contains(a.Text, "downtown restaurants") || strings.Contains(a.Text, "Most popular") {
		t.Errorf("popular box in the text: %q", a.Text)
	}
}

// Content a reader reveals with a click is read: FAQ answers in [hidden]
// panels, carousel slides out of view; a carousel's cloned slides are not
// read twice; one-word stubs count under an explicit "Related …" heading.
func TestRevealedContentAndShortStubs(t *testing.T) {
	para := `<p>Amoxicillin is a penicillin antibiotic used for ear, throat, chest and urinary infections, usually taken three times a day for five to ten days.</p>`
	page := `<!DOCTYPE html><html lang="en"><head><title>Amoxicillin</title></head><body><main><article><h1>Amoxicillin</h1>` + strings.Repeat(para, 3) + `
<h2>Frequently asked questions</h2>
<div class="faq"><h3><button aria-expanded="false" aria-controls="faq-1">Can you drink alcohol while taking amoxicillin?</button></h3>
<div id="faq-1" class="faq__answer" hidden><p>Drinking a small amount of alcohol does not make amoxicillin less effective.</p></div></div>
</article>
<section><h2>You may also like</h2><div class="carousel"><div class="slick-track">
<div class="slick-slide slick-cloned" aria-hidden="true"><a href="/recipes/lentil-soup/"><h4>Easy Red Lentil Soup With Spinach</h4></a></div>
<div class="slick-slide slick-active" aria-hidden="false"><a href="/recipes/breakfast-bowl/"><h4>Savory Breakfast Bowls With Black Beans</h4></a></div>
<div class="slick-slide" aria-hidden="true"><a href="/recipes/lentil-soup/"><h4>Easy Red Lentil Soup With Spinach</h4></a></div>
</div></div></section>
<aside><h2>Related symptoms</h2><ul><li><a href="/symptoms/heartburn">Heartburn</a></li><li><a href="/symptoms/dizziness">Dizziness</a></li></ul></aside>
</main></body></html>`
	a := extract(t, Options{}, "https://meds.example/amoxicillin", []byte(page), nil)
	if !strings.Contains(a.Text, "does not make amoxicillin less effective") {
		t.Errorf("hidden FAQ answer not read: %q", a.Text)
	}
	var titles []string
	for _, r := range a.Related {
		titles = append(titles, r.Title)
	}
	want := "Savory Breakfast Bowls With Black Beans|Easy Red Lentil Soup With Spinach|Heartburn|Dizziness"
	if strings.Join(titles, "|") != want {
		t.Errorf("related = %q, want %q", titles, want)
	}
}
