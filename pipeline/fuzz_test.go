package pipeline

import (
	"context"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/healthcrawl/healthcrawl/article"
)

// Fuzz invariants (seed corpora in testdata/fuzz/<Name>/):
//   - no panic on any input;
//   - valid UTF-8 in, valid UTF-8 out;
//   - the stage only re-cuts the text: the non-space runes are kept (minus the
//     ": " after each label for split_label_items; a suffix for detect_truncation);
//   - idempotent: a second Apply changes nothing.

func nonSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func allText(a *article.Article) string {
	var b strings.Builder
	for _, s := range a.Sections {
		b.WriteString(s.Heading)
		for _, bl := range s.Blocks {
			b.WriteString(bl.Text)
			for _, it := range bl.Items {
				b.WriteString(it.Label)
				b.WriteString(it.Text)
			}
		}
	}
	return b.String()
}

func fuzzArticle(s string) *article.Article {
	return &article.Article{Title: "T", Sections: []article.Section{{Blocks: []article.Block{
		{Type: article.BlockParagraph, Text: s},
		{Type: article.BlockList, Items: []article.ListItem{{Text: s}}},
	}}}, Related: []article.Related{{Title: "T", Snippet: s}}}
}

func applyTwice(t *testing.T, st Stage, a *article.Article) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Apply(ctx, a); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	again := a.Clone()
	if _, err := st.Apply(ctx, again); err != nil {
		t.Fatalf("second Apply: %v", err)
	}
	if d := cmp.Diff(a, again, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("not idempotent (-first +second):\n%s", d)
	}
}

func normalized(s string) string { return (&normalize{}).Para(s) }

func FuzzRepairGlued(f *testing.F) {
	f.Add("Regular massage can help in the lower back.What to Remember")
	st := &repairGlued{opts: RepairGluedOptions{Headings: true, MaxHeadingWords: 10}}
	f.Fuzz(func(t *testing.T, s string) {
		s = normalized(s)
		a := fuzzArticle(s)
		applyTwice(t, st, a)
		got := allText(a)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		if nonSpace(got) != nonSpace(s+s) {
			t.Fatalf("content changed: %q → %q", s, got)
		}
		for _, b := range GluedBoundaries(s) {
			if b <= 0 || b >= len(s) || !utf8.RuneStart(s[b]) {
				t.Fatalf("bad boundary %d in %q", b, s)
			}
		}
	})
}

func FuzzSplitLabelItems(f *testing.F) {
	f.Add("Increased Blood Flow: Massage promotes blood flow. Release of Tension: It helps.")
	st := &splitLabelItems{opts: SplitLabelItemsOptions{MinItems: 2, Lists: true}}
	f.Fuzz(func(t *testing.T, s string) {
		s = normalized(s)
		a := fuzzArticle(s)
		applyTwice(t, st, a)
		colons := 0
		for _, b := range a.Sections[0].Blocks {
			if b.Type != article.BlockList {
				continue
			}
			for _, it := range b.Items {
				if it.Label == "" {
					continue
				}
				colons++
				if !isItemLabel(it.Label) || it.Text == "" {
					t.Fatalf("bad item %+v from %q", it, s)
				}
			}
		}
		if got, want := len(nonSpace(allText(a))), len(nonSpace(s+s))-colons; got != want {
			t.Fatalf("content changed: %q → %d non-space bytes, want %d", s, got, want)
		}
		if !utf8.ValidString(allText(a)) && utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
	})
}

func FuzzDetectTruncation(f *testing.F) {
	f.Add("Understanding the Role of Glial Cells Glial cells, also kn")
	st := &detectTruncation{opts: DetectTruncationOptions{Related: true, Body: true, BodyMinWords: 8}}
	f.Fuzz(func(t *testing.T, s string) {
		s = normalized(s)
		a := fuzzArticle(s)
		applyTwice(t, st, a)
		r := a.Related[0]
		if !strings.HasPrefix(s, strings.TrimSuffix(r.Snippet, "…")) {
			t.Fatalf("snippet %q (less its final …) is not a prefix of %q", r.Snippet, s)
		}
		if r.Snippet != s && !r.Truncated {
			t.Fatalf("snippet cut without truncated: %q → %q", s, r.Snippet)
		}
		p := a.Sections[0].Blocks[0]
		if !strings.HasPrefix(s, strings.TrimSuffix(p.Text, "…")) || (p.Text != s && !p.Truncated) {
			t.Fatalf("body %q → %+v", s, p)
		}
		if utf8.ValidString(s) && (!utf8.ValidString(r.Snippet) || !utf8.ValidString(p.Text)) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
	})
}
