package pipeline

import (
	"context"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/article"
	"golang.org/x/text/unicode/norm"
)

// NormalizeOptions configure the normalize stage.
type NormalizeOptions struct {
	ASCIIQuotes bool `mapstructure:"ascii_quotes" doc:"replace typographic quotes (‘’‚‛“”„‟′″) with ASCII ' and \""`
}

func init() {
	Register(DefaultRegistry, "normalize",
		"Unicode NFC, HTML entities decoded, non-breaking/zero-width spaces and soft hyphens handled, whitespace collapsed, blocks trimmed, empty blocks, items, rows, sections and related stubs removed.",
		func() NormalizeOptions { return NormalizeOptions{} },
		func(o NormalizeOptions, _ Env) (Stage, error) { return &normalize{opts: o}, nil })
}

type normalize struct{ opts NormalizeOptions }

func (*normalize) Name() string { return "normalize" }

var asciiQuotes = strings.NewReplacer("‘", "'", "’", "'", "‚", "'", "‛", "'", "′", "'",
	"“", "\"", "”", "\"", "„", "\"", "‟", "\"", "″", "\"")

// Text normalizes one line of text: entities decoded (to a fixpoint, so double-escaped
// "&amp;amp;" settles and the stage stays idempotent), NFC, invisible characters removed,
// every kind of space collapsed to one ASCII space, trimmed.
func (n *normalize) Text(s string) string {
	if s == "" || (!n.opts.ASCIIQuotes && isClean(s)) || isCleanASCII(s) {
		return s
	}
	for i := 0; i < 4 && strings.IndexByte(s, '&') >= 0; i++ {
		u := html.UnescapeString(s)
		if u == s {
			break
		}
		s = u
	}
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	if n.opts.ASCIIQuotes {
		s = asciiQuotes.Replace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is pending
	for _, r := range s {
		switch {
		case r == '\u00AD' || r == '\u200B' || r == '\u2060' || r == '\uFEFF' || r == '\uFFFD':
			// soft hyphen, zero-width space, word joiner, BOM, replacement char: dropped
			continue
		case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
			space = true
			continue
		case unicode.IsControl(r):
			continue
		}
		if b.Len() > 0 && space {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// code keeps a code block's layout (entities are left alone: code may show them): NFC, trailing spaces and blank edges trimmed.
func (n *normalize) code(s string) string {
	s = norm.NFC.String(strings.ReplaceAll(s, "\r\n", "\n"))
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

func (n *normalize) Apply(_ context.Context, a *article.Article) (Verdict, error) {
	t := n.Text
	a.Title = t(a.Title)
	a.Description = t(a.Description)
	a.SiteName = t(a.SiteName)
	a.ReviewedBy = t(a.ReviewedBy)
	a.Language = strings.TrimSpace(a.Language)
	a.Authors = cleanList(a.Authors, t)
	a.Tags = cleanList(a.Tags, t)

	secs := a.Sections[:0]
	for _, s := range a.Sections {
		s.Heading = t(s.Heading)
		blocks := s.Blocks[:0]
		for _, b := range s.Blocks {
			if n.block(&b) {
				blocks = append(blocks, b)
			}
		}
		s.Blocks = blocks
		if s.Heading == "" && len(s.Blocks) == 0 {
			continue
		}
		secs = append(secs, s)
	}
	if len(secs) == 0 {
		secs = nil
	}
	a.Sections = secs

	rel := a.Related[:0]
	for _, r := range a.Related {
		r.Title = t(r.Title)
		r.Snippet = t(r.Snippet)
		r.URL = strings.TrimSpace(r.URL)
		if r.Title == "" && r.Snippet == "" {
			continue
		}
		rel = append(rel, r)
	}
	if len(rel) == 0 {
		rel = nil
	}
	a.Related = rel

	refs := a.References[:0]
	for _, r := range a.References {
		r.Text = t(r.Text)
		if r.Text == "" && r.URL == "" && r.DOI == "" && r.PMID == "" {
			continue
		}
		refs = append(refs, r)
	}
	if len(refs) == 0 {
		refs = nil
	}
	a.References = refs
	return keep, nil
}

// block normalizes b in place and reports whether it is still non-empty.
func (n *normalize) block(b *article.Block) bool {
	switch b.Type {
	case article.BlockCode:
		b.Text = n.code(b.Text)
		return b.Text != ""
	case article.BlockList:
		items := b.Items[:0]
		for _, it := range b.Items {
			it.Label = n.Text(it.Label)
			it.Text = n.Text(it.Text)
			if it.Label == "" && it.Text == "" {
				continue
			}
			items = append(items, it)
		}
		b.Items = items
		if len(items) == 0 {
			b.Items = nil
		}
		return len(items) > 0
	case article.BlockTable:
		rows := b.Rows[:0]
		for _, r := range b.Rows {
			empty := true
			for i, c := range r {
				r[i] = n.Text(c)
				if r[i] != "" {
					empty = false
				}
			}
			if !empty {
				rows = append(rows, r)
			}
		}
		b.Rows = rows
		if len(rows) == 0 {
			b.Rows = nil
		}
		return len(rows) > 0
	default:
		b.Text = n.Text(b.Text)
		return b.Text != ""
	}
}

func cleanList(in []string, t func(string) string) []string {
	out := in[:0]
	for _, s := range in {
		if s = t(s); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// isCleanASCII reports printable ASCII without entities, runs of spaces or edge
// spaces: text the extractor already normalized, which needs no work.
func isCleanASCII(s string) bool {
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !plainASCII[s[i]] {
			return false
		}
	}
	return !strings.Contains(s, "  ")
}

// plainASCII marks the bytes isCleanASCII accepts: printable ASCII but '&'.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '&'
	}
	return t
}()

// isClean reports text with nothing to normalize: valid UTF-8 in NFC, no entity, no
// control or invisible character, only single ASCII spaces, no edge spaces. The NFC
// check only runs when a rune outside Latin-1 and General Punctuation (whose
// characters are NFC-stable) appears.
func isClean(s string) bool {
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	needNFC := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !plainASCII[c] && c != ' ' || (c == ' ' && prevSpace) {
				return false
			}
			prevSpace = c == ' '
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError, r == '\u00AD', r == '\u200B', r == '\u2060', r == '\uFEFF',
			unicode.IsSpace(r), unicode.Is(unicode.Zs, r), unicode.IsControl(r):
			return false
		case r >= 0x300 && (r < 0x2000 || r > 0x206F):
			needNFC = true
		}
		prevSpace = false
		i += size
	}
	return !needNFC || norm.NFC.IsNormalString(s)
}
