package pipeline

import (
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

func TestNormalize(t *testing.T) {
	runStageCases(t, "normalize", []stageCase{
		{
			name: "entities, NFC, invisible characters, whitespace",
			in:   art("  Caf&eacute;\u00a0au\u200b lait  ", sec("", 0, para("Cafe\u0301  with\tsoft\u00adhyphen &amp;amp; more\u202f\u00a0space\uFEFF"))),
			want: art("Café au lait", sec("", 0, para("Café with softhyphen & more space"))),
		},
		{
			name: "paragraphs keep single line breaks, other text does not",
			in:   art("Two\nlines", sec("Head\ning", 2, para("Line one \n\n  line two\u2028three"), article.Block{Type: article.BlockQuote, Text: "a\nb"}, list(item("", "x\ny")))),
			want: art("Two lines", sec("Head ing", 2, para("Line one\nline two\nthree"), article.Block{Type: article.BlockQuote, Text: "a\nb"}, list(item("", "x y")))),
		},
		{
			name: "typographic quotes kept by default",
			in:   art("“Hi” it’s", sec("", 0, para("‘quoted’"))),
			want: art("“Hi” it’s", sec("", 0, para("‘quoted’"))),
		},
		{
			name: "ascii_quotes",
			opts: "ascii_quotes: true",
			in:   art("“Hi” it’s", sec("", 0, para("‘quoted’ „low“"))),
			want: art(`"Hi" it's`, sec("", 0, para(`'quoted' "low"`))),
		},
		{
			name: "empty blocks, items, rows, sections and stubs removed",
			in: withRelated(art("T",
				sec("", 0, para("  "), para("\u200b"), list(item("", " "), item("", "kept"))),
				sec("", 0, para("")),
				sec("Heading only", 2),
				sec("Table", 2, article.Block{Type: article.BlockTable, Rows: [][]string{{" ", ""}, {"a", " b "}}}),
			), article.Related{Title: " ", Snippet: "\u00a0"}, article.Related{Title: "Stub", Snippet: " s "}),
			want: withRelated(art("T",
				sec("", 0, list(item("", "kept"))),
				sec("Heading only", 2),
				sec("Table", 2, article.Block{Type: article.BlockTable, Rows: [][]string{{"a", "b"}}}),
			), article.Related{Title: "Stub", Snippet: "s"}),
		},
		{
			name: "code keeps its layout and entities",
			in:   art("T", sec("", 0, article.Block{Type: article.BlockCode, Text: "\nif x {\n    y &lt; 1   \n}\n\n"})),
			want: art("T", sec("", 0, article.Block{Type: article.BlockCode, Text: "if x {\n    y &lt; 1\n}"})),
		},
		{
			name: "right-to-left text is kept, only spaces normalized",
			in:   art("العلاج بالتدليك", sec("", 0, para("العلاج\u00a0بالتدليك  له فوائد\u200f."), para("טיפול  בעיסוי\u200e"))),
			want: art("العلاج بالتدليك", sec("", 0, para("العلاج بالتدليك له فوائد\u200f."), para("טיפול בעיסוי\u200e"))),
		},
		{
			name: "decimals, URLs, e-mail untouched",
			in:   art("T", sec("", 0, para("Take 3.5 mg, see https://example.org/a?b=1&c=2 or mail dr.smith@example.org."))),
			want: art("T", sec("", 0, para("Take 3.5 mg, see https://example.org/a?b=1&c=2 or mail dr.smith@example.org."))),
		},
		{
			name: "empty article",
			in:   &article.Article{},
			want: &article.Article{},
		},
	})
}
