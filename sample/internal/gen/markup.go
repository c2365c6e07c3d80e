package main

import (
	"fmt"
	"html/template"
	"regexp"
	"strings"
)

// Block is one block of an article body, parsed from the content markup.
type Block struct {
	Kind  string // h2, h3, p, ul, ol, quote, table
	Text  string // raw markup text for h2/h3/p/quote
	ID    string // anchor id for headings
	Items []Item // ul/ol
	Rows  [][]string
	Class string // optional CSS class (e.g. "references")
}

// Item is one list item with optional nested list.
type Item struct {
	Text      string
	Sub       []Item
	SubKind   string // "ul" or "ol" for Sub
	subIndent int
}

var (
	olMarker = regexp.MustCompile(`^(\d+)\.\s+`)
	linkRe   = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
	urlRe    = regexp.MustCompile(`(^|[\s(])(https?://[^\s<)]*[^\s<).,;])`)
	pmidRe   = regexp.MustCompile(`PMID: (\d{6,9})`)
	strongRe = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	emRe     = regexp.MustCompile(`(^|[\s(])_([^_]+)_`)
)

// parseBody parses the content markup:
//
//	## Heading / ### Subheading
//	- item / - **Label:** text / "  - nested" (two spaces per level)
//	1. ordered item
//	> quote
//	| table | row |   (first row is the header)
//	anything else: a paragraph (lines joined with a space)
//
// Blocks are separated by blank lines.
func parseBody(body string) ([]Block, error) {
	var blocks []Block
	for _, chunk := range splitChunks(body) {
		first := chunk[0]
		switch {
		case strings.HasPrefix(first, "### "):
			t := strings.TrimPrefix(first, "### ")
			blocks = append(blocks, Block{Kind: "h3", Text: t, ID: slugify(t)})
		case strings.HasPrefix(first, "## "):
			t := strings.TrimPrefix(first, "## ")
			blocks = append(blocks, Block{Kind: "h2", Text: t, ID: slugify(t)})
		case strings.HasPrefix(first, "- ") || olMarker.MatchString(first):
			kind := "ul"
			if olMarker.MatchString(first) {
				kind = "ol"
			}
			items, err := parseList(chunk)
			if err != nil {
				return nil, err
			}
			blocks = append(blocks, Block{Kind: kind, Items: items})
		case strings.HasPrefix(first, "> "):
			var parts []string
			for _, l := range chunk {
				parts = append(parts, strings.TrimPrefix(l, "> "))
			}
			blocks = append(blocks, Block{Kind: "quote", Text: strings.Join(parts, " ")})
		case strings.HasPrefix(first, "|"):
			var rows [][]string
			for _, l := range chunk {
				l = strings.Trim(strings.TrimSpace(l), "|")
				var cells []string
				for _, c := range strings.Split(l, "|") {
					cells = append(cells, strings.TrimSpace(c))
				}
				rows = append(rows, cells)
			}
			blocks = append(blocks, Block{Kind: "table", Rows: rows})
		default:
			blocks = append(blocks, Block{Kind: "p", Text: strings.Join(chunk, " ")})
		}
	}
	// Mark the list that follows a "References" heading.
	for i := 1; i < len(blocks); i++ {
		if blocks[i].Kind == "ol" && blocks[i-1].Kind == "h2" && blocks[i-1].Text == "References" {
			blocks[i].Class = "references"
		}
	}
	return blocks, nil
}

func splitChunks(body string) [][]string {
	var chunks [][]string
	var cur []string
	for _, l := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(l) == "" {
			if len(cur) > 0 {
				chunks = append(chunks, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, strings.TrimRight(l, " \t"))
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

// parseList parses list lines; nesting by indentation (two spaces per level).
func parseList(lines []string) ([]Item, error) {
	type frame struct {
		items *[]Item
		kind  string
	}
	var root []Item
	stack := []frame{{items: &root}}
	indents := []int{0}
	for _, l := range lines {
		ind := len(l) - len(strings.TrimLeft(l, " "))
		t := strings.TrimLeft(l, " ")
		kind := "ul"
		switch {
		case strings.HasPrefix(t, "- "):
			t = strings.TrimPrefix(t, "- ")
		case olMarker.MatchString(t):
			kind = "ol"
			t = olMarker.ReplaceAllString(t, "")
		default:
			// continuation line of the previous item
			top := stack[len(stack)-1].items
			if len(*top) == 0 {
				return nil, fmt.Errorf("list line without marker: %q", l)
			}
			(*top)[len(*top)-1].Text += " " + t
			continue
		}
		for ind < indents[len(indents)-1] {
			stack = stack[:len(stack)-1]
			indents = indents[:len(indents)-1]
		}
		if ind > indents[len(indents)-1] {
			top := stack[len(stack)-1].items
			if len(*top) == 0 {
				return nil, fmt.Errorf("nested item without parent: %q", l)
			}
			parent := &(*top)[len(*top)-1]
			parent.SubKind = kind
			stack = append(stack, frame{items: &parent.Sub, kind: kind})
			indents = append(indents, ind)
		}
		top := stack[len(stack)-1].items
		*top = append(*top, Item{Text: t})
	}
	return root, nil
}

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// inline renders inline markup: **strong**, _em_, [text](url), bare URLs, PMIDs.
func inline(s string) string {
	s = textEscaper.Replace(s)
	s = strongRe.ReplaceAllString(s, "<strong>$1</strong>")
	s = emRe.ReplaceAllString(s, "$1<em>$2</em>")
	s = linkRe.ReplaceAllString(s, `<a href="$2">$1</a>`)
	s = urlRe.ReplaceAllString(s, `$1<a href="$2" rel="nofollow">$2</a>`)
	s = pmidRe.ReplaceAllString(s, `<a href="https://pubmed.ncbi.nlm.nih.gov/$1/" rel="nofollow">PMID: $1</a>`)
	return s
}

// plain returns the visible text of inline markup.
func plain(s string) string {
	s = strongRe.ReplaceAllString(s, "$1")
	s = emRe.ReplaceAllString(s, "$1$2")
	s = linkRe.ReplaceAllString(s, "$1")
	return s
}

func renderItems(b *strings.Builder, kind, class string, items []Item, depth int) {
	pad := strings.Repeat("\t", depth)
	if class != "" {
		fmt.Fprintf(b, "%s<%s class=\"%s\">\n", pad, kind, class)
	} else {
		fmt.Fprintf(b, "%s<%s>\n", pad, kind)
	}
	for _, it := range items {
		if len(it.Sub) == 0 {
			fmt.Fprintf(b, "%s\t<li>%s</li>\n", pad, inline(it.Text))
			continue
		}
		fmt.Fprintf(b, "%s\t<li>%s\n", pad, inline(it.Text))
		renderItems(b, it.SubKind, "", it.Sub, depth+2)
		fmt.Fprintf(b, "%s\t</li>\n", pad)
	}
	fmt.Fprintf(b, "%s</%s>\n", pad, kind)
}

// renderBlocks renders blocks as HTML. hook, when non-nil, is called before each
// block with its index and may return extra HTML (ads, newsletter boxes).
func renderBlocks(blocks []Block, depth int, hook func(i int) string) template.HTML {
	var b strings.Builder
	pad := strings.Repeat("\t", depth)
	for i, bl := range blocks {
		if hook != nil {
			b.WriteString(hook(i))
		}
		switch bl.Kind {
		case "h2", "h3":
			fmt.Fprintf(&b, "%s<%s id=\"%s\">%s</%s>\n", pad, bl.Kind, bl.ID, inline(bl.Text), bl.Kind)
		case "p":
			fmt.Fprintf(&b, "%s<p>%s</p>\n", pad, inline(bl.Text))
		case "quote":
			fmt.Fprintf(&b, "%s<blockquote><p>%s</p></blockquote>\n", pad, inline(bl.Text))
		case "ul", "ol":
			renderItems(&b, bl.Kind, bl.Class, bl.Items, depth)
		case "table":
			fmt.Fprintf(&b, "%s<table>\n%s\t<thead>\n%s\t\t<tr>", pad, pad, pad)
			for _, c := range bl.Rows[0] {
				fmt.Fprintf(&b, "<th>%s</th>", inline(c))
			}
			fmt.Fprintf(&b, "</tr>\n%s\t</thead>\n%s\t<tbody>\n", pad, pad)
			for _, r := range bl.Rows[1:] {
				fmt.Fprintf(&b, "%s\t\t<tr>", pad)
				for _, c := range r {
					fmt.Fprintf(&b, "<td>%s</td>", inline(c))
				}
				b.WriteString("</tr>\n")
			}
			fmt.Fprintf(&b, "%s\t</tbody>\n%s</table>\n", pad, pad)
		}
	}
	if hook != nil {
		b.WriteString(hook(len(blocks)))
	}
	return template.HTML(b.String()) //nolint:gosec // generated from our own content files
}

func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(plain(s)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return strings.TrimRight(b.String(), "-")
}
