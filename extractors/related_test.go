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
