package extractors

import (
	"bytes"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/andybalholm/cascadia"
	"github.com/healthcrawl/healthcrawl/article"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// metadata fills a's metadata. Precedence, field by field: per-site selector,
// then JSON-LD, then OpenGraph, then other <meta> (citation_*, Dublin Core,
// parsely, twitter), then microdata, then what is visible on the page.
func (x *page) metadata(a *article.Article) {
	m := &x.mt
	ld := x.parseJSONLD()
	x.ld = ld

	a.SiteName = firstNonEmpty(m.first("og:site_name"), ld.site, m.first("application-name", "publisher", "dc:publisher"))
	x.siteName = a.SiteName

	// Title.
	var h1s []string
	for _, h := range m.h1 {
		if st := x.stats[h]; st != nil && st.flags&flagSkip == 0 {
			if t := strings.ReplaceAll(x.textOf(h), "\n", " "); t != "" {
				h1s = append(h1s, t)
			}
		}
	}
	title := x.selText(x.e.sel.title)
	if title != "" {
		a.Title = normSpace(html.UnescapeString(title))
		x.title = a.Title
	} else {
		x.chooseTitle(a, ld, h1s)
	}

	a.Description = firstNonEmpty(ld.description, m.first("og:description", "description", "dc:description", "dcterms:description", "twitter:description"), x.microdata("description"))
	x.desc = a.Description

	// Dates: pageDates, once the content is known.

	a.Language = firstNonEmpty(langCode(m.lang), langCode(ld.lang), langCode(m.first("content-language", "dc:language", "dcterms:language", "citation_language", "language")), langCode(m.first("og:locale")))

	// Tags.
	var tags []string
	tags = append(tags, m.named["article:tag"]...)
	if len(tags) == 0 {
		tags = ld.tags
	}
	if len(tags) == 0 {
		for _, k := range []string{"news_keywords", "keywords", "citation_keywords", "parsely-tags"} {
			if v := m.first(k); v != "" {
				tags = strings.Split(v, ",")
				break
			}
		}
	}
	a.Tags = cleanTags(tags)

	a.Image = x.resolveURL(firstNonEmpty(m.first("og:image", "og:image:url", "og:image:secure_url"), ld.image, m.first("twitter:image", "twitter:image:src", "thumbnailurl")))
	a.CanonicalURL = x.resolveURL(firstNonEmpty(m.canon, m.first("og:url")))

}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func cleanTags(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range in {
		t = normSpace(html.UnescapeString(t))
		k := strings.ToLower(t)
		if t == "" || seen[k] || utf8.RuneCountInString(t) > 60 {
			continue
		}
		seen[k] = true
		out = append(out, t)
		if len(out) == 30 {
			break
		}
	}
	return out
}

// selText returns the value of the first element matching s.
func (x *page) selText(s cascadia.Selector) string {
	if s == nil {
		return ""
	}
	n := s.MatchFirst(x.root)
	if n == nil {
		return ""
	}
	return nodeValue(x, n)
}

// nodeValue is an element's content/datetime attribute, or its text.
func nodeValue(x *page, n *html.Node) string {
	for _, k := range []string{"content", "datetime"} {
		if v := attr(n, k); v != "" {
			return normSpace(v)
		}
	}
	if n.DataAtom == atom.Title {
		return normSpace(plainTextRaw(n))
	}
	return strings.ReplaceAll(x.textOf(n), "\n", " ")
}

// listingPathRE: taxonomy and search paths, and pagination ("/page/2",
// "?paged=3"). A directory merely named "page" ("/page/index.php") is not one.
var listingPathRE = regexp.MustCompile(`(?i)/(category|categories|tag|tags|topic|topics|section|sections|archive|archives|author|authors|search|label|labels)(/|$)|[?&](page|paged|s|q|query|search)=|/page/\d+|/p/\d+/?$`)

// listingLiterals are ASCII words one of which every match of listingPathRE
// holds outside its "[?&]…=" alternative, in any case; none holds k or s, the
// only ASCII letters that fold to a non-ASCII rune ("ection" stands for
// "/section", "earch" for "/search").
var listingLiterals = []string{"/categor", "/tag", "/topic", "ection", "/archive", "/author", "earch", "/label", "/page/", "/p/"}

// isListingURL is listingPathRE.MatchString(u), the expression run only on
// URLs holding one of its words or a query.
func isListingURL(u string) bool {
	if strings.ContainsAny(u, "?&") {
		return listingPathRE.MatchString(u)
	}
	var buf [256]byte
	if len(u) > len(buf) {
		return listingPathRE.MatchString(u)
	}
	l := buf[:len(u)]
	for i := 0; i < len(u); i++ {
		c := u[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		l[i] = c
	}
	for _, w := range listingLiterals {
		if bytes.Contains(l, []byte(w)) {
			return listingPathRE.MatchString(u)
		}
	}
	return false
}

// queryNamesItem reports a front-page query that addresses one item by a
// numeric id ("/?p=5031", "/?page_id=12", "/?id=7"): a post, not the home page.
// Paging parameters do not count (listingPathRE catches those).
func queryNamesItem(raw string) bool {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return false
	}
	for k, vs := range q {
		switch strings.ToLower(k) {
		case "page", "paged", "pg", "start", "offset":
			continue
		}
		for _, v := range vs {
			if v != "" && strings.Trim(v, "0123456789") == "" {
				return true
			}
		}
	}
	return false
}

// pageType classifies the page: article, listing (home, category, tag, search,
// pagination: many teasers) or other (little text).
func (x *page) pageType(a *article.Article, sections []article.Section) string {
	textLen := 0
	paras := 0
	for _, s := range sections {
		for _, b := range s.Blocks {
			if !b.InText() {
				continue
			}
			k := len(b.BlockText())
			textLen += k
			if b.Type == article.BlockParagraph && k > 120 {
				paras++
			}
		}
	}
	path := ""
	if x.pageU != nil {
		path = x.pageU.EscapedPath()
		if x.pageU.RawQuery != "" {
			path += "?" + x.pageU.RawQuery
		}
	}
	isHome := x.pageU != nil && (path == "" || path == "/") ||
		strings.HasPrefix(path, "/?") && !queryNamesItem(x.pageU.RawQuery) ||
		strings.EqualFold(strings.TrimSuffix(path, "/"), "/index.html")
	listingURL := isListingURL(path)
	articleEvidence := x.ld.articleType && x.ld.typ != "webpage" || strings.EqualFold(x.mt.first("og:type"), "article")
	if x.e.sel.content != nil && len(x.roots) > 0 && textLen > 0 {
		// The site's content selector matched: trust it.
		return article.PageArticle
	}
	teasers, teaserShare, linkItems, cardText := x.teasers()

	switch {
	case textLen < 150:
		if teasers >= 3 || x.ld.listType || listingURL || isHome && (teasers > 0 || linkItems > 0 || x.rootsLinkDensity() > 0.4) {
			return article.PageListing
		}
		return article.PageOther
	case x.ld.listType && !articleEvidence:
		return article.PageListing
	case teasers >= 3 && teaserShare >= 0.6 && !articleEvidence && cardText <= 1500:
		// (Cards of more than 1,500 characters besides their heading are
		// the sections of a long page, each heading linking to the
		// section's own address: a reference page, not teasers.)
		return article.PageListing
	case linkItems >= 0.6 && paras < 3 && !articleEvidence:
		// A page that is a list of links to other pages (an archive's
		// pagination page: "Articles, page 3" and fifty titles).
		return article.PageListing
	case (isHome || listingURL) && !articleEvidence && teasers >= 2 && teaserShare >= 0.4:
		return article.PageListing
	case listingURL && !articleEvidence && paras < 3:
		return article.PageListing
	case isHome && !articleEvidence && paras < 3:
		// A site root without teasers: a landing page (a service's or a
		// product's home), judged by its content: its text is kept, but it
		// is no article either. Mostly links: a listing all the same.
		if x.rootsLinkDensity() > 0.4 {
			return article.PageListing
		}
		return article.PageOther
	}
	return article.PageArticle
}

// teasers finds teaser items in the content roots: linked headings, each with
// the largest ancestor holding no other linked heading (the teaser card). It
// returns their number, the share of the roots' text inside the cards, the
// share of the roots' text in list items that are links (a plain list of
// pages), and the median text of a card besides its heading.
// Headings that do not lead to another page are no teasers: a link to a place
// on this page (a forum post's "#p123" permalink, the story's own headline),
// a second heading linking where an earlier one does, or a person's name
// linking to a profile (a comment's or post's author). Boilerplate regions
// (comments, related widgets, asides) are not searched.
func (x *page) teasers() (n int, share, linkItems float64, cardText int) {
	counts := map[*html.Node]int{}
	linkItemText := 0
	var heads []*html.Node
	seen := map[string]bool{}
	self := ""
	if x.pageU != nil {
		u := *x.pageU
		u.Fragment = ""
		self = u.String()
	}
	var walk func(*html.Node, int) int
	walk = func(n *html.Node, depth int) int {
		k := 0
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			st := x.stats[c]
			if st == nil || st.flags&flagSkip != 0 {
				continue
			}
			if headingLevel(c) > 0 {
				if st.link > 0 && st.link*2 >= st.text && x.teaserLink(c, self, seen) {
					heads = append(heads, c)
					k++
				}
				continue
			}
			if st.weight <= -3 || st.flags&flagRelated != 0 || isBoilerplateRegion(c) {
				continue
			}
			if c.DataAtom == atom.Li && st.text > 0 && st.link*5 >= st.text*4 {
				linkItemText += int(st.text)
			}
			if st.flags&flagHasBlock != 0 && depth < 60 {
				k += walk(c, depth+1)
			}
		}
		counts[n] = k
		return k
	}
	total := 0
	for _, r := range x.roots {
		if st := x.stats[r]; st != nil {
			total += int(st.text)
		}
		if headingLevel(r) == 0 {
			walk(r, 0)
		}
	}
	if total == 0 {
		return len(heads), 0, 0, 0
	}
	linkItems = float64(linkItemText) / float64(total)
	if len(heads) == 0 || x.numbered(heads) {
		// Headings numbered in sequence ("1. Corn plant", "2. Pothos"):
		// the items of one listicle, linking to what they name, not
		// teasers of other articles.
		return 0, 0, linkItems, 0
	}
	inCards := 0
	cards := make([]int, 0, len(heads))
	for _, h := range heads {
		card := h
		for p := h.Parent; p != nil; p = p.Parent {
			c, ok := counts[p]
			if !ok || c != 1 {
				break
			}
			card = p
		}
		inCards += int(x.stats[card].text)
		cards = append(cards, int(x.stats[card].text)-int(x.stats[h].text))
	}
	sort.Ints(cards)
	return len(heads), float64(inCards) / float64(total), linkItems, cards[len(cards)/2]
}

// numbered reports headings numbered in sequence, up or down ("1. …",
// "2) …", "#3 …"): at least four of five pairs of neighbours one apart.
func (x *page) numbered(heads []*html.Node) bool {
	if len(heads) < 3 {
		return false
	}
	prev, steps := -1, 0
	for _, h := range heads {
		k := leadNumber(x.textOf(h))
		if k >= 0 && prev >= 0 && (k == prev+1 || k == prev-1) {
			steps++
		}
		prev = k
	}
	return steps*5 >= (len(heads)-1)*4
}

// leadNumber is the number that starts s ("12. Title", "3) Title",
// "#4 Title", "5: Title"), -1 when none.
func leadNumber(s string) int {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	k, i := 0, 0
	for i < len(s) && i < 4 && s[i] >= '0' && s[i] <= '9' {
		k = k*10 + int(s[i]-'0')
		i++
	}
	if i == 0 || i == len(s) {
		return -1
	}
	switch s[i] {
	case '.', ')', ':', ' ':
		return k
	}
	return -1
}

// rootsLinkDensity is the share of the content roots' text inside links.
func (x *page) rootsLinkDensity() float64 {
	text, link := 0, 0
	for _, r := range x.roots {
		if st := x.stats[r]; st != nil {
			text += int(st.text)
			link += int(st.link)
		}
	}
	if text == 0 {
		return 0
	}
	return float64(link) / float64(text)
}

// profilePathWords are path segments of the pages of people on a forum or
// comment system ("/members/jane.123/", "/u/jane").
var profilePathWords = map[string]bool{"members": true, "member": true, "profile": true, "profiles": true, "user": true, "users": true, "u": true}

// teaserLink reports a linked heading h that leads to another page, not seen
// before (seen is updated): its first link is not a fragment of this page, not
// the page itself, not a link an earlier heading had, and not a profile page.
func (x *page) teaserLink(h *html.Node, self string, seen map[string]bool) bool {
	href := ""
	if p := h.Parent; p != nil && p.DataAtom == atom.A {
		href = attr(p, "href")
	}
	if href == "" {
		href = firstHref(h, 0)
	}
	href = strings.TrimSpace(href)
	if href == "" {
		return true // a link without href (script-driven): counted as before
	}
	if strings.HasPrefix(href, "#") {
		return false
	}
	var u *url.URL
	var err error
	if x.base != nil {
		u, err = x.base.Parse(href)
	} else {
		u, err = url.Parse(href)
	}
	if err != nil {
		return true
	}
	if u.Fragment != "" {
		return false // a place on a page (a post's permalink), not a page
	}
	key := u.String()
	if key == self || seen[key] {
		return false
	}
	seen[key] = true
	for _, seg := range strings.Split(strings.ToLower(u.Path), "/") {
		if profilePathWords[seg] {
			return false
		}
	}
	return true
}

// firstHref is the href of the first <a> inside n.
func firstHref(n *html.Node, depth int) string {
	for c := n.FirstChild; c != nil && depth < 8; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom == atom.A {
			if h := attr(c, "href"); h != "" {
				return h
			}
		}
		if h := firstHref(c, depth+1); h != "" {
			return h
		}
	}
	return ""
}

// isTitleVariant reports a headline that is one of the page's titles: a
// metadata title other than the one chosen (og:title, twitter:title, the
// JSON-LD headline or name…) or the <title> before its site suffix.
func (x *page) isTitleVariant(h string, ld ldInfo) bool {
	hk := normKey(h)
	if hk == "" {
		return false
	}
	m := &x.mt
	for _, t := range []string{ld.headline, ld.name, m.first("og:title"), m.first("twitter:title"), m.first("parsely-title"),
		m.first("dc:title", "dcterm:title", "dcterms:title"), m.first("citation_title"), m.first("headline")} {
		if t != "" && normKey(t) == hk {
			return true
		}
	}
	tk := normKey(m.title)
	return len(hk) >= 20 && strings.HasPrefix(tk, hk)
}
