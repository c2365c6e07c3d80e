package textingest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
)

// seedPath resolves ../shared/seed/massage-therapy-article.txt relative to the module root.
func seedPath(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file))
	p := filepath.Join(root, "..", "shared", "seed", "massage-therapy-article.txt")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("seed article not available: %v", err)
	}
	return p
}

func parseSeed(t *testing.T) *article.Article {
	t.Helper()
	f, err := os.Open(seedPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := Parse(f, "massage-therapy-article.txt")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(recs) != 1 {
		t.Fatalf("Parse returned %d records, want 1", len(recs))
	}
	return recs[0]
}

func TestSeedGolden(t *testing.T) {
	a := parseSeed(t)
	if testing.Verbose() {
		b, _ := json.MarshalIndent(a, "", "  ")
		t.Logf("%s", b)
	}
	if a.Title != "Can Massage Therapy Help Lower Back Pain?" {
		t.Errorf("title = %q", a.Title)
	}
	if n := strings.Count(a.Text, "Can Massage Therapy Help Lower Back Pain?"); n != 0 {
		t.Errorf("title repeated %d times in text", n)
	}
	var headings []string
	for _, s := range a.Sections {
		headings = append(headings, s.Heading)
	}
	wantHeadings := []string{"", "Why It Works", "What to Remember", "Combining Massage Therapy with Other Treatments", "Seeking Further Advice"}
	if d := cmp.Diff(wantHeadings, headings); d != "" {
		t.Fatalf("headings (-want +got):\n%s", d)
	}
	labels := func(sec int) [][]string {
		var out [][]string
		for _, b := range a.Sections[sec].Blocks {
			if b.Type != article.BlockList {
				continue
			}
			var ls []string
			for _, it := range b.Items {
				ls = append(ls, it.Label)
			}
			out = append(out, ls)
		}
		return out
	}
	wantLabels := map[int][][]string{
		1: {{"Increased Blood Flow", "Release of Tension", "Pain Relief", "Increased Range of Motion"}},
		2: {{"It's Not a Standalone Fix", "Keep Moving", "Consult a Healthcare Professional"}},
		3: {{"Physical Therapy", "Exercise", "Heat or Cold Therapy", "Strengthening Exercises"}},
	}
	for sec, want := range wantLabels {
		if d := cmp.Diff(want, labels(sec)); d != "" {
			t.Errorf("section %q list labels (-want +got):\n%s", a.Sections[sec].Heading, d)
		}
	}
	// The "Bottom line:" summary stays a paragraph of its own after the list.
	rem := a.Sections[2].Blocks
	if last := rem[len(rem)-1]; last.Type != article.BlockParagraph || !strings.HasPrefix(last.Text, "Bottom line: A professional massage") {
		t.Errorf("last block of What to Remember = %+v, want the Bottom line paragraph", last)
	}
	// List item text does not swallow the next heading.
	items := a.Sections[1].Blocks[len(a.Sections[1].Blocks)-1].Items
	if got := items[len(items)-1].Text; got != "Regular massage can help restore flexibility and improve overall function in the lower back." {
		t.Errorf("last Why It Works item = %q", got)
	}
	if len(a.Related) != 2 {
		t.Fatalf("related = %+v, want 2 stubs", a.Related)
	}
	wantTitles := []string{
		"Understanding the Role of Glial Cells in Supporting Neurons",
		"Are There Any Side Effects or Problems Associated with Buying Generic Brands of Food Medicine and Cosmetics?",
	}
	for i, r := range a.Related {
		if r.Title != wantTitles[i] {
			t.Errorf("related[%d].title = %q, want %q", i, r.Title, wantTitles[i])
		}
		if !r.Truncated {
			t.Errorf("related[%d].truncated = false", i)
		}
		if r.Snippet != "" && strings.HasPrefix(strings.ToLower(r.Snippet), strings.ToLower(r.Title[:20])) {
			t.Errorf("related[%d].snippet %q starts with its title", i, r.Snippet)
		}
	}
	if a.Related[0].Snippet != "Glial cells, also…" {
		t.Errorf("related[0].snippet = %q, want %q", a.Related[0].Snippet, "Glial cells, also…")
	}
	if a.Related[1].Snippet != "" {
		t.Errorf("related[1].snippet = %q, want empty", a.Related[1].Snippet)
	}
	if a.Language != "en" {
		t.Errorf("language = %q, want en", a.Language)
	}
	if a.WordCount < 400 || a.ContentHash == "" {
		t.Errorf("word_count = %d, content_hash = %q", a.WordCount, a.ContentHash)
	}
}
