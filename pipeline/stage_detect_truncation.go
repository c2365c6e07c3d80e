package pipeline

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/article"
)

// DetectTruncationOptions configure the detect_truncation stage.
type DetectTruncationOptions struct {
	Related      bool `mapstructure:"related" doc:"check related-stub snippets: one ending with …/... or mid-word (no final punctuation) is marked truncated and cut back to the last whole word, ending with …"`
	Body         bool `mapstructure:"body" doc:"check body paragraphs: one ending with …/... is marked truncated, and so is the last paragraph of the body ending in a lower-case letter; body text is never changed"`
	BodyMinWords int  `mapstructure:"body_min_words" doc:"the last body paragraph must have at least this many words to be judged cut mid-word"`
}

func init() {
	Register(DefaultRegistry, "detect_truncation",
		"Marks related snippets (and body paragraphs) that end mid-word or with …/... as truncated: true; snippets are cut back to the last whole word and end with \"…\" (\"Glial cells, also kn\" → \"Glial cells, also…\"), which keeps the stage idempotent whoever set truncated first.",
		func() DetectTruncationOptions {
			return DetectTruncationOptions{Related: true, Body: true, BodyMinWords: 8}
		},
		func(o DetectTruncationOptions, _ Env) (Stage, error) {
			if o.BodyMinWords < 0 {
				return nil, optErr("body_min_words", "must be ≥ 0, got %d", o.BodyMinWords)
			}
			return &detectTruncation{opts: o}, nil
		})
}

type detectTruncation struct{ opts DetectTruncationOptions }

func (*detectTruncation) Name() string { return "detect_truncation" }

// trimEllipsis removes a trailing "…" or "..." (and spaces before it).
func trimEllipsis(s string) (string, bool) {
	t := strings.TrimRightFunc(s, unicode.IsSpace)
	switch {
	case strings.HasSuffix(t, "…"):
		t = strings.TrimSuffix(t, "…")
	case strings.HasSuffix(t, "..."):
		t = strings.TrimRight(t, ".")
	default:
		return s, false
	}
	return trimDangling(t), true
}

// trimDangling removes spaces and dangling separators at the end of a cut text.
func trimDangling(s string) string {
	return strings.TrimRightFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:-–—(/&", r)
	})
}

// endsMidWord reports whether s stops without final punctuation: its last rune is a
// letter, a digit, a comma or a dash.
func endsMidWord(s string) bool {
	last, _ := utf8.DecodeLastRuneInString(s)
	// A number ends citations ("PMID: 34455667") and dates whole: only a
	// letter or a separator says the text stops mid-word.
	return unicode.IsLetter(last) || strings.ContainsRune(",-–", last)
}

// cutLastWord drops the (possibly partial) last word of s and dangling separators.
func cutLastWord(s string) string {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsLetter(last) || unicode.IsDigit(last) {
		i := strings.LastIndexFunc(s, unicode.IsSpace)
		if i < 0 {
			return ""
		}
		s = s[:i]
	}
	return trimDangling(s)
}

// CutTruncated returns s cut back to its last whole word and ending with "…", and
// whether s looked truncated: ending with an ellipsis ("…", "...": the word before it
// is kept, "..." becomes "…"), or, when midWord is set, stopping without final
// punctuation (the possibly partial last word is dropped: "Glial cells, also kn" →
// "Glial cells, also…"). The result is a fixpoint: CutTruncated of it is itself.
func CutTruncated(s string, midWord bool) (string, bool) {
	if s == "" {
		return s, false
	}
	t, ok := trimEllipsis(s)
	if !ok {
		if !midWord || !endsMidWord(s) {
			return s, false
		}
		t = cutLastWord(s)
	}
	if t == "" {
		return "", true
	}
	return t + "…", true
}

func (d *detectTruncation) Apply(_ context.Context, a *article.Article) (Verdict, error) {
	if d.opts.Related {
		for i := range a.Related {
			r := &a.Related[i]
			snip, cut := CutTruncated(r.Snippet, true)
			r.Snippet = snip
			r.Truncated = r.Truncated || cut
		}
	}
	if !d.opts.Body {
		return keep, nil
	}
	var last *article.Block
	for si := range a.Sections {
		for bi := range a.Sections[si].Blocks {
			b := &a.Sections[si].Blocks[bi]
			if !b.InText() {
				continue
			}
			last = b
			if b.Type != article.BlockParagraph {
				continue
			}
			if _, ok := trimEllipsis(b.Text); ok {
				b.Truncated = true // body text is kept as written
			}
		}
	}
	if last != nil && last.Type == article.BlockParagraph && !last.Truncated &&
		strings.Count(last.Text, " ")+1 >= d.opts.BodyMinWords {
		lastRune, _ := utf8.DecodeLastRuneInString(last.Text)
		lastWord := last.Text[strings.LastIndexByte(last.Text, ' ')+1:]
		if unicode.IsLower(lastRune) && !strings.ContainsAny(lastWord, "./@") {
			// In the body the last word may well be whole ("… 3.5 mg"): flag, keep the text.
			last.Truncated = true
		}
	}
	return keep, nil
}
