package extractors

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Class/id word weights. A negative sum marks boilerplate (navigation, comments,
// share bars, ads, widgets…); a positive sum marks likely article containers.
var wordWeight = map[string]int{
	// strong boilerplate
	"comment": -3, "comments": -3, "commentlist": -3, "disqus": -3, "respond": -3, "replies": -3,
	"share": -3, "sharing": -3, "shares": -3, "sharebar": -3, "sharethis": -3, "addthis": -3,
	"social": -3, "socials": -3, "follow": -2,
	"related": -3, "recommended": -3, "recommend": -3, "recommendations": -3, "recirc": -3,
	"sidebar": -3, "newsletter": -3, "subscribe": -3, "subscription": -3, "signup": -3,
	"cookie": -3, "cookies": -3, "consent": -3, "gdpr": -3, "popup": -3, "modal": -3,
	"ad": -3, "ads": -3, "advert": -3, "adverts": -3, "advertisement": -3, "advertising": -3,
	"adslot": -3, "adunit": -3, "dfp": -3, "gpt": -3, "sponsor": -3, "sponsored": -3,
	"outbrain": -3, "taboola": -3, "breadcrumb": -3, "breadcrumbs": -3, "crumbs": -3,
	"nav": -3, "navbar": -3, "navigation": -3, "menu": -3, "footer": -3, "masthead": -3,
	"pagination": -3, "pager": -3, "promo": -3, "promotion": -3, "byline": -3, "bio": -3,
	"author": -2, "authors": -2, "tags": -3, "tagcloud": -3, "keywords": -2,
	"rating": -2, "poll": -2, "login": -3, "paywall": -2, "donate": -2,
	"print": -1, "skip": -2, "jump": -1,
	// weak boilerplate
	"header": -1, "meta": -2, "widget": 0, "widgets": -2, "caption": -2, "credit": -2, "credits": -2,
	"toolbar": -2, "tools": -1, "banner": -2, "rail": -1, "trending": -2, "popular": -2,
	"more": -1, "disclaimer": -1, "aside": -2, "extra": -1, "supplemental": -1,
	"shopping": -2, "contact": -1, "partner": -2, "partners": -2, "teasers": -2, "hidden": -2,
	"timestamp": -1, "dateline": -1, "date": -1, "dates": -1, "topics": -2, "cta": -3,
	"legends": -3, "legend": -2, "community": -2, "remark": -2, "rss": -2, "shoutbox": -3,
	"skyscraper": -3, "agegate": -3,
	"kicker": -2, "eyebrow": -2, "reviewer": -2, "gallery": -2, "slideshow": -2, "carousel": -2,
	// article containers
	"article": 2, "content": 2, "entry": 2, "post": 1, "body": 2, "text": 2, "story": 2,
	"main": 2, "blog": 1, "hentry": 2, "prose": 2, "articlebody": 3, "richtext": 2, "paragraph": 1,
	"copy": 1,
}

// roleSkip lists ARIA roles of regions that are never article text.
var roleSkip = map[string]bool{
	"navigation": true, "banner": true, "contentinfo": true, "complementary": true,
	"menu": true, "menubar": true, "search": true, "dialog": true, "alertdialog": true,
	"toolbar": true, "tablist": true,
}

const (
	flagSkip      uint8 = 1 << iota // hidden or never text: ignored everywhere
	flagHasBlock                    // has a block-level descendant
	flagRelated                     // related-articles widget
	flagRefs                        // references/sources container
	flagScored                      // candidate initialised
	flagPosInside                   // a descendant looks like an article container
)

// nstat is what the single statistics pass knows about an element.
type nstat struct {
	text   int32 // visible characters (non-space runes)
	link   int32 // visible characters inside <a>
	commas int32
	paras  int32 // <p> descendants with text
	own    int32 // text in direct text nodes and inline children (a "paragraph" without <p>)
	ownCom int32 // commas in own
	bp     int32 // text outside links inside boilerplate descendants (by tag, role, class or related widget)
	bpText int32 // all text inside those descendants
	prose  int32 // text outside links of the <p> descendants outside boilerplate ones
	weight int32 // class/id word weight (clamped sign used in scoring)
	neg    int32 // the negative part of weight
	flags  uint8
	cls    uint8 // class/id words the date and byline scans ask about (cls* bits)
	// classRead: analyze read the class/id words (byClass is then
	// bylineClassWords of them, isBylineElem's memo).
	classRead, byClass bool
	score              float64
}

// Class-word facts of nstat.cls, set by analyze so later scans need not split
// class names again: clsComment, or'ed with the date kind (kindPublished,
// kindModified, kindReviewed) of the first class word naming one.
const clsComment uint8 = 0x80

// classBits is nstat.cls for class words ws.
func classBits(ws []string) uint8 {
	var b, kind uint8
	for _, w := range ws {
		switch w {
		case "comment", "comments", "commentlist", "replies", "breadcrumb", "breadcrumbs":
			b |= clsComment
		case "updated", "modified", "changed", "lastmod", "revised", "update":
			if kind == 0 {
				kind = kindModified
			}
		case "published", "publish", "pubdate", "posted", "created":
			if kind == 0 {
				kind = kindPublished
			}
		case "reviewed":
			if kind == 0 {
				kind = kindReviewed
			}
		}
	}
	return b | kind
}

// boilerplate reports an element whose class/id marks it as boilerplate: a
// negative weight, or a clearly negative word on a small element even when a
// positive word is there too ("story-meta", "post-comments").
func (s *nstat) boilerplate() bool {
	if s.weight < 0 && s.weight > -3 && s.text-s.link >= 500 && s.link*10 < s.text {
		// Only weak words against it ("widget", "meta", "tools"), and long
		// prose inside: a page builder's wrapper around the article.
		return false
	}
	if s.weight == -1 && s.neg == -1 && s.prose >= 200 && s.link*5 < s.text {
		// One weak word ("more", "header", "contact") against paragraphs
		// of text: a section of the article ("sec-more-info").
		return false
	}
	return s.weight < 0 || s.neg <= -2 && s.text < 500
}

// cleanLinkDensity is the link density of the text outside boilerplate
// descendants (menus in a <nav> do not count against a page's wrapper).
func (s *nstat) cleanLinkDensity() float64 {
	text := s.text - s.bpText
	if text <= 0 {
		return 0
	}
	return float64(s.link-(s.bpText-s.bp)) / float64(text)
}

func (s *nstat) linkDensity() float64 {
	if s == nil || s.text == 0 {
		return 0
	}
	return float64(s.link) / float64(s.text)
}

// newStat is a zeroed nstat, allocated with others in blocks.
func (x *page) newStat() *nstat {
	if len(x.statBlock) == 0 {
		x.statBlock = make([]nstat, 256)
	}
	st := &x.statBlock[0]
	x.statBlock = x.statBlock[1:]
	return st
}

// analyze runs the statistics pass: one post-order walk of the whole tree.
func (x *page) analyze(n *html.Node, inLink bool) *nstat {
	st := x.newStat()
	x.stats[n] = st
	if n.Type == html.ElementNode {
		x.observe(n)
		if n.DataAtom == atom.Button || n.DataAtom == atom.A || n.DataAtom == atom.Div || n.DataAtom == atom.Span {
			x.noteToggle(n)
		}
		// A <button> that is a heading's text is the header of an accordion
		// panel ("<h2><button>Eligibility</button></h2>"): text.
		if alwaysSkipTag(n.DataAtom) && !(n.DataAtom == atom.Noscript && noscriptContent(n)) && !(n.DataAtom == atom.Button && n.Parent != nil && headingLevel(n.Parent) > 0) ||
			isHidden(n) && !x.togglePanel(n) || x.excluded[n] {
			st.flags |= flagSkip
			if !x.streamed {
				if id := attr(n, "id"); len(id) > 2 && id[0] == 'S' && id[1] == ':' && isHidden(n) {
					x.streamed = true
				}
			}
			if n.DataAtom == atom.Head {
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.ElementNode {
						x.analyze(c, false)
					}
				}
			}
			return st
		}
		cf := x.classFactsOf(n)
		w := cf.weight
		st.neg = int32(cf.neg)
		if ip := attr(n, "itemprop"); ip == "articleBody" || ip == "text" {
			w += 5
		}
		st.weight = int32(w)
		st.cls = cf.cls
		st.flags |= cf.flags
		st.classRead, st.byClass = true, cf.byClass
		if len(x.mt.bylines) < 20 && cf.byline {
			x.mt.bylines = append(x.mt.bylines, n)
		}
		if n.DataAtom == atom.A {
			if h := attr(n, "href"); h != "" && !strings.HasPrefix(h, "#") {
				inLink = true
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			k, commas := countText(c.Data)
			if k > 0 { // (indentation between tags names nothing)
				x.observeText(n, c.Data)
			}
			st.text += int32(k)
			st.commas += int32(commas)
			st.own += int32(k)
			st.ownCom += int32(commas)
			if inLink {
				st.link += int32(k)
			}
		case html.ElementNode, html.DocumentNode:
			cs := x.analyze(c, inLink)
			if cs.flags&flagSkip != 0 {
				continue
			}
			st.text += cs.text
			st.link += cs.link
			st.commas += cs.commas
			st.paras += cs.paras
			if cs.weight <= -3 || cs.flags&flagRelated != 0 || isBoilerplateRegion(c) {
				st.bp += cs.text - cs.link
				st.bpText += cs.text
			} else {
				st.bp += cs.bp
				st.bpText += cs.bpText
				st.prose += cs.prose
			}
			if cs.weight > 0 || cs.flags&flagPosInside != 0 || c.DataAtom == atom.Article || c.DataAtom == atom.Main {
				st.flags |= flagPosInside
			}
			if isBlock(c) || cs.flags&flagHasBlock != 0 {
				st.flags |= flagHasBlock
			} else {
				st.own += cs.text
				st.ownCom += cs.commas
			}
		}
	}
	if n.DataAtom == atom.P && st.text > 0 {
		st.paras++
		if st.link*2 < st.text {
			st.prose = st.text - st.link
		}
	}
	return st
}

// noteToggle records the panel an accordion toggle opens: a button, link or
// role="button" element with aria-expanded="false" and aria-controls naming
// the element right after it (climbing out of wrappers that hold only the
// toggle), titled like a section (not "Menu", "Search", "Show more"). Panels
// kept elsewhere (a row of buttons over a box of panels: author notes,
// licence) are not recorded.
func (x *page) noteToggle(n *html.Node) {
	var ctl, exp string
	for _, a := range n.Attr {
		switch a.Key {
		case "aria-controls":
			ctl = a.Val
		case "aria-expanded":
			exp = a.Val
		}
	}
	if ctl == "" || !strings.EqualFold(strings.TrimSpace(exp), "false") || !isToggle(n) {
		return
	}
	p := n
	for d := 0; d < 3 && nextElement(p) == nil && p.Parent != nil; d++ {
		p = p.Parent
	}
	next := nextElement(p)
	if next == nil {
		return
	}
	id := attr(next, "id")
	if id == "" || !hasWord(ctl, id) {
		return
	}
	t := normSpace(plainText(n))
	if len(t) < 3 || len(t) > 200 || toggleWords[strings.ToLower(strings.Trim(t, " +-–—›»▼▲…"))] || isBoilerplateText(t) {
		return
	}
	if x.panels == nil {
		x.panels = map[*html.Node]bool{}
	}
	x.panels[next] = true
}

// togglePanel reports a hidden element that an accordion toggle right
// before it opens (noteToggle): content the reader opens with a click.
func (x *page) togglePanel(n *html.Node) bool { return x.panels[n] }

// asciiCounts is what countText adds for an ASCII byte: bit 0 a character
// (not HTML white space), bit 1 a comma.
var asciiCounts = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		switch c {
		case ' ', '\n', '\t', '\r', '\f':
		case ',':
			t[c] = 3
		default:
			t[c] = 1
		}
	}
	return t
}()

// countText counts non-space runes and commas of s.
func countText(s string) (n, commas int) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			k := asciiCounts[c]
			n += int(k & 1)
			commas += int(k >> 1)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if unicode.IsSpace(r) {
			continue
		}
		if r == '，' || r == '、' || r == '،' {
			commas++
		}
		n++
	}
	return n, commas
}

func isRelatedWords(ws []string) bool {
	for i, w := range ws {
		if len(w) > 7 && (strings.Contains(w, "related") || strings.HasPrefix(w, "recommend")) {
			return true
		}
		switch w {
		case "related", "recommended", "recommendations", "recirc":
			return true
		case "more":
			if i+1 < len(ws) && (ws[i+1] == "stories" || ws[i+1] == "articles" || ws[i+1] == "posts" || ws[i+1] == "news") {
				return true
			}
		case "read":
			if i+1 < len(ws) && ws[i+1] == "next" {
				return true
			}
		}
	}
	return false
}

// boilerplateRoots are word parts that mark boilerplate inside compound class
// names ("relatedposts", "sharedaddy", "sidebarwidget").
var boilerplateRoots = []string{"gallery", "slideshow", "carousel", "related", "sharing", "sharedaddy", "social", "sidebar", "newsletter", "cookie", "advert", "sponsor", "breadcrumb", "comments", "disqus", "outbrain", "taboola", "recommend", "subscribe", "signup"}

// classFacts is what analyze reads from an element's class and id words.
type classFacts struct {
	weight, neg int   // the words' weight, and its negative part
	cls         uint8 // classBits
	flags       uint8 // flagRelated, flagRefs
	byline      bool  // isBylineWords
	byClass     bool  // bylineClassWords
}

// classFactsOf is n's classFacts, memoised by class attribute for elements
// without an id (the words of a class depend on nothing else; an id's may
// depend on the element's heading).
func (x *page) classFactsOf(n *html.Node) classFacts {
	key, classes, cacheable := "", 0, true
	for _, a := range n.Attr {
		switch a.Key {
		case "class":
			key = a.Val
			classes++
		case "id":
			cacheable = false
		}
	}
	if classes == 0 && cacheable {
		return classFacts{} // no words
	}
	cacheable = cacheable && classes == 1
	if cacheable {
		if cf, ok := x.classMemo[key]; ok {
			return cf
		}
	}
	x.words = classTokens(n, x.words[:0])
	var cf classFacts
	for i, t := range x.words {
		if dupWord(x.words[:i], t) {
			continue
		}
		v := x.classWordWeight(t)
		cf.weight += v
		if v < 0 {
			cf.neg += v
		}
	}
	cf.cls = classBits(x.words)
	if isRelatedWords(x.words) {
		cf.flags |= flagRelated
	}
	if isRefsWords(x.words) {
		cf.flags |= flagRefs
	}
	cf.byline = isBylineWords(x.words)
	cf.byClass = bylineClassWords(x.words)
	if cacheable {
		if x.classMemo == nil {
			x.classMemo = make(map[string]classFacts, 64)
		}
		x.classMemo[key] = cf
	}
	return cf
}

// classWordWeight is wordWeight[w], or rootWeight(w) for other words.
func (x *page) classWordWeight(w string) int {
	if v, ok := wordWeight[w]; ok {
		return v
	}
	return rootWeight(w)
}

// rootsByFirst are boilerplateRoots by their first byte.
var rootsByFirst = func() (t [256][]string) {
	for _, r := range boilerplateRoots {
		t[r[0]] = append(t[r[0]], r)
	}
	return t
}()

// rootWeight is -3 for a word of six letters or more holding one of
// boilerplateRoots, else 0.
func rootWeight(w string) int {
	if len(w) < 6 {
		return 0
	}
	for i := 0; i < len(w); i++ {
		for _, r := range rootsByFirst[w[i]] {
			if strings.HasPrefix(w[i:], r) {
				return -3
			}
		}
	}
	return 0
}

func dupWord(prev []string, w string) bool {
	for _, p := range prev {
		if p == w {
			return true
		}
	}
	return false
}

func isBylineWords(ws []string) bool {
	for _, w := range ws {
		if w == "byline" || w == "author" || w == "authors" {
			return true
		}
	}
	return false
}

func isRefsWords(ws []string) bool {
	for _, w := range ws {
		switch w {
		case "references", "reflist", "citations", "bibliography", "footnotes", "sources":
			return true
		}
	}
	return false
}

// isBoilerplateRegion reports elements that never belong to the article body by
// tag or role (before class weights are considered).
func isBoilerplateRegion(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Nav, atom.Aside, atom.Footer, atom.Form, atom.Menu:
		return true
	}
	if r := attr(n, "role"); r != "" && roleSkip[strings.ToLower(r)] {
		// An accordion marked up as a tab list (role="tablist" around
		// the headers and their role="tabpanel" panels) holds content.
		return !strings.EqualFold(r, "tablist") || !holdsPanel(n, 0)
	}
	return false
}

// holdsPanel reports a role="tabpanel" element or a paragraph inside n.
func holdsPanel(n *html.Node, depth int) bool {
	for c := n.FirstChild; c != nil && depth < 8; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom == atom.P || strings.EqualFold(attr(c, "role"), "tabpanel") || holdsPanel(c, depth+1) {
			return true
		}
	}
	return false
}

// scorable reports paragraph-like elements whose text votes for their ancestors.
func (x *page) scorable(n *html.Node, st *nstat) bool {
	switch n.DataAtom {
	case atom.P, atom.Pre, atom.Td, atom.Blockquote, atom.Dd:
		return true
	case atom.Div, atom.Section, atom.Article, atom.Span, atom.Li, atom.Font, atom.Center, atom.Main:
		return st.flags&flagHasBlock == 0
	}
	return false
}

func (x *page) initCandidate(n *html.Node) *nstat {
	st := x.stats[n]
	if st == nil {
		st = x.newStat()
		x.stats[n] = st
	}
	if st.flags&flagScored != 0 {
		return st
	}
	st.flags |= flagScored
	switch n.DataAtom {
	case atom.Div, atom.Article, atom.Main, atom.Section:
		st.score = 5
	case atom.Pre, atom.Td, atom.Blockquote:
		st.score = 3
	case atom.Address, atom.Ol, atom.Ul, atom.Dl, atom.Dd, atom.Dt, atom.Li, atom.Form:
		st.score = -3
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Th:
		st.score = -5
	}
	st.score += classScore(int(st.weight))
	x.candidates = append(x.candidates, n)
	return st
}

func classScore(w int) float64 {
	switch {
	case w > 0:
		return 25
	case w < 0:
		return -25
	}
	return 0
}

// collectScores walks the tree (skipping boilerplate regions) and lets every
// paragraph-like element vote for up to five ancestors, as Readability does.
func (x *page) collectScores(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		st := x.stats[c]
		if st == nil || st.flags&flagSkip != 0 {
			continue
		}
		if c.DataAtom != atom.Body && c.DataAtom != atom.Html && (isBoilerplateRegion(c) || st.weight <= -3) && (!x.noUnlikely || st.weight <= -6) &&
			(int(st.text)*2 < x.bodyText || st.flags&flagPosInside == 0 || c.DataAtom == atom.Footer || c.DataAtom == atom.Nav) {
			// Boilerplate by tag, role or class; a wrapper holding most of the
			// page and an article-like container ("sticky-sidebar" layouts)
			// is scored all the same (never a <footer> or <nav>). The retry
			// for short pages (noUnlikely) scores boilerplate too, except what
			// several strong words condemn ("gdpr cookie modal").
			continue
		}
		text, commas, first := 0, 0, c.Parent
		switch {
		case c.DataAtom == atom.Pre:
			// Code: its commas are syntax (JSON, argument lists), not the
			// clauses of prose; it votes for its length only.
			text = int(st.text)
		case x.scorable(c, st):
			text, commas = int(st.text), int(st.commas)
		case st.flags&flagHasBlock != 0 && c.DataAtom != atom.Body:
			// Text written straight into a container, between blocks: a
			// paragraph of c itself, so c is the first to get the vote.
			text, commas, first = int(st.own), int(st.ownCom), c
		}
		if text >= 20 {
			score := 1 + float64(commas) + minf(float64(text)/100, 3)
			level := 0
			for a := first; a != nil && a.Type == html.ElementNode && level < 5; a = a.Parent {
				as := x.initCandidate(a)
				div := 1.0
				if level == 1 {
					div = 2
				} else if level > 1 {
					div = float64(level * 3)
				}
				as.score += score / div
				level++
			}
		}
		if st.flags&flagHasBlock != 0 && c.DataAtom != atom.Pre {
			x.collectScores(c)
		}
	}
}

func minf(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

// climbMaxLinkDensity bounds the link density of an ancestor the content root may
// climb to.
const climbMaxLinkDensity = 0.35

// findContent picks the main-content root(s), in document order.
func (x *page) findContent() []*html.Node {
	if st := x.stats[x.body]; st != nil {
		x.bodyText = int(st.text)
	}
	x.collectScores(x.body)
	if len(x.candidates) == 0 {
		return []*html.Node{x.body}
	}
	final := func(n *html.Node) float64 {
		st := x.stats[n]
		return st.score * (1 - st.linkDensity())
	}
	sort.SliceStable(x.candidates, func(i, j int) bool { return final(x.candidates[i]) > final(x.candidates[j]) })
	top := x.candidates[0]
	topScore := final(top)
	if top.DataAtom == atom.Body || top.DataAtom == atom.Html {
		return []*html.Node{x.body}
	}
	// A feed of whole articles (the next story appended below the one asked
	// for, infinite-scroll style): take the one carrying the page's headline
	// and never climb out of it.
	var ceiling *html.Node
	if ft, box := x.feedArticle(top, final); ft != nil {
		top, topScore, ceiling = ft, final(ft), box
	}
	below := func(p *html.Node) bool { return ceiling == nil || p != ceiling.Parent && contains(ceiling, p) }

	// Several strong candidates under one ancestor: the article is split, take the
	// ancestor.
	var alts []*html.Node
	for _, c := range x.candidates[1:min(len(x.candidates), 6)] {
		if final(c) >= 0.75*topScore {
			alts = append(alts, c)
		}
	}
	if len(alts) >= 3 {
		for p := top.Parent; p != nil && p.DataAtom != atom.Body && p.Type == html.ElementNode && below(p); p = p.Parent {
			k := 0
			for _, a := range alts {
				if contains(p, a) {
					k++
				}
			}
			if k >= 3 {
				top = p
				break
			}
		}
	}
	// Climb while the parent scores better (text split over nested wrappers).
	last := final(top)
	for p := top.Parent; p != nil && p.Type == html.ElementNode && p.DataAtom != atom.Body && p.DataAtom != atom.Html && below(p); p = p.Parent {
		ps := x.stats[p]
		if ps == nil || ps.flags&flagScored == 0 {
			continue
		}
		pf := final(p)
		if pf < topScore/3 {
			break
		}
		if pf > last {
			top = p
			last = pf
			continue
		}
		break
	}
	// Climb through single-child wrappers.
	for p := top.Parent; p != nil && p.Type == html.ElementNode && p.DataAtom != atom.Body && elementChildren(p) == 1 && below(p); p = p.Parent {
		top = p
	}
	// Climb when the parent holds much more paragraph text with low link density
	// (article body split into sibling wrappers, e.g. lead + body).
	base := top
	for p := top.Parent; p != nil && p.Type == html.ElementNode && p.DataAtom != atom.Body && p.DataAtom != atom.Html && below(p); p = p.Parent {
		ps := x.stats[p]
		if ps.weight <= -3 || isBoilerplateRegion(p) {
			break
		}
		gp, gb := x.goodText(p), x.goodText(base)
		if gp <= gb+gb/20 {
			continue // a wrapper adding (almost) nothing: look further up
		}
		if own := x.ownGoodText(p); float64(own) > 1.25*float64(gb) && own-gb > 300 && ps.linkDensity() < climbMaxLinkDensity {
			top, base = p, p
			continue
		}
		break
	}

	// Coverage: a root holding a small part of the page's paragraph text
	// (one widget of a page builder whose every paragraph sits in its own
	// deep wrapper, so that no ancestor gathers enough votes; a small element
	// whose class says "content") gives way to the lowest element holding
	// most of it: an ancestor, or, for a small root, an element elsewhere
	// holding more text (a long comment thread below a short story never
	// takes the place of the story).
	if all := int(x.stats[x.body].prose); all > 0 && int(x.stats[top].prose) < all*2/5 {
		l := x.proseHolder(all * 3 / 5)
		if l != nil && l != x.body && below(l) && x.stats[l].cleanLinkDensity() < 0.5 &&
			(contains(l, top) || x.goodText(top) < 600 && x.goodText(l) >= 2*x.goodText(top)) {
			top = l
		} else if l == x.body && ceiling == nil && x.stats[x.body].cleanLinkDensity() < 0.5 {
			// The paragraphs are spread over the body's sections (a
			// landing page's blocks side by side): the body is the root,
			// its boilerplate regions left out by the emitter.
			return []*html.Node{x.body}
		} else {
			for p := top.Parent; p != nil && p.Type == html.ElementNode && p.DataAtom != atom.Body && p.DataAtom != atom.Html && below(p); p = p.Parent {
				ps := x.stats[p]
				if ps.weight <= -3 || isBoilerplateRegion(p) {
					break
				}
				if int(ps.prose) >= all*3/5 {
					if ps.cleanLinkDensity() < 0.5 {
						top = p
					}
					break
				}
			}
		}
	}

	// Nearly all of the page's paragraph text one wrapper up (the article's
	// intro and body in nested sections): the wrapper is the root.
	if all := x.stats[x.body].prose; all > 0 && x.stats[top].prose < all*3/4 {
		for p := top.Parent; p != nil && p.Type == html.ElementNode && p.DataAtom != atom.Body && p.DataAtom != atom.Html && below(p); p = p.Parent {
			ps := x.stats[p]
			if ps.weight <= -3 || isBoilerplateRegion(p) || ps.cleanLinkDensity() >= 0.35 {
				break
			}
			if ps.prose >= all*9/10 {
				if ps.prose-x.stats[top].prose >= 300 {
					top = p
				}
				break
			}
		}
	}

	// Sibling merge.
	threshold := maxf(10, final(top)*0.2)
	topClass := attr(top, "class")
	var roots []*html.Node
	if top.Parent == nil || top == ceiling {
		return []*html.Node{top}
	}
	for s := top.Parent.FirstChild; s != nil; s = s.NextSibling {
		if s == top {
			roots = append(roots, s)
			continue
		}
		if s.Type != html.ElementNode {
			continue
		}
		ss := x.stats[s]
		if ss == nil || ss.flags&flagSkip != 0 || isBoilerplateRegion(s) || ss.weight < 0 {
			continue
		}
		bonus := 0.0
		if topClass != "" && attr(s, "class") == topClass {
			bonus = final(top) * 0.2
		}
		if ss.flags&flagScored != 0 && final(s)+bonus >= threshold {
			roots = append(roots, s)
			continue
		}
		if s.DataAtom == atom.P {
			ld := ss.linkDensity()
			if ss.text > 70 && ld < 0.25 {
				roots = append(roots, s)
			} else if ss.text > 0 && ss.text <= 70 && ld == 0 && endsSentence(x, s) {
				roots = append(roots, s)
			}
		}
	}
	return roots
}

// feedArticle handles pages that append further whole articles below the one
// asked for. When the best candidate top does not hold the page's headline (an
// <h1> naming the title) but a sibling "article box" of the same kind does
// (same tag and class under one parent, or both <article>; top's box with an
// <h1> of its own), it returns the best candidate inside the headline's box
// (with ≥ 200 characters of text outside links) and that box, above which the
// content root must not climb. Otherwise nil.
func (x *page) feedArticle(top *html.Node, final func(*html.Node) float64) (cand, box *html.Node) {
	if x.title == "" {
		return nil, nil
	}
	tk := normKey(x.title)
	var head *html.Node
	for _, h := range x.mt.h1 {
		if st := x.stats[h]; st == nil || st.flags&flagSkip != 0 {
			continue
		}
		if hk := normKey(x.textOf(h)); hk == tk || len(hk) >= 20 && strings.Contains(tk, hk) {
			head = h
			break
		}
	}
	if head == nil || contains(top, head) {
		return nil, nil
	}
	// The lowest common ancestor of the headline and top, and its children
	// holding each.
	var boxH, boxT *html.Node
	for p := head; p != nil; p = p.Parent {
		if p.Parent != nil && contains(p.Parent, top) {
			boxH = p
			for q := top; q != nil; q = q.Parent {
				if q.Parent == p.Parent {
					boxT = q
					break
				}
			}
			break
		}
	}
	if boxH == nil || boxT == nil || boxH == boxT || boxH.Type != html.ElementNode || boxT.Type != html.ElementNode {
		return nil, nil
	}
	sameKind := boxH.DataAtom == boxT.DataAtom && (boxH.DataAtom == atom.Article || attr(boxH, "class") != "" && attr(boxH, "class") == attr(boxT, "class"))
	if !sameKind {
		return nil, nil
	}
	// Each article of a feed has its own headline; two boxes of one article
	// (intro and body in like-classed wrappers) do not.
	otherHead := false
	for _, h := range x.mt.h1 {
		if h != head && contains(boxT, h) {
			otherHead = true
			break
		}
	}
	if !otherHead {
		return nil, nil
	}
	best, bestScore := (*html.Node)(nil), 0.0
	for _, c := range x.candidates {
		if contains(boxH, c) {
			if f := final(c); best == nil || f > bestScore {
				best, bestScore = c, f
			}
		}
	}
	if best == nil || x.goodText(best) < 200 {
		return nil, nil
	}
	return best, boxH
}

// ownGoodText is goodText(n) without its children that are boilerplate by tag,
// role or class, or related-article widgets: text the content root would gain by
// climbing to n (a <footer> of teasers inside an <article> is no such gain).
func (x *page) ownGoodText(n *html.Node) int {
	g := x.goodText(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		st := x.stats[c]
		if st == nil || st.flags&flagSkip != 0 {
			continue
		}
		if isBoilerplateRegion(c) || st.weight <= -3 || st.flags&flagRelated != 0 {
			g -= int(st.text) - int(st.link)
		}
	}
	return g
}

// proseHolder is the lowest element holding at least min characters of
// paragraph text (prose), descending from the body through boilerplate-free
// children; nil when the way down meets boilerplate.
func (x *page) proseHolder(min int) *html.Node {
	n := x.body
	for depth := 0; depth < 100; depth++ {
		var next *html.Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if st := x.stats[c]; st != nil && st.flags&flagSkip == 0 && int(st.prose) >= min {
				next = c
				break
			}
		}
		if next == nil {
			return n
		}
		if st := x.stats[next]; st.weight <= -3 || isBoilerplateRegion(next) {
			return nil
		}
		n = next
	}
	return n
}

// cleanText is the text of n outside links and outside boilerplate
// descendants.
func (x *page) cleanText(n *html.Node) int {
	st := x.stats[n]
	if st == nil {
		return 0
	}
	return int(st.text) - int(st.link) - int(st.bp)
}

// goodText is the text of n outside links.
func (x *page) goodText(n *html.Node) int {
	st := x.stats[n]
	if st == nil {
		return 0
	}
	return int(st.text) - int(st.link)
}

func endsSentence(x *page, n *html.Node) bool {
	t := strings.TrimSpace(plainText(n))
	return strings.HasSuffix(t, ".") || strings.HasSuffix(t, "。")
}

func maxf(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

func contains(anc, n *html.Node) bool {
	for p := n; p != nil; p = p.Parent {
		if p == anc {
			return true
		}
	}
	return false
}

func elementChildren(n *html.Node) int {
	k := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			k++
		} else if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			return 2
		}
	}
	return k
}

// plainText is the collapsed text of n (no skip handling; for short elements).
func plainText(n *html.Node) string {
	var t textBuilder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				t.writeText(c.Data)
			case html.ElementNode:
				if alwaysSkipTag(c.DataAtom) {
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
	return t.String()
}
