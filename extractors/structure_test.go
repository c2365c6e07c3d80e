package extractors

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
)

// outline renders sections as "hN Heading" lines followed by one line per
// block ("  paragraph: …", "  list: Label :: text | text").
func outline(a *article.Article) []string {
	var out []string
	for _, s := range a.Sections {
		out = append(out, fmt.Sprintf("h%d %s", s.Level, s.Heading))
		for _, b := range s.Blocks {
			if b.Type != article.BlockList {
				out = append(out, "  "+b.Type+": "+b.Text)
				continue
			}
			var its []string
			for _, it := range b.Items {
				if it.Label != "" {
					its = append(its, it.Label+" :: "+it.Text)
				} else {
					its = append(its, it.Text)
				}
			}
			out = append(out, "  list: "+strings.Join(its, " | "))
		}
	}
	return out
}

func checkOutline(t *testing.T, a *article.Article, want []string) {
	t.Helper()
	if diff := cmp.Diff(want, outline(a)); diff != "" {
		t.Errorf("sections (-want +got):\n%s", diff)
	}
}

// TestJournalArticleStructure: a PMC-style research article keeps its section
// headings at their levels (h2/h3/h4), keeps "Discussion" and "Comments"
// sections (no comment thread follows them), and its numbered reference list
// goes to references[] with DOI and PMID, without the resolver links' labels
// ([DOI] [PubMed] [Google Scholar]), and out of the text.
func TestJournalArticleStructure(t *testing.T) {
	a := extract(t, Options{}, "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC9999999/", readPage(t, "journal-article.html"), nil)
	checkOutline(t, a, []string{
		"h2 Abstract",
		"h3 Background",
		"  paragraph: Vitamin D is widely prescribed to older adults to prevent fractures, although trials have given conflicting results about its benefit in people who are not deficient.",
		"h3 Methods",
		"  paragraph: We followed 4,812 adults aged 65 years or older for a median of 6.2 years and compared the incidence of hip and wrist fractures between regular users of vitamin D supplements and non-users.",
		"h2 Introduction",
		"  paragraph: Fractures of the hip are a leading cause of disability and death in older adults, and their incidence is expected to rise as populations age across Europe and North America.",
		"  paragraph: Several large randomised trials have tested vitamin D alone or with calcium, with conflicting findings that depend on baseline vitamin D status, dose and adherence [1, 2].",
		"h2 Methods",
		"h3 Study population",
		"  paragraph: Participants were recruited from 14 primary care practices between 2012 and 2014 and were eligible if they were living independently and able to walk without assistance.",
		"h4 Exclusion criteria",
		"  paragraph: We excluded people with a previous hip fracture, with chronic kidney disease of stage 4 or 5, or taking bisphosphonates at baseline.",
		"h2 Results",
		"  paragraph: During follow-up, 312 participants had a hip or wrist fracture. The adjusted hazard ratio for regular supplement users was 0.91, with a 95% confidence interval of 0.72 to 1.15.",
		"h2 Discussion",
		"  paragraph: In this cohort, regular vitamin D supplementation was not associated with a lower risk of fracture, which agrees with the largest recent trials in people who are not deficient.",
		"h3 Strengths and limitations",
		"  paragraph: The cohort was large and followed for several years, but supplement use was self-reported and may have changed during follow-up without being recorded.",
		"h2 Comments",
		"  paragraph: An earlier version of this analysis was presented at the 2022 meeting of the European Calcified Tissue Society; the results did not change after the final year of follow-up was added.",
	})
	want := []article.Reference{
		{
			Text: "LeBoff MS, Chou SH, Ratliff KA, et al. Supplemental vitamin D and incident fractures in midlife and older adults. N Engl J Med. 2022;387(4):299-309.",
			URL:  "https://doi.org/10.1056/NEJMoa2202106", DOI: "10.1056/NEJMoa2202106", PMID: "35939577",
		},
		{
			Text: "Bolland MJ, Grey A, Avenell A. Effects of vitamin D supplementation on musculoskeletal health: a systematic review, meta-analysis, and trial sequential analysis. Lancet Diabetes Endocrinol. 2018;6(11):847-858. doi: 10.1016/S2213-8587(18)30265-1. PMID: 30293909.",
			DOI:  "10.1016/S2213-8587(18)30265-1", PMID: "30293909",
		},
		{
			Text: "National Osteoporosis Guideline Group. Clinical guideline for the prevention and treatment of osteoporosis. 2021.",
			URL:  "https://www.nogg.org.uk/full-guideline",
		},
	}
	if diff := cmp.Diff(want, a.References); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
	for _, not := range []string{"LeBoff", "Google Scholar", "References", "PMC home"} {
		if strings.Contains(a.Text, not) {
			t.Errorf("text contains %q", not)
		}
	}
}

// TestHealthPublisherStructure: a health publisher's article. Bold lead-ins
// become item labels ("Fever – …", "What is a dry cough? …", "Rest. …"), a
// whole bold sentence does not; a product card keeps its heading; a
// <details> FAQ gives sections one level below their heading; a "Learn more"
// list of links stays; the "Sources" citations go to references[]; a comment
// thread under "Comments" is dropped; related stubs come from an inline
// "Related Stories" aside and from a "Related Articles" box outside the
// article, titled without kicker, date or reading time; the footer's "More
// from …" links are not stubs.
func TestHealthPublisherStructure(t *testing.T) {
	a := extract(t, Options{}, "https://www.wellpath.example/conditions/flu", readPage(t, "health-publisher.html"), nil)
	checkOutline(t, a, []string{
		"h0 ",
		"  paragraph: Influenza is a contagious respiratory infection caused by influenza viruses. Most people recover at home within a week or two, but the flu can be serious for older adults, young children and pregnant people.",
		"h2 Symptoms",
		"  paragraph: Flu symptoms usually come on suddenly, one to four days after you are infected:",
		"  list: Fever :: a temperature of 38°C or higher, often with chills | What is a dry cough? :: It is a tickly cough that does not bring up mucus. | Aching muscles and tiredness that make it hard to carry on as usual",
		"h2 Treatment at home",
		"  list: Rest :: Stay at home and sleep as much as you need to while your body fights the infection. | Drink plenty of fluids :: Water, broth and warm drinks help prevent dehydration when you have a fever.",
		"  paragraph: Never give aspirin to children or teenagers with the flu because it can cause a rare but serious illness. Use paracetamol or ibuprofen instead.",
		"h3 Best digital thermometer: Braun ThermoScan 7",
		"  paragraph: Our pick reads the temperature in the ear in seconds and has an age-precision setting for babies and older children.",
		"h2 Frequently asked questions",
		"h3 How long is the flu contagious?",
		"  paragraph: Most people can spread the flu from one day before symptoms start until about five to seven days after becoming sick.",
		"h3 Should I get a flu shot every year?",
		"  paragraph: Yes. Flu viruses change from year to year, so a yearly vaccine is recommended for everyone aged six months and older.",
		"  list: Book it in early autumn | Ask about high-dose vaccines if you are over 65",
		"h2 Learn more",
		"  list: CDC: Preventing seasonal flu | WHO: Influenza (seasonal) fact sheet",
	})
	wantRefs := []article.Reference{
		{
			Text: "Centers for Disease Control and Prevention. Flu symptoms & complications. Accessed February 12, 2024. https://www.cdc.gov/flu/symptoms/symptoms.htm",
			URL:  "https://www.cdc.gov/flu/symptoms/symptoms.htm",
		},
		{
			Text: "Uyeki TM, Hui DS, Zambon M, et al. Influenza. Lancet. 2022;400(10353):693-706. doi:10.1016/S0140-6736(22)00982-5",
			DOI:  "10.1016/S0140-6736(22)00982-5",
		},
	}
	if diff := cmp.Diff(wantRefs, a.References); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
	wantRelated := []article.Related{
		{Title: "Flu season 2024: what doctors expect this winter", URL: "https://www.wellpath.example/news/flu-season-2024-what-to-expect"},
		{Title: "Cold or flu? How to tell the difference", URL: "https://www.wellpath.example/conditions/cold-vs-flu"},
		{Title: "Does vitamin C really help with colds?", URL: "https://www.wellpath.example/nutrition/vitamin-c-and-colds",
			Snippet: "Researchers pooled 30 trials of vitamin C in people who already had a cold."},
		{Title: "RSV in adults: symptoms and treatment", URL: "https://www.wellpath.example/conditions/rsv-in-adults"},
	}
	if diff := cmp.Diff(wantRelated, a.Related); diff != "" {
		t.Errorf("related (-want +got):\n%s", diff)
	}
	for _, not := range []string{"Maria", "autumn clinic", "Comments", "Uyeki", "Flu season 2024", "Related Stories", "Nutrition", "editorial process"} {
		if strings.Contains(a.Text, not) {
			t.Errorf("text contains %q", not)
		}
	}
}

// TestHospitalAccordions: a hospital's condition page built from accordions:
// list-item drawers whose headings are toggle buttons, FAQ buttons with
// aria-expanded and their panels, and a "References" accordion, whose
// citations go to references[].
func TestHospitalAccordions(t *testing.T) {
	a := extract(t, Options{}, "https://www.riverside-heart.example/conditions/afib", readPage(t, "hospital-accordion.html"), nil)
	checkOutline(t, a, []string{
		"h0 ",
		"  paragraph: Atrial fibrillation is an irregular and often very fast heart rhythm. It can lead to blood clots in the heart and raises the risk of stroke and heart failure.",
		"  paragraph: Our heart rhythm specialists diagnose and treat thousands of people with atrial fibrillation every year, using medicines, procedures and lifestyle changes.",
		"h2 Symptoms",
		"  paragraph: Some people with AFib have no symptoms. Others notice:",
		"  list: A fluttering or pounding heartbeat | Shortness of breath during everyday activities | Dizziness or feeling faint",
		"h2 Treatment",
		"  paragraph: Treatment aims to control the heart rate or rhythm and to prevent blood clots that could cause a stroke.",
		"h3 Catheter ablation",
		"  paragraph: During ablation, a doctor uses heat or cold energy to scar small areas of heart tissue so that they no longer send faulty electrical signals.",
		"h2 Can I exercise with atrial fibrillation?",
		"  paragraph: Yes. Most people with AFib can exercise safely. Ask your cardiologist which activities and what intensity are right for you.",
		"h2 Is atrial fibrillation hereditary?",
		"  paragraph: AFib can run in families, but age, high blood pressure and heart disease are much stronger risk factors than genes.",
	})
	want := []article.Reference{
		{
			Text: "Joglar JA, Chung MK, Armbruster AL, et al. 2023 ACC/AHA/ACCP/HRS Guideline for the Diagnosis and Management of Atrial Fibrillation. Circulation. 2024;149(1):e1-e156. https://doi.org/10.1161/CIR.0000000000001193",
			URL:  "https://doi.org/10.1161/CIR.0000000000001193", DOI: "10.1161/CIR.0000000000001193",
		},
		{
			Text: "Lippi G, Sanchis-Gomar F, Cervellin G. Global epidemiology of atrial fibrillation. Int J Stroke. 2021;16(2):217-221. PMID: 31955707.",
			PMID: "31955707",
		},
	}
	if diff := cmp.Diff(want, a.References); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
	if len(a.Related) != 0 {
		t.Errorf("related = %v, want none", a.Related)
	}
}

const stubBody = `<article><h1>Low blood pressure</h1>
<p>Low blood pressure, or hypotension, is a reading below 90/60 mmHg. Many healthy people have low blood pressure without any symptoms at all.</p>
<p>When it causes dizziness or fainting, the cause may be dehydration, a medicine, a heart problem or standing up too quickly after sitting.</p>
<p>Drinking more water, standing up slowly and reviewing your medicines with a doctor often help; treatment depends on the cause.</p></article>`

// TestRelatedStubs: a box titled by a label that is no heading ("You may also
// like" in a div), outside the article, gives stubs titled without the
// unclassed kicker, date, reading time and byline blocks of the link, with
// the teaser as snippet; "View all" links and tag links are not stubs.
func TestRelatedStubs(t *testing.T) {
	page := `<html><head><title>Low blood pressure</title></head><body><main>` + stubBody + `
<div class="rail"><div class="rail-title">You may also like</div>
<a href="/heart/high-blood-pressure-diet"><div>HEART HEALTH</div><div>The DASH diet: eating to lower high blood pressure</div><div>Jan 22, 2024 • 8 min read</div><div>Cutting salt and eating more vegetables lowers blood pressure within weeks.</div><div>By Noah Cortez</div></a>
<a href="/tag/blood-pressure">#Blood Pressure Basics</a>
<a href="/heart/">View all heart articles</a>
</div></main></body></html>`
	a := extract(t, Options{}, "https://www.health.example/heart/low-blood-pressure", []byte(page), nil)
	want := []article.Related{{
		Title:   "The DASH diet: eating to lower high blood pressure",
		URL:     "https://www.health.example/heart/high-blood-pressure-diet",
		Snippet: "Cutting salt and eating more vegetables lowers blood pressure within weeks.",
	}}
	if diff := cmp.Diff(want, a.Related); diff != "" {
		t.Errorf("related (-want +got):\n%s", diff)
	}
}

// TestAmbiguousReferenceHeadings: "Notes" and a singular "Reference" title
// references only when citations follow; otherwise the section is body text.
func TestAmbiguousReferenceHeadings(t *testing.T) {
	page := `<html><head><title>Low blood pressure</title></head><body>` + stubBody[:len(stubBody)-len("</article>")] + `
<h2>Notes</h2><ul><li>Take the tablets with food to avoid an upset stomach.</li><li>Stand up slowly for the first few days of treatment.</li></ul>
<h2>Reference</h2><ol><li>Ricci F, De Caterina R, Fedorowski A. Orthostatic hypotension: epidemiology, prognosis, and treatment. J Am Coll Cardiol. 2015;66(7):848-860.</li></ol>
</article></body></html>`
	a := extract(t, Options{}, "https://www.health.example/heart/low-blood-pressure", []byte(page), nil)
	eqs(t, "headings", headings(a), []string{"", "Notes"})
	if got := lists(a); len(got) != 1 || got[0] != "Take the tablets with food to avoid an upset stomach.; Stand up slowly for the first few days of treatment." {
		t.Errorf("lists = %q", got)
	}
	if len(a.References) != 1 || !strings.HasPrefix(a.References[0].Text, "Ricci F") {
		t.Errorf("references = %v", a.References)
	}
}
