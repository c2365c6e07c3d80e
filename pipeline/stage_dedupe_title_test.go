package pipeline

import (
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

func TestDedupeTitle(t *testing.T) {
	const title = "Can Massage Therapy Help Lower Back Pain?"
	runStageCases(t, "dedupe_title", []stageCase{
		{
			name: "title repeated as first blocks (twice, as in the seed)",
			in:   art(title, sec("", 0, para(title), para(title), para("Are you dealing with lower back pain?"))),
			want: art(title, sec("", 0, para("Are you dealing with lower back pain?"))),
		},
		{
			name: "title glued to the start of the first paragraph",
			in:   art(title, sec("", 0, para(title+" Are you dealing with lower back pain?"))),
			want: art(title, sec("", 0, para("Are you dealing with lower back pain?"))),
		},
		{
			name: "title as the first heading becomes the lead",
			in:   art(title, sec(title, 1, para("Body.")), sec("Why It Works", 2, para("More."))),
			want: art(title, sec("", 0, para("Body.")), sec("Why It Works", 2, para("More."))),
		},
		{
			name: "a paragraph whose subject is the title word is kept",
			in:   art("Diabetes", sec("", 0, para("Diabetes is a lifelong condition."))),
			want: art("Diabetes", sec("", 0, para("Diabetes is a lifelong condition."))),
		},
		{
			name: "title later in the body is kept",
			in:   art(title, sec("", 0, para("Intro."), para(title))),
			want: art(title, sec("", 0, para("Intro."), para(title))),
		},
		{
			name: "related: snippet repeating its title, cut-off title prefix, clean snippet",
			in: withRelated(art(title),
				article.Related{Title: "Understanding the Role of Glial Cells in Supporting Neurons", Snippet: "Understanding the Role of Glial Cells in Supporting Neurons Glial cells, also kn"},
				article.Related{Title: "Are There Any Side Effects or Problems Associated with Buying Generic Brands of Food Medicine and Cosmetics?", Snippet: "Are There Any Side Effects or Problems Associated with Buying Generic Brands of"},
				article.Related{Title: "Iron Deficiency", Snippet: "Iron deficiency is common."},
				article.Related{Title: "Ibuprofen", Snippet: "Ibuprofen"},
			),
			want: withRelated(art(title),
				article.Related{Title: "Understanding the Role of Glial Cells in Supporting Neurons", Snippet: "Glial cells, also kn"},
				article.Related{Title: "Are There Any Side Effects or Problems Associated with Buying Generic Brands of Food Medicine and Cosmetics?", Truncated: true},
				article.Related{Title: "Iron Deficiency", Snippet: "Iron deficiency is common."},
				article.Related{Title: "Ibuprofen"},
			),
		},
		{
			name: "related: off",
			opts: "related: false",
			in:   withRelated(art(title), article.Related{Title: "Ibuprofen", Snippet: "Ibuprofen"}),
			want: withRelated(art(title), article.Related{Title: "Ibuprofen", Snippet: "Ibuprofen"}),
		},
		{
			name: "right-to-left title repeated",
			in:   art("العلاج بالتدليك", sec("", 0, para("العلاج بالتدليك"), para("له فوائد عديدة."))),
			want: art("العلاج بالتدليك", sec("", 0, para("له فوائد عديدة."))),
		},
		{
			name: "abbreviations and decimals in the title",
			in:   art("U.S. Guidance on 3.5 mg Doses", sec("", 0, para("U.S. Guidance on 3.5 mg Doses"), para("Dr. Roe explains."))),
			want: art("U.S. Guidance on 3.5 mg Doses", sec("", 0, para("Dr. Roe explains."))),
		},
		{name: "empty title and article", in: &article.Article{}, want: &article.Article{}},
	})
}
