package extractors

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// attr returns the value of attribute key of n ("" when absent).
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// alwaysSkipTag reports tags that never hold article text.
func alwaysSkipTag(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Math, atom.Iframe,
		atom.Object, atom.Embed, atom.Button, atom.Select, atom.Input, atom.Textarea, atom.Canvas,
		atom.Audio, atom.Video, atom.Map, atom.Dialog, atom.Link, atom.Meta, atom.Head, atom.Title,
		atom.Option:
		return true
	}
	return false
}

// noscriptContent reports a <noscript> that holds the article itself (a
// blog platform's fallback copy of a body it renders by script): paragraphs
// with at least 200 characters of text. "Please enable JavaScript" notices and
// tracking-pixel fallbacks are skipped like every other noscript. (The page is
// parsed with scripting off, so noscript content is elements, as in lxml and
// Readability's DOM.)
func noscriptContent(n *html.Node) bool {
	paras, text := 0, 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && (text < 200 || paras == 0); c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				text += len(strings.TrimSpace(c.Data))
			case html.ElementNode:
				if alwaysSkipTag(c.DataAtom) {
					continue
				}
				if c.DataAtom == atom.P {
					paras++
				}
				walk(c)
			}
		}
	}
	walk(n)
	return paras > 0 && text >= 200
}

// isHidden reports elements hidden from readers: the hidden attribute,
// aria-hidden="true", or an inline display:none / visibility:hidden style.
func isHidden(n *html.Node) bool {
	hidden, panel := false, false
	class := ""
	for _, a := range n.Attr {
		switch a.Key {
		case "class":
			class = a.Val
		case "hidden":
			hidden = true
		case "aria-hidden":
			if strings.EqualFold(strings.TrimSpace(a.Val), "true") {
				hidden = true
			}
		case "style":
			if k := styleHiddenKind(a.Val); k == hideDisplay || k == hideVisibility && !pageWrapper(n) {
				hidden = true
			}
		case "role":
			if strings.EqualFold(a.Val, "tabpanel") {
				panel = true
			} else if strings.EqualFold(a.Val, "region") && hasAttr(n, "aria-labelledby") {
				panel = true
			}
		}
	}
	// A tab panel not shown yet, or a collapsed accordion panel (ARIA's
	// pattern: role="region" labelled by its toggle), is the page's content
	// all the same (the reader opens it with a click): read like the open one.
	return hidden && !panel && !revealedByClick(class)
}

// revealedByClick reports the classes of hidden content a reader reveals: a
// collapsed accordion or FAQ answer ("faq__answer", "accordion-panel"), a
// carousel slide not in view ("slick-slide") — but not a carousel's clones of
// its slides ("slick-cloned").
func revealedByClick(class string) bool {
	if class == "" {
		return false
	}
	l := strings.ToLower(class)
	if strings.Contains(l, "slide") || strings.Contains(l, "carousel-item") {
		return !strings.Contains(l, "clone") && !strings.Contains(l, "duplicate")
	}
	return folded(l) || strings.Contains(l, "answer") || strings.Contains(l, "accordion") || strings.Contains(l, "faq") || strings.Contains(l, "drawer")
}

func styleHidden(s string) bool { return styleHiddenKind(s) != 0 }

const (
	hideDisplay    = 1 // display: none
	hideVisibility = 2 // visibility: hidden
)

// styleHiddenKind tells how an inline style hides its element: hideDisplay,
// hideVisibility, or 0.
func styleHiddenKind(s string) int {
	if len(s) < 12 {
		return 0
	}
	s = strings.ToLower(s)
	kind := 0
	for _, decl := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important"))
		if k == "display" && v == "none" {
			return hideDisplay
		}
		if k == "visibility" && v == "hidden" {
			kind = hideVisibility
		}
	}
	return kind
}

// pageWrapper reports the element wrapping the whole page: the body's only
// element child, or the only one of the app's root element that is (scripts
// and styles aside). A page hidden with "visibility: hidden" there is an
// anti-flicker guard that the page's scripts lift once styles are loaded, not
// hidden content.
func pageWrapper(n *html.Node) bool {
	for depth := 0; depth < 2; depth++ {
		p := n.Parent
		if p == nil || p.Type != html.ElementNode || !onlyElement(p, n) {
			return false
		}
		if p.DataAtom == atom.Body {
			return true
		}
		n = p
	}
	return false
}

// onlyElement reports whether c is p's only element child, scripts, styles
// and other never-text elements aside.
func onlyElement(p, c *html.Node) bool {
	for s := p.FirstChild; s != nil; s = s.NextSibling {
		if s != c && s.Type == html.ElementNode && !alwaysSkipTag(s.DataAtom) {
			return false
		}
	}
	return true
}

// blockTag reports tags that start a new block when emitting text.
func blockTag(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Details, atom.Dd, atom.Div,
		atom.Dl, atom.Dt, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer, atom.Form,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Header, atom.Hgroup, atom.Hr,
		atom.Li, atom.Main, atom.Nav, atom.Ol, atom.P, atom.Pre, atom.Section, atom.Table,
		atom.Ul, atom.Tr, atom.Td, atom.Th, atom.Tbody, atom.Thead, atom.Tfoot, atom.Caption,
		atom.Summary, atom.Menu, atom.Center, atom.Body, atom.Html, atom.Legend, atom.Noscript:
		return true
	}
	return false
}

func isBlock(n *html.Node) bool {
	return n.Type == html.ElementNode && (blockTag(n.DataAtom) || n.DataAtom == 0 && isCustomBlock(n))
}

// isCustomBlock treats unknown (custom) elements as blocks: they are usually
// web-component wrappers around whole regions.
func isCustomBlock(n *html.Node) bool { return strings.Contains(n.Data, "-") }

func headingLevel(n *html.Node) int {
	switch n.DataAtom {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}

// textBuilder accumulates text with whitespace collapsed. Newlines requested with
// newline() survive collapsing.
type textBuilder struct {
	sb        strings.Builder
	pendSpace bool
	pendNL    int
}

func (t *textBuilder) writeText(s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if isASCIISpace(c) {
				t.pendSpace = true
				i++
				continue
			}
			// A run of ASCII letters, digits and marks, copied at once.
			j := i + 1
			for j < len(s) && s[j] < utf8.RuneSelf && !isASCIISpace(s[j]) {
				j++
			}
			t.separate()
			t.sb.WriteString(s[i:j])
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\u00a0' || r == '\u200b' || r == '\ufeff' || r == '\u00ad' {
			if r == '\u00a0' {
				t.pendSpace = true
			}
			i += size
			continue
		}
		if unicode.IsSpace(r) {
			t.pendSpace = true
			i += size
			continue
		}
		t.separate()
		if r == utf8.RuneError && size == 1 {
			t.sb.WriteString("\ufffd") // invalid UTF-8, as WriteRune writes it
		} else {
			t.sb.WriteString(s[i : i+size])
		}
		i += size
	}
}

// isASCIISpace is unicode.IsSpace for ASCII bytes.
func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// separate writes the pending line break or space before more text.
func (t *textBuilder) separate() {
	if t.sb.Len() > 0 {
		if t.pendNL > 0 {
			if t.pendNL > 1 {
				t.sb.WriteString("\n\n")
			} else {
				t.sb.WriteByte('\n')
			}
		} else if t.pendSpace {
			t.sb.WriteByte(' ')
		}
	}
	t.pendNL = 0
	t.pendSpace = false
}

func (t *textBuilder) newline() {
	if t.pendNL < 1 {
		t.pendNL = 1
	}
}

func (t *textBuilder) space() { t.pendSpace = true }

func (t *textBuilder) String() string { return t.sb.String() }

func (t *textBuilder) Len() int { return t.sb.Len() }

func (t *textBuilder) reset() {
	t.sb.Reset()
	t.pendSpace = false
	t.pendNL = 0
}

// normSpace collapses runs of white space to one space and trims.
func normSpace(s string) string {
	var t textBuilder
	t.writeText(s)
	return t.String()
}

// classTokens splits the class and id of n into lower-case words, breaking on
// punctuation, digits and camelCase boundaries ("relatedPosts" → related, posts).
//
// An id that is a slug of several words ("sharing-with-a-single-developer",
// usually made from a heading) says nothing about the element's role and is
// ignored, unless two or more of its words are strong boilerplate words.
// Typography utility classes ("text-right", "text-muted") are skipped.
func classTokens(n *html.Node, dst []string) []string {
	for _, a := range n.Attr {
		switch {
		case a.Key == "class":
			v := a.Val
			k := len(dst)
			overflow := ""
			for v != "" {
				var c string
				if i := indexClassSpace(v); i >= 0 {
					c, v = v[:i], v[i+1:]
				} else {
					c, v = v, ""
				}
				if isLayoutUtility(c) {
					continue
				}
				if i := strings.LastIndexByte(c, ':'); i >= 0 {
					// A utility's variant ("print:", "md:", "hover:")
					// says when it applies, not what the element is;
					// hidden under a condition ("max-md:hidden",
					// "empty:hidden") is shown otherwise.
					c = c[i+1:]
					if c == "hidden" {
						continue
					}
				}
				switch {
				case c == "" || isTextUtility(c):
				case isOverflowUtility(c):
					overflow = c
				case isStyleUtility(c):
				default:
					start := len(dst)
					dst = splitWords(c, dst)
					if n := len(dst); n-start >= 1 && dst[n-1] == "hidden" && (n-start >= 2 && hiddenOther(dst[start:n-1]) || folded(a.Val)) {
						// "field--label-hidden": the field's label is
						// hidden, not the field (Drupal writes it on
						// most fields of an article); "x-overflow-hidden"
						// clips; a collapsed accordion panel
						// ("accordion-content hidden", "MuiCollapse-hidden")
						// is content the reader opens.
						dst = dst[:n-1]
					}
				}
			}
			// "overflow-hidden" says how a box clips, not that it is hidden:
			// its words count only beside other boilerplate words (a
			// "paywall-package overflow-hidden" offer box).
			if overflow != "" {
				for _, w := range dst[k:] {
					if wordWeight[w] < 0 || rootWeight(w) < 0 {
						dst = splitWords(overflow, dst)
						break
					}
				}
			}
		case a.Key == "id" && !isSlug(a.Val):
			k := len(dst)
			dst = splitWords(a.Val, dst)
			if len(dst)-k >= 2 && negativeWord(dst[k:]) && headingSlug(n, a.Val) {
				// "s-further-topics" over <h2>Further topics</h2>: the
				// section's title, not its role.
				dst = dst[:k]
			}
		case a.Key == "id":
			// A slug id ("why-comments-matter-for-patients") is usually made
			// from a title: its words are not the element's role, unless two
			// or more of them are strong boilerplate words ("moove_gdpr_cookie_modal").
			k := len(dst)
			dst = splitWords(a.Val, dst)
			strong := 0
			for _, w := range dst[k:] {
				if wordWeight[w] <= -3 {
					strong++
				}
			}
			if strong < 2 || headingSlug(n, a.Val) {
				dst = dst[:k]
			}
		}
	}
	return dst
}

// textUtilities are the second words of CSS-framework typography classes
// ("text-right", "text-muted", "text-sans-serif", "text-gray-500"): such a class
// says how text looks, not that the element holds the article's text.
var textUtilities = map[string]bool{
	"left": true, "right": true, "center": true, "justify": true, "start": true, "end": true,
	"muted": true, "uppercase": true, "lowercase": true, "capitalize": true, "nowrap": true,
	"truncate": true, "wrap": true, "break": true, "sans": true, "serif": true, "mono": true,
	"small": true, "large": true, "xs": true, "sm": true, "md": true, "lg": true, "xl": true,
	"base": true, "white": true, "black": true, "gray": true, "grey": true, "primary": true,
	"secondary": true, "dark": true, "light": true, "bold": true, "italic": true, "red": true,
	"blue": true, "green": true, "success": true, "danger": true, "warning": true, "info": true,
	"divider": true, "color": true, "size": true, "align": true, "balance": true,
}

// isLayoutUtility reports Tailwind arbitrary variants ("[&_a.hidden]:hidden"
// styles descendants): no word of them is the element's role.
func isLayoutUtility(class string) bool {
	for i := 0; i < len(class); i++ {
		if class[i] == '[' || class[i] == '&' {
			return true
		}
	}
	return false
}

// indexClassSpace is the index of the first HTML space (" \t\n\r\f") in s,
// or -1.
func indexClassSpace(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\f':
			return i
		}
	}
	return -1
}

// isOverflowUtility reports overflow utilities ("overflow-hidden",
// "overflow-x-hidden").
func isOverflowUtility(class string) bool {
	return len(class) > 9 && strings.EqualFold(class[:9], "overflow-")
}

func isTextUtility(class string) bool {
	if len(class) < 6 || !strings.EqualFold(class[:5], "text-") {
		return false
	}
	rest := strings.ToLower(class[5:])
	if i := strings.IndexAny(rest, "-_"); i >= 0 {
		rest = rest[:i]
	}
	return textUtilities[rest] || rest != "" && rest[0] >= '0' && rest[0] <= '9'
}

// folded reports a class list of an accordion or collapsible panel.
func folded(class string) bool {
	return strings.Contains(class, "ccordion") || strings.Contains(class, "ollapse")
}

// hiddenOther reports the words before "hidden" in a class that hides
// something else than the element or clips it: "label-hidden",
// "title-hidden", "overflow-hidden", "overflow-x-hidden".
func hiddenOther(before []string) bool {
	n := len(before)
	switch before[n-1] {
	case "label", "title", "overflow":
		return true
	case "x", "y":
		return n >= 2 && before[n-2] == "overflow"
	}
	return false
}

// styleUtilityPrefixes begin utility classes (Tailwind and the like) that say
// how an element is drawn: "overflow-hidden" clips, it does not hide;
// "decoration-skip-ink-none" is about underlines, not a "skip" link.
var styleUtilityPrefixes = []string{"overflow-", "decoration-", "underline-", "whitespace-", "leading-", "tracking-", "font-", "line-clamp-"}

// isStyleUtility reports such a class, with or without a variant prefix
// ("md:overflow-hidden").
func isStyleUtility(class string) bool {
	if i := strings.LastIndexByte(class, ':'); i >= 0 {
		class = class[i+1:]
	}
	if class == "" {
		return false
	}
	switch class[0] | 0x20 { // the prefixes' first letters
	case 'o', 'd', 'u', 'w', 'l', 't', 'f':
	default:
		return false
	}
	for _, p := range styleUtilityPrefixes {
		if len(class) > len(p) && strings.EqualFold(class[:len(p)], p) {
			return true
		}
	}
	return false
}

// headingSlug reports an id made from the text of the element's own first
// heading (<section id="respond-to-review-comments"><h2>Respond to review
// comments</h2>): the section's title, not its role.
//
// One word of the id may come before the title's ("s-further-topics",
// "section-further-topics"), and empty anchors may stand before the heading
// (<span id="further-topics"></span><h2>…).
func headingSlug(n *html.Node, id string) bool {
	c := n.FirstChild
	for c != nil && (c.Type != html.ElementNode || alwaysSkipTag(c.DataAtom) || c.FirstChild == nil && headingLevel(c) == 0) {
		if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			return false
		}
		c = c.NextSibling
	}
	if c == nil || headingLevel(c) == 0 {
		return false
	}
	var a, b []string
	a = splitWords(id, a)
	b = splitWords(plainText(c), b)
	if len(a) >= 2 && len(b) >= 1 && a[0] != b[0] {
		a = a[1:]
	}
	if len(a) == 0 || len(b) < len(a) {
		return false
	}
	for i, w := range a {
		if b[i] != w {
			return false
		}
	}
	return true
}

// negativeWord reports a boilerplate word among ws.
func negativeWord(ws []string) bool {
	for _, w := range ws {
		if wordWeight[w] < 0 || rootWeight(w) < 0 {
			return true
		}
	}
	return false
}

func isSlug(s string) bool {
	return strings.Count(s, "-")+strings.Count(s, "_") >= 3 && !strings.ContainsAny(s, " ")
}

func splitWords(s string, dst []string) []string {
	start := -1
	var prevLower, upper bool
	for i := 0; i <= len(s); i++ {
		var c byte
		if i < len(s) {
			c = s[i]
		}
		isUpper := 'A' <= c && c <= 'Z'
		isLower := 'a' <= c && c <= 'z'
		if start >= 0 && (!isUpper && !isLower || isUpper && prevLower) {
			dst = append(dst, lowerASCIIWord(s[start:i], upper))
			start = -1
		}
		if !isUpper && !isLower {
			prevLower = false
			continue
		}
		if start < 0 {
			start, upper = i, false
		}
		upper = upper || isUpper
		prevLower = isLower
	}
	return dst
}

// lowerASCIIWord lowers w, a run of ASCII letters (hasUpper: it holds a
// capital); w itself when it has none.
func lowerASCIIWord(w string, hasUpper bool) string {
	if !hasUpper {
		return w
	}
	var b strings.Builder
	b.Grow(len(w))
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// resolveURL makes href absolute against base ("" when it cannot).
func (x *page) resolveURL(href string) string {
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(strings.ToLower(href), "javascript:") {
		return ""
	}
	if x.base == nil {
		return href
	}
	u, err := x.base.Parse(href)
	if err != nil {
		return ""
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	u.Fragment = ""
	return u.String()
}
