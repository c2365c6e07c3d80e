package pipeline

import (
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

func rel(title, snippet string, trunc bool) article.Related {
	return article.Related{Title: title, Snippet: snippet, Truncated: trunc}
}

func truncPara(s string) article.Block {
	b := para(s)
	b.Truncated = true
	return b
}

func TestDetectTruncation(t *testing.T) {
	runStageCases(t, "detect_truncation", []stageCase{
		{
			name: "related snippets: mid-word, ellipsis, dots, complete, empty",
			in: withRelated(art("T"),
				rel("A", "Glial cells, also kn", false),
				rel("B", "Iron is needed for red blood cells…", false),
				rel("C", "Iron is needed for red blood ce...", false),
				rel("D", "A complete sentence.", false),
				rel("E", "", false),
				rel("F", "Ends with a question?", false),
				rel("G", "Single", false),
				rel("H", "Dose is 3.5 mg daily (see below)", false),
			),
			want: withRelated(art("T"),
				rel("A", "Glial cells, also…", true),
				rel("B", "Iron is needed for red blood cells…", true),
				rel("C", "Iron is needed for red blood ce…", true),
				rel("D", "A complete sentence.", false),
				rel("E", "", false),
				rel("F", "Ends with a question?", false),
				rel("G", "", true),
				rel("H", "Dose is 3.5 mg daily (see below)", false),
			),
		},
		{
			name: "flagged but uncut snippets (as an extractor may leave them) are cut once",
			in:   withRelated(art("T"), rel("A", "Glial cells, also kn", true), rel("B", "Glial cells, also…", true), rel("C", "…", false), rel("D", "Whole sentence.", true)),
			want: withRelated(art("T"), rel("A", "Glial cells, also…", true), rel("B", "Glial cells, also…", true), rel("C", "", true), rel("D", "Whole sentence.", true)),
		},
		{
			name: "body: ellipsis anywhere, the last paragraph ending mid-word",
			in:   art("T", sec("", 0, para("And then ..."), para("Fine."), para("The usual adult dose of this medicine is 3.5 mg twice a day with fo"))),
			want: art("T", sec("", 0, truncPara("And then ..."), para("Fine."), truncPara("The usual adult dose of this medicine is 3.5 mg twice a day with fo"))),
		},
		{
			name: "body: short last paragraph, URL, upper case and other scripts are not truncated",
			in:   art("T", sec("", 0, para("Read more at example.org"), para("Learn more at the NHS website about the NHS"), para("العلاج بالتدليك مفيد جدا لآلام الظهر عند الكثير من الناس"), para("See our guide"))),
			want: art("T", sec("", 0, para("Read more at example.org"), para("Learn more at the NHS website about the NHS"), para("العلاج بالتدليك مفيد جدا لآلام الظهر عند الكثير من الناس"), para("See our guide"))),
		},
		{
			name: "body off",
			opts: "body: false",
			in:   art("T", sec("", 0, para("And then…"))),
			want: art("T", sec("", 0, para("And then…"))),
		},
		{
			name: "related off",
			opts: "related: false",
			in:   withRelated(art("T"), rel("A", "Glial cells, also kn", false)),
			want: withRelated(art("T"), rel("A", "Glial cells, also kn", false)),
		},
		{name: "empty", in: &article.Article{}, want: &article.Article{}},
	})
}
