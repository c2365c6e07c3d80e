package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/healthcrawl/healthcrawl/article"
)

// FilterOptions configure the filter stage.
type FilterOptions struct {
	MinWords  int      `mapstructure:"min_words" doc:"drop articles whose body has fewer words (reason too_short); listing and other pages carry no body and are not measured"`
	Require   []string `mapstructure:"require" doc:"fields that must be non-empty (reason missing_<field>): title, description, authors, published_at, modified_at, language, url, canonical_url, site_name, image, reviewed_by, sections, related, references"`
	Languages []string `mapstructure:"languages" doc:"ISO 639-1 codes to keep (reason language_not_allowed); empty keeps every language"`
	PageTypes []string `mapstructure:"page_types" doc:"page types to keep (article, listing, other; reason page_type_not_allowed); empty keeps every type"`
}

func init() {
	Register(DefaultRegistry, "filter",
		"Drops records below a minimum word count, missing required fields, or in languages/page types not allowed. No language restriction by default.",
		func() FilterOptions { return FilterOptions{MinWords: 50, Require: []string{"title"}} },
		newFilter)
}

// fieldGetters tell whether a required field is present.
var fieldGetters = map[string]func(a *article.Article) bool{
	"title":         func(a *article.Article) bool { return a.Title != "" },
	"description":   func(a *article.Article) bool { return a.Description != "" },
	"authors":       func(a *article.Article) bool { return len(a.Authors) > 0 },
	"published_at":  func(a *article.Article) bool { return a.PublishedAt != "" },
	"modified_at":   func(a *article.Article) bool { return a.ModifiedAt != "" },
	"language":      func(a *article.Article) bool { return a.Language != "" },
	"url":           func(a *article.Article) bool { return a.URL != "" },
	"canonical_url": func(a *article.Article) bool { return a.CanonicalURL != "" },
	"site_name":     func(a *article.Article) bool { return a.SiteName != "" },
	"image":         func(a *article.Article) bool { return a.Image != "" },
	"reviewed_by":   func(a *article.Article) bool { return a.ReviewedBy != "" },
	"sections":      func(a *article.Article) bool { return len(a.Sections) > 0 },
	"related":       func(a *article.Article) bool { return len(a.Related) > 0 },
	"references":    func(a *article.Article) bool { return len(a.References) > 0 },
}

type filter struct{ opts FilterOptions }

func newFilter(o FilterOptions, _ Env) (Stage, error) {
	if o.MinWords < 0 {
		return nil, optErr("min_words", "must be ≥ 0, got %d", o.MinWords)
	}
	for i, f := range o.Require {
		if fieldGetters[f] == nil {
			return nil, optErr("require["+strconv.Itoa(i)+"]", "%q: unknown field", f)
		}
	}
	for i, l := range o.Languages {
		n := NormalizeLanguageTag(l)
		if len(n) != 2 {
			return nil, optErr("languages["+strconv.Itoa(i)+"]", "%q: not an ISO 639-1 code", l)
		}
		o.Languages[i] = n
	}
	for i, p := range o.PageTypes {
		if p != article.PageArticle && p != article.PageListing && p != article.PageOther {
			return nil, optErr("page_types["+strconv.Itoa(i)+"]", "%q: must be article, listing or other", p)
		}
	}
	return &filter{opts: o}, nil
}

func (*filter) Name() string { return "filter" }

// readOnly: Apply never modifies the record.
func (*filter) readOnly() {}

// readsText: the Runner finalizes the record before Apply (WordCount is read).
func (*filter) readsText() {}

func (f *filter) Apply(_ context.Context, a *article.Article) (Verdict, error) {
	for _, field := range f.opts.Require {
		if !fieldGetters[field](a) {
			return drop("missing_" + field), nil
		}
	}
	if len(f.opts.PageTypes) > 0 && !slices.Contains(f.opts.PageTypes, a.PageType) {
		return drop(fmt.Sprintf("page_type_not_allowed (%s)", a.PageType)), nil
	}
	if len(f.opts.Languages) > 0 {
		lang := NormalizeLanguageTag(a.Language)
		if !slices.Contains(f.opts.Languages, lang) {
			if lang == "" {
				lang = "unknown"
			}
			return drop(fmt.Sprintf("language_not_allowed (%s)", lang)), nil
		}
	}
	if f.opts.MinWords > 0 && (a.PageType == "" || a.PageType == article.PageArticle) {
		if a.WordCount < f.opts.MinWords {
			return drop(fmt.Sprintf("too_short (%d words < %d)", a.WordCount, f.opts.MinWords)), nil
		}
	}
	return keep, nil
}
