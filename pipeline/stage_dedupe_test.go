package pipeline

import (
	"context"
	"fmt"
	"math/bits"
	"strings"
	"testing"
	"unicode"

	"github.com/healthcrawl/healthcrawl/article"
)

// nearCopy is a's text on another site: different header and footer lines, one
// sentence edited.
func nearCopy(a *article.Article, url string) *article.Article {
	c := a.Clone()
	c.URL = url
	c.Sections[0].Blocks = append([]article.Block{{Type: "paragraph", Text: "Reposted from our partners at Wellbeing Weekly for readers in the north."}}, c.Sections[0].Blocks...)
	last := &c.Sections[len(c.Sections)-1]
	last.Blocks = append(last.Blocks, article.Block{Type: "paragraph", Text: "Questions about this page can be sent to the editorial team at any time."})
	b := &c.Sections[0].Blocks[2]
	b.Text = strings.Replace(b.Text, "Painkillers such as ibuprofen can help, but check the dose with a pharmacist.", "Painkillers like paracetamol may help a little, but ask a pharmacist first.", 1)
	return c
}

func TestDedupeNearDuplicates(t *testing.T) {
	a := topicArticle("https://example.org/back-pain", "Back Pain: What Helps", 0, 24)
	copyA := nearCopy(a, "https://mirror.example.net/back-pain")
	if !strings.Contains(copyA.Sections[0].Blocks[2].Text, "paracetamol") {
		t.Fatal("the edited sentence is not in the copy")
	}
	other := topicArticle("https://example.org/living-with-back-pain", "Living With Back Pain", 24, 16)
	exact := a.Clone()
	exact.URL = "https://example.org/back-pain?utm_source=x"

	r := buildStage(t, "dedupe", "")
	ctx := context.Background()
	for _, tc := range []struct {
		a      *article.Article
		keep   bool
		reason string
	}{
		{a, true, ""},
		{other, true, ""}, // same topic, different article
		{copyA, false, "dedupe: duplicate_of https://example.org/back-pain"},
		{exact, false, "dedupe: duplicate_of https://example.org/back-pain"},
	} {
		keep, reason := r.Process(ctx, tc.a.Clone())
		if keep != tc.keep || reason != tc.reason {
			t.Errorf("%s: Process = %v %q, want %v %q", tc.a.URL, keep, reason, tc.keep, tc.reason)
		}
	}
	if got := r.Stats().Dropped; got["dedupe: duplicate_of"] != 2 || len(got) != 1 {
		t.Errorf("dropped = %v, want one low-cardinality key", got)
	}
	// The similarity margin is wide: report it for threshold tuning.
	a.Finalize()
	copyA.Finalize()
	other.Finalize()
	dist := func(x, y *article.Article) int {
		h1, l1 := SimHash(x.Text, 3)
		h2, l2 := SimHash(y.Text, 3)
		return bits.OnesCount64(h1^h2) + bits.OnesCount64(l1^l2)
	}
	t.Logf("SimHash distance: near copy %d bits, same-topic article %d bits (threshold 0.82 → ≤ %d)", dist(a, copyA), dist(a, other), 23)
}

func TestDedupeOptions(t *testing.T) {
	a := topicArticle("https://example.org/a", "A", 0, 24)
	c := nearCopy(a, "https://example.org/c")
	ctx := context.Background()

	// near: false only drops exact copies
	r := buildStage(t, "dedupe", "near: false")
	r.Process(ctx, a.Clone())
	if keep, _ := r.Process(ctx, c.Clone()); !keep {
		t.Error("near: false dropped a near copy")
	}
	if keep, _ := r.Process(ctx, a.Clone()); keep {
		t.Error("near: false kept an exact copy")
	}
	// threshold 0.99 keeps the near copy
	r = buildStage(t, "dedupe", "threshold: 0.99")
	r.Process(ctx, a.Clone())
	if keep, _ := r.Process(ctx, c.Clone()); !keep {
		t.Error("threshold 0.99 dropped a near copy")
	}
	// short texts are only compared exactly
	r = buildStage(t, "dedupe", "")
	s1 := art("S", sec("", 0, para("Short note about back pain relief today.")))
	s2 := art("S", sec("", 0, para("Short note about back pain relief tonight.")))
	s2.URL = "https://example.org/s2"
	r.Process(ctx, s1)
	if keep, _ := r.Process(ctx, s2); !keep {
		t.Error("short near-identical texts were compared by SimHash")
	}
	// empty records are never duplicates of each other
	r = buildStage(t, "dedupe", "")
	for i := 0; i < 2; i++ {
		if keep, _ := r.Process(ctx, &article.Article{}); !keep {
			t.Error("empty record dropped as duplicate")
		}
	}
	for opts, want := range map[string]string{
		"threshold: 0.3": "pipeline.stages[0].options.threshold: must be in (0.5, 1], got 0.3",
		"shingle: 0":     "pipeline.stages[0].options.shingle: must be in [1, 8], got 0",
	} {
		cfg := loadYAML(t, stageYAML("dedupe", opts))
		if _, err := Build(cfg.Pipeline, nil); err == nil || err.Error() != want {
			t.Errorf("%s: error = %v, want %s", opts, err, want)
		}
	}
}

func TestSimHashEdgeCases(t *testing.T) {
	for _, s := range []string{"", "one", "two words", "العلاج بالتدليك", "שלום עולם", "3.5 mg e.g. U.S. https://example.org", "\xff\xfe"} {
		h1, l1 := SimHash(s, 3)
		h2, l2 := SimHash(s, 3)
		if h1 != h2 || l1 != l2 {
			t.Errorf("SimHash(%q) not deterministic", s)
		}
	}
	if h, l := SimHash("", 3); h != 0 || l != 0 {
		t.Errorf("SimHash(empty) = %x %x", h, l)
	}
}

// Long texts: copies still match, different texts do not.
func TestSimHashLongTexts(t *testing.T) {
	reversed := func(ss []string) string {
		var out []string
		for _, s := range ss {
			w := strings.Fields(s)
			for i, j := 0, len(w)-1; i < j; i, j = i+1, j-1 {
				w[i], w[j] = w[j], w[i]
			}
			out = append(out, strings.Join(w, " "))
		}
		return strings.Join(out, " ")
	}
	base := strings.Join(topicSentences, " ") + " " + reversed(topicSentences[:20])
	copyText := "Reposted from Wellbeing Weekly for readers in the north. " +
		strings.Replace(base, "Walking every day is a simple way", "A daily walk is an easy way", 1) +
		" Questions about this page can be sent to the editorial team."
	other := reversed(topicSentences)
	dist := func(x, y string) int {
		h1, l1 := SimHash(x, 3)
		h2, l2 := SimHash(y, 3)
		return bits.OnesCount64(h1^h2) + bits.OnesCount64(l1^l2)
	}
	if d := dist(base, copyText); d > 23 {
		t.Errorf("near copy distance %d > 23", d)
	}
	if d := dist(base, other); d <= 23 {
		t.Errorf("different text distance %d ≤ 23", d)
	}
	t.Logf("long texts: near copy %d bits, different %d bits", dist(base, copyText), dist(base, other))
}

func TestSimHashMaxWords(t *testing.T) {
	head := strings.Join(topicSentences[:10], " ")
	a, b := head+" "+strings.Join(topicSentences[10:20], " "), head+" "+strings.Join(topicSentences[20:30], " ")
	n := len(strings.FieldsFunc(head, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
	ha, la := simHash(a, 3, n)
	hb, lb := simHash(b, 3, n)
	if ha != hb || la != lb {
		t.Error("texts with the same first maxWords words hash differently")
	}
	hh, lh := SimHash(head, 3)
	if ha != hh || la != lh {
		t.Error("simHash(text, k, n) differs from SimHash of the first n words")
	}
	if h1, l1 := simHash(a, 3, 0); h1 == ha && l1 == la {
		t.Error("maxWords 0 did not read the whole text")
	}
}

// The first URL of each text is kept in a spill file: exact copies name their
// original once the URLs are written to disk, and after Close an exact copy is an
// error (the record is kept), never a drop naming no original.
func TestDedupeExactURLsSpilled(t *testing.T) {
	s, err := DefaultRegistry.New("dedupe", nil, Env{})
	if err != nil {
		t.Fatal(err)
	}
	d := s.(*dedupe)
	ctx := context.Background()
	rec := func(url, text string) *article.Article {
		a := art("T", sec("", 0, para(text)))
		a.URL = url
		a.Finalize()
		return a
	}
	const n = 3000 // about 180 KB of URLs: most of them on disk
	orig := func(i int) string {
		return fmt.Sprintf("https://example.org/notes/%d/%s", i, strings.Repeat("x", 20))
	}
	for i := range n {
		if v, err := d.Apply(ctx, rec(orig(i), fmt.Sprintf("Short note number %d.", i))); err != nil || !v.Keep {
			t.Fatalf("note %d: %+v %v", i, v, err)
		}
	}
	if d.urls.Size() < 128<<10 {
		t.Fatalf("%d bytes of URLs spilled", d.urls.Size())
	}
	for _, i := range []int{0, 1, n / 2, n - 1} {
		v, err := d.Apply(ctx, rec(fmt.Sprintf("https://mirror.example.net/%d", i), fmt.Sprintf("Short note number %d.", i)))
		if err != nil || v.Keep || v.Reason != "duplicate_of "+orig(i) {
			t.Errorf("copy of note %d: %+v %v", i, v, err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	v, err := d.Apply(ctx, rec("https://mirror.example.net/late", "Short note number 7."))
	if err == nil || !v.Keep {
		t.Errorf("copy after Close: %+v %v, want kept with an error", v, err)
	}
}
