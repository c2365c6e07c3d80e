package extractors

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/article"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

const (
	maxRelated    = 30
	maxReferences = 500
)

var (
	doiRE     = regexp.MustCompile(`\b10\.\d{4,9}/[^\s"<>]+`)
	pmidRE    = regexp.MustCompile(`(?i)\bPMID\s*:?\s*(\d{4,9})\b`)
	pubmedURL = regexp.MustCompile(`(?i)pubmed[^/\s]*/(?:pubmed/)?(\d{4,9})\b`)
)

// collectRelatedAll gathers related-article stubs from every related box of
// the page, wherever it sits (inside the article, beside it or below it):
// elements whose class/id words say so ("related", "recommended", "read
// next"), and boxes titled by a related heading or label ("Related Articles",
// "You may also like", "More from …", an inline "Related Stories" aside).
// Navigation menus and the page's header and footer are never read.
func (x *page) collectRelatedAll(n *html.Node) { x.collectRelatedUnder(n, false) }

func (x *page) collectRelatedUnder(n *html.Node, inArticle bool) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		st := x.stats[c]
		if st == nil || st.flags&flagSkip != 0 || isMenuRegion(c, inArticle) {
			continue
		}
		if st.flags&flagRelated != 0 && st.link > 0 && !x.isContentAncestor(c) {
			if !x.isCard(c, st) || !x.inRoots(c) {
				if h := firstHeading(c); h != nil {
					t := strings.TrimSpace(x.textOf(h))
					x.relatedTitled = relatedHeadingG.MatchString(t) && !weakRelatedG.MatchString(t)
				}
				x.collectRelatedIn(c)
				x.relatedTitled = false
			}
			continue // a product card of the article is body text
		}
		if st.link == 0 && st.text > 0 && st.text <= 60 && x.isRelatedLabel(c) {
			x.collectRelatedAfter(c)
			continue
		}
		if st.flags&flagHasBlock != 0 {
			x.collectRelatedUnder(c, inArticle || c.DataAtom == atom.Article || c.DataAtom == atom.Main || x.isRoot(c))
		}
	}
}

// firstHeading is the first h1–h6 inside n (depth first), nil when none.
func firstHeading(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if headingLevel(c) > 0 {
			return c
		}
		if h := firstHeading(c); h != nil {
			return h
		}
	}
	return nil
}

// isMenuRegion reports navigation menus anywhere, and the page's own header
// and footer (not the header or footer of an article).
func isMenuRegion(n *html.Node, inArticle bool) bool {
	switch n.DataAtom {
	case atom.Nav, atom.Menu:
		return true
	case atom.Footer, atom.Header:
		return !inArticle
	}
	switch strings.ToLower(attr(n, "role")) {
	case "navigation", "menu", "menubar", "tablist":
		return true
	case "contentinfo", "banner":
		return !inArticle
	}
	return false
}

// isContentAncestor reports whether n contains a content root (so it is a page
// wrapper whose class happens to mention "related", not a widget).
func (x *page) isContentAncestor(n *html.Node) bool {
	if x.rootAnc == nil {
		x.rootAnc = map[*html.Node]bool{}
		for _, r := range x.roots {
			for p := r; p != nil; p = p.Parent {
				x.rootAnc[p] = true
			}
		}
	}
	return x.rootAnc[n]
}

// inRoots reports whether n is inside a content root.
func (x *page) inRoots(n *html.Node) bool {
	for _, r := range x.roots {
		if contains(r, n) {
			return true
		}
	}
	return false
}

func (x *page) isRoot(n *html.Node) bool {
	for _, r := range x.roots {
		if r == n {
			return true
		}
	}
	return false
}

// isRelatedLabel reports a short element without links whose text is a
// related box's title: a heading, or a label written as a div, span, p or
// strong ("<div class="box-title">Related Stories</div>").
func (x *page) isRelatedLabel(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Li, atom.Td, atom.Th, atom.Option, atom.Label, atom.Title, atom.Figcaption, atom.Caption:
		return false
	}
	// A box's title is followed by links (climbing out of wrappers that hold
	// only the title): a cheap test before the text's.
	m := n
	for d := 0; d < 4 && x.nextContent(m) == nil; d++ {
		if m = m.Parent; m == nil || m.Type != html.ElementNode {
			return false
		}
	}
	if s := x.nextContent(m); s == nil || x.stats[s].link == 0 && !hasImageLink(s) {
		return false
	}
	t := x.textOf(n)
	if len(t) > 120 || strings.Contains(t, "\n\n") {
		return false
	}
	t = strings.TrimSpace(strings.TrimRight(strings.ReplaceAll(t, "\n", " "), "¶§#🔗"))
	return relatedHeadingG.MatchString(t)
}

// collectRelatedAfter collects the box a related label titles: the label's
// following siblings (climbing out of wrappers that hold only the label) up to
// the next heading of the same or a higher level, or the next label.
func (x *page) collectRelatedAfter(label *html.Node) {
	before := len(x.related)
	x.relatedTitled = !weakRelatedG.MatchString(strings.TrimSpace(x.textOf(label)))
	defer func() {
		x.relatedTitled = false
		// "More about amoxicillin" also titles a page's tool links ("Check
		// interactions", "Pricing & coupons"): under such a weak title the
		// links are stubs only when most read like article titles.
		if len(x.related) > before && weakRelatedG.MatchString(strings.TrimSpace(x.textOf(label))) {
			short := 0
			for _, r := range x.related[before:] {
				if wordCount(r.Title) < 3 {
					short++
				}
			}
			if 2*short > len(x.related)-before {
				for _, r := range x.related[before:] {
					delete(x.relatedSeen, r.URL)
				}
				x.related = x.related[:before]
			}
		}
	}()
	lvl := leadingHeading(label)
	n := label
	for depth := 0; depth < 4; depth++ {
		if x.nextContent(n) != nil {
			break
		}
		p := n.Parent
		if p == nil || p.Type != html.ElementNode || p == x.body || p.DataAtom == atom.Body || x.isContentAncestor(p) {
			return
		}
		n = p
	}
	for s := x.nextContent(n); s != nil; s = x.nextContent(s) {
		st := x.stats[s]
		if x.isContentAncestor(s) || x.isRoot(s) {
			return
		}
		if l := leadingHeading(s); l > 0 && (lvl == 0 || l <= lvl) && st.text-st.link > 0 && st.text <= 200 || lvl == 0 && st.link == 0 && st.text <= 60 {
			return // the next box's title
		}
		if l := headingLevel(s); l > 0 && (lvl == 0 || l <= lvl) {
			return
		}
		x.collectRelatedIn(s)
	}
}

// nextContent is the next element sibling of n holding text, nil when none.
func (x *page) nextContent(n *html.Node) *html.Node {
	for s := n.NextSibling; s != nil; s = s.NextSibling {
		if s.Type != html.ElementNode {
			continue
		}
		if st := x.stats[s]; st != nil && st.flags&flagSkip == 0 && (st.text > 0 || hasImageLink(s)) {
			return s
		}
	}
	return nil
}

func hasImageLink(n *html.Node) bool {
	found := false
	var walk func(*html.Node, bool)
	walk = func(n *html.Node, inA bool) {
		for c := n.FirstChild; c != nil && !found; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom == atom.Img && inA {
				found = true
				return
			}
			walk(c, inA || c.DataAtom == atom.A)
		}
	}
	walk(n, n.DataAtom == atom.A)
	return found
}

// leadingHeading is the level of n when it is a heading, or of the heading n
// starts with (through first element children), else 0.
func leadingHeading(n *html.Node) int {
	for depth := 0; depth < 4 && n != nil; depth++ {
		if l := headingLevel(n); l > 0 {
			return l
		}
		c := n.FirstChild
		for c != nil && (c.Type != html.ElementNode || alwaysSkipTag(c.DataAtom)) {
			if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
				return 0
			}
			c = c.NextSibling
		}
		n = c
	}
	return 0
}

// collectRelatedIn turns every titled link inside n (or n itself, a link)
// into a related stub.
func (x *page) collectRelatedIn(n *html.Node) {
	var links []*html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if st := x.stats[c]; st == nil || st.flags&flagSkip != 0 {
				continue
			}
			if c.DataAtom == atom.A {
				links = append(links, c)
				continue
			}
			find(c)
		}
	}
	if n.DataAtom == atom.A {
		links = append(links, n)
	} else {
		find(n)
	}
	for _, a := range links {
		if len(x.related) >= maxRelated {
			return
		}
		u := x.resolveURL(attr(a, "href"))
		if u == "" || u == x.pageURL || x.relatedSeen[u] || isListingURL(u) {
			continue // no address, this page, seen, or a category or tag listing
		}
		item := x.relatedItem(a, n)
		title := x.stubTitle(a)
		// "Heel Spurs" as a card's heading, "Heartburn" in a box titled
		// "Related symptoms": short, but a title.
		short := !isStubTitle(title) && (x.relatedTitled || x.cardTitle(a) != nil) && isShortStubTitle(title)
		if !isStubTitle(title) && !short {
			// An image link or a "Read more" link: the card's heading is
			// the stub's title.
			if h := x.cardTitleNear(a, n); h != nil {
				title = x.stubTitle(h)
			}
		}
		if !isStubTitle(title) && !short || strings.HasPrefix(title, "#") || stubCTAG.MatchString(title) || x.relatedTitleSeen(title) {
			continue
		}
		x.relatedSeen[u] = true
		snippet, truncated := "", false
		if item == nil {
			item = a // a card that is all link: its teaser is inside
		}
		snippet, truncated = cleanSnippet(x.stubTeaser(item, title), title)
		x.related = append(x.related, article.Related{
			Title: title, URL: u, Snippet: snippet, Truncated: truncated,
		})
	}
}

// weakRelatedRE matches box titles that title other link boxes too.
var weakRelatedRE = regexp.MustCompile(`(?i)^more (about|on|in|from)\b`)

// stubCTARE matches links of a related box that are not stubs: "View all
// posts", "Back to blog", "Read more".
var stubCTARE = regexp.MustCompile(`(?i)^((view|see|show|browse|load|explore) (all|more)\b|back to\b|(read|learn|discover) more\b|(all|more) (\pL+ ){0,2}(posts|articles|stories|news|blogs?|releases|updates|videos|podcasts|events)$)`)

func (x *page) relatedTitleSeen(t string) bool {
	for _, r := range x.related {
		if strings.EqualFold(r.Title, t) {
			return true
		}
	}
	return false
}

// cardTitleNear is the heading of the card holding link a (below container):
// found in the nearest ancestor of a that has one, as long as that ancestor
// holds no link elsewhere.
func (x *page) cardTitleNear(a, container *html.Node) *html.Node {
	href := attr(a, "href")
	for p := a.Parent; p != nil && p != container.Parent; p = p.Parent {
		if otherLink(p, href) {
			return nil
		}
		if h := x.cardTitle(p); h != nil {
			return h
		}
		if p == container {
			break
		}
	}
	return nil
}

// otherLink reports a link under n to another address than href.
func otherLink(n *html.Node, href string) bool {
	found := false
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && !found; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom == atom.A {
				if h := attr(c, "href"); h != "" && h != href && !strings.HasPrefix(h, "#") {
					found = true
				}
				continue
			}
			walk(c)
		}
	}
	walk(n)
	return found
}

var snippetCTARE = regexp.MustCompile(`(?i)\s*\b(read|learn|see|discover|find out) more\W*$|\s*\bcontinue reading\W*$|\s*\bread (the )?(full )?(article|story|post)\W*$`)

func isStubTitle(t string) bool {
	return utf8.RuneCountInString(t) >= 12 && strings.Contains(t, " ")
}

// isShortStubTitle reports a short title that names something ("Heel
// Spurs", "Dizziness"): a capital first, a few letters, at most four words.
func isShortStubTitle(t string) bool {
	r, _ := utf8.DecodeRuneInString(t)
	return unicode.IsUpper(r) && utf8.RuneCountInString(t) >= 4 && len(strings.Fields(t)) <= 4 && !stubCTAG.MatchString(t) && !boilerplateLines[strings.ToLower(t)]
}

// stubMetaWords are class words of the parts of a teaser that are not its
// title: kicker, category badge, byline, date, reading time.
var stubMetaWords = map[string]bool{
	"kicker": true, "eyebrow": true, "overline": true, "category": true, "categories": true,
	"badge": true, "tag": true, "tags": true, "topic": true, "label": true, "pill": true, "chip": true,
	"byline": true, "author": true, "authors": true, "date": true, "time": true, "timestamp": true,
	"published": true, "meta": true, "metadata": true, "readtime": true, "duration": true,
	"sponsor": true, "sponsored": true, "section": true, "rubric": true, "flag": true,
}

var stubMetaRE = regexp.MustCompile(`(?i)^(\d+\s*(min(ute)?s?|mins?\.?)(\s+(read|watch|listen))?|(by|von|par|por)\s+\p{Lu}.{0,40}|((updated|published|posted)( on)?)?\s*:?\s*((jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\.?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}))$`)

// isStubMeta reports an element of a teaser that is not its title: a <time>,
// an element classed as kicker, category, badge, byline, date or reading time,
// or one whose text is a date, a reading time or a byline.
func (x *page) isStubMeta(n *html.Node) bool {
	if n.DataAtom == atom.Time {
		return true
	}
	if headingLevel(n) > 0 {
		return false
	}
	var buf [8]string
	for _, w := range classTokens(n, buf[:0]) {
		if stubMetaWords[w] {
			return true
		}
	}
	if st := x.stats[n]; st != nil && st.text <= 40 && st.text > 0 {
		return isStubMetaText(strings.Trim(normSpace(plainText(n)), " ·•|–—-"))
	}
	return false
}

// stubTitle is a teaser link's title: the heading or title-classed element
// inside the link, else the link's text without its kicker, badge, byline,
// date or reading time. When the link holds several blocks of text (kicker,
// title, teaser, byline), the title is the first with three words or more.
func (x *page) stubTitle(a *html.Node) string {
	if h := x.cardTitle(a); h != nil && h != a {
		if t := x.stubText(h, nil); t != "" {
			return t
		}
	}
	chunks := x.stubChunks(a)
	switch len(chunks) {
	case 0:
		return ""
	case 1:
		return chunks[0]
	}
	longest := ""
	for _, c := range chunks {
		if len(c) <= 150 && len(strings.Fields(c)) >= 3 {
			return c
		}
		if len(c) > len(longest) {
			longest = c
		}
	}
	return longest
}

// stubChunks are the blocks of text of n (split at block elements) without
// the teaser's meta parts.
func (x *page) stubChunks(n *html.Node) []string {
	var out []string
	var t textBuilder
	end := func() {
		if c := strings.Trim(t.String(), " ·•|–—-:"); c != "" && !isStubMetaText(c) {
			out = append(out, c)
		}
		t.reset()
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				t.writeText(c.Data)
			case html.ElementNode:
				st := x.stats[c]
				if st == nil || st.flags&flagSkip != 0 || x.isStubMeta(c) {
					t.space()
					continue
				}
				blk := isBlock(c) || c.DataAtom == atom.Br
				if blk {
					end()
				}
				walk(c)
				if blk {
					end()
				}
			}
		}
	}
	walk(n)
	end()
	return out
}

// stubTeaser is the text of a stub's item without its meta parts: the
// blocks after the title's (a kicker before the title is left out), or the
// whole text when the title is not a block of its own.
func (x *page) stubTeaser(item *html.Node, title string) string {
	chunks := x.stubChunks(item)
	for i, c := range chunks {
		if strings.Contains(c, title) {
			rest := strings.TrimSpace(strings.Replace(c, title, "", 1))
			return strings.TrimSpace(rest + " " + strings.Join(chunks[i+1:], " "))
		}
	}
	return x.stubText(item, nil)
}

// isStubMetaText reports a teaser line made only of dates, reading times and
// bylines ("Jan 22, 2026 • 8 min read").
func isStubMetaText(s string) bool {
	if len(s) > 80 {
		return false
	}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '•' || r == '·' || r == '|' }) {
		part = strings.TrimSpace(part)
		if part != "" && !stubMetaG.MatchString(part) {
			return false
		}
	}
	return true
}

// stubText is n's text on one line, without the teaser's meta parts and
// without the element skip (the title, already taken).
func (x *page) stubText(n, skip *html.Node) string {
	var t textBuilder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				t.writeText(c.Data)
			case html.ElementNode:
				st := x.stats[c]
				if c == skip || st == nil || st.flags&flagSkip != 0 || x.isStubMeta(c) {
					t.space()
					continue
				}
				if isBlock(c) || c.DataAtom == atom.Br {
					t.space()
				}
				walk(c)
				if isBlock(c) {
					t.space()
				}
			}
		}
	}
	walk(n)
	return strings.Trim(t.String(), " ·•|–—-:")
}

// cardTitle is the element holding a teaser's title inside n: its first
// heading, else its first element classed "title", "headline" or "heading".
func (x *page) cardTitle(n *html.Node) *html.Node {
	var head, classed *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && head == nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			st := x.stats[c]
			if st == nil || st.flags&flagSkip != 0 || st.text == 0 {
				continue
			}
			if headingLevel(c) > 0 {
				head = c
				return
			}
			if classed == nil && c.DataAtom != atom.A {
				var buf [8]string
				for _, w := range classTokens(c, buf[:0]) {
					if w == "title" || w == "headline" || w == "heading" {
						classed = c
						break
					}
				}
			}
			walk(c)
		}
	}
	walk(n)
	if head != nil {
		return head
	}
	return classed
}

// cleanSnippet removes the title from a stub's text, also when the teaser
// repeats it ("Title Title lead…"), and drops a teaser that is only the title
// cut short. truncated reports a teaser cut mid-word or with an ellipsis (also
// when what was cut is the repeated title).
func cleanSnippet(full, title string) (snippet string, truncated bool) {
	s := strings.TrimSpace(full)
	removed := false
	for i := 0; i < 2; i++ {
		if j := strings.Index(s, title); j >= 0 && j < 40 {
			s = strings.TrimSpace(s[:j] + " " + s[j+len(title):])
			s = strings.TrimSpace(strings.TrimLeft(s, " -–—:|•·"))
			removed = true
		}
	}
	if s == "" || !removed && s == strings.TrimSpace(title) {
		return "", false
	}
	// A call to action closing the card ("Read more", "Learn more ›").
	if m := snippetCTARE.FindStringIndex(s); m != nil {
		s = strings.TrimSpace(s[:m[0]])
	}
	if utf8.RuneCountInString(s) < 20 {
		return "", false // a category or a price, not a teaser
	}
	truncated = isTruncated(s)
	if t := strings.TrimRight(s, ".… "); t != "" && strings.HasPrefix(title, t) {
		return "", truncated // the title cut short
	}
	return s, truncated
}

// relatedItem is the element holding one stub: the largest ancestor of link a
// below container that holds no other titled link.
func (x *page) relatedItem(a, container *html.Node) *html.Node {
	item := a
	for p := a.Parent; p != nil && p != container; p = p.Parent {
		if countTitledLinks(p, a) > 0 || countHeadings(p, 2) >= 2 {
			break // another stub's link, or another card's title
		}
		item = p
	}
	if item == a {
		return nil
	}
	return item
}

// countHeadings counts the headings under n, up to max.
func countHeadings(n *html.Node, max int) int {
	k := 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && k < max; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if headingLevel(c) > 0 {
				k++
				continue
			}
			walk(c)
		}
	}
	walk(n)
	return k
}

// countTitledLinks counts links under n, other than self, with a title-sized text
// pointing elsewhere.
func countTitledLinks(n, self *html.Node) int {
	k := 0
	href := attr(self, "href")
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && k == 0; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom == atom.A {
				if c != self && attr(c, "href") != href && (utf8.RuneCountInString(normSpace(plainText(c))) >= 12 || hasImageLink(c)) {
					k++
				}
				continue
			}
			walk(c)
		}
	}
	walk(n)
	return k
}

// isTruncated reports a teaser cut short: an ellipsis, or a last word without
// closing punctuation.
func isTruncated(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	if strings.HasSuffix(s, "…") || strings.HasSuffix(s, "...") || strings.HasSuffix(s, "[…]") || strings.HasSuffix(s, "[...]") {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsLetter(r) || r == ',' // a number ends citations and dates, not cut text
}

// collectReferencesAll adds the reference lists that sit outside the content
// roots (a journal page's reference section beside the article body): a
// container whose class says references, or the section after a references
// heading whose items are citations. Menus and the page's header and footer
// are never read; citations already taken are not added again.
func (x *page) collectReferencesAll(n *html.Node, inArticle bool) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		st := x.stats[c]
		if st == nil || st.flags&flagSkip != 0 || st.text == 0 || isMenuRegion(c, inArticle) {
			continue
		}
		if x.isRoot(c) {
			continue // the emitter read it
		}
		contentAnc := x.isContentAncestor(c)
		if !contentAnc && st.flags&flagRefs != 0 && headingLevel(c) == 0 {
			x.collectReferences(c)
			continue
		}
		if lvl := headingLevel(c); lvl > 1 && !contentAnc {
			t := strings.ReplaceAll(x.textOf(c), "\n", " ")
			if refsHeadingG.MatchString(t) && x.citationsAfter(c, lvl) {
				x.sectionItems(c, lvl, maxReferences, func(n *html.Node, _ *nstat) bool {
					x.addReference(n)
					return true
				})
			}
			continue
		}
		if st.flags&flagHasBlock != 0 {
			x.collectReferencesAll(c, inArticle || c.DataAtom == atom.Article || c.DataAtom == atom.Main)
		}
	}
}

// collectReferences turns the items of a references list/container into
// references[].
func (x *page) collectReferences(n *html.Node) {
	var items []*html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if st := x.stats[c]; st == nil || st.flags&flagSkip != 0 {
				continue
			}
			switch c.DataAtom {
			case atom.Li, atom.P, atom.Dd, atom.Tr:
				items = append(items, c)
				continue
			}
			find(c)
		}
	}
	if n.DataAtom == atom.Li || n.DataAtom == atom.P {
		items = append(items, n)
	} else {
		find(n)
	}
	if len(items) == 0 {
		x.addReference(n)
		return
	}
	for _, it := range items {
		x.addReference(it)
	}
}

// resolverLabels are the texts of the links a reference list adds after each
// citation (to a DOI resolver, PubMed, a search engine) and of back-links to
// the citing text: not part of the citation.
var resolverLabels = map[string]bool{
	"doi": true, "pubmed": true, "pmc": true, "pmc free article": true, "free pmc article": true,
	"google scholar": true, "scholar": true, "crossref": true, "cross ref": true, "pubmed central": true,
	"europe pmc": true, "medline": true, "web of science": true, "scopus": true, "abstract": true,
	"full text": true, "free full text": true, "article": true, "view article": true, "publisher": true,
	"publisher site": true, "link": true, "pdf": true, "cas": true, "isi": true, "ads": true,
	"↩": true, "↩︎": true, "^": true, "↑": true, "back": true, "back to text": true, "jump up": true,
}

// offSite reports an address on another host than the page's.
func (x *page) offSite(u string) bool {
	if x.pageU == nil {
		return true
	}
	rest, ok := strings.CutPrefix(u, "https://")
	if !ok {
		rest, _ = strings.CutPrefix(u, "http://")
	}
	host, _, _ := strings.Cut(rest, "/")
	return !strings.EqualFold(strings.TrimPrefix(host, "www."), strings.TrimPrefix(x.pageU.Host, "www."))
}

func isResolverLabel(t string) bool {
	return resolverLabels[strings.ToLower(strings.Trim(t, " []().,;|"))]
}

// colonAfter reports a link followed by ":" or a number ("doi:10.1000/1",
// "PMID 21187404"): a label that is part of the citation.
func colonAfter(n *html.Node) bool {
	for s := n.NextSibling; s != nil; s = s.NextSibling {
		t := ""
		switch s.Type {
		case html.TextNode:
			t = s.Data
		case html.ElementNode:
			t = plainText(s)
		default:
			continue
		}
		t = strings.TrimLeft(t, " \t\n\u00a0")
		if t == "" {
			continue
		}
		r, _ := utf8.DecodeRuneInString(t)
		return r == ':' || unicode.IsDigit(r)
	}
	return false
}

var emptyBracketsRE = regexp.MustCompile(`\[\s*\]|\(\s*\)`)

// addReference adds the citation n holds: its text without resolver and
// back-links, its address (a DOI or PubMed link first, never a search
// engine's), DOI and PMID.
func (x *page) addReference(n *html.Node) {
	var t textBuilder
	href, hrefRank := "", 0
	var links strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				t.writeText(c.Data)
				continue
			case html.ElementNode:
			default:
				continue
			}
			if c.DataAtom == atom.Br {
				t.space()
				continue
			}
			st := x.stats[c]
			if st == nil || st.flags&flagSkip != 0 {
				continue
			}
			if c.DataAtom == atom.A {
				label := normSpace(plainText(c))
				u := x.resolveURL(attr(c, "href"))
				isID := u != "" && (doiRE.MatchString(u) || pubmedURL.MatchString(u))
				if isID {
					links.WriteString(" " + u)
				}
				if u != "" && u != x.pageURL && !strings.Contains(u, "scholar.google.") {
					// The address: a DOI or PubMed link first, then a link
					// off the site, then any.
					rank := 1
					if isID {
						rank = 3
					} else if x.offSite(u) {
						rank = 2
					}
					if rank > hrefRank {
						href, hrefRank = u, rank
					}
				}
				if isResolverLabel(label) && !colonAfter(c) {
					t.space()
					continue
				}
			}
			if isBlock(c) {
				t.space()
			}
			walk(c)
			if isBlock(c) {
				t.space()
			}
		}
	}
	walk(n)
	text := emptyBracketsRE.ReplaceAllString(t.String(), "")
	text = strings.TrimLeft(strings.TrimSpace(text), "^↑ ")
	text = strings.TrimRight(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(text), "↩︎")), "↩ ")
	x.addReferenceLinks(normSpace(text), href, links.String())
}

func (x *page) addReferenceText(t, href string) { x.addReferenceLinks(t, href, href) }

// addReferenceLinks adds citation t with address href; its DOI and PMID come
// from t, else from links (the addresses of its DOI and PubMed links).
func (x *page) addReferenceLinks(t, href, links string) {
	t = strings.TrimSpace(t)
	if t == "" || len(x.refs) >= maxReferences || utf8.RuneCountInString(t) < 8 {
		return
	}
	r := article.Reference{Text: t, URL: href}
	if m := doiRE.FindString(t + " " + links); m != "" {
		r.DOI = strings.TrimRight(m, ".,;)]")
	}
	if m := pmidRE.FindStringSubmatch(t); m != nil {
		r.PMID = m[1]
	} else if m := pubmedURL.FindStringSubmatch(links); m != nil {
		r.PMID = m[1]
	}
	x.refs = append(x.refs, r)
}
