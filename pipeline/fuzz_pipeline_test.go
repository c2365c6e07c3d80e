package pipeline

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
)

// fuzzRecord builds a record from fuzz strings: shape's bits choose the block types,
// headings, labels, table rows, related stubs, language and page type, so that
// every stage meets every part of a record.
func fuzzRecord(title, heading, text, label string, shape uint32) *article.Article {
	bit := func(i uint) bool { return shape&(1<<i) != 0 }
	a := &article.Article{
		SchemaVersion: article.SchemaVersion,
		URL:           "https://health.example/a/" + label,
		Site:          "health-example",
		Title:         title,
		Description:   text,
		PageType:      []string{article.PageArticle, article.PageOther, article.PageListing, ""}[shape>>30],
		Language:      []string{"", "en", "fr", "xx"}[(shape>>28)&3],
		Authors:       []string{label, title},
		Tags:          []string{label},
	}
	var blocks []article.Block
	for i := uint(0); i < 4; i++ {
		switch (shape >> (2 * i)) & 3 {
		case 0:
			blocks = append(blocks, article.Block{Type: article.BlockParagraph, Text: text, Truncated: bit(8 + i)})
		case 1:
			items := []article.ListItem{{Label: label, Text: text}, {Text: heading, Depth: int(i)}}
			if bit(12 + i) {
				items = append(items, article.ListItem{Text: text + " " + label + ": " + title})
			}
			blocks = append(blocks, article.Block{Type: article.BlockList, Ordered: bit(8 + i), Items: items})
		case 2:
			blocks = append(blocks, article.Block{Type: article.BlockTable, Rows: [][]string{{label, heading}, {text}, {}}})
		case 3:
			blocks = append(blocks, article.Block{Type: article.BlockQuote, Text: title + "\n" + text})
		}
	}
	a.Sections = []article.Section{{Blocks: blocks[:2]}, {Heading: heading, Level: int(shape>>16) & 7, Blocks: blocks[2:]}}
	if bit(19) {
		a.Sections = append(a.Sections, article.Section{Heading: title, Level: 2})
	}
	if bit(20) {
		a.Related = []article.Related{{Title: heading, URL: "https://health.example/r", Snippet: text, Truncated: bit(21)}, {Title: label}}
	}
	if bit(22) {
		a.References = []article.Reference{{Text: text, URL: label}}
	}
	a.Finalize()
	return a
}

// FuzzPipeline: the default pipeline (every stage, default options) runs over any
// record — and a second one, to meet dedupe — without a stage error or panic (the
// runner turns a panic into an error), keeps valid UTF-8 valid, leaves the record's
// text derived from its sections, and the record stays writable as JSON.
func FuzzPipeline(f *testing.F) {
	f.Add("Massage therapy for back pain", "How it works", "Increased Blood Flow: Massage promotes blood flow. Release of Tension: It helps. Understanding the Role of Glial Cells Glial cells, also kn", "Benefits", uint32(0x0f5a_3c21))
	f.Add("", "", "", "", uint32(0))
	f.Add("\t=HYPERLINK(\"x\")", "&amp;amp; &#0; \u00ad\u200b", "Share this article Facebook Twitter Advertisement", ":", uint32(0xffff_ffff))
	f.Add("Tête-à-tête", "Ｆｕｌｌ　ｗｉｄｔｈ", "Mots collésEnsemble dans une phrase.Voici la suite", "Étiquette", uint32(0x1234_5678))
	f.Add("\xff\xfe", "\x00", "a\u2028b\u2029c\r\n\fd", "\x80", uint32(0x8000_0001))
	f.Fuzz(func(t *testing.T, title, heading, text, label string, shape uint32) {
		// a runner per input: dedupe remembers records, and a failure must replay alone
		runner, err := Build(config.Default().Pipeline, nil)
		if err != nil {
			t.Fatal(err)
		}
		validIn := utf8.ValidString(title + heading + text + label)
		for i, a := range []*article.Article{fuzzRecord(title, heading, text, label, shape), fuzzRecord(title, heading, text, label+"-2", shape^0x00f0_00ff)} {
			runner.Process(context.Background(), a)
			if validIn {
				var all strings.Builder
				all.WriteString(a.Title + a.Text + a.Description)
				for _, s := range a.Sections {
					all.WriteString(s.Heading)
				}
				for _, r := range a.Related {
					all.WriteString(r.Title + r.Snippet)
				}
				if !utf8.ValidString(all.String()) {
					t.Fatalf("record %d: invalid UTF-8 out of valid input", i)
				}
			}
			text := a.Text
			c := a.Clone()
			c.Finalize()
			if c.Text != text {
				t.Fatalf("record %d: text not derived from the sections:\n%q\nFinalize: %q", i, text, c.Text)
			}
			if _, err := json.Marshal(a); err != nil {
				t.Fatalf("record %d: JSON: %v", i, err)
			}
		}
		for stage, n := range runner.Stats().Errors {
			if n > 0 {
				t.Fatalf("stage %s failed (an error or a panic) on this input", stage)
			}
		}
	})
}
