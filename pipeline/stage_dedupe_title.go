package pipeline

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/article"
)

// DedupeTitleOptions configure the dedupe_title stage.
type DedupeTitleOptions struct {
	Body    bool `mapstructure:"body" doc:"remove the title repeated as the first block, first heading or start of the first paragraph"`
	Related bool `mapstructure:"related" doc:"strip a related stub's own title from the start of its snippet; a snippet that is only a cut-off prefix of the title becomes empty (truncated)"`
}

func init() {
	Register(DefaultRegistry, "dedupe_title",
		"Removes the title repeated in the body (as the first block, the first heading or the start of the first paragraph) and a related stub's title repeated at the start of its snippet.",
		func() DedupeTitleOptions { return DedupeTitleOptions{Body: true, Related: true} },
		func(o DedupeTitleOptions, _ Env) (Stage, error) { return &dedupeTitle{opts: o}, nil })
}

type dedupeTitle struct{ opts DedupeTitleOptions }

func (*dedupeTitle) Name() string { return "dedupe_title" }

// titleKey compares titles: lower case, words only.
func titleKey(s string) string { return boilerKey(s) }

// stripTitlePrefix returns s without a leading copy of title (compared
// case-insensitively, word by word) and the separators after it. ok is false when s
// does not start with title.
func stripTitlePrefix(s, title string) (rest string, ok bool) {
	tk := titleKey(title)
	if tk == "" {
		return s, false
	}
	// Walk s consuming title words.
	tw := strings.Fields(tk)
	i := 0
	for _, w := range tw {
		// skip non-word runes
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				break
			}
			i += size
		}
		j := i
		var got strings.Builder
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if r == '\'' || r == '’' {
				j += size
				continue
			}
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			got.WriteRune(unicode.ToLower(r))
			j += size
		}
		if got.String() != w {
			return s, false
		}
		i = j
	}
	// The title must end at a word boundary; swallow its closing punctuation.
	if i < len(s) {
		r, _ := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return s, false
		}
	}
	rest = strings.TrimLeftFunc(s[i:], func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("?!.:;,-–—|·•»\"”’)", r)
	})
	return rest, true
}

// isCutPrefixOf reports whether s is a cut-off start of title ("… Brands of" for a
// longer title), ignoring a trailing ellipsis.
func isCutPrefixOf(s, title string) bool {
	s = strings.TrimRight(strings.TrimSpace(s), ".…")
	sk, tk := titleKey(s), titleKey(title)
	if sk == "" || len(sk) >= len(tk) {
		return false
	}
	return strings.HasPrefix(tk, sk)
}

func (d *dedupeTitle) Apply(_ context.Context, a *article.Article) (Verdict, error) {
	if d.opts.Body && titleKey(a.Title) != "" {
		d.body(a)
	}
	if d.opts.Related {
		for i := range a.Related {
			r := &a.Related[i]
			if r.Snippet == "" || titleKey(r.Title) == "" {
				continue
			}
			if titleKey(r.Snippet) == titleKey(r.Title) {
				r.Snippet = ""
				continue
			}
			if isCutPrefixOf(r.Snippet, r.Title) {
				r.Snippet = ""
				r.Truncated = true
				continue
			}
			if rest, ok := stripTitlePrefix(r.Snippet, r.Title); ok && startsNewSentence(rest) {
				r.Snippet = rest
			}
		}
	}
	return keep, nil
}

// body removes the title repeated at the start of the body.
func (d *dedupeTitle) body(a *article.Article) {
	tk := titleKey(a.Title)
	for len(a.Sections) > 0 {
		s := &a.Sections[0]
		if s.Heading != "" {
			if titleKey(s.Heading) != tk {
				return
			}
			// The title as the first heading: its blocks become the lead.
			s.Heading, s.Level = "", 0
		}
		if len(s.Blocks) == 0 {
			a.Sections = a.Sections[1:]
			continue
		}
		b := &s.Blocks[0]
		if b.Type != article.BlockParagraph {
			return
		}
		if len(b.Text) <= 2*len(a.Title)+8 && titleKey(b.Text) == tk {
			s.Blocks = s.Blocks[1:]
			continue // the title may be repeated more than once
		}
		rest, ok := stripTitlePrefix(b.Text, a.Title)
		if !ok || rest == "" || !titleEndsAtSentence(a.Title, rest) {
			return
		}
		b.Text = rest
		return
	}
	if len(a.Sections) == 0 {
		a.Sections = nil
	}
}

// titleEndsAtSentence reports whether a title glued to the start of a paragraph is a
// repeat rather than the paragraph's own subject ("Diabetes is …" keeps its subject):
// the rest must start a new sentence and the title must read as a headline.
func titleEndsAtSentence(title, rest string) bool {
	if !startsNewSentence(rest) {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(strings.TrimSpace(title))
	return strings.ContainsRune("?!.:", last) || len(strings.Fields(title)) >= 3
}

// startsNewSentence reports whether rest starts like a sentence (upper case, digit,
// opening quote) or is in a script without case.
func startsNewSentence(rest string) bool {
	r, _ := utf8.DecodeRuneInString(rest)
	if unicode.IsLetter(r) && !unicode.IsUpper(r) && !unicode.IsLower(r) {
		return true
	}
	return unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune("\"“'‘", r)
}
