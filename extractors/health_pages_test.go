package extractors_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/extractors/bench"
)

// The health acceptance pages: testdata/health/<name>/page.html is a page
// written by hand after the way hospital systems, health agencies, health
// publishers and journals build their pages in 2025 (invented sites, people and
// text), and want.json is the record a careful reader expects from it. The
// extractor was not tuned on these pages: they are a hold-out set for the rules
// of issue 12. want.json is hand-written truth; it is never regenerated from
// the extractor's output (there is no -update flag, on purpose).
//
// Every field of want.json is optional: an absent field is not checked. A date
// or string given as "" must be empty in the record; a list given as [] must be
// empty. See testdata/health/README.md for what each field means.

// healthKnown are the field checks that fail on today's code: "page/field" →
// why. A listed check that fails is logged, not an error; a listed check that
// passes IS an error, so that the entry is removed when a fix lands and the
// list only shrinks. The reasons name the general rule that is missing.
var healthKnown = map[string]string{
	"agency-nhs-style/headings":           "visually-hidden prefix ('Non-urgent advice: ') kept in a section heading",
	"nutrition-article/text_not_contains": "'Jump to Recipe' button link left in text",
	"patient-education-faq/headings":      "bare <summary> questions become paragraphs, not headings; 'Questions?' contact box dropped",
	"patient-education-faq/text_contains": "'Questions?' contact box at the end of the article dropped",
	"publisher-article/references":        "sourcing-policy paragraph under 'Sources' counted as a reference",
	"publisher-article/text_not_contains": "affiliate disclosure in the article header left in text",
	"symptom-checker/headings":            "heading of the interactive checker form kept",
	"symptom-checker/text_not_contains":   "heading of the interactive checker form kept in text",
}

type healthWant struct {
	URL        string   `json:"url"`
	Notes      string   `json:"notes"`
	Title      *string  `json:"title"`
	PageType   *string  `json:"page_type"`
	Language   *string  `json:"language"`
	Authors    []string `json:"authors"`
	ReviewedBy []string `json:"reviewed_by"`

	PublishedAt *string `json:"published_at"`
	ModifiedAt  *string `json:"modified_at"`
	ReviewedAt  *string `json:"reviewed_at"`

	Headings []struct {
		Heading string `json:"heading"`
		Level   int    `json:"level"`
	} `json:"headings"`
	Items []struct {
		Label string `json:"label"`
		Text  string `json:"text"`
	} `json:"items"`
	References *struct {
		Count int      `json:"count"`
		DOI   []string `json:"doi"`
		PMID  []string `json:"pmid"`
	} `json:"references"`
	Related []struct {
		Title     string `json:"title"`
		URL       string `json:"url"`
		Truncated bool   `json:"truncated"`
	} `json:"related"`
	TextContains    []string `json:"text_contains"`
	TextNotContains []string `json:"text_not_contains"`
}

// healthFields are the checked fields, in report order.
var healthFields = []string{"title", "page_type", "language", "authors", "reviewed_by", "published_at", "modified_at", "reviewed_at",
	"headings", "items", "references", "related", "text_contains", "text_not_contains"}

func TestHealthPages(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "health", "*", "want.json"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no health pages: %v", err)
	}
	proc, err := bench.NewProcessor()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var pass, fail, knownFail, fixed = map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	for _, wantPath := range dirs {
		dir := filepath.Dir(wantPath)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			var want healthWant
			raw, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&want); err != nil {
				t.Fatalf("%s: %v", wantPath, err)
			}
			body, err := os.ReadFile(filepath.Join(dir, "page.html"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := proc.Process(context.Background(), want.URL, body)
			if err != nil {
				t.Fatalf("process %s: %v", name, err)
			}
			for _, field := range healthFields {
				problems, checked := checkHealthField(field, &want, got)
				if !checked {
					continue
				}
				key := name + "/" + field
				seen[key] = true
				reason, known := healthKnown[key]
				switch {
				case len(problems) == 0 && known:
					fixed[field]++
					t.Errorf("%s: passes now, remove it from healthKnown (was: %s)", key, reason)
				case len(problems) == 0:
					pass[field]++
				case known:
					knownFail[field]++
					t.Logf("%s: known failure (%s):\n\t%s", key, reason, strings.Join(problems, "\n\t"))
				default:
					fail[field]++
					t.Errorf("%s:\n\t%s", key, strings.Join(problems, "\n\t"))
				}
			}
		})
	}
	for key := range healthKnown {
		if !seen[key] {
			t.Errorf("healthKnown lists %q, which is not a check of any page", key)
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-18s %5s %5s %6s %6s\n", "field", "pass", "fail", "known", "fixed")
	for _, f := range healthFields {
		fmt.Fprintf(&sb, "%-18s %5d %5d %6d %6d\n", f, pass[f], fail[f], knownFail[f], fixed[f])
	}
	t.Logf("health pages, checks by field:\n%s", sb.String())
}

// checkHealthField compares one field; checked is false when want.json does
// not give it.
func checkHealthField(field string, w *healthWant, a *article.Article) (problems []string, checked bool) {
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	str := func(want *string, got string) ([]string, bool) {
		if want == nil {
			return nil, false
		}
		if *want != got {
			return []string{"want " + q(*want) + ", got " + q(got)}, true
		}
		return nil, true
	}
	switch field {
	case "title":
		return str(w.Title, a.Title)
	case "page_type":
		return str(w.PageType, a.PageType)
	case "language":
		return str(w.Language, a.Language)
	case "published_at":
		return str(w.PublishedAt, a.PublishedAt)
	case "modified_at":
		return str(w.ModifiedAt, a.ModifiedAt)
	case "reviewed_at":
		return str(w.ReviewedAt, a.ReviewedAt)
	case "authors":
		if w.Authors == nil {
			return nil, false
		}
		return checkAuthors(w.Authors, a.Authors), true
	case "reviewed_by":
		if w.ReviewedBy == nil {
			return nil, false
		}
		return checkReviewers(w.ReviewedBy, a.ReviewedBy), true
	case "headings":
		if w.Headings == nil {
			return nil, false
		}
		var got []string
		for _, s := range a.Sections {
			if strings.TrimSpace(s.Heading) != "" && s.HeadingInText() {
				got = append(got, fmt.Sprintf("h%d %s", s.Level, normWS(s.Heading)))
			}
		}
		var want []string
		for _, h := range w.Headings {
			want = append(want, fmt.Sprintf("h%d %s", h.Level, h.Heading))
		}
		return diffLists(want, got), true
	case "items":
		if w.Items == nil {
			return nil, false
		}
		type item struct{ label, text string }
		have := map[item]bool{}
		byText := map[string][]string{}
		for _, s := range a.Sections {
			for _, b := range s.Blocks {
				if b.Type != article.BlockList || !b.InText() {
					continue
				}
				for _, it := range b.Items {
					have[item{normWS(it.Label), normWS(it.Text)}] = true
					byText[normWS(it.ItemText())] = append(byText[normWS(it.ItemText())], fmt.Sprintf("{label %q, text %q}", it.Label, it.Text))
				}
			}
		}
		for _, it := range w.Items {
			if have[item{it.Label, it.Text}] {
				continue
			}
			full := (article.ListItem{Label: it.Label, Text: it.Text}).ItemText()
			msg := fmt.Sprintf("missing list item {label %q, text %q}", it.Label, it.Text)
			if alt := byText[full]; len(alt) > 0 {
				msg += "; found as " + strings.Join(alt, ", ")
			} else if alt := findItemLike(a, it.Text); alt != "" {
				msg += "; nearest: " + alt
			}
			problems = append(problems, msg)
		}
		return problems, true
	case "references":
		if w.References == nil {
			return nil, false
		}
		r := w.References
		if len(a.References) != r.Count {
			problems = append(problems, fmt.Sprintf("want %d references, got %d", r.Count, len(a.References)))
		}
		dois, pmids := map[string]bool{}, map[string]bool{}
		for _, ref := range a.References {
			dois[strings.ToLower(ref.DOI)] = true
			pmids[ref.PMID] = true
		}
		for _, d := range r.DOI {
			if !dois[strings.ToLower(d)] {
				problems = append(problems, "no reference with DOI "+d)
			}
		}
		for _, p := range r.PMID {
			if !pmids[p] {
				problems = append(problems, "no reference with PMID "+p)
			}
		}
		return problems, true
	case "related":
		if w.Related == nil {
			return nil, false
		}
		var want, got []string
		for _, r := range w.Related {
			want = append(want, fmt.Sprintf("%q <%s> truncated=%v", r.Title, r.URL, r.Truncated))
		}
		for _, r := range a.Related {
			got = append(got, fmt.Sprintf("%q <%s> truncated=%v", r.Title, r.URL, r.Truncated))
		}
		return diffLists(want, got), true
	case "text_contains":
		if w.TextContains == nil {
			return nil, false
		}
		text := normWS(a.Text)
		for _, s := range w.TextContains {
			if !strings.Contains(text, normWS(s)) {
				problems = append(problems, "text lacks "+q(s))
			}
		}
		return problems, true
	case "text_not_contains":
		if w.TextNotContains == nil {
			return nil, false
		}
		text := normWS(a.Text)
		for _, s := range w.TextNotContains {
			if strings.Contains(text, normWS(s)) {
				problems = append(problems, "text has "+q(s))
			}
		}
		return problems, true
	}
	panic("unknown field " + field)
}

// checkAuthors wants exactly the listed people, in order. Names are compared
// without honorifics ("Dr.", "Dr. med.", "Prof.") and trailing credentials
// (", MD", ", RDN"), which the record may keep or drop.
func checkAuthors(want, got []string) []string {
	var w, g []string
	for _, s := range want {
		w = append(w, bareName(s))
	}
	for _, s := range got {
		g = append(g, bareName(s))
	}
	if strings.Join(w, "\x00") == strings.Join(g, "\x00") {
		return nil
	}
	return []string{fmt.Sprintf("want %q, got %q", want, got)}
}

// checkReviewers wants every listed reviewer in reviewed_by (a string: the
// record joins several reviewers), and nothing else there but their
// credentials, honorifics and separators.
func checkReviewers(want []string, got string) []string {
	if len(want) == 0 {
		if got != "" {
			return []string{fmt.Sprintf("want no reviewer, got %q", got)}
		}
		return nil
	}
	var problems []string
	rest := got
	for _, r := range want {
		name := bareName(r)
		if !strings.Contains(got, name) {
			problems = append(problems, fmt.Sprintf("reviewer %q missing from %q", name, got))
			continue
		}
		if strings.Contains(rest, r) {
			rest = strings.Replace(rest, r, " ", 1)
		} else {
			rest = strings.Replace(rest, name, " ", 1)
		}
	}
	var extra []string
	for _, tok := range strings.FieldsFunc(rest, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;&/·|()", r)
	}) {
		if !credentialLike(tok) {
			extra = append(extra, tok)
		}
	}
	if len(extra) > 0 {
		problems = append(problems, fmt.Sprintf("reviewed_by %q has more than the reviewers: %q", got, extra))
	}
	return problems
}

var honorifics = []string{"Prof. Dr. med. ", "Prof. Dr. ", "Dr. med. ", "Dr. ", "Dra. ", "Prof. ", "Professor "}

// bareName strips honorifics and trailing comma-separated credentials.
func bareName(s string) string {
	s = normWS(s)
	for again := true; again; {
		again = false
		for _, h := range honorifics {
			if strings.HasPrefix(s, h) {
				s, again = s[len(h):], true
			}
		}
	}
	for {
		i := strings.LastIndex(s, ",")
		if i < 0 || !credentialLike(strings.TrimSpace(s[i+1:])) {
			break
		}
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// credentialLike: joiners and credentials such as MD, PhD, RN, PharmD, RDN,
// MPH, FACC, "Dr.", "med.".
func credentialLike(tok string) bool {
	switch strings.ToLower(strings.Trim(tok, ".")) {
	case "and", "und", "y", "e", "et", "dr", "dra", "med", "prof", "mr", "ms", "mrs", "":
		return true
	}
	for _, part := range strings.Fields(tok) {
		upper, letters := 0, 0
		for _, r := range part {
			switch {
			case unicode.IsUpper(r):
				upper++
				letters++
			case unicode.IsLetter(r):
				letters++
			case r != '.' && r != '-':
				return false
			}
		}
		if upper < 2 || letters > 8 {
			return false
		}
	}
	return tok != ""
}

// diffLists reports the first difference of two ordered lists and what is
// missing or extra.
func diffLists(want, got []string) []string {
	if strings.Join(want, "\x00") == strings.Join(got, "\x00") {
		return nil
	}
	var problems []string
	inGot, inWant := map[string]int{}, map[string]int{}
	for _, g := range got {
		inGot[g]++
	}
	for _, w := range want {
		inWant[w]++
	}
	for _, w := range want {
		if inGot[w] == 0 {
			problems = append(problems, "missing "+w)
		} else {
			inGot[w]--
		}
	}
	for _, g := range got {
		if inWant[g] == 0 {
			problems = append(problems, "extra   "+g)
		} else {
			inWant[g]--
		}
	}
	if len(problems) == 0 {
		problems = append(problems, "same entries, different order")
	}
	return problems
}

// findItemLike returns a list item of the record whose text holds the start of
// text, to show how an expected item came out.
func findItemLike(a *article.Article, text string) string {
	probe := text
	if len(probe) > 24 {
		probe = probe[:24]
	}
	for _, s := range a.Sections {
		for _, b := range s.Blocks {
			for _, it := range b.Items {
				if strings.Contains(it.ItemText(), probe) {
					role := ""
					if b.Role != "" {
						role = " (role " + b.Role + ")"
					}
					return fmt.Sprintf("{label %q, text %q}%s", it.Label, it.Text, role)
				}
			}
		}
	}
	if strings.Contains(a.Text, probe) {
		return "not a list item; in text"
	}
	return "not in the record"
}

func normWS(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestHealthCheckers pins the comparison helpers, so that a lenient checker
// cannot make a wrong record pass.
func TestHealthCheckers(t *testing.T) {
	for _, c := range []struct {
		want []string
		got  string
		ok   bool
	}{
		{[]string{"Anjali Menon, MD", "Owen Price"}, "Anjali Menon, MD; Owen Price", true},
		{[]string{"Anjali Menon, MD", "Owen Price"}, "Anjali Menon, MD and Owen Price", true},
		{[]string{"Anjali Menon, MD", "Owen Price"}, "Anjali Menon, MD", false},
		{[]string{"Anjali Menon, MD"}, "Anjali Menon", true},
		{[]string{"Anjali Menon, MD"}, "Anjali Menon, MD, Leon Dubois, MD", false},
		{[]string{"Anjali Menon, MD"}, "Anjali Menon, MD medically reviewed on May 3", false},
		{[]string{"Prof. Dr. Jens Hartmann"}, "Prof. Dr. Jens Hartmann", true},
		{[]string{"Prof. Dr. Jens Hartmann"}, "Jens Hartmann", true},
		{[]string{"Hanna Berg, RN, BSN"}, "Hanna Berg, RN, BSN", true},
		{[]string{}, "", true},
		{[]string{}, "Lucía Morales", false},
	} {
		if p := checkReviewers(c.want, c.got); (len(p) == 0) != c.ok {
			t.Errorf("checkReviewers(%q, %q) = %q, want ok=%v", c.want, c.got, p, c.ok)
		}
	}
	for _, c := range []struct {
		want, got []string
		ok        bool
	}{
		{[]string{"Rachel Imbert, RD", "Tomasz Wilk"}, []string{"Rachel Imbert", "Tomasz Wilk"}, true},
		{[]string{"Dr. med. Katharina Vogel"}, []string{"Katharina Vogel"}, true},
		{[]string{"Priya Natarajan, MS, RDN"}, []string{"Priya Natarajan, MS, RDN"}, true},
		{[]string{"Julian Park, PA-C"}, []string{"Julian Park"}, true},
		{[]string{"Ana Whitaker"}, []string{"Ana Whitaker, The Lakeside Ledger"}, false},
		{[]string{"Ana Whitaker"}, []string{"https://www.example.org/staff/ana-whitaker/"}, false},
		{[]string{"Tessa Monroe", "Julian Park"}, []string{"Tessa Monroe"}, false},
		{[]string{}, []string{"Mercy Hollow Health"}, false},
	} {
		if p := checkAuthors(c.want, c.got); (len(p) == 0) != c.ok {
			t.Errorf("checkAuthors(%q, %q) = %q, want ok=%v", c.want, c.got, p, c.ok)
		}
	}
	if p := diffLists([]string{"a", "b"}, []string{"b", "a"}); len(p) == 0 {
		t.Error("diffLists: order not checked")
	}
}
