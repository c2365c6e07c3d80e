package pipeline

import (
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

func words60(lang string) *article.Article {
	a := art("Title", sec("", 0, para(strings.Repeat("word ", 60))))
	a.Language = lang
	return a
}

func TestFilter(t *testing.T) {
	short := art("Title", sec("", 0, para("Only a few words here.")))
	untitled := words60("en")
	untitled.Title = ""
	listing := words60("en")
	listing.PageType = article.PageListing
	emptyListing := &article.Article{Title: "Nutrition", PageType: article.PageListing}
	runStageCases(t, "filter", []stageCase{
		{name: "defaults keep a 60-word article in any language", in: words60("ar"), want: words60("ar")},
		{name: "too short", in: short, drop: "too_short (5 words < 50)"},
		{name: "min_words 0 keeps short", opts: "min_words: 0", in: short, want: short},
		{name: "title required by default", in: untitled, drop: "missing_title"},
		{name: "required fields", opts: "require: [title, language, authors]", in: words60("en"), drop: "missing_authors"},
		{name: "allowed languages keep", opts: "languages: [en, de]", in: words60("en"), want: words60("en")},
		{name: "allowed languages drop", opts: "languages: [en, de]", in: words60("he"), drop: "language_not_allowed (he)"},
		{name: "allowed languages drop unknown", opts: "languages: [en]", in: words60(""), drop: "language_not_allowed (unknown)"},
		{name: "page types", opts: "page_types: [article]", in: listing, drop: "page_type_not_allowed (listing)"},
		{name: "a listing page has no body and is not too short", in: emptyListing, want: emptyListing},
		{name: "empty article", opts: "require: []", in: &article.Article{}, drop: "too_short (0 words < 50)"},
	})
}

func TestFilterOptionErrors(t *testing.T) {
	for opts, want := range map[string]string{
		"min_words: -5":          "pipeline.stages[0].options.min_words: must be ≥ 0, got -5",
		"require: [title, nope]": `pipeline.stages[0].options.require[1]: "nope": unknown field`,
		"languages: [english]":   `pipeline.stages[0].options.languages[0]: "english": not an ISO 639-1 code`,
		"page_types: [blog]":     `pipeline.stages[0].options.page_types[0]: "blog": must be article, listing or other`,
		"min_word: 3":            "pipeline.stages[0].options.min_word: unknown option",
		"min_words: many":        "pipeline.stages[0].options.min_words: expected type",
	} {
		cfg := loadYAML(t, stageYAML("filter", opts))
		_, err := Build(cfg.Pipeline, nil)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: error = %v, want prefix %s", opts, err, want)
		}
	}
}
