package output_test

import (
	"fmt"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/healthcrawl/healthcrawl/article"
)

// richRecord is a record with every field set, nested parts included, and text that
// stresses encoders: quotes, commas, newlines, non-ASCII, HTML-ish characters.
func richRecord(i int) *article.Article {
	fetched := time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.UTC).Add(time.Duration(i) * time.Hour)
	a := &article.Article{
		SchemaVersion: article.SchemaVersion,
		Source:        fmt.Sprintf("https://health.example/articles/%d", i),
		URL:           fmt.Sprintf("https://health.example/articles/%d-back-pain", i),
		CanonicalURL:  fmt.Sprintf("https://health.example/articles/%d", i),
		Site:          []string{"health-example", "wellness"}[i%2],
		FetchedAt:     &fetched,
		PageType:      article.PageArticle,
		Change:        "new",
		Title:         fmt.Sprintf("Back pain, \"massage\" & you — part %d", i),
		Description:   "A line\nwith a newline, a comma, and ünïcödé 漢字",
		Authors:       []string{"Dr. Ann Lee", "Bo Park, RN"},
		PublishedAt:   fmt.Sprintf("2025-%02d-10", i%12+1),
		ModifiedAt:    "2025-12-01T10:00:00Z",
		Language:      "en",
		SiteName:      "Health Example",
		Tags:          []string{"pain", "massage"},
		Image:         "https://health.example/img.jpg",
		ReviewedBy:    "Dr. Reviewer, MD",
		ReviewedAt:    "2025-11-30",
		Sections: []article.Section{
			{Blocks: []article.Block{
				{Type: article.BlockList, Role: article.RoleTOC, Items: []article.ListItem{{Text: "Why it works"}, {Text: "Sources"}}},
				{Type: article.BlockParagraph, Text: "Lead with \"quotes\", commas; and <b>tags</b>."},
			}},
			{Heading: "Why it works", Level: 2, Blocks: []article.Block{
				{Type: article.BlockList, Ordered: true, Items: []article.ListItem{
					{Label: "Blood flow", Text: "Massage promotes blood flow."},
					{Text: "Nested item", Depth: 1},
				}},
				{Type: article.BlockTable, Rows: [][]string{{"Dose", "Unit"}, {"3.5", "mg"}}},
				{Type: article.BlockQuote, Text: "A quote…", Truncated: true},
			}},
			{Heading: "Empty heading section", Level: 3},
		},
		Related: []article.Related{
			{Title: "Glial cells", URL: "https://health.example/glial", Snippet: "Glial cells, also…", Truncated: true},
			{Title: "Generic brands"},
		},
		References: []article.Reference{{Text: "Smith 2020", URL: "https://doi.org/10.1/x", DOI: "10.1/x", PMID: "123"}},
	}
	a.Finalize()
	return a
}

func richRecords(n int) []*article.Article {
	out := make([]*article.Article, n)
	for i := range out {
		out[i] = richRecord(i)
	}
	// a sparse record: optional fields absent
	if n > 2 {
		sparse := &article.Article{PageType: article.PageOther, Source: "saved/page.html"}
		sparse.Finalize()
		out[n-1] = sparse
	}
	return out
}

// equateEmpty treats nil and empty slices alike: formats do not tell them apart.
var equateEmpty = cmpopts.EquateEmpty()

func diffRecords(want, got []*article.Article, opts ...cmp.Option) string {
	return cmp.Diff(want, got, append([]cmp.Option{equateEmpty}, opts...)...)
}
