package textingest

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/pipeline"
)

func TestParseRawLayouts(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []*article.Article
	}{
		{name: "empty", in: "", want: nil},
		{name: "blank lines only", in: "\n \n\t\n", want: nil},
		{
			name: "wrapped paragraphs, blank lines, bullets, numbered list, markdown heading, CRLF",
			in:   "Sleep Well Tonight\r\n\r\nMost adults need seven to nine hours\r\nof sleep every night.\r\n\r\n## Simple Habits\r\n- Keep a regular bedtime\r\n- Avoid screens late\r\n1. Dim the lights\r\n2) Read a book\r\nWhen to See a Doctor\r\nIf poor sleep lasts for weeks, talk to a doctor.\r\n",
			want: []*article.Article{{
				Title: "Sleep Well Tonight",
				Sections: []article.Section{
					{Blocks: []article.Block{{Type: "paragraph", Text: "Most adults need seven to nine hours of sleep every night."}}},
					{Heading: "Simple Habits", Level: 2, Blocks: []article.Block{
						{Type: "list", Items: []article.ListItem{{Text: "Keep a regular bedtime"}, {Text: "Avoid screens late"}}},
						{Type: "list", Ordered: true, Items: []article.ListItem{{Text: "Dim the lights"}, {Text: "Read a book"}}},
					}},
					{Heading: "When to See a Doctor", Level: 2, Blocks: []article.Block{{Type: "paragraph", Text: "If poor sleep lasts for weeks, talk to a doctor."}}},
				},
			}},
		},
		{
			name: "form feeds separate records; related stubs; label lines grouped",
			in:   "First Article\nIntro text.\nDiet: Eat well.\nSleep: Rest well.\n-\nOther Article Title\nA snippet that stops mid wo\n\fSecond Article\nBody of the second.\n",
			want: []*article.Article{
				{
					Title: "First Article",
					Sections: []article.Section{{Blocks: []article.Block{
						{Type: "paragraph", Text: "Intro text."},
						{Type: "list", Items: []article.ListItem{{Label: "Diet", Text: "Eat well."}, {Label: "Sleep", Text: "Rest well."}}},
					}}},
					Related: []article.Related{{Title: "Other Article Title", Snippet: "A snippet that stops mid wo"}},
				},
				{Title: "Second Article", Source: "src#2", Sections: []article.Section{{Blocks: []article.Block{{Type: "paragraph", Text: "Body of the second."}}}}},
			},
		},
		{
			name: "right-to-left text and stub without snippet",
			in:   "العلاج بالتدليك\nله فوائد عديدة.\n—\nעיסוי\n",
			want: []*article.Article{{
				Title:    "العلاج بالتدليك",
				Sections: []article.Section{{Blocks: []article.Block{{Type: "paragraph", Text: "له فوائد عديدة."}}}},
				Related:  []article.Related{{Title: "עיסוי"}},
			}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRaw(strings.NewReader(tc.in), "src")
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				w.SchemaVersion = article.SchemaVersion
				w.PageType = article.PageArticle
				if w.Source == "" {
					w.Source = "src"
				}
				w.Finalize()
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestCleanFiles(t *testing.T) {
	dir := t.TempDir()
	body := strings.Repeat("Gentle exercise helps most people with back pain to recover sooner. ", 8)
	a := filepath.Join(dir, "a.txt")
	b := filepath.Join(dir, "b.txt")
	if err := os.WriteFile(a, []byte("Back Pain Basics\n"+body+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// b is a copy of a: dropped by dedupe across files; the short record is filtered
	if err := os.WriteFile(b, []byte("Back Pain Basics\n"+body+"\n\fTiny\nToo short.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := pipeline.Build(config.Default().Pipeline, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	n, errs, err := CleanFiles(context.Background(), run, []string{a, filepath.Join(dir, "missing.txt"), b, "-"},
		strings.NewReader("Stdin Article\n"+strings.Repeat("Drink water when you are thirsty and more in hot weather. ", 8)),
		func(x *article.Article) error { got = append(got, x.Source); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{a, "-"}, got); d != "" || n != 2 {
		t.Errorf("emitted %d (-want +got):\n%s", n, d)
	}
	if len(errs) != 1 || !errors.Is(errs[0], fs.ErrNotExist) || !strings.Contains(errs[0].Error(), "missing.txt") {
		t.Errorf("errs = %v, want one not-exist error naming missing.txt", errs)
	}
	st := run.Stats()
	if st.In != 4 || st.Dropped["dedupe: duplicate_of"] != 1 || st.Dropped["filter: too_short"] != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("Title\nTitle\nBody.What to Remember\nA: b. C: d.\n-\nStub\nStub snip")
	f.Add("\f\f-\n-\n")
	f.Add("# \n- \n1.\n")
	f.Fuzz(func(t *testing.T, s string) {
		recs, err := Parse(strings.NewReader(s), "fuzz")
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range recs {
			if utf8.ValidString(s) && !utf8.ValidString(a.Text) {
				t.Fatalf("invalid UTF-8 text from %q", s)
			}
			for _, r := range a.Related {
				if r.Title == "" {
					t.Fatalf("related stub without title from %q", s)
				}
			}
		}
	})
}
