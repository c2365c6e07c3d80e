package extractors

import (
	"bytes"
	"fmt"
	"log/slog"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// golang.org/x/net/html refuses a document whose stack of open elements grows
// past 512 (html.Parse: "open stack of elements exceeds 512 nodes"), and a page
// can nest that deep: a page builder's wrappers, a template that never closes its
// <div>s, a hostile page. A browser reads such a page; so does parseHTML, by
// flattening it (flattenDeep): the elements in the middle of a too deep nesting
// lose their tags, their text and children staying where they were, so the
// outer layout and the article's own structure deep inside (headings,
// paragraphs, lists, tables) are both kept.

// flattening says how flattenDeep flattens a page.
type flattening struct {
	// An element keeps its tags when fewer than top elements are open around it,
	// or when fewer than bottom levels of elements are nested in it.
	top, bottom int
	// noFormatting drops the tags of the formatting elements (<a>, <b>, <i>,
	// <font>, …): the parser reopens an unclosed one in every new block, and a
	// page can nest deep that way with no deep tags.
	noFormatting bool
}

// flattenings are the ways parseHTML flattens a page that cannot be parsed as it
// is, in turn. The first keeps the structure of any real page; the second drops
// the formatting elements too (their text stays), so that the parser reopens
// none; the last keeps no element at all: text only, which always parses.
var flattenings = []flattening{{128, 128, false}, {128, 128, true}, {0, 0, true}}

// MaxElements is the number of elements of a page the extractor reads: a page
// with more (a flood of links, a hostile page) is read up to its MaxElements-th
// element and the rest is left out, so that one page cannot hold hundreds of
// megabytes of DOM (about 150 bytes an element). Real article pages have far fewer:
// at most 15,793 in the 1,616 pages of the benchmark data sets.
const MaxElements = 100_000

// capElements cuts body before its (limit+1)-th element; cut reports whether it did.
// Only a page with more than limit '<' bytes is tokenized to find the place.
func capElements(body []byte, limit int) (_ []byte, cut bool) {
	if bytes.Count(body, []byte{'<'}) <= limit {
		return body, false
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	n, off := 0, 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return body, false
		case html.StartTagToken, html.SelfClosingTagToken:
			if n++; n > limit {
				return body[:off], true
			}
		}
		off += len(z.Raw())
	}
}

// parseHTML parses a UTF-8 page (without scripting: <noscript> holds markup); a
// page nested too deep for the parser is flattened (flattenDeep) and parsed again.
func parseHTML(body []byte) (*html.Node, error) {
	root, err := html.ParseWithOptions(bytes.NewReader(body), html.ParseOptionEnableScripting(false))
	if err == nil {
		return root, nil
	}
	for _, fl := range flattenings {
		r, ferr := html.ParseWithOptions(bytes.NewReader(flattenDeep(body, fl)), html.ParseOptionEnableScripting(false))
		if ferr == nil {
			slog.Debug("extract: page nested too deep, flattened", "flattening", fl, "cause", err)
			return r, nil
		}
	}
	return nil, fmt.Errorf("%w (even flattened to its text)", err)
}

// openTag is an element open in a flattener.
type openTag struct {
	name string
	a    atom.Atom
	el   int32 // the element's ordinal: its start tag is the el-th that opened one
	kept bool  // its tags are written
}

// flattener follows the nesting of a page's tags (flattenDeep).
type flattener struct {
	stack   []openTag
	open    map[string]int // elements of stack by name: an end tag naming none is stray
	foreign int            // <svg> and <math> elements open
	// heights[el] is the height of element el: 0 without child elements, else one
	// more than its highest child's (measured by the first pass).
	heights []int32
	measure bool  // first pass: heights are being measured
	count   int32 // elements opened so far
}

func (f *flattener) push(name string, a atom.Atom, keep bool) {
	if f.measure {
		f.heights = append(f.heights, 0)
	}
	f.stack = append(f.stack, openTag{name: name, a: a, el: f.count, kept: keep})
	f.count++
	f.open[name]++
	if name == "svg" || name == "math" {
		f.foreign++
	}
}

// popTo closes stack[i:], innermost first.
func (f *flattener) popTo(i int) {
	for j := len(f.stack) - 1; j >= i; j-- {
		o := f.stack[j]
		if f.measure && j > 0 {
			p := f.stack[j-1].el
			f.heights[p] = max(f.heights[p], f.heights[o.el]+1)
		}
		f.open[o.name]--
		if o.name == "svg" || o.name == "math" {
			f.foreign--
		}
	}
	f.stack = f.stack[:i]
}

// flattenDeep returns body with the tags of the elements in the middle of a too
// deep nesting removed: an element keeps its tags when fewer than fl.top elements
// are open around it, or when fewer than fl.bottom levels of elements are nested
// in it; so no element is nested in more than top+bottom kept ones. The text and
// children of an element that loses its tags stay where they were, in its nearest
// kept ancestor. With top and bottom 0 only text, void elements and raw text
// elements are left.
//
// The nesting is followed as tags say it (an end tag closes the nearest open
// element of its name and those inside it), with the implied ends of the elements
// HTML closes by themselves (<p>, <li>, <td>, … before a sibling), void elements,
// self-closing tags in SVG and MathML, and the raw text of <script>, <style>,
// <textarea> and the like, written whole (a script never turns into text;
// <noscript> holds markup, as the extractor parses without scripting). Every byte
// written is a token of body as it was (Tokenizer.Raw). Two tokenizer passes (the
// first measures the heights); the work is linear in the length of body.
func flattenDeep(body []byte, fl flattening) []byte {
	f := &flattener{open: map[string]int{}, measure: true}
	f.walk(body, nil, fl)
	f.measure = false
	out := make([]byte, 0, len(body))
	f.walk(body, &out, fl)
	return out
}

// walk tokenizes body, following the nesting of its elements; out, when not nil,
// receives the tokens kept.
func (f *flattener) walk(body []byte, out *[]byte, fl flattening) {
	f.stack, f.foreign, f.count = f.stack[:0], 0, 0
	clear(f.open)
	write := func(b []byte) {
		if out != nil {
			*out = append(*out, b...)
		}
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			f.popTo(0)
			return
		}
		raw := z.Raw()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			bname, _ := z.TagName()
			a := atom.Lookup(bname)
			switch {
			case fl.noFormatting && formattingElements[a]:
				continue
			case voidElements[a] || (tt == html.SelfClosingTagToken && f.foreign > 0):
				write(raw)
				continue
			case f.foreign > 0 || a == atom.Noscript:
				z.NextIsNotRawText() // as the parser does: markup, not raw text
			case rawTextElements[a]:
				// Its text is the next token and its end tag the one after: it adds
				// one element for a moment, whatever the budgets.
				write(raw)
				continue
			}
			n := len(f.stack)
			for n > 0 && closesSibling(a, f.stack[n-1].a) {
				n--
			}
			f.popTo(n)
			keep := !f.measure && (len(f.stack) < fl.top || int(f.heights[f.count]) < fl.bottom)
			f.push(string(bname), a, keep)
			if keep {
				write(raw)
			}
		case html.EndTagToken:
			bname, _ := z.TagName()
			name := string(bname)
			a := atom.Lookup(bname)
			if fl.noFormatting && formattingElements[a] {
				continue
			}
			i := f.closing(name, a)
			if i < 0 {
				if rawTextElements[a] || fl.top+fl.bottom > 0 {
					write(raw) // the end of raw text, or an end tag the parser ignores
				}
				continue
			}
			kept := f.stack[i].kept
			f.popTo(i)
			if kept {
				write(raw)
			}
		case html.TextToken:
			write(raw)
		default: // comments, doctype
			if fl.top+fl.bottom > 0 {
				write(raw)
			}
		}
	}
}

// closing returns the index in the stack of the element the end tag name (atom
// a) closes, or -1 when it closes none, as the parser decides in the main: the
// end tag of a special element (<div>, <li>, <td>, …) does not reach past a
// table, a cell, a template or an object, and any other end tag (<span>, <b>,
// <font>, …) does not reach past a special element.
func (f *flattener) closing(name string, a atom.Atom) int {
	if f.open[name] == 0 {
		return -1
	}
	special := specialElements[a]
	for i := len(f.stack) - 1; i >= 0; i-- {
		o := f.stack[i]
		if o.name == name {
			return i
		}
		if special && scopeBoundaries[o.a] && !(tableParts[a] && (o.a == atom.Td || o.a == atom.Th)) {
			return -1
		}
		if !special && specialElements[o.a] {
			return -1
		}
	}
	return -1
}

// specialElements are the elements of the "special" category of the HTML parser,
// which other end tags do not close.
var specialElements = func() map[atom.Atom]bool {
	m := map[atom.Atom]bool{}
	for _, a := range []atom.Atom{atom.Address, atom.Applet, atom.Area, atom.Article, atom.Aside,
		atom.Base, atom.Basefont, atom.Bgsound, atom.Blockquote, atom.Body, atom.Br, atom.Button,
		atom.Caption, atom.Center, atom.Col, atom.Colgroup, atom.Dd, atom.Details, atom.Dir,
		atom.Div, atom.Dl, atom.Dt, atom.Embed, atom.Fieldset, atom.Figcaption, atom.Figure,
		atom.Footer, atom.Form, atom.Frame, atom.Frameset, atom.H1, atom.H2, atom.H3, atom.H4,
		atom.H5, atom.H6, atom.Head, atom.Header, atom.Hgroup, atom.Hr, atom.Html, atom.Iframe,
		atom.Img, atom.Input, atom.Keygen, atom.Li, atom.Link, atom.Listing, atom.Main,
		atom.Marquee, atom.Menu, atom.Meta, atom.Nav, atom.Noembed, atom.Noframes, atom.Noscript,
		atom.Object, atom.Ol, atom.P, atom.Param, atom.Plaintext, atom.Pre, atom.Script,
		atom.Search, atom.Section, atom.Select, atom.Source, atom.Style, atom.Summary, atom.Table,
		atom.Tbody, atom.Td, atom.Template, atom.Textarea, atom.Tfoot, atom.Th, atom.Thead,
		atom.Title, atom.Tr, atom.Track, atom.Ul, atom.Wbr, atom.Xmp,
		atom.Mi, atom.Mo, atom.Mn, atom.Ms, atom.Mtext, atom.AnnotationXml,
		atom.ForeignObject, atom.Desc} {
		m[a] = true
	}
	return m
}()

// scopeBoundaries end the scope an end tag of a special element looks in.
var scopeBoundaries = map[atom.Atom]bool{
	atom.Applet: true, atom.Caption: true, atom.Html: true, atom.Table: true, atom.Td: true,
	atom.Th: true, atom.Marquee: true, atom.Object: true, atom.Template: true,
}

// tableParts are closed past an open cell (the parser closes the cell first).
var tableParts = map[atom.Atom]bool{
	atom.Tr: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true, atom.Table: true,
}

// formattingElements are the elements the parser reopens when they were left open.
var formattingElements = map[atom.Atom]bool{
	atom.A: true, atom.B: true, atom.Big: true, atom.Code: true, atom.Em: true, atom.Font: true,
	atom.I: true, atom.Nobr: true, atom.S: true, atom.Small: true, atom.Strike: true,
	atom.Strong: true, atom.Tt: true, atom.U: true,
}

// voidElements have no content and no end tag.
var voidElements = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true,
	atom.Hr: true, atom.Img: true, atom.Input: true, atom.Link: true, atom.Meta: true,
	atom.Source: true, atom.Track: true, atom.Wbr: true, atom.Param: true, atom.Keygen: true,
}

// rawTextElements hold text the tokenizer reads up to their end tag.
var rawTextElements = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Textarea: true, atom.Title: true,
	atom.Xmp: true, atom.Iframe: true, atom.Noembed: true, atom.Noframes: true,
	atom.Plaintext: true,
}

// closesSibling reports whether a start tag a ends the open element top (the
// implied end tags of HTML: a new <li> ends the open <li>, a <p> or a block the
// open <p>, …).
func closesSibling(a, top atom.Atom) bool {
	switch top {
	case atom.P:
		return pClosers[a]
	case atom.Li:
		return a == atom.Li
	case atom.Dt, atom.Dd:
		return a == atom.Dt || a == atom.Dd
	case atom.Option:
		return a == atom.Option || a == atom.Optgroup
	case atom.Tr:
		return a == atom.Tr
	case atom.Td, atom.Th:
		return a == atom.Td || a == atom.Th || a == atom.Tr
	}
	return false
}

// pClosers are the start tags that end an open <p>.
var pClosers = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Details: true, atom.Div: true, atom.Dl: true, atom.Fieldset: true,
	atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Header: true, atom.Hr: true, atom.Main: true, atom.Menu: true,
	atom.Nav: true, atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true,
	atom.Table: true, atom.Ul: true,
}
