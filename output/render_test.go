package output_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/textingest"
)

// seedRecord parses ../shared/seed/massage-therapy-article.txt (skips when absent).
func seedRecord(t *testing.T) *article.Article {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "shared", "seed", "massage-therapy-article.txt")
	f, err := os.Open(p)
	if err != nil {
		t.Skipf("seed article not available: %v", err)
	}
	defer f.Close()
	recs, err := textingest.Parse(f, p)
	if err != nil || len(recs) != 1 {
		t.Fatalf("Parse seed: %d records, %v", len(recs), err)
	}
	return recs[0]
}

func TestRenderTextSeed(t *testing.T) {
	a := seedRecord(t)
	got := output.RenderText(a)
	if testing.Verbose() {
		t.Logf("\n%s", got)
	}
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	want := map[int]string{
		0: "Can Massage Therapy Help Lower Back Pain?",
		1: "Are you dealing with lower back pain and wondering if massage therapy could be the solution? I have personal experience with this issue and can share the insights I've gathered.",
		3: "Why It Works",
		5: "- Increased Blood Flow: Massage promotes blood flow to the area, which can help with healing and reduce inflammation.",
		8: "- Increased Range of Motion: Regular massage can help restore flexibility and improve overall function in the lower back.",
		9: "What to Remember",
	}
	for i, w := range want {
		if i >= len(lines) || lines[i] != w {
			t.Errorf("line %d = %q, want %q", i, at(lines, i), w)
		}
	}
	tail := lines[len(lines)-6:]
	wantTail := []string{
		"-",
		"Understanding the Role of Glial Cells in Supporting Neurons",
		"Glial cells, also…",
		"-",
		"Are There Any Side Effects or Problems Associated with Buying Generic Brands of Food Medicine and Cosmetics?",
		"…",
	}
	if d := cmp.Diff(wantTail, tail); d != "" {
		t.Errorf("related tail (-want +got):\n%s", d)
	}
	if n := strings.Count(got, "Can Massage Therapy Help Lower Back Pain?"); n != 1 {
		t.Errorf("title appears %d times, want 1", n)
	}
	for _, defect := range []string{"back.What", "pain.Bottom", "conditions.Bottom", "also kn", "\n\n"} {
		if strings.Contains(got, defect) {
			t.Errorf("rendered text contains seed defect %q", defect)
		}
	}
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<missing>"
}

// Rendering to text and reading it back with textingest keeps the structure.
func TestRenderTextRoundTrip(t *testing.T) {
	a := seedRecord(t)
	recs, err := textingest.Parse(strings.NewReader(output.RenderText(a)), "roundtrip")
	if err != nil || len(recs) != 1 {
		t.Fatalf("re-parse: %d records, %v", len(recs), err)
	}
	b := recs[0]
	if d := cmp.Diff(a.Sections, b.Sections); d != "" {
		t.Errorf("sections differ after round trip (-first +second):\n%s", d)
	}
	if d := cmp.Diff(a.Related, b.Related); d != "" {
		t.Errorf("related differ after round trip (-first +second):\n%s", d)
	}
	if a.Title != b.Title || a.ContentHash != b.ContentHash {
		t.Errorf("title/hash differ: %q %q / %q %q", a.Title, a.ContentHash, b.Title, b.ContentHash)
	}
}

func TestRenderMarkdownSeed(t *testing.T) {
	a := seedRecord(t)
	a.Related[0].URL = "https://example.org/glial-cells"
	got := output.RenderMarkdown(a)
	if testing.Verbose() {
		t.Logf("\n%s", got)
	}
	for _, want := range []string{
		"# Can Massage Therapy Help Lower Back Pain?\n\nAre you dealing",
		"\n## Why It Works\n\n",
		"\n- Increased Blood Flow: Massage promotes blood flow",
		"\n- Release of Tension: By breaking up",
		"\n## What to Remember\n",
		"\n## Combining Massage Therapy with Other Treatments\n",
		"\n## Seeking Further Advice\n",
		"\n---\n\n- [Understanding the Role of Glial Cells in Supporting Neurons](<https://example.org/glial-cells>)\\\n  Glial cells, also…\n",
		"\n- Are There Any Side Effects or Problems Associated with Buying Generic Brands of Food Medicine and Cosmetics?\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	// The title: in the front matter, and once in the body.
	fm, body, ok := strings.Cut(strings.TrimPrefix(got, "---\n"), "\n---\n\n")
	if !ok || !strings.HasPrefix(got, "---\n") {
		t.Fatalf("no front matter:\n%s", got)
	}
	if !strings.Contains(fm, "title: Can Massage Therapy Help Lower Back Pain?\n") {
		t.Errorf("front matter lacks the title:\n%s", fm)
	}
	if n := strings.Count(body, "Can Massage Therapy Help Lower Back Pain?"); n != 1 {
		t.Errorf("title appears %d times in the body, want 1", n)
	}
}

func TestRenderMarkdownEscapes(t *testing.T) {
	a := &article.Article{
		Title: "Use *stars* and _under_ [links]",
		Sections: []article.Section{{Blocks: []article.Block{
			{Type: article.BlockParagraph, Text: "# not a heading"},
			{Type: article.BlockParagraph, Text: "1. not a list"},
			{Type: article.BlockParagraph, Text: "- not an item <b>"},
			{Type: article.BlockQuote, Text: "Quoted"},
			{Type: article.BlockParagraph, Text: "Line one\n# line two"},
			{Type: article.BlockQuote, Text: "q1\nq2"},
			{Type: article.BlockCode, Text: "x := `a`\n```"},
			{Type: article.BlockTable, Rows: [][]string{{"Dose", "Unit"}, {"3.5", "mg|day"}}},
			{Type: article.BlockList, Ordered: true, Items: []article.ListItem{{Text: "first"}, {Label: "Second", Text: "two"}}},
		}}},
	}
	got := output.RenderMarkdown(a)
	want := "---\ntitle: Use *stars* and _under_ [links]\n---\n\n" +
		"# Use \\*stars\\* and \\_under\\_ \\[links\\]\n\n" +
		"\\# not a heading\n\n" +
		"1\\. not a list\n\n" +
		"\\- not an item \\<b>\n\n" +
		"> Quoted\n\n" +
		"Line one\\\n\\# line two\n\n" +
		"> q1\\\n> q2\n\n" +
		"````\nx := `a`\n```\n````\n\n" +
		"| Dose | Unit |\n| --- | --- |\n| 3.5 | mg\\|day |\n\n" +
		"1. first\n2. Second: two\n"
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("markdown (-want +got):\n%s", d)
	}
}

// A table of contents (role toc) and a heading over nothing else are not
// rendered: the documents hold what the record's text holds.
func TestRenderLeavesTOCOut(t *testing.T) {
	toc := article.Block{Type: article.BlockList, Role: article.RoleTOC, Items: []article.ListItem{{Text: "Causes"}, {Text: "Treatment"}, {Text: "Outlook"}}}
	a := &article.Article{Title: "Gout", Sections: []article.Section{
		{Heading: "Contents", Level: 2, Blocks: []article.Block{toc}},
		{Blocks: []article.Block{toc, {Type: article.BlockParagraph, Text: "Gout is a kind of arthritis."}}},
		{Heading: "Causes", Level: 2, Blocks: []article.Block{{Type: article.BlockParagraph, Text: "Uric acid crystals."}}},
	}}
	if got, want := output.RenderText(a), "Gout\nGout is a kind of arthritis.\nCauses\nUric acid crystals.\n"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	if got, want := output.RenderMarkdown(a), "---\ntitle: Gout\n---\n\n# Gout\n\nGout is a kind of arthritis.\n\n## Causes\n\nUric acid crystals.\n"; got != want {
		t.Errorf("markdown = %q, want %q", got, want)
	}
}

func TestRenderEmpty(t *testing.T) {
	if got := output.RenderText(&article.Article{}); got != "" {
		t.Errorf("RenderText(empty) = %q", got)
	}
	if got := output.RenderMarkdown(&article.Article{}); got != "" {
		t.Errorf("RenderMarkdown(empty) = %q", got)
	}
}

func TestDocSinks(t *testing.T) {
	ctx := context.Background()
	one := &article.Article{Title: "One", Sections: []article.Section{{Blocks: []article.Block{{Type: "paragraph", Text: "First body."}}}}}
	two := &article.Article{Title: "Two", Sections: []article.Section{{Blocks: []article.Block{{Type: "paragraph", Text: "Second body."}}}}}
	for _, tc := range []struct {
		name string
		mk   func(w *bytes.Buffer) output.Sink
		want string
	}{
		{"text", func(w *bytes.Buffer) output.Sink { return output.NewTextSink(w) }, "One\nFirst body.\n\f\nTwo\nSecond body.\n"},
		{"markdown", func(w *bytes.Buffer) output.Sink { return output.NewMarkdownSink(w) }, "---\ntitle: One\n---\n\n# One\n\nFirst body.\n\n\f\n\n---\ntitle: Two\n---\n\n# Two\n\nSecond body.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			s := tc.mk(&buf)
			for _, a := range []*article.Article{one, two} {
				if err := s.Write(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(ctx); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if err := s.Write(ctx, one); err != output.ErrClosed {
				t.Errorf("Write after Close = %v, want ErrClosed", err)
			}
			if d := cmp.Diff(tc.want, buf.String()); d != "" {
				t.Errorf("output (-want +got):\n%s", d)
			}
		})
	}
	// The text sink's output reads back as two records.
	var buf bytes.Buffer
	s := output.NewTextSink(&buf)
	_ = s.Write(ctx, one)
	_ = s.Write(ctx, two)
	recs, err := textingest.ParseRaw(&buf, "sink")
	if err != nil || len(recs) != 2 || recs[0].Title != "One" || recs[1].Title != "Two" {
		t.Errorf("ParseRaw(text sink output) = %d records, %v", len(recs), err)
	}
}
