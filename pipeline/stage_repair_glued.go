package pipeline

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/article"
)

// RepairGluedOptions configure the repair_glued stage.
type RepairGluedOptions struct {
	Headings        bool `mapstructure:"headings" doc:"a glued short title-case run at the end of a block (\"…lower back.What to Remember\") becomes a section heading"`
	MaxHeadingWords int  `mapstructure:"max_heading_words" doc:"longest glued run (in words) taken as a heading"`
}

func init() {
	Register(DefaultRegistry, "repair_glued",
		"Splits text where block boundaries were lost (\"…in the lower back.What to Remember\", \"…of your pain.Bottom line:\") into separate blocks; a glued short title-case run at the end of a block becomes a heading. Never splits e.g., U.S., Dr., 3.5 mg, URLs, e-mail addresses or initials.",
		func() RepairGluedOptions { return RepairGluedOptions{Headings: true, MaxHeadingWords: 10} },
		func(o RepairGluedOptions, _ Env) (Stage, error) {
			if o.MaxHeadingWords < 1 {
				return nil, optErr("max_heading_words", "must be ≥ 1, got %d", o.MaxHeadingWords)
			}
			return &repairGlued{opts: o}, nil
		})
}

type repairGlued struct{ opts RepairGluedOptions }

func (*repairGlued) Name() string { return "repair_glued" }

// GluedBoundaries returns the byte offsets in s where a sentence end is glued to the
// next sentence without a space ("back.What" → offset of "W"). It never reports a
// boundary inside an abbreviation, an initial, a decimal number, a URL or an e-mail.
//
// Each piece is judged on its own (context never reaches back before the previous
// boundary), so the pieces of a split have no boundaries left: splitting is idempotent.
func GluedBoundaries(s string) []int {
	var out []int
	start := 0 // start of the current piece
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '.' && c != '?' && c != '!' {
			continue
		}
		if i == 0 {
			continue
		}
		prev, _ := utf8.DecodeLastRuneInString(s[:i])
		if !unicode.IsLetter(prev) && !unicode.IsDigit(prev) && !isClosing(prev) && prev != '%' {
			continue
		}
		if c == '.' && unicode.IsUpper(prev) {
			continue // "PanARMENIAN.Net", "USA.Today": names, not sentence ends
		}
		// optional closing quotes/brackets after the terminator
		j := i + 1
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !isClosing(r) {
				break
			}
			j += size
		}
		if j >= len(s) || !startsSentenceWord(s[j:]) {
			continue
		}
		piece := s[start:]
		if i == start {
			continue
		}
		if c == '.' && isAbbrevDot(piece, i-start) {
			continue
		}
		if inURLOrEmail(piece, i-start, j-start) {
			continue
		}
		out = append(out, j)
		start = j
		i = j - 1
	}
	return out
}

// startsSentenceWord reports whether s starts with a capitalized word ("What",
// "It's") rather than an acronym or a code ("JS", "NET"): an upper-case letter
// followed by a lower-case letter or an apostrophe, or "I"/"A" followed by a space.
func startsSentenceWord(s string) bool {
	r, size := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) {
		return false
	}
	r2, _ := utf8.DecodeRuneInString(s[size:])
	if unicode.IsLower(r2) || r2 == '\'' || r2 == '’' {
		return true
	}
	return (r == 'I' || r == 'A') && r2 == ' '
}

// inURLOrEmail reports whether the boundary i..j lies inside a URL, an e-mail address,
// a domain name or a file name: the space-delimited token around it has a scheme, an
// '@', "www." or a '/', or its right part has another dot followed by a lower-case
// letter ("WebMD.com").
func inURLOrEmail(s string, i, j int) bool {
	// The token is looked for within tokenWindow bytes on each side, which keeps the
	// scan linear on texts without spaces.
	lo := max(0, i-tokenWindow)
	start := strings.LastIndexByte(s[lo:i], ' ') + 1 + lo
	hi := min(len(s), j+tokenWindow)
	end := strings.IndexByte(s[j:hi], ' ')
	if end < 0 {
		end = hi
	} else {
		end += j
	}
	tok := s[start:end]
	if strings.Contains(tok, "://") || strings.ContainsAny(tok, "@/\\") || strings.HasPrefix(strings.ToLower(tok), "www.") {
		return true
	}
	// "WebMD.com", "Guide.pdf": a later dot followed by a lower-case letter
	right := s[j:end]
	for k := strings.IndexByte(right, '.'); k >= 0 && k+1 < len(right); {
		r, _ := utf8.DecodeRuneInString(right[k+1:])
		if unicode.IsLower(r) {
			return true
		}
		n := strings.IndexByte(right[k+1:], '.')
		if n < 0 {
			break
		}
		k += 1 + n
	}
	return false
}

// tokenWindow bounds how far inURLOrEmail looks for the ends of a token.
const tokenWindow = 256

// splitGlued splits s at its glued boundaries.
func splitGlued(s string) []string {
	b := GluedBoundaries(s)
	if len(b) == 0 {
		return []string{s}
	}
	parts := make([]string, 0, len(b)+1)
	prev := 0
	for _, i := range b {
		parts = append(parts, strings.TrimSpace(s[prev:i]))
		prev = i
	}
	return append(parts, strings.TrimSpace(s[prev:]))
}

// gluedHeading reports whether a glued trailing run is a heading.
func (g *repairGlued) gluedHeading(p string) bool {
	if !g.opts.Headings || len(words(p)) > g.opts.MaxHeadingWords {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(p)
	if last == '!' {
		return false
	}
	return isHeadingLike(p)
}

// hasGlued reports whether any paragraph or list item of a has a glued boundary.
func hasGlued(a *article.Article) bool {
	for _, sec := range a.Sections {
		for _, b := range sec.Blocks {
			if !b.InText() {
				continue
			}
			switch b.Type {
			case article.BlockParagraph:
				if len(GluedBoundaries(b.Text)) > 0 {
					return true
				}
			case article.BlockList:
				for _, it := range b.Items {
					if len(GluedBoundaries(it.Text)) > 0 {
						return true
					}
				}
			}
		}
	}
	return false
}

func (g *repairGlued) Apply(_ context.Context, a *article.Article) (Verdict, error) {
	if !hasGlued(a) {
		return keep, nil
	}
	var out []article.Section
	changed := false
	for _, sec := range a.Sections {
		cur := article.Section{Heading: sec.Heading, Level: sec.Level}
		for _, b := range sec.Blocks {
			if !b.InText() {
				cur.Blocks = append(cur.Blocks, b)
				continue
			}
			var heading string
			switch b.Type {
			case article.BlockParagraph:
				parts := splitGlued(b.Text)
				if len(parts) == 1 {
					cur.Blocks = append(cur.Blocks, b)
					continue
				}
				changed = true
				if g.gluedHeading(parts[len(parts)-1]) {
					heading = parts[len(parts)-1]
					parts = parts[:len(parts)-1]
				}
				for k, p := range parts {
					nb := article.Block{Type: article.BlockParagraph, Text: p}
					if k == len(parts)-1 {
						nb.Truncated = b.Truncated
					}
					cur.Blocks = append(cur.Blocks, nb)
				}
			case article.BlockList:
				items := b.Items
				for k := range items {
					parts := splitGlued(items[k].Text)
					if len(parts) == 1 {
						continue
					}
					changed = true
					if k == len(items)-1 && len(parts) > 1 && g.gluedHeading(parts[len(parts)-1]) {
						heading = parts[len(parts)-1]
						parts = parts[:len(parts)-1]
					}
					items[k].Text = strings.Join(parts, " ")
				}
				cur.Blocks = append(cur.Blocks, b)
			default:
				cur.Blocks = append(cur.Blocks, b)
			}
			if heading != "" {
				out = append(out, cur)
				level := cur.Level
				if level < 2 {
					level = 2
				}
				cur = article.Section{Heading: heading, Level: level}
			}
		}
		out = append(out, cur)
	}
	if changed {
		a.Sections = out
	}
	return keep, nil
}
