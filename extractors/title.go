package extractors

import (
	"github.com/healthcrawl/healthcrawl/article"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The record's title is the article's visible headline: usually its <h1>.
// Metadata titles (og:title, <title>, JSON-LD headline…) are evidence for
// which heading that is, not the answer: they carry SEO rewrites, site
// suffixes and taglines, other years and "Top 10" decorations. A heading is
// taken when it is visible to readers (not a screen-reader-only copy), is not
// the site's logo or name, sits outside menus, footers and pop-ups, and
// matches a metadata title well enough — or sits in the article itself and
// matches it at least loosely. When no heading qualifies the cleaned metadata
// title is the answer.

// headline is a visible heading that may be the article's headline.
type headline struct {
	n       *html.Node
	text    string
	match   float64 // best titleMatch against the metadata titles
	article bool    // inside <article>/<main> or a headline-classed element
	weak    bool    // inside a region that rarely holds the headline (header banner, widget)
	classed bool    // a heading classed as the entry's title ("entry-title", "post-title")
}

// srOnlyClass reports a class token of the screen-reader-only utilities
// ("sr-only", "visually-hidden", "screen-reader-text", …).
func srOnlyClass(c string) bool {
	c = strings.ToLower(c)
	switch c {
	case "sr", "vh", "hidden", "invisible", "d-none", "is-hidden", "hide", "hide-text", "offscreen", "off-screen",
		"element-invisible", "assistive-text", "a11y-hidden", "hidden-a11y":
		return true
	}
	for _, s := range []string{"sr-only", "sr_only", "sronly", "visually-hidden", "visually_hidden", "visuallyhidden",
		"screen-reader", "screenreader", "screen_reader", "hidden-visually", "visibly-hidden"} {
		if strings.Contains(c, s) {
			return true
		}
	}
	return false
}

// responsiveShow reports a class list that shows the element again at some
// screen size ("hidden md:block", "d-none d-lg-block").
func responsiveShow(cs []string) bool {
	for _, c := range cs {
		c = strings.ToLower(c)
		if i := strings.LastIndexByte(c, ':'); i >= 0 && c[i+1:] != "hidden" {
			return true
		}
		if strings.HasPrefix(c, "d-") && c != "d-none" && !strings.HasSuffix(c, "-none") {
			return true
		}
	}
	return false
}

// clipStyle reports an inline style that hides an element visually but not
// from screen readers: clip/clip-path boxes, 1px boxes, far off-screen
// positions, zero font size or text indent.
func clipStyle(s string) bool {
	if len(s) < 8 {
		return false
	}
	s = strings.ToLower(s)
	tiny := false
	for _, decl := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important"))
		v = strings.ReplaceAll(v, " ", "")
		switch k {
		case "clip":
			if strings.HasPrefix(v, "rect(0") || strings.HasPrefix(v, "rect(1px") {
				return true
			}
		case "clip-path":
			if strings.HasPrefix(v, "inset(50%") || strings.HasPrefix(v, "inset(100%") || strings.HasPrefix(v, "circle(0") {
				return true
			}
		case "width", "height":
			if v == "1px" || v == "0" || v == "0px" {
				tiny = true
			}
		case "left", "top", "text-indent":
			if strings.HasPrefix(v, "-9") && len(v) >= 6 { // -999px, -9999em…
				return true
			}
		case "font-size":
			if v == "0" || v == "0px" {
				return true
			}
		}
	}
	return tiny && strings.Contains(s, "overflow") && strings.Contains(s, "hidden")
}

// srOnly reports an element hidden visually by a screen-reader-only class
// or clipping style.
func srOnly(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "class":
			cs := strings.Fields(a.Val)
			for _, c := range cs {
				if !srOnlyClass(c) {
					continue
				}
				switch strings.ToLower(c) {
				case "hidden", "d-none", "hide", "invisible", "is-hidden":
					if responsiveShow(cs) {
						continue // "hidden md:block": shown on larger screens
					}
				}
				return true
			}
		case "style":
			if clipStyle(a.Val) {
				return true
			}
		}
	}
	return false
}

// headlineText is the visible text of a heading: screen-reader-only parts
// and kicker/eyebrow labels inside it are left out when the rest holds words.
func (x *page) headlineText(h *html.Node) string {
	var sb strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				sb.WriteString(c.Data)
			case html.ElementNode:
				if c.DataAtom == atom.Br {
					sb.WriteByte(' ')
					continue
				}
				if st := x.stats[c]; st == nil || st.flags&flagSkip != 0 || srOnly(c) || kickerEl(c) ||
					c.DataAtom == atom.A && titleWords(x.textOf(c)) == 0 {
					continue // hidden, a label, or a permalink sign ("¶", "#")
				}
				blk := isBlock(c) || blockClass(c)
				if blk {
					sb.WriteByte(' ')
				}
				walk(c)
				if blk {
					sb.WriteByte(' ')
				}
			}
		}
	}
	walk(h)
	t := normSpace(sb.String())
	if titleWords(t) == 0 {
		return normSpace(strings.ReplaceAll(x.textOf(h), "\n", " "))
	}
	return t
}

// blockClass reports an inline element set as a block by a utility class
// ("block", "d-block", "lg:tw-block"): a line of its own, so a word
// boundary.
func blockClass(n *html.Node) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if i := strings.LastIndexByte(c, ':'); i >= 0 {
			c = c[i+1:]
		}
		switch c {
		case "block", "d-block", "tw-block", "display-block":
			return true
		}
	}
	return false
}

// kickerEl reports a label element set inside a headline: a kicker,
// eyebrow or overline, a thread or category label or badge ("Info",
// "Question"), or the post's date or byline.
func kickerEl(n *html.Node) bool {
	if n.DataAtom == atom.Time {
		return true
	}
	c := strings.ToLower(attr(n, "class"))
	if c == "" {
		return false
	}
	for _, w := range []string{"kicker", "eyebrow", "overline", "supertitle", "pretitle", "pre-title", "tagline"} {
		if strings.Contains(c, w) {
			return true
		}
	}
	for _, w := range splitWords(c, nil) {
		switch w {
		case "label", "badge", "prefix", "descriptor", "date", "timestamp", "dateline", "byline":
			return true
		}
	}
	return false
}

// regionWords mark ancestors whose headings are not the article's headline:
// menus, footers, sidebars, pop-ups, cookie banners, newsletter boxes,
// related-article and comment widgets.
var regionWords = map[string]bool{
	"nav": true, "navbar": true, "navigation": true, "menu": true, "footer": true, "sidebar": true,
	"cookie": true, "cookies": true, "consent": true, "gdpr": true, "modal": true, "popup": true,
	"newsletter": true, "subscribe": true, "signup": true, "login": true, "related": true, "recommended": true,
	"comment": true, "comments": true, "promo": true, "drawer": true, "offcanvas": true,
}

// widgetClass reports an element classed as a widget ("widget",
// "widget__header", "widget_recent_entries"): a sidebar or below-the-article
// block, not the article. Builders' prefixed classes ("elementor-widget")
// do not count: they wrap every block of the page, the headline's too.
func widgetClass(n *html.Node) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if strings.HasPrefix(strings.ToLower(c), "widget") {
			return true
		}
	}
	return false
}

// logoWords mark the site's logo or name.
var logoWords = map[string]bool{"logo": true, "brand": true, "branding": true, "wordmark": true, "masthead": true}

// headlineRegion classifies a heading by its ancestors: hidden (screen-reader
// only: never a headline), boiler (menu, footer, pop-up…), logo (site logo
// or name), article (inside <article>/<main> or an article/post/entry
// container). Class words count on the heading's own region only: up to
// the article container, and on elements of at most 2,000 characters.
func (x *page) headlineRegion(h *html.Node) (hidden, boiler, logo, article bool) {
	var words []string
	for p, depth := h, 0; p != nil && p.Type == html.ElementNode && p.DataAtom != atom.Body; p, depth = p.Parent, depth+1 {
		if srOnly(p) {
			return true, false, false, false
		}
		switch p.DataAtom {
		case atom.Nav, atom.Footer, atom.Aside, atom.Dialog, atom.Form:
			boiler = true
		case atom.Article, atom.Main:
			article = true
		case atom.A:
			if href := attr(p, "href"); x.isHomeLink(href) {
				logo = true
			}
		}
		if r := strings.ToLower(attr(p, "role")); r == "dialog" || r == "alertdialog" || r == "navigation" || r == "contentinfo" || r == "complementary" {
			boiler = true
		} else if r == "main" || r == "article" {
			article = true
		}
		if article || x.stats[p] == nil || x.stats[p].text > 2000 {
			// Class words of the page's layout wrappers ("content-sidebar-
			// wrap", "has-nav") say nothing about the heading.
			continue
		}
		if widgetClass(p) {
			boiler = true
		}
		words = classTokens(p, words[:0])
		site := false
		for i, w := range words {
			switch {
			case regionWords[w]:
				boiler = true
			case logoWords[w]:
				logo = true
			case w == "site" && i+1 < len(words) && (words[i+1] == "title" || words[i+1] == "name"):
				site = true
			case w == "article" || w == "post" || w == "entry" || w == "story" || w == "blog" || w == "headline":
				article = true
			}
		}
		if site && depth <= 3 {
			logo = true
		}
	}
	return false, boiler, logo, article
}

// isHomeLink reports a link to a site's home page: a root URL ("/",
// "https://example.com/") or the index of the current directory ("./",
// "index.html").
func (x *page) isHomeLink(href string) bool {
	href = strings.TrimSpace(href)
	if i := strings.IndexAny(href, "?#"); i >= 0 {
		href = href[:i]
	}
	switch strings.ToLower(href) {
	case "/", "./", "index.html", "index.htm", "index.php", "/index.html", "/index.htm", "/index.php":
		return true
	case "":
		return false
	}
	rest, ok := strings.CutPrefix(href, "//")
	if !ok {
		for _, sch := range []string{"https://", "http://"} {
			if r, ok := strings.CutPrefix(strings.ToLower(href), sch); ok {
				rest = r
				break
			}
		}
	}
	if rest == "" {
		return false
	}
	i := strings.IndexByte(rest, '/')
	return i < 0 || rest[i:] == "/"
}

// headingLink is the address a heading links to: that of a link inside it
// holding at least half its text, or of a link around it (up to three
// levels up); "" when it links nowhere.
func (x *page) headingLink(h *html.Node, text int) string {
	for p, depth := h.Parent, 0; p != nil && depth < 3; p, depth = p.Parent, depth+1 {
		if p.DataAtom == atom.A {
			return attr(p, "href")
		}
	}
	href := ""
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && href == ""; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom == atom.A {
				if st := x.stats[c]; st != nil && int(st.text)*2 >= text {
					href = strings.TrimSpace(attr(c, "href"))
				}
				continue
			}
			walk(c)
		}
	}
	walk(h)
	return href
}

// linksHome reports a heading whose text is mostly a link to the site's
// home page: the site's logo or name.
func (x *page) linksHome(h *html.Node, text int) bool {
	l := x.headingLink(h, text)
	return l != "" && x.isHomeLink(l)
}

// linksElsewhere reports a heading that links to another page than this
// one (its canonical address or its own): a teaser of another article.
// A headline linking to its own article (a permalink) does not count.
func (x *page) linksElsewhere(h *html.Node, text int) bool {
	l := x.headingLink(h, text)
	if l == "" || strings.HasPrefix(l, "#") || x.isHomeLink(l) || x.pageU == nil {
		return false
	}
	u := pageKey(x.resolveURL(l))
	return u != "" && u != pageKey(x.pageURL) && u != pageKey(x.resolveURL(x.mt.canon))
}

// pageKey reduces an absolute URL to host (without "www.") and path
// (without a trailing slash), lower-cased, for comparing page addresses.
func pageKey(u string) string {
	if u == "" {
		return ""
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	u = strings.TrimPrefix(strings.ToLower(u), "www.")
	return strings.TrimSuffix(u, "/")
}

// cleanSiteTitle strips the site's name from a title: a segment naming the
// site (cleanTitle), its initials ("Title | WFA" for World Future Awards) or
// its host ("Title — LessWrong" on www.lesswrong.com, "Title | Newegg.com"),
// at most two levels of them; and the site's name with the tagline after it
// ("Title — Site | Care close to home").
func (x *page) cleanSiteTitle(t, site string) string {
	orig := normSpace(t)
	t = x.cutHostPrefix(cleanTitle(t, site))
	if pre := site + ": "; site != "" && !x.isSiteRoot() && len(t) > len(pre) && strings.EqualFold(t[:len(pre)], pre) && titleWords(t[len(pre):]) >= 2 {
		// "Site: Title" — but the home page's "Site: what we do" names
		// the site itself.
		t = strings.TrimSpace(t[len(pre):])
	}
	for k := 0; k < 2; k++ {
		cut := false
		for _, sep := range titleSeps {
			i := strings.LastIndex(t, sep)
			if i <= 0 || titleWords(t[:i]) < 2 {
				continue
			}
			if seg := t[i+len(sep):]; x.namesSite(seg, site) {
				t, cut = strings.TrimSpace(t[:i]), true
				break
			}
		}
		if !cut {
			break
		}
	}
	if t != orig {
		// "Title | Section | Site": with the site gone, a short section
		// name after a last " | " goes too.
		if i := strings.LastIndex(t, " | "); i > 0 && titleWords(t[:i]) >= 2 && titleWords(t[i+3:]) <= 3 {
			t = strings.TrimSpace(t[:i])
		}
		return t
	}
	// "Title — Site | tagline": the site's name in the middle ends the
	// title; what follows it is the site's tagline.
	if site != "" {
		sk := normKey(site)
		for _, sep := range titleSeps {
			for off := 0; off < len(t); {
				i := strings.Index(t[off:], sep)
				if i < 0 {
					break
				}
				i += off
				rest := t[i+len(sep):]
				end := len(rest)
				for _, sep2 := range titleSeps {
					if j := strings.Index(rest, sep2); j > 0 && j < end {
						end = j
					}
				}
				if end < len(rest) && normKey(rest[:end]) == sk && titleWords(t[:i]) >= 2 {
					return strings.TrimSpace(t[:i])
				}
				off = i + len(sep)
			}
		}
	}
	return t
}

// cutHostPrefix drops the page's host name starting a title without a
// separator ("example.com Title") when two words or more follow it. With a
// separator ("example.com: Title") the site's segment is for the separator
// rules.
func (x *page) cutHostPrefix(t string) string {
	if x.pageU == nil {
		return t
	}
	host := strings.TrimPrefix(strings.ToLower(x.pageU.Hostname()), "www.")
	first, rest, ok := strings.Cut(t, " ")
	if !ok || !strings.Contains(host, ".") {
		return t
	}
	first = strings.TrimPrefix(strings.ToLower(first), "www.")
	if r, _ := utf8.DecodeRuneInString(rest); first == host && titleWords(rest) >= 2 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
		return strings.TrimSpace(rest)
	}
	return t
}

// isSiteRoot reports the page at the root of its host ("/", "/index.html").
func (x *page) isSiteRoot() bool {
	if x.pageU == nil {
		return false
	}
	p := strings.TrimSuffix(x.pageU.EscapedPath(), "/")
	return p == "" || p == "/index.html" || p == "/index.php"
}

// namesSite reports a title segment that names the site: the initials of
// the site name, or the page's host name ("LessWrong", "Newegg.com",
// "Bridgestone Tires" on tires.bridgestone.com).
func (x *page) namesSite(seg, site string) bool {
	sq := squashKey(seg)
	if len(sq) < 2 || titleWords(seg) > 4 {
		return false
	}
	if site != "" && titleWords(site) >= 2 {
		ini := ""
		for _, w := range strings.Fields(normKey(site)) {
			ini += w[:1]
		}
		if sq == ini {
			return true
		}
	}
	if x.pageU == nil {
		return false
	}
	host := strings.ToLower(x.pageU.Hostname())
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return false
	}
	if sq == squashKey(host) || sq == strings.Join(labels[len(labels)-2:], "") {
		return true // "Newegg.com", "Spice AI" on spice.ai
	}
	for _, l := range labels[:len(labels)-1] {
		if len(l) < 4 || l == "www" || l == "blog" || l == "news" || l == "shop" || l == "store" || l == "help" || l == "docs" {
			continue
		}
		if strings.Contains(sq, l) || len(sq) >= 4 && strings.Contains(l, sq) {
			return true
		}
	}
	return false
}

// squashKey is s lower-cased with only its letters and digits.
func squashKey(s string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// siteKeys are normKeys of what names the site rather than the article:
// the site name, the publisher, and the <title>'s site segment.
func (x *page) siteKeys(site string) map[string]bool {
	keys := map[string]bool{}
	for _, s := range []string{site, x.ld.site, x.mt.first("application-name", "apple-mobile-web-app-title")} {
		if k := normKey(s); k != "" {
			keys[k] = true
		}
	}
	t := x.mt.title
	for _, sep := range titleSeps {
		if i := strings.LastIndex(t, sep); i > 0 {
			if k := normKey(t[i+len(sep):]); k != "" && titleWords(t[i+len(sep):]) < titleWords(t[:i]) {
				keys[k] = true
			}
		}
	}
	return keys
}

// metaTitles are the page's metadata titles, as written.
func (x *page) metaTitles(ld ldInfo) []string {
	m := &x.mt
	var out []string
	seen := map[string]bool{}
	for _, t := range []string{ld.headline, ld.name, m.first("og:title"), m.first("twitter:title"), m.title,
		m.first("dc:title", "dcterm:title", "dcterms:title"), m.first("parsely-title"), m.first("citation_title"),
		m.first("headline"), m.first("title")} {
		t = normSpace(html.UnescapeString(t))
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// titleWordSet is the set of normKey words of s.
func titleWordSet(s string) map[string]bool {
	ws := strings.Fields(normKey(s))
	set := make(map[string]bool, len(ws))
	for _, w := range ws {
		set[w] = true
	}
	return set
}

// wordF1 is the F1 of two word sets (shared words over their mean size).
func wordF1(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	common := 0
	for w := range a {
		if b[w] {
			common++
		}
	}
	return 2 * float64(common) / float64(len(a)+len(b))
}

// A titlePart is a word set of a metadata title, or of a part of it, that
// a heading may match, and the weight of that match.
type titlePart struct {
	set    map[string]bool
	weight float64
}

// titleParts are what a heading is matched against for metadata title m
// (matchParts): m itself first, then m without its site segments, the part
// before each separator of seps ("Title - Subtitle | Site" gives "Title -
// Subtitle" and "Title"), and the part after one when what precedes it is
// short or names the site ("Site: Title"). Parts naming the site (keys) are
// left out. Computed once per metadata title, not per heading.
func titleParts(m string, keys map[string]bool, seps []string) []titlePart {
	out := []titlePart{{titleWordSet(m), 1}}
	try := func(part string, weight float64) {
		if !keys[normKey(part)] {
			out = append(out, titlePart{titleWordSet(part), weight})
		}
	}
	if s := stripSiteSegments(m, keys); s != m {
		m = s
		try(m, 1)
	}
	for _, sep := range seps {
		for off := 0; off < len(m); {
			i := strings.Index(m[off:], sep)
			if i < 0 {
				break
			}
			i += off
			try(m[:i], 1)
			switch pre := m[:i]; {
			case keys[normKey(pre)]:
				try(m[i+len(sep):], 1)
			case titleWords(pre) <= 3:
				// "Site: Title" or "Title | Site": a heading matching
				// the leading part is the likelier headline.
				try(m[i+len(sep):], 0.75)
			}
			off = i + len(sep)
		}
	}
	return out
}

// matchParts is how well a heading with words hs matches a metadata title
// split into parts (titleParts): the best weighted word F1.
func matchParts(hs map[string]bool, parts []titlePart) float64 {
	best := 0.0
	for i, p := range parts {
		f := p.weight * wordF1(hs, p.set)
		if i == 0 || f > best {
			best = f
		}
		if i == 0 && best == 1 {
			return 1
		}
	}
	return best
}

var titleSepsColon = append(append([]string{}, titleSeps...), ": ")

// stripSiteSegments removes trailing and leading separator segments of t
// that name the site (keys), at most two of each.
func stripSiteSegments(t string, keys map[string]bool) string {
	for k := 0; k < 2; k++ {
		cut := false
		for _, sep := range titleSeps {
			if i := strings.LastIndex(t, sep); i > 0 && keys[normKey(t[i+len(sep):])] {
				t, cut = strings.TrimSpace(t[:i]), true
				break
			}
			if i := strings.Index(t, sep); i > 0 && keys[normKey(t[:i])] {
				t, cut = strings.TrimSpace(t[i+len(sep):]), true
				break
			}
		}
		if !cut {
			break
		}
	}
	return t
}

// headlines returns the page's visible <h1> headings that may be its
// headline, with their match against the metadata titles, and the number of
// visible <h1> headings outside logos, menus and other page furniture.
func (x *page) headlines(metas []string, keys map[string]bool) (out []headline, shown int, first *html.Node) {
	shownKeys := map[string]bool{}
	var parts [][]titlePart      // titleParts of metas, once a heading is matched
	var wholes []map[string]bool // word sets of metas without site segments
	for _, h := range x.mt.h1 {
		st := x.stats[h]
		if st == nil || st.flags&flagSkip != 0 || st.text == 0 || st.text > 400 {
			continue
		}
		hidden, boiler, logo, art := x.headlineRegion(h)
		if hidden {
			continue
		}
		if !logo {
			logo = x.linksHome(h, int(st.text))
		}
		if !boiler && x.linksElsewhere(h, int(st.text)) {
			boiler = true // a teaser of another article
		}
		t := x.headlineText(h)
		if titleWords(t) == 0 {
			continue
		}
		k := normKey(t)
		if keys[k] {
			continue // the site's name
		}
		c := headline{n: h, text: t, article: art}
		whole := 0.0 // match against whole titles, not their parts
		if parts == nil {
			parts = make([][]titlePart, len(metas))
			wholes = make([]map[string]bool, len(metas))
			for i, m := range metas {
				parts[i] = titleParts(m, keys, titleSepsColon)
				wholes[i] = titleWordSet(stripSiteSegments(m, keys))
			}
		}
		ts := titleWordSet(t)
		for i := range metas {
			if f := matchParts(ts, parts[i]); f > c.match {
				c.match = f
			}
			if f := wordF1(ts, wholes[i]); f > whole {
				whole = f
			}
		}
		if !logo && !boiler {
			if shown == 0 {
				first = h
			}
			if shownKeys[k] {
				// The same headline again, for another screen size
				// ("md:hidden" and "max-md:hidden" copies): one headline.
				for i := range out {
					if normKey(out[i].text) == k {
						out[i].article = out[i].article || art
					}
				}
				continue
			}
			shownKeys[k] = true
			shown++
		}
		// A logo or site name matches only the site part of a title
		// ("Site: Title"), a heading in a menu, sidebar or pop-up at
		// best a part: either must match a whole title.
		if logo && whole < 0.8 || boiler && c.match < 0.8 && whole < 0.75 {
			continue
		}
		c.weak = boiler || logo
		out = append(out, c)
	}
	return out, shown, first
}

// otherHeadlines returns, when no <h1> is the headline, the visible <h2>
// and <h3> headings and headline-classed elements ("post-title",
// "headline") of the page, in document order (at most 80 looked at), with
// their match against the metadata titles. Pages without an <h1> often set
// their headline so.
func (x *page) otherHeadlines(metas []string, keys map[string]bool, before *html.Node) []headline {
	var out []headline
	seen := 0
	var words []string
	var above map[*html.Node]bool // before and its ancestors
	if before != nil {
		above = map[*html.Node]bool{}
		for p := before; p != nil; p = p.Parent {
			above[p] = true
		}
	}
	stop := false
	var parts [][]titlePart // titleParts of metas, once a heading is matched
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && seen < 80 && !stop; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c == before {
				stop = true
				return
			}
			if above[c] {
				walk(c) // holds the <h1>: not a headline itself
				continue
			}
			st := x.stats[c]
			if st == nil || st.flags&flagSkip != 0 || st.text == 0 || isBoilerplateRegion(c) {
				continue
			}
			cand := false
			switch c.DataAtom {
			case atom.H1:
				continue // looked at already
			case atom.H2, atom.H3:
				cand = true
			case atom.Div, atom.P, atom.Header, atom.Strong, atom.B:
				if st.text <= 300 {
					words = classTokens(c, words[:0])
					for _, w := range words {
						if w == "title" || w == "headline" {
							cand = true
							break
						}
					}
				}
			}
			if !cand {
				if st.flags&flagHasBlock != 0 || c.DataAtom == atom.Header {
					walk(c)
				}
				continue
			}
			seen++
			if st.text > 300 {
				continue
			}
			hidden, boiler, logo, art := x.headlineRegion(c)
			if hidden || boiler || logo || x.linksHome(c, int(st.text)) || x.linksElsewhere(c, int(st.text)) {
				continue
			}
			t := x.headlineText(c)
			if titleWords(t) < 2 || keys[normKey(t)] {
				continue // one word ("Git") matches a title's part by chance
			}
			h := headline{n: c, text: t, article: art, classed: art && c.DataAtom != atom.Div && entryTitleClass(c)}
			if parts == nil {
				// Not split at ": ": a heading holding the part before
				// the colon is a kicker line, not the headline.
				parts = make([][]titlePart, len(metas))
				for i, m := range metas {
					parts[i] = titleParts(m, keys, titleSeps)
				}
			}
			ts := titleWordSet(t)
			for i := range metas {
				if f := matchParts(ts, parts[i]); f > h.match {
					h.match = f
				}
			}
			out = append(out, h)
		}
	}
	if x.body != nil {
		walk(x.body)
	}
	return out
}

// entryTitleClass reports a heading classed as an entry's or post's title
// ("entry-title", "post-title", "article-title", "headline").
func entryTitleClass(n *html.Node) bool {
	words := classTokens(n, nil)
	for i, w := range words {
		if w == "headline" {
			return true
		}
		if w == "title" && i > 0 {
			switch words[i-1] {
			case "entry", "post", "article", "story":
				return true
			}
		}
	}
	return false
}

// onlyClassed reports a single entry-title-classed heading among cands.
func onlyClassed(cands []headline) bool {
	n := 0
	for _, c := range cands {
		if c.classed {
			n++
		}
	}
	return n == 1
}

// pickHeadline chooses the article's headline among the candidates, or
// returns nil when none is convincing: the best-matching heading when it
// matches a metadata title at least half-way (word F1 ≥ 0.5); the only
// heading when the page has no metadata title.
func pickHeadline(cands []headline, metas []string) *headline {
	var best *headline
	for i := range cands {
		c := &cands[i]
		if best == nil || c.match > best.match+0.05 || c.match > best.match-0.05 && c.article && !best.article {
			best = c
		}
	}
	if best == nil {
		return nil
	}
	switch {
	case len(metas) == 0:
		return best
	case best.match >= 0.5:
		return best
	}
	return nil
}

// dropLabel removes a short label before a headline ("Blog: Title",
// "Thread: Title", "Category: Nutrition") when a metadata title, or its
// first segment, is the headline without it.
func dropLabel(t string, metas []string, keys map[string]bool) string {
	for _, sep := range []string{": ", " - ", " – ", " | "} {
		i := strings.Index(t, sep)
		if i <= 0 || titleWords(t[:i]) > 2 {
			continue
		}
		rest := strings.TrimSpace(t[i+len(sep):])
		rk := normKey(rest)
		for _, m := range metas {
			m = stripSiteSegments(m, keys)
			if rk != "" && (normKey(m) == rk || normKey(firstSegment(m)) == rk) {
				return rest
			}
		}
	}
	return t
}

// sharedWords is the largest number of words t shares with one of metas.
func sharedWords(t string, metas []string) int {
	ts := titleWordSet(t)
	best := 0
	for _, m := range metas {
		n := 0
		for w := range titleWordSet(m) {
			if ts[w] {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

// firstSegment is t up to its first separator (" | ", " - "…).
func firstSegment(t string) string {
	end := len(t)
	for _, sep := range titleSeps {
		if i := strings.Index(t, sep); i > 0 && i < end {
			end = i
		}
	}
	return t[:end]
}

// metaTitle is the title the metadata gives: JSON-LD headline or name of an
// article, else Dublin Core / OpenGraph / other <meta> titles, else microdata,
// each without its site suffix; else the <title> cleaned (Readability's
// rules); else the first <h1>.
func (x *page) metaTitle(site string, ld ldInfo, h1s []string) string {
	m := &x.mt
	title := ""
	if ld.articleType {
		title = ld.name
		if normKey(title) == normKey(site) || normKey(title) == normKey(ld.site) {
			title = "" // the publisher's name, not the article's
		}
		if ld.headline != "" && (title == "" || ld.headline != title && similarity(ld.headline, m.title) > 0.75 && similarity(ld.name, m.title) <= 0.75) {
			title = ld.headline
		}
	}
	if title == "" {
		title = m.first("dc:title", "dcterm:title", "dcterms:title", "og:title", "title", "twitter:title", "parsely-title", "citation_title", "headline")
	}
	if title == "" {
		title = x.microdata("headline")
	}
	if title != "" {
		// A JSON-LD headline cut at 110 characters (Google's old limit):
		// the full title is in another tag.
		tt := strings.TrimSpace(title)
		ellipsis := strings.HasSuffix(tt, "…") || strings.HasSuffix(tt, "...")
		pre := strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(tt, "…"), "..."))
		last, _ := utf8.DecodeLastRuneInString(pre)
		cut := ellipsis || utf8.RuneCountInString(title) >= 100 && (unicode.IsLetter(last) || unicode.IsDigit(last))
		for _, t := range x.metaTitles(ld) {
			if cut && len(t) > len(title) && len(pre) >= 40 && strings.HasPrefix(t, pre) {
				title = t
				break
			}
		}
	}
	switch {
	case title != "":
		title = x.cleanSiteTitle(title, site)
	case m.title != "":
		title = cleanDocTitle(x.cleanSiteTitle(m.title, site), site, h1s)
	case len(h1s) > 0:
		title = h1s[0]
	}
	return normSpace(html.UnescapeString(title))
}

// chooseTitle sets a.Title, x.title and x.h1: the visible headline when one
// qualifies (see pickHeadline), else the metadata title.
func (x *page) chooseTitle(a *article.Article, ld ldInfo, h1s []string) {
	meta := x.metaTitle(a.SiteName, ld, h1s)
	metas := x.metaTitles(ld)
	keys := x.siteKeys(a.SiteName)
	cands, shown, first := x.headlines(metas, keys)
	hl := pickHeadline(cands, metas)
	if hl == nil && shown == 1 && len(cands) == 1 && !cands[0].weak && cands[0].match >= 0.25 && titleWords(cands[0].text) <= 30 {
		// The page's only headline, in the article, sharing words with a
		// metadata title rewritten for search engines ("Best Apps to Learn
		// a Language in 2025 – Top 10 Picks" for "Top 10: Best Language
		// Learning App"), or all of whose words are in one ("Microphones",
		// "Buy Microphones at Thomann"). On a page declaring itself an
		// article the only headline counts outside <article> too, when it
		// shares two words with a metadata title's own part, not its site
		// segments (a blog's name heading "Minecraft News" shares them
		// with "… - Minecraft Update News" only).
		c := &cands[0]
		shared := sharedWords(c.text, metas)
		switch {
		case c.article && (shared >= 2 || shared == len(titleWordSet(c.text))):
			hl = c
		case !c.article && x.declaredArticle(ld) && shared >= 2:
			own := make([]string, len(metas))
			for i, m := range metas {
				own[i] = stripSiteSegments(m, keys)
			}
			if sharedWords(c.text, own) >= 2 {
				hl = c
			}
		}
	}
	if hl == nil && len(metas) > 0 {
		// No <h1> in the page's own content: a heading or headline-classed
		// element matching a metadata title closely is the headline.
		others := x.otherHeadlines(metas, keys, first)
		if h := pickHeadline(others, metas); h != nil && (h.match >= 0.85 || h.classed && onlyClassed(others)) {
			// A heading classed as the entry's title, the page's only
			// one, matching a metadata title at least half-way is the
			// headline too.
			hl = h
		}
	}
	if hl != nil {
		t := cutHeadlinePipeTail(dropLabel(x.cleanSiteTitle(x.headlinePart(hl, metas, keys, a.SiteName), a.SiteName), metas, keys))
		t = x.metaForm(t, metas, a.SiteName)
		a.Title, x.title = t, t
		// Headings repeating the metadata title, or the headline with its
		// suffix, are the title too: not body headings.
		if normKey(hl.text) != normKey(t) {
			x.h1 = hl.text
		} else if normKey(meta) != normKey(t) {
			x.h1 = meta
		}
		return
	}
	meta = cutPipeTail(meta)
	a.Title, x.title = meta, meta
	if len(h1s) == 1 && x.title != "" && normKey(h1s[0]) != normKey(x.title) &&
		(similarity(x.title, h1s[0]) > 0.75 || x.isTitleVariant(h1s[0], ld)) {
		// Also drop the visible headline from the body when it differs
		// slightly (Readability's test: most of its words are in the title).
		// A headline that says something else is a heading of the body.
		x.h1 = h1s[0]
	}
}

// metaTitleKeys are the normKeys of the metadata titles as written, without
// their site segments, and their first segments of two words or more.
func (x *page) metaTitleKeys(metas []string, keys map[string]bool, site string) map[string]bool {
	out := make(map[string]bool, 3*len(metas))
	for _, m := range metas {
		for _, t := range []string{m, stripSiteSegments(m, keys), x.cleanSiteTitle(m, site), firstSegment(m)} {
			if k := normKey(t); k != "" && titleWords(t) >= 2 {
				out[k] = true
			}
		}
	}
	return out
}

// headlinePart is the part of a headline that is the article's title when
// the heading holds more: an element inside it whose text is a metadata
// title ("<h1><p>Title</p><h4>Dek</h4></h1>", "<h1><span>Title</span>
// <span>(example.com)</span> 87</h1>", "<h1><div>Kicker</div><span>Title
// </span></h1>"); or its two parts joined as a metadata title joins them
// ("<h1><span>Title</span> <span>Subtitle</span></h1>" with og:title
// "Title - Subtitle"). Else the headline's text.
func (x *page) headlinePart(hl *headline, metas []string, keys map[string]bool, site string) string {
	if len(metas) == 0 || hl.n.FirstChild == nil {
		return hl.text
	}
	if parts := x.headingParts(hl.n); len(parts) == 2 {
		k1, k2 := normKey(parts[0]), normKey(parts[1])
		for _, m := range metas {
			m = stripSiteSegments(m, keys)
			for _, sep := range titleSepsColon {
				ts := strings.TrimSpace(sep)
				if strings.HasSuffix(parts[0], ts) || strings.HasPrefix(parts[1], ts) {
					continue // "<h1>Title: <em>Subtitle</em></h1>" says it already
				}
				if i := strings.Index(m, sep); i > 0 && normKey(m[:i]) == k1 && normKey(m[i+len(sep):]) == k2 {
					return parts[0] + sep + parts[1]
				}
			}
		}
	}
	mk := x.metaTitleKeys(metas, keys, site)
	hk := normKey(hl.text)
	if mk[hk] {
		return hl.text
	}
	found := ""
	visits := 0
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		for c := n.FirstChild; c != nil && found == "" && visits < 60; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			visits++
			if st := x.stats[c]; st == nil || st.flags&flagSkip != 0 || st.text == 0 || srOnly(c) {
				continue
			}
			t := x.headlineText(c)
			if k := normKey(t); k != "" && len(k) < len(hk) && mk[k] {
				found = t
				return
			}
			if depth < 4 {
				walk(c, depth+1)
			}
		}
	}
	walk(hl.n, 0)
	if found != "" {
		return found
	}
	return hl.text
}

// headingParts splits a heading's visible text at <br>s and element
// children: "<h1><span>Title</span> <span>Subtitle</span></h1>" gives
// "Title", "Subtitle". A single wrapper element is looked through.
func (x *page) headingParts(h *html.Node) []string {
	n := h
	for depth := 0; depth < 3; depth++ {
		var only *html.Node
		count, text := 0, false
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				if strings.TrimSpace(c.Data) != "" {
					text = true
				}
			case html.ElementNode:
				if st := x.stats[c]; st != nil && st.flags&flagSkip == 0 && st.text > 0 && !srOnly(c) {
					count++
					only = c
				}
			}
		}
		if count != 1 || text {
			break
		}
		n = only
	}
	var parts []string
	var cur strings.Builder
	flush := func() {
		if t := normSpace(cur.String()); titleWords(t) > 0 {
			parts = append(parts, t)
		}
		cur.Reset()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			cur.WriteString(c.Data)
		case html.ElementNode:
			if c.DataAtom == atom.Br {
				flush()
				continue
			}
			if st := x.stats[c]; st == nil || st.flags&flagSkip != 0 || st.text == 0 || srOnly(c) || kickerEl(c) {
				continue
			}
			flush()
			cur.WriteString(x.headlineText(c))
			flush()
		}
	}
	flush()
	return parts
}

// cutPipeTail drops what follows the last " | " of a title when at least
// two words precede it: a pipe sets apart segments of a search-engine title
// (a tagline, a section, a site), not parts of a headline ("Best Movers in
// NYC 2025 | Top 19 Companies", "How Meditation Rewires Brains | Opinion").
func cutPipeTail(t string) string {
	if i := strings.LastIndex(t, " | "); i > 0 && titleWords(t[:i]) >= 2 {
		return strings.TrimSpace(t[:i])
	}
	return t
}

// cutHeadlinePipeTail is cutPipeTail for a visible headline: a short
// segment after its last pipe (a tagline, a section: "| Top 9 Models",
// "| Opinion") goes; a long one is the headline's subtitle ("Top 10 Cameras
// of 2025 | The Best Mirrorless Cameras on the Market") and stays.
func cutHeadlinePipeTail(t string) string {
	if i := strings.LastIndex(t, " | "); i > 0 && titleWords(t[i+3:]) >= 6 {
		return t
	}
	return cutPipeTail(t)
}

// metaForm is the metadata title standing for headline t when it is t in
// better form: t with its question marks standing for characters lost in a
// charset conversion ("Beginner? Guide" for "Beginner's Guide"); t set in
// capitals ("BEST DRIP COFFEE MAKERS IN 2026"), a display form, when the
// metadata title is mostly its words in mixed case ("Best Drip Coffee
// Makers 2026"); t with the count or year the
// headline's design leaves out ("8 Recent Trends in Photography",
// "Best Travel Insurance for Seniors in 2025"). Else t.
func (x *page) metaForm(t string, metas []string, site string) string {
	if len(metas) == 0 || len(t) > 400 {
		return t
	}
	caps := titleWords(t) >= 3 && strings.ToUpper(t) == t && strings.ToLower(t) != t
	tk := normKey(t)
	var ts map[string]bool
	for _, m := range metas {
		m = cutPipeTail(x.cleanSiteTitle(m, site))
		if m == "" || m == t || len(m) > 400 {
			continue
		}
		if strings.IndexByte(t, '?') >= 0 && lostChars(t, m) {
			return m
		}
		if caps && strings.ToUpper(m) != m && normKey(m) != tk {
			// The same words: the page's characters stay.
			if ts == nil {
				ts = titleWordSet(t)
			}
			if wordF1(ts, titleWordSet(m)) >= 0.85 {
				return m
			}
		}
		if mk := normKey(m); len(mk) > len(tk) && tk != "" {
			if rest, ok := strings.CutPrefix(mk, tk+" "); ok && yearPhrase(rest) {
				return m
			}
			if pre, ok := strings.CutSuffix(mk, " "+tk); ok && countWord(pre) {
				return m
			}
		}
	}
	return t
}

// yearPhrase reports a year as a title's last words: "2025", "in 2025",
// "of 2025", "for 2025" (normKeys).
func yearPhrase(s string) bool {
	if w, rest, ok := strings.Cut(s, " "); ok {
		if w != "in" && w != "of" && w != "for" {
			return false
		}
		s = rest
	}
	return len(s) == 4 && (strings.HasPrefix(s, "19") || strings.HasPrefix(s, "20")) && strings.Trim(s, "0123456789") == ""
}

// countWord reports a number of one to three digits: the count of a
// listicle's title ("8", "15").
func countWord(s string) bool {
	return len(s) >= 1 && len(s) <= 3 && strings.Trim(s, "0123456789") == ""
}

// lostChars reports headline t equal to metadata title m but for question
// marks in t standing for one to three characters of m, at least one of
// them not a single ASCII punctuation mark (a letter, an apostrophe with
// a letter, a typographic character): characters a charset conversion
// lost.
func lostChars(t, m string) bool {
	tr, mr := []rune(t), []rune(m)
	if len(tr) > 300 || len(mr) > 300 || strings.Count(t, "?") > 6 {
		return false
	}
	var match func(i, j int, lost bool) bool
	match = func(i, j int, lost bool) bool {
		for i < len(tr) && j < len(mr) && tr[i] != '?' {
			if tr[i] != mr[j] {
				return false
			}
			i, j = i+1, j+1
		}
		if i == len(tr) {
			return j == len(mr) && lost
		}
		if tr[i] != '?' {
			return false
		}
		for k := 1; k <= 3 && j+k <= len(mr); k++ {
			seg := mr[j : j+k]
			if k == 1 && seg[0] == '?' {
				if match(i+1, j+1, lost) {
					return true
				}
				continue
			}
			l := lost || k > 1 || seg[0] > 127 || unicode.IsLetter(seg[0])
			if match(i+1, j+k, l) {
				return true
			}
		}
		return false
	}
	return match(0, 0, false)
}

// declaredArticle reports a page declaring itself an article: og:type
// "article" or a JSON-LD article type (Article, BlogPosting…, not a bare
// WebPage).
func (x *page) declaredArticle(ld ldInfo) bool {
	return ld.articleType && ld.typ != "webpage" || strings.EqualFold(x.mt.first("og:type"), "article")
}
