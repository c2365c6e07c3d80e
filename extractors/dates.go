package extractors

import (
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

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
// published_at is the page's FIRST publication, in this order: a visible
// "Originally published on …" / "First published …" line anywhere in the
// article (not in comments, quotes or related boxes; the date must follow
// the label directly); the shown publication date (a byline date labelled
// "Published"/"Posted", or unlabelled); metadata's datePublished; a
// permalink's date ("/2025/12/18/slug"); last, a modified date, only when
// the page gives no other date at all.
//
// A shown publication date beats a metadata date that disagrees with it:
// CMS dates are often the template's, a re-save's or the site launch's. When
// metadata names the same day its instant is kept, for the time, if its UTC
// day is the shown day; an instant of that publication on another UTC day
// (an evening in New York, a morning in Auckland: anywhere from UTC−12 to
// UTC+14) gives way to the shown day, without a time: the record's day is
// the one the page says. Likewise a metadata instant written in a zone
// where its day is one the page shows (in the byline, the permalink, an
// unlabelled date under the article) but whose UTC day differs is recorded
// as that day; with nothing shown it stays an instant in UTC. Metadata's own datePublished, when it is a bare day (a theme's
// "2023-05-17T00:00:00+0000"), takes the instant another publication source
// (og, Dublin Core, a page node of the JSON-LD graph) gives on that day.
// Two exceptions give way to metadata's datePublished: an
// unlabelled (or only class-labelled) shown date that metadata names as
// dateModified (a theme showing the last update), and an unlabelled date
// more than 300 characters below the headline.
//
// A page that shows ONLY an update ("Updated June 13, 2025", "Last updated:
// …") and no publication date: published_at is metadata's datePublished
// even when that date is shown nowhere, and the update goes to modified_at.
// The update is not a publication date: a shown "Updated" date does not
// disagree with a datePublished, and taking it would drop the first
// publication from the record (modified_at already carries the update).
// Only when metadata gives no publication date does the update stand in
// for it (after the permalink's date).
//
// modified_at: the shown "Updated …" date (metadata's instant when it names
// the same day), else dateModified metadata, else the byline's date when an
// "Originally published" line names an earlier first publication.
// reviewed_at: JSON-LD/microdata lastReviewed, "Medically reviewed … on …"
// lines, "Last reviewed …" lines (a shop's "Reviewed in the United States
// on …" is a customer review, not one).
//
// Numeric dates that read both ways ("03/10/2023") take the reading metadata
// or the URL names, else the page language's order (MDY for English, DMY
// otherwise). When the byline area shows nothing, a date labelled
// "Published"/"Posted"/"Updated" anywhere in the page body is read.
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
	kindDay       = 'd' // an unlabelled date outside the byline area: only a day the page shows
)

// shownDate is a date read in the byline area.
type shownDate struct {
	d    datetext.Date
	kind byte
	weak bool // kind named by class words, not by a visible label
	dist int  // visible characters between the headline and the date
}

// pageDates fills a's dates; run after the content roots are known.
func (x *page) pageDates(a *article.Article) {
	m := &x.mt
	ld := x.ld
	order := datetext.OrderFor(firstNonEmpty(m.lang, ld.lang))

	pubDates := datesOf(ld.published, m.first("article:published_time"), m.first("citation_publication_date", "citation_date", "citation_online_date"),
		m.first("dc:date.issued", "dcterms:issued", "dc:date", "dcterms:date", "dcterms:created", "parsely-pub-date", "sailthru.date", "pubdate", "publishdate", "publish-date", "date", "og:published_time", "article.published", "datepublished", "published", "date-pub"),
		x.microdata("datePublished"), m.keyed(isPubKey), ld.pagePublished)
	var metaPub datetext.Date
	if len(pubDates) > 0 {
		// a bare day ("2023-05-17T00:00:00+0000" from a theme) takes the
		// instant another source gives on that day
		metaPub = pubDates[0]
		if !metaPub.HasTime() {
			metaPub = precise(metaPub, false, pubDates[1:])
		}
	}
	metaMod := firstDateOf(ld.modified, m.first("article:modified_time", "og:updated_time"), m.first("dcterms:modified", "dc:date.modified", "last-modified", "lastmod", "article.updated", "datemodified"),
		x.microdata("dateModified"), m.keyed(isModKey))

	urlDay := x.urlDate()
	evidence := []string{metaPub.DayText(), metaMod.DayText(), urlDay.DayText()}

	var sh shown
	sh.read(x.shownDates(order, false, evidence))
	if sh.pub.IsZero() && sh.none.IsZero() {
		// Nothing near the headline: a labelled date anywhere in the page
		// ("Posted on …" under the article, "Page last modified …"). A
		// "Published …" line beats metadata too; a modified one only stands
		// in for missing metadata.
		var more shown
		more.read(x.shownDates(order, true, evidence))
		sh.pub = more.pub
		if sh.mod.IsZero() && metaPub.IsZero() {
			sh.mod = more.mod
		}
		if sh.rev.IsZero() {
			sh.rev = more.rev
		}
		sh.days = more.days
	}

	// published_at
	pub := dateOf(x.selText(x.e.sel.published))
	var reissued datetext.Date // the byline's date after an "originally published" one
	if pub.IsZero() {
		if orig := x.firstPublished(order, evidence); !orig.IsZero() {
			// "This article was originally published on 26 Sep 2019": the
			// page names its first publication itself; a later date in the
			// byline is then its last revision
			pub = preferPrecise(orig, pubDates)
			for _, d := range []datetext.Date{sh.pub, sh.none} {
				if d.DayText() > max(orig.DayText(), reissued.DayText()) {
					reissued = d
				}
			}
		}
	}
	if pub.IsZero() {
		vis, weak := sh.pub, sh.pubWeak
		if vis.IsZero() {
			vis, weak = sh.none, true
			if sh.noneDist > 300 && !metaPub.IsZero() && !sameDay(vis, metaPub) {
				// an unlabelled date well below the headline, not the
				// metadata's: a date in the article's furniture, not its byline
				vis = datetext.Date{}
			}
		}
		if weak && !vis.IsZero() && !metaPub.IsZero() && sameDay(vis, metaMod) && !sameDay(vis, metaPub) {
			// an unlabelled shown date that metadata names as the modified
			// date: a theme showing the last update; metadata has the
			// publication date
			vis = datetext.Date{}
		}
		switch {
		case !vis.IsZero():
			pub = preferPrecise(vis, pubDates, []datetext.Date{metaMod})
		case !metaPub.IsZero():
			pub = metaPub
		case !urlDay.IsZero():
			pub = urlDay // a permalink's date: "/2025/12/18/slug"
		case !sh.mod.IsZero():
			pub = sh.mod // last resort: the only date the page gives
		default:
			pub = metaMod
		}
	}
	// an instant on another UTC day than the day the page shows for it
	// keeps the shown day (the record gives the day the page says)
	pageDays := append([]string{sh.pub.DayText(), sh.none.DayText(), sh.mod.DayText(), sh.rev.DayText(), urlDay.DayText()}, sh.days...)
	pub = onPageDay(pub, pageDays)
	a.PublishedAt = pub.String()

	// modified_at
	mod := dateOf(x.selText(x.e.sel.modified))
	if mod.IsZero() {
		if !sh.mod.IsZero() {
			mod = preferPrecise(sh.mod, []datetext.Date{metaMod})
		} else {
			mod = firstNonZero(metaMod, reissued)
		}
	}
	mod = onPageDay(mod, pageDays)
	a.ModifiedAt = mod.String()

	// reviewed_at
	rev := dateOf(x.ld.reviewedAt)
	if rev.IsZero() {
		rev = dateOf(x.microdata("lastReviewed"))
	}
	if rev.IsZero() {
		rev = sh.rev
	}
	if rev.IsZero() {
		rev = dateOf(m.first("lastreviewed", "last-reviewed"))
	}
	a.ReviewedAt = rev.String()
}

// firstPubLabels name a page's first publication; the date follows them.
// observeText notes the elements whose text has one.
var firstPubLabels = []string{"originally published", "originally posted", "first published", "first posted",
	"publicado originalmente", "publicada originalmente", "originalmente publicado", "originalmente publicada"}

func hasFirstPubLabel(s string) bool {
	s = strings.ToLower(s)
	for _, l := range firstPubLabels {
		if strings.Contains(s, l) {
			return true
		}
	}
	return false
}

// firstPublished is the date of a visible "Originally published on …" line
// anywhere in the page outside comments, quotes and related boxes: the date
// must follow the label directly ("on", "in", a weekday between them at
// most), so "Originally posted by Jane" quoting a forum post names none.
func (x *page) firstPublished(order datetext.Order, evidence []string) datetext.Date {
	if len(x.mt.firstPub) == 0 {
		return datetext.Date{}
	}
	s := &dateScan{x: x, anchor: x.headlineNode(), order: order, evidence: evidence}
	for _, n := range x.mt.firstPub {
		if !s.visibleArticle(n) {
			continue
		}
		for e, k := n, 0; e != nil && k < 2; e, k = e.Parent, k+1 {
			if d := s.afterLabel(x.textOf(e), firstPubLabels); !d.IsZero() {
				return d
			}
		}
	}
	return datetext.Date{}
}

// visibleArticle reports a node that is shown and not in a region whose
// dates are never the page's (comments, quotes, related boxes, navigation).
func (s *dateScan) visibleArticle(n *html.Node) bool {
	for p := n; p != nil && p.Type == html.ElementNode; p = p.Parent {
		st := s.x.stats[p]
		if st == nil || st.flags&flagSkip != 0 || s.excluded(p, st) {
			return false
		}
	}
	return true
}

// afterLabel returns the date that directly follows one of labels in t.
func (s *dateScan) afterLabel(t string, labels []string) datetext.Date {
	lt := strings.ToLower(t)
	for _, l := range labels {
		i := strings.Index(lt, l)
		if i < 0 {
			continue
		}
		rest := t[i+len(l):]
		if len(rest) > 120 {
			rest = rest[:120]
		}
		d, a, _ := s.find(rest)
		if d.IsZero() || !linkWords(rest[:a]) {
			continue
		}
		return d
	}
	return datetext.Date{}
}

// linkWords reports text that only links a label to its date: punctuation,
// "on", "in", "the", a weekday.
func linkWords(t string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return unicode.IsSpace(r) || isPunctRune(r) }) {
		switch w {
		case "on", "in", "at", "the", "am", "le", "el", "em", "il", "op", "de", "du":
		default:
			if !datetext.IsWeekday(w) {
				return false
			}
		}
	}
	return true
}

// shown is the nearest shown date of each kind.
type shown struct {
	pub, none, mod, rev datetext.Date
	pubWeak             bool // pub's kind came from class words only
	noneDist            int
	days                []string // unlabelled days shown outside the byline area
}

func (sh *shown) read(ds []shownDate) {
	best := map[byte]int{}
	for _, s := range ds {
		if s.kind == kindDay {
			sh.days = append(sh.days, s.d.DayText())
			continue
		}
		if d, ok := best[s.kind]; ok && d <= s.dist {
			continue
		}
		best[s.kind] = s.dist
		switch s.kind {
		case kindPublished:
			sh.pub, sh.pubWeak = s.d, s.weak
		case kindNone:
			sh.none, sh.noneDist = s.d, s.dist
		case kindModified:
			sh.mod = s.d
		case kindReviewed:
			sh.rev = s.d
		}
	}
}

// keyed returns the first date-bearing <meta> value whose name passes ok, in
// name order: site-specific names such as "w-published-date".
func (m *metaTags) keyed(ok func(string) bool) string {
	var keys []string
	for k := range m.named {
		if ok(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := m.first(k); v != "" && !dateOf(v).IsZero() {
			return v
		}
	}
	return ""
}

func isPubKey(k string) bool {
	return (strings.Contains(k, "publish") || strings.Contains(k, "pub-date") || strings.Contains(k, "pubdate") || strings.Contains(k, "posted")) &&
		!strings.Contains(k, "modif") && !strings.Contains(k, "updat") && !strings.Contains(k, "publisher")
}

func isModKey(k string) bool {
	return (strings.Contains(k, "modif") || strings.Contains(k, "updat")) && (strings.Contains(k, "date") || strings.Contains(k, "time"))
}

// preferPrecise returns the metadata instant that names the shown day (it
// has the time), else the shown date. Groups are tried in order (the
// publication dates, then the modified date); within a group an instant
// whose UTC day is the shown day comes first, then one that falls on it in
// some zone: of two publication dates that disagree on the instant (a UTC
// time labelled with a local offset), the one on the day the page shows.
func preferPrecise(vis datetext.Date, groups ...[]datetext.Date) datetext.Date {
	return precise(vis, true, groups...)
}

// precise is preferPrecise; a date that is no shown one (a metadata bare day)
// takes the instant even on another UTC day.
func precise(vis datetext.Date, shownDay bool, groups ...[]datetext.Date) datetext.Date {
	for _, g := range groups {
		for _, md := range g {
			if md.HasTime() && md.String()[:10] == vis.DayText() {
				return md
			}
		}
		for _, md := range g {
			if md.HasTime() && sameDay(vis, md) {
				if !shownDay {
					return md
				}
				// the same publication, on another UTC day: the record
				// keeps the day the page shows
				return dayOnly(vis)
			}
		}
	}
	if shownDay && vis.HasTime() && vis.String()[:10] != vis.DayText() {
		return dayOnly(vis) // <time datetime="2025-12-18T19:05:00-08:00">December 18, 2025</time>
	}
	return vis
}

// dayOnly is d without its time of day.
func dayOnly(d datetext.Date) datetext.Date {
	return datetext.Date{Year: d.Year, Month: d.Month, Day: d.Day}
}

// onPageDay returns d's day as written when d is an instant whose UTC day is
// another and the page shows that day (in its byline or its permalink):
// "2020-04-12T18:00:00-07:00" beside "April 12, 2020" is recorded as
// 2020-04-12, not 2020-04-13T01:00:00Z.
func onPageDay(d datetext.Date, days []string) datetext.Date {
	if d.HasTime() && d.String()[:10] != d.DayText() && slices.Contains(days, d.DayText()) {
		return dayOnly(d)
	}
	return d
}

// sameDay reports that a shown day and a metadata date name the same day:
// the same calendar day as written, or, for an instant, its day somewhere
// on earth (UTC−12 to UTC+14: "March 1" on a US page is 2024-03-02T02:30:00Z).
func sameDay(shown, md datetext.Date) bool {
	if shown.IsZero() || md.IsZero() {
		return false
	}
	if shown.DayText() == md.DayText() {
		return true
	}
	if !md.HasTime() {
		return false
	}
	d := shown.DayText()
	return d >= md.At.Add(-12*time.Hour).Format(time.DateOnly) && d <= md.At.Add(14*time.Hour).Format(time.DateOnly)
}

func dateOf(s string) datetext.Date {
	d, _, _ := datetext.Find(s, datetext.MDY)
	return d
}

func firstNonZero(ds ...datetext.Date) datetext.Date {
	for _, d := range ds {
		if !d.IsZero() {
			return d
		}
	}
	return datetext.Date{}
}

// datesOf returns the dates of the values that hold one, in order.
func datesOf(vs ...string) []datetext.Date {
	var ds []datetext.Date
	for _, v := range vs {
		if d := dateOf(v); !d.IsZero() {
			ds = append(ds, d)
		}
	}
	return ds
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
	prose                int      // long paragraphs passed after the headline
	labelledOnly         bool     // the whole body, dates with a label only
	before, after        int      // the window around the headline
	evidence             []string // days named by metadata and the URL
}

// find is datetext.Find; a date that reads both ways ("03/10/2023") takes
// the reading that metadata or the URL names.
func (s *dateScan) find(t string) (datetext.Date, int, int) {
	d, a, b := datetext.Find(t, s.order)
	if d.Swappable {
		alt := d.Swapped()
		if !slices.Contains(s.evidence, d.DayText()) && slices.Contains(s.evidence, alt.DayText()) {
			d = alt
		}
	}
	return d, a, b
}

// urlDate is the date of a permalink ("/2025/12/18/slug", "/blog/2025-12-17-name").
func (x *page) urlDate() datetext.Date {
	if x.pageU == nil {
		return datetext.Date{}
	}
	d, _, _ := datetext.Find(x.pageU.Path, datetext.DMY)
	if d.IsZero() {
		d, _, _ = datetext.Find(strings.ReplaceAll(x.pageU.Path, "/", " "), datetext.DMY) // "/2023/october/03/"
	}
	if d.Swappable {
		return datetext.Date{} // "/12/03/2024/": no telling
	}
	return d
}

// shownDates reads the dates of the byline area.
func (x *page) shownDates(order datetext.Order, labelledOnly bool, evidence []string) []shownDate {
	if x.body == nil {
		return nil
	}
	anchor := x.headlineNode()
	s := &dateScan{x: x, anchor: anchor, order: order, labelledOnly: labelledOnly, evidence: evidence}
	switch {
	case labelledOnly:
		s.anchorPos, s.anchorEnd = 0, 0
		s.before, s.after = 0, 1<<30
	case anchor == nil:
		return nil
	default:
		s.anchorPos = x.textBefore(anchor)
		s.anchorEnd = s.anchorPos
		s.before, s.after = shownBefore, shownAfter
		if st := x.stats[anchor]; st != nil && anchor.DataAtom == atom.H1 {
			s.anchorEnd += int(st.text)
			// "Dec 18 2025 Preparing a transition": a headline that starts
			// with its date.
			if t := x.textOf(anchor); len(t) > 0 && t[0] >= '0' && t[0] <= '9' || len(t) > 0 && datetext.IsMonth(strings.ToLower(strings.SplitN(t, " ", 2)[0])) {
				if d, a, _ := s.find(t); !d.IsZero() && a == 0 {
					s.add(d, kindNone, 0, false)
				}
			}
		}
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
					pos += int(st.text)
				}
			}
		}
	}
	return pos
}

func (s *dateScan) inWindow(from, to int) bool {
	return to >= s.anchorPos-s.before && from <= s.anchorEnd+s.after
}

func (s *dateScan) done() bool {
	return s.pos > s.anchorEnd+s.after || s.prose >= 2 && !s.labelledOnly
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
					s.pos += int(st.text)
					s.prev = ""
					continue
				}
				// the content root: its lines are the byline area
			}
			if !s.inWindow(from, from+int(st.text)) || s.excluded(c, st) {
				s.pos += int(st.text)
				continue
			}
			if st.text <= shownLine && !contains(c, s.anchor) {
				s.lineElem(c, from)
				s.pos = from + int(st.text)
				continue
			}
			if from > s.anchorEnd && st.flags&flagHasBlock == 0 && (c.DataAtom == atom.P || st.own > shownLine) {
				s.prose++ // a paragraph of the body: the byline area is over
				s.pos += int(st.text)
				continue
			}
			s.walk(c)
			s.pos = from + int(st.text)
		}
	}
}

// excluded: regions whose dates are never the page's (navigation, footers,
// comments, related-article boxes).
func (s *dateScan) excluded(c *html.Node, st *nstat) bool {
	if st.flags&flagRelated != 0 {
		// a region holding the headline is the article's, whatever its
		// class words say ("has-recirc-strip" on <main>)
		return !contains(c, s.anchor)
	}
	switch c.DataAtom {
	case atom.Nav, atom.Form, atom.Select, atom.Button, atom.Figcaption, atom.Blockquote:
		return true
	case atom.Footer:
		return pageFooter(c)
	}
	if r := strings.ToLower(attr(c, "role")); r == "navigation" || r == "contentinfo" || r == "menu" {
		return true
	}
	if st.cls&clsComment != 0 {
		return !contains(c, s.anchor)
	}
	return false
}

// lineInfo is a byline line: its text (the titles of links to other pages
// left out), the <time datetime> values inside it and the spans of its
// elements whose class words name a kind of date ("published-date",
// "updatedAt"), with their offsets in the text.
type lineInfo struct {
	t      textBuilder
	times  []lineTime
	kinds  []kindSpan
	kind   byte // class words of the line element and its parents
	teaser bool
}

type lineTime struct {
	at    int
	value string
	kind  byte
}

type kindSpan struct {
	from, to int
	kind     byte
}

func (s *dateScan) lineElem(n *html.Node, from int) {
	var li lineInfo
	s.appendLine(&li, n)
	for p, k := n, 0; p != nil && k < 3 && li.kind == kindNone; p, k = p.Parent, k+1 {
		li.kind = s.classWordKind(p)
	}
	s.line(li.t.String(), &li, from)
}

// appendLine is appendText for a byline line: the title of a link to another
// page makes the line a teaser (its date is not the page's); <time> elements
// and date-classed elements are noted.
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
			if s.excluded(c, st) {
				li.t.newline()
				continue
			}
			if c.DataAtom == atom.A && st.text >= 12 && s.teaserTitle(c) && !isProfileLink(c) && s.otherPage(attr(c, "href")) {
				li.teaser = true // a linked title beside the date: a teaser card
				li.t.newline()
				continue
			}
			if c.DataAtom == atom.Time {
				s.noteTime(li, c)
			}
			from := li.t.Len()
			blk := isBlock(c)
			if blk {
				li.t.newline()
			} else {
				li.t.space() // "By Jane Doe<span>Mar 5, 2025</span>": laid out apart
			}
			s.appendLine(li, c)
			if blk {
				li.t.newline()
			} else {
				li.t.space()
			}
			if len(c.Attr) > 0 {
				if k := s.classWordKind(c); k != kindNone {
					li.kinds = append(li.kinds, kindSpan{from, li.t.Len(), k})
				}
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
	k := timePropKind(attr(c, "itemprop"))
	if k == kindNone {
		k = s.classWordKind(c)
	}
	li.times = append(li.times, lineTime{at: li.t.Len(), value: v, kind: k})
}

// classWordKind: the kind of date an element's class, id or itemprop names.
func (s *dateScan) classWordKind(n *html.Node) byte {
	if n.Type != html.ElementNode {
		return kindNone
	}
	if k := timePropKind(attr(n, "itemprop")); k != kindNone {
		return k
	}
	x := s.x
	var b uint8
	if st := x.stats[n]; st != nil {
		b = st.cls
	} else {
		x.words = classTokens(n, x.words[:0])
		b = classBits(x.words)
	}
	return b &^ clsComment // the kind of the first class word naming one
}

// teaserTitle reports a link whose text reads as another article's title:
// four words or more besides its dates, not a "By …" credit.
func (s *dateScan) teaserTitle(a *html.Node) bool {
	t := stripDates(s.x.textOf(a))
	if wordCount(t) < 4 {
		return false
	}
	lt := strings.ToLower(t)
	return !strings.HasPrefix(lt, "by ") && !strings.HasPrefix(lt, "by\n")
}

// profileWords are path segments of author and profile pages.
var profileWords = map[string]bool{
	"author": true, "authors": true, "autor": true, "auteur": true, "contributor": true, "contributors": true,
	"profile": true, "profiles": true, "people": true, "person": true, "staff": true, "team": true,
	"user": true, "users": true, "u": true, "member": true, "members": true, "expert": true, "experts": true,
	"writer": true, "writers": true, "editor": true, "editors": true, "in": true, "bio": true, "about": true,
}

// isProfileLink reports a link to a person: rel=author, an author or profile
// path, a social-network profile.
func isProfileLink(a *html.Node) bool {
	if hasWord(strings.ToLower(attr(a, "rel")), "author") {
		return true
	}
	u, err := url.Parse(strings.TrimSpace(attr(a, "href")))
	if err != nil {
		return false
	}
	h := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	switch h {
	case "linkedin.com", "twitter.com", "x.com", "facebook.com", "instagram.com", "github.com", "mastodon.social", "bsky.app", "threads.net":
		return true
	}
	for _, seg := range strings.Split(strings.ToLower(u.Path), "/") {
		if profileWords[seg] {
			return true
		}
	}
	return false
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

// line reads the dates of one byline line. The kind of each date is named by
// the label nearest before it ("Updated …"), else by the class words of the
// element holding it, else by the previous line ("Last updated:" above the
// date); a date without any is the publication date of a byline.
func (s *dateScan) line(text string, li *lineInfo, from int) {
	dist := from - s.anchorEnd
	if from < s.anchorPos {
		dist = (s.anchorPos - from) * 3 / 2
	}
	found := false
	// each row of the line on its own: "Written by Jane Doe\nApril 8, 2024"
	for off := 0; off < len(text); {
		row := text[off:]
		if k := strings.IndexByte(row, '\n'); k >= 0 {
			row = row[:k]
		}
		found = s.row(row, li, off, dist) || found
		off += len(row) + 1
	}
	if !found && li != nil {
		// <time datetime="…">2 days ago</time>
		for _, t := range li.times {
			if d := dateOf(t.value); !d.IsZero() {
				kind := labelKind(text[:min(t.at, len(text))])
				weak := kind == kindNone
				if kind == kindNone && !s.labelledOnly {
					kind = t.kind
				}
				if kind == kindNone && !s.labelledOnly {
					kind = li.kindAt(t.at)
				}
				if li.teaser && kind == kindNone {
					break
				}
				s.add(d, kind, dist, weak)
				break
			}
		}
	}
}

// row reads the dates of one row of a line; off is its offset in the line.
func (s *dateScan) row(row string, li *lineInfo, off, dist int) bool {
	t := strings.TrimSpace(row)
	if t == "" {
		return false
	}
	prev := s.prev
	if len(t) <= 40 {
		s.prev = t
	} else {
		s.prev = ""
	}
	if s.labelledOnly && len(t) > 100 {
		return false // a sentence that mentions a date, not a dateline
	}
	found := false
	rest := row
	for k := 0; k < 4 && rest != ""; k++ {
		d, a, b := s.find(rest)
		if d.IsZero() {
			break
		}
		found = true
		label := rest[:a]
		kind := labelKind(label)
		if kind == kindNone && k == 0 && strings.TrimFunc(label, isPunctRune) == "" {
			kind = labelKind(prev)
		}
		weak := false
		if kind == kindNone && li != nil && !s.labelledOnly {
			// class words: trusted near the headline only (comment lists
			// and teasers far below use them too)
			kind = li.kindAt(off + a)
			weak = true
		}
		if li != nil {
			d = li.withTimeAttr(d)
		}
		if li == nil || !li.teaser || kind != kindNone {
			// beside another article's linked title an unlabelled date is
			// that article's
			s.add(d, kind, dist, weak)
		}
		rest, off = rest[b:], off+b
	}
	return found
}

func (s *dateScan) add(d datetext.Date, kind byte, dist int, weak bool) {
	if kind == kindNone && s.labelledOnly && len(s.out) < 20 {
		// a day the page shows (under the article, say): not a
		// publication date by itself, but it tells the site's day
		s.out = append(s.out, shownDate{d: d, kind: kindDay, dist: dist})
		return
	}
	if kind == kindOther || s.labelledOnly && kind == kindNone {
		return
	}
	s.out = append(s.out, shownDate{d: d, kind: kind, dist: dist, weak: weak && kind != kindNone})
}

// kindAt is the kind named by the innermost date-classed element around
// offset at, else by the line's own class words.
func (li *lineInfo) kindAt(at int) byte {
	best, size := li.kind, -1
	for _, k := range li.kinds {
		if at >= k.from && at <= k.to && (size < 0 || k.to-k.from < size) {
			best, size = k.kind, k.to-k.from
		}
	}
	for _, t := range li.times {
		if t.kind != kindNone && t.at >= at-2 && t.at <= at+2 {
			return t.kind
		}
	}
	return best
}

// withTimeAttr returns the <time datetime> value of the same day as d, which
// may carry the time of day.
func (li *lineInfo) withTimeAttr(d datetext.Date) datetext.Date {
	for _, t := range li.times {
		if td := dateOf(t.value); !td.IsZero() && td.DayText() == d.DayText() {
			return td
		}
	}
	return d
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
		"starts", "ends", "born", "died", "webinar", "as of", "effective", "valid", "since", "closes", "opens",
		"reviewed in "} // "Reviewed in the United States on …": a customer review
)

// labelKind classes the text before a date by the label word nearest to it.
func labelKind(s string) byte {
	if s == "" {
		return kindNone
	}
	s = strings.ToLower(s)
	best, at, size := byte(kindNone), -1, 0
	for _, g := range []struct {
		kind  byte
		words []string
	}{{kindModified, modLabels}, {kindReviewed, revLabels}, {kindPublished, pubLabels}, {kindOther, otherLabels}} {
		for _, w := range g.words {
			// the nearest label; at the same place the longer one
			// ("reviewed in " over "reviewed")
			if i := strings.LastIndex(s, w); i > at || i == at && i >= 0 && len(w) > size {
				best, at, size = g.kind, i, len(w)
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
	d, a, _ := datetext.Find(t, datetext.MDY)
	if d.IsZero() || labelKind(t[:a]) == kindOther {
		return "" // "Reviewed in the United States on …": a customer review
	}
	return d.String()
}

// pageFooter reports a site footer: a <footer> outside any <article> or
// <main> (an article's own <footer> holds its byline).
func pageFooter(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.DataAtom == atom.Article || p.DataAtom == atom.Main {
			return false
		}
	}
	return true
}

// inPageChrome reports a node inside the site's navigation or footer.
func inPageChrome(n *html.Node) bool {
	for p := n; p != nil; p = p.Parent {
		switch p.DataAtom {
		case atom.Nav:
			return true
		case atom.Footer:
			if pageFooter(p) {
				return true
			}
		}
	}
	return false
}
