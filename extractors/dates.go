package extractors

import (
	"net/url"
	"strings"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/internal/datetext"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Dates: published_at, modified_at and reviewed_at.
//
// Sources, strongest first: the per-site selectors; the dates SHOWN in the
// byline area (short lines a little before the visible headline and up to the
// first paragraphs after it: "Mar 27, 2024", "Updated June 13, 2025",
// "Published: 15.12.2022", a <time> in the article header), each classed by its
// label as published, modified or reviewed (an unlabelled byline date is the
// publication date); then metadata (JSON-LD, OpenGraph, citation_*, Dublin
// Core, microdata).
//
// published_at: the shown publication date; metadata's when it names the same
// day (it usually carries the time too) or when nothing is shown. A shown date
// beats a metadata date that disagrees with it: CMS dates are often the
// template's, a re-save's or the site launch's. A modified date is taken only
// as a last resort, when no publication date exists anywhere.
// modified_at: likewise from "Updated …" lines and dateModified metadata.
//
// Every value has the record format (datetext.Date.String): RFC 3339 in UTC
// when the time and its zone are known, YYYY-MM-DD otherwise.

// date kinds
const (
	kindNone      = 0
	kindPublished = 'p'
	kindModified  = 'm'
	kindReviewed  = 'r'
	kindOther     = 'x' // an event, a copyright year: no date of the page
)

// shownDate is a date read in the byline area.
type shownDate struct {
	d    datetext.Date
	kind byte
	dist int // visible characters between the headline and the date
}

// pageDates fills a's dates; run after the content roots are known.
func (x *page) pageDates(a *article.Article) {
	m := &x.mt
	ld := x.ld
	order := datetext.OrderFor(firstNonEmpty(m.lang, ld.lang))

	metaPub := firstDateOf(ld.published, m.first("article:published_time"), m.first("citation_publication_date", "citation_date", "citation_online_date"),
		m.first("dc:date.issued", "dcterms:issued", "dc:date", "dcterms:date", "dcterms:created", "parsely-pub-date", "sailthru.date", "pubdate", "publishdate", "publish-date", "date", "og:published_time", "article.published", "datepublished", "published", "date-pub"),
		x.microdata("datePublished"))
	metaMod := firstDateOf(ld.modified, m.first("article:modified_time", "og:updated_time"), m.first("dcterms:modified", "dc:date.modified", "last-modified", "lastmod", "article.updated", "datemodified"), x.microdata("dateModified"))

	shown := x.shownDates(order)
	var visPub, visNone, visMod, visRev datetext.Date
	best := map[byte]int{}
	for _, s := range shown {
		if d, ok := best[s.kind]; ok && d <= s.dist {
			continue
		}
		best[s.kind] = s.dist
		switch s.kind {
		case kindPublished:
			visPub = s.d
		case kindNone:
			visNone = s.d
		case kindModified:
			visMod = s.d
		case kindReviewed:
			visRev = s.d
		}
	}

	// published_at
	pub := dateOf(x.selText(x.e.sel.published))
	if pub.IsZero() {
		vis := visPub
		if vis.IsZero() {
			vis = visNone
		}
		switch {
		case !vis.IsZero():
			pub = preferPrecise(vis, metaPub, metaMod)
		case !metaPub.IsZero():
			pub = metaPub
		case !visMod.IsZero():
			pub = visMod // last resort: the only date the page gives
		default:
			pub = metaMod
		}
	}
	a.PublishedAt = pub.String()

	// modified_at
	mod := dateOf(x.selText(x.e.sel.modified))
	if mod.IsZero() {
		switch {
		case !visMod.IsZero():
			mod = preferPrecise(visMod, metaMod, datetext.Date{})
		default:
			mod = metaMod
		}
	}
	a.ModifiedAt = mod.String()

	// reviewed_at
	rev := dateOf(x.ld.reviewedAt)
	if rev.IsZero() {
		rev = dateOf(x.microdata("lastReviewed"))
	}
	if rev.IsZero() {
		_, va := x.visibleReview()
		rev = dateOf(va)
	}
	if rev.IsZero() {
		rev = visRev
	}
	if rev.IsZero() {
		rev = dateOf(m.first("lastreviewed", "last-reviewed"))
	}
	a.ReviewedAt = rev.String()
}

// preferPrecise returns the metadata date that names the shown day (it has
// the time), else the shown date.
func preferPrecise(shown datetext.Date, meta ...datetext.Date) datetext.Date {
	for _, md := range meta {
		if !md.IsZero() && md.HasTime() && md.DayText() == shown.DayText() {
			return md
		}
	}
	return shown
}

func dateOf(s string) datetext.Date {
	d, _, _ := datetext.Find(s, datetext.MDY)
	return d
}

func firstDateOf(vs ...string) datetext.Date {
	for _, v := range vs {
		if d := dateOf(v); !d.IsZero() {
			return d
		}
	}
	return datetext.Date{}
}

// Byline-area window, in visible characters around the headline.
const (
	shownBefore = 400
	shownAfter  = 1500
	shownLine   = 160 // a longer element is prose, not a byline line
)

// dateScan walks the byline area in document order.
type dateScan struct {
	x                    *page
	anchor               *html.Node
	anchorPos, anchorEnd int
	pos                  int
	order                datetext.Order
	prev                 string // the previous short line: a label such as "Last updated:"
	out                  []shownDate
	prose                int // long paragraphs passed after the headline
}

// shownDates reads the dates of the byline area.
func (x *page) shownDates(order datetext.Order) []shownDate {
	anchor := x.headlineNode()
	if anchor == nil || x.body == nil {
		return nil
	}
	s := &dateScan{x: x, anchor: anchor, order: order}
	s.anchorPos = x.textBefore(anchor)
	s.anchorEnd = s.anchorPos
	if st := x.stats[anchor]; st != nil && anchor.DataAtom == atom.H1 {
		s.anchorEnd += st.text
	}
	s.walk(x.body)
	return s.out
}

// headlineNode is the visible headline (the h1 naming the title), else the
// start of the content.
func (x *page) headlineNode() *html.Node {
	var h1s []*html.Node
	for _, h := range x.mt.h1 {
		if st := x.stats[h]; st != nil && st.flags&flagSkip == 0 && st.text > 0 {
			h1s = append(h1s, h)
		}
	}
	tk := normKey(x.title)
	for _, h := range h1s {
		hk := normKey(strings.ReplaceAll(x.textOf(h), "\n", " "))
		if hk != "" && (hk == tk || x.h1 != "" && hk == normKey(x.h1) || tk != "" && (strings.Contains(tk, hk) || strings.Contains(hk, tk))) {
			return h
		}
	}
	if len(h1s) == 1 {
		return h1s[0]
	}
	for _, h := range h1s {
		if similarity(x.textOf(h), x.title) > 0.5 {
			return h
		}
	}
	if len(x.roots) > 0 && x.roots[0] != x.body {
		return x.roots[0]
	}
	return nil
}

// textBefore counts the visible characters before n in document order.
func (x *page) textBefore(n *html.Node) int {
	pos := 0
	for c := n; c.Parent != nil; c = c.Parent {
		for s := c.PrevSibling; s != nil; s = s.PrevSibling {
			switch s.Type {
			case html.TextNode:
				k, _ := countText(s.Data)
				pos += k
			case html.ElementNode:
				if st := x.stats[s]; st != nil && st.flags&flagSkip == 0 {
					pos += st.text
				}
			}
		}
	}
	return pos
}

func (s *dateScan) inWindow(from, to int) bool {
	return to >= s.anchorPos-shownBefore && from <= s.anchorEnd+shownAfter
}

func (s *dateScan) done() bool {
	return s.pos > s.anchorEnd+shownAfter || s.prose >= 2
}

func (s *dateScan) walk(n *html.Node) {
	x := s.x
	for c := n.FirstChild; c != nil && !s.done(); c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			k, _ := countText(c.Data)
			if k == 0 {
				continue
			}
			if k <= shownLine && s.inWindow(s.pos, s.pos+k) {
				s.line(normSpace(c.Data), nil, s.pos)
			}
			s.pos += k
		case html.ElementNode:
			st := x.stats[c]
			if st == nil || st.flags&flagSkip != 0 || st.text == 0 {
				continue
			}
			from := s.pos
			if c == s.anchor {
				if c.DataAtom == atom.H1 {
					s.pos += st.text
					s.prev = ""
					continue
				}
				// the content root: its lines are the byline area
			}
			if !s.inWindow(from, from+st.text) || s.excluded(c, st) {
				s.pos += st.text
				continue
			}
			if st.text <= shownLine && !contains(c, s.anchor) {
				s.lineElem(c, from)
				s.pos = from + st.text
				continue
			}
			if from > s.anchorEnd && st.flags&flagHasBlock == 0 && (c.DataAtom == atom.P || st.own > shownLine) {
				s.prose++ // a paragraph of the body: the byline area is over
				s.pos += st.text
				continue
			}
			s.walk(c)
			s.pos = from + st.text
		}
	}
}

// excluded: regions whose dates are never the page's (navigation, footers,
// comments, related-article boxes).
func (s *dateScan) excluded(c *html.Node, st *nstat) bool {
	if st.flags&flagRelated != 0 {
		return true
	}
	switch c.DataAtom {
	case atom.Nav, atom.Footer, atom.Form, atom.Select, atom.Button, atom.Figcaption, atom.Blockquote:
		return true
	}
	if r := strings.ToLower(attr(c, "role")); r == "navigation" || r == "contentinfo" || r == "menu" {
		return true
	}
	x := s.x
	x.words = classTokens(c, x.words[:0])
	for _, w := range x.words {
		switch w {
		case "comment", "comments", "commentlist", "replies", "breadcrumb", "breadcrumbs", "nav", "navbar", "menu":
			return true
		}
	}
	return false
}

// lineInfo is a byline line: its text (links to other pages left out) and
// the <time datetime> values inside it with their offsets in the text.
type lineInfo struct {
	t      textBuilder
	times  []lineTime
	teaser bool
	words  []string
}

type lineTime struct {
	at    int
	value string
	prop  string
}

func (s *dateScan) lineElem(n *html.Node, from int) {
	var li lineInfo
	s.appendLine(&li, n)
	if li.teaser {
		s.prev = ""
		return
	}
	s.line(li.t.String(), &li, from)
	// class words of the element and its parents label the line too
	_ = n
}

// appendLine is appendText for a byline line: text inside links to other
// pages is left out (a teaser's date is not the page's), <time> elements
// are noted.
func (s *dateScan) appendLine(li *lineInfo, n *html.Node) {
	x := s.x
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			li.t.writeText(c.Data)
		case html.ElementNode:
			if c.DataAtom == atom.Br {
				li.t.newline()
				continue
			}
			st := x.stats[c]
			if st == nil || st.flags&flagSkip != 0 {
				if c.DataAtom == atom.Time || c.DataAtom == atom.Meta {
					s.noteTime(li, c)
				}
				continue
			}
			if c.DataAtom == atom.A && s.otherPage(attr(c, "href")) {
				if wordCount(x.textOf(c)) >= 4 {
					li.teaser = true // a linked title beside the date: a teaser card
				}
				li.t.newline()
				continue
			}
			if c.DataAtom == atom.Time {
				s.noteTime(li, c)
			}
			blk := isBlock(c)
			if blk {
				li.t.newline()
			}
			s.appendLine(li, c)
			if blk {
				li.t.newline()
			}
		}
	}
}

func (s *dateScan) noteTime(li *lineInfo, c *html.Node) {
	v := attr(c, "datetime")
	if v == "" && c.DataAtom == atom.Meta {
		v = attr(c, "content")
	}
	if v == "" {
		return
	}
	li.times = append(li.times, lineTime{at: li.t.Len(), value: v, prop: attr(c, "itemprop") + " " + attr(c, "class")})
}

// otherPage reports a link to another page: not the page itself, not a
// fragment, not a date archive ("/2025/12/18/").
func (s *dateScan) otherPage(href string) bool {
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(strings.ToLower(href), "javascript:") {
		return false
	}
	u := s.x.resolveURL(href)
	if u == "" {
		return false
	}
	if s.x.pageU != nil {
		p := *s.x.pageU
		p.Fragment = ""
		if strings.TrimRight(u, "/") == strings.TrimRight(p.String(), "/") {
			return false
		}
	}
	if pu, err := url.Parse(u); err == nil {
		path := strings.Trim(pu.Path, "/")
		if path != "" && strings.Trim(path, "0123456789/") == "" {
			return false // a date archive
		}
	}
	return true
}

// line reads the dates of one byline line.
func (s *dateScan) line(text string, li *lineInfo, from int) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	prev := s.prev
	if len(text) <= 40 {
		s.prev = text
	} else {
		s.prev = ""
	}
	dist := from - s.anchorEnd
	if from < s.anchorPos {
		dist = (s.anchorPos - from) * 3 / 2
	}
	found := false
	rest, off := text, 0
	for k := 0; k < 4 && rest != ""; k++ {
		d, a, b := datetext.Find(rest, s.order)
		if d.IsZero() {
			break
		}
		label := rest[:a]
		kind := labelKind(label)
		if kind == kindNone && k == 0 && strings.TrimFunc(label, isPunctRune) == "" {
			kind = labelKind(prev)
		}
		if kind == kindNone && li != nil {
			kind = s.classKind(li, off+a)
		}
		if li != nil {
			d = s.withTimeAttr(d, li, off+a)
		}
		if kind != kindOther {
			s.out = append(s.out, shownDate{d: d, kind: kind, dist: dist})
		}
		found = true
		rest, off = rest[b:], off+b
	}
	if !found && li != nil {
		// <time datetime="…">2 days ago</time>
		for _, t := range li.times {
			if d := dateOf(t.value); !d.IsZero() {
				kind := labelKind(text[:min(t.at, len(text))])
				if kind == kindNone {
					kind = timePropKind(t.prop)
				}
				if kind != kindOther {
					s.out = append(s.out, shownDate{d: d, kind: kind, dist: dist})
				}
				break
			}
		}
	}
}

// withTimeAttr returns the <time datetime> value of the same day as d, which
// may carry the time of day.
func (s *dateScan) withTimeAttr(d datetext.Date, li *lineInfo, at int) datetext.Date {
	for _, t := range li.times {
		if td := dateOf(t.value); !td.IsZero() && td.DayText() == d.DayText() {
			return td
		}
	}
	return d
}

// classKind: a <time itemprop="dateModified"> or class="updated" in the line.
func (s *dateScan) classKind(li *lineInfo, at int) byte {
	for _, t := range li.times {
		if k := timePropKind(t.prop); k != kindNone {
			return k
		}
	}
	return kindNone
}

func timePropKind(p string) byte {
	p = strings.ToLower(p)
	switch {
	case strings.Contains(p, "modified") || strings.Contains(p, "updated"):
		return kindModified
	case strings.Contains(p, "published"):
		return kindPublished
	}
	return kindNone
}

// Label words, lower case, in the vocabulary's languages.
var (
	modLabels = []string{"updated", "update", "modified", "revised", "changed", "edited", "refreshed",
		"aktualisiert", "geändert", "stand:", "mis à jour", "mise à jour", "actualizado", "actualización",
		"atualizado", "atualização", "aggiornato", "aggiornamento", "bijgewerkt", "gewijzigd",
		"zaktualizowano", "aktualizacja"}
	revLabels = []string{"reviewed", "fact-checked", "fact checked", "geprüft", "revisado", "revisto",
		"révisé", "relu", "verified"}
	pubLabels = []string{"published", "posted", "publish", "released", "written", "created",
		"veröffentlicht", "erschienen", "publié", "publicado", "publicada", "pubblicato", "gepubliceerd",
		"geplaatst", "opublikowano", "opublikowany"}
	otherLabels = []string{"©", "copyright", "event", "expire", "deadline", "due ", "until", "registration",
		"starts", "ends", "born", "died", "webinar", "as of", "effective", "valid", "since", "closes", "opens"}
)

// labelKind classes the text before a date by the label word nearest to it.
func labelKind(s string) byte {
	if s == "" {
		return kindNone
	}
	s = strings.ToLower(s)
	best, at := byte(kindNone), -1
	for _, g := range []struct {
		kind  byte
		words []string
	}{{kindModified, modLabels}, {kindReviewed, revLabels}, {kindPublished, pubLabels}, {kindOther, otherLabels}} {
		for _, w := range g.words {
			if i := strings.LastIndex(s, w); i > at {
				best, at = g.kind, i
			}
		}
	}
	return best
}

// reviewDate is the date after "reviewed" in a review line ("Medically
// reviewed by Jane Doe, MD — on May 3, 2024").
func reviewDate(t string) string {
	i := strings.Index(strings.ToLower(t), "reviewed")
	if i < 0 {
		return ""
	}
	t = t[i:]
	if len(t) > 200 {
		t = t[:200]
	}
	d, _, _ := datetext.Find(t, datetext.MDY)
	return d.String()
}
