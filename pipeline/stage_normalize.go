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
// every kind of space (line breaks included) collapsed to one ASCII space, trimmed.
func (n *normalize) Text(s string) string { return n.clean(s, false) }

// Para is Text for paragraph and quote text, which keeps single line breaks (the
// extractor writes <br> as "\n"): a run of white space holding a line break becomes
// one "\n".
func (n *normalize) Para(s string) string { return n.clean(s, true) }

func (n *normalize) clean(s string, keepNL bool) string {
	if s == "" || (!n.opts.ASCIIQuotes && isClean(s, keepNL)) || isCleanASCII(s, keepNL) {
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
	space, nl := false, false // a space / a line break is pending
	for _, r := range s {
		switch {
		case r == '\u00AD' || r == '\u200B' || r == '\u2060' || r == '\uFEFF' || r == '\uFFFD':
			// soft hyphen, zero-width space, word joiner, BOM, replacement char: dropped
			continue
		case keepNL && (r == '\n' || r == '\u2028' || r == '\u2029'):
			nl = true
			continue
		case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
			space = true
			continue
		case unicode.IsControl(r):
			continue
		}
		if b.Len() > 0 {
			if nl {
				b.WriteByte('\n')
			} else if space {
				b.WriteByte(' ')
			}
		}
		space, nl = false, false
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
	case article.BlockParagraph, article.BlockQuote:
		b.Text = n.Para(b.Text)
		return b.Text != ""
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
// spaces (with keepNL, single line breaks not next to a space are allowed too): text
// the extractor already normalized, which needs no work.
func isCleanASCII(s string, keepNL bool) bool {
	if s[0] == ' ' || s[len(s)-1] == ' ' || s[0] == '\n' || s[len(s)-1] == '\n' {
		return false
	}
	nl := false
	for i := 0; i < len(s); i++ {
		if !plainASCII[s[i]] {
			if !keepNL || s[i] != '\n' {
				return false
			}
			nl = true
		}
	}
	if strings.Contains(s, "  ") {
		return false
	}
	return !nl || !(strings.Contains(s, " \n") || strings.Contains(s, "\n ") || strings.Contains(s, "\n\n"))
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
func isClean(s string, keepNL bool) bool {
	if s[0] == ' ' || s[len(s)-1] == ' ' || s[0] == '\n' || s[len(s)-1] == '\n' {
		return false
	}
	prevSpace := false // previous byte was a space or a line break
	needNFC := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			ws := c == ' ' || (keepNL && c == '\n')
			if !plainASCII[c] && !ws || (ws && prevSpace) {
				return false
			}
			prevSpace = ws
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
