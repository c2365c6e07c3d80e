package extractors

import (
	"net/url"
	"regexp"
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
	listingURL := listingPathRE.MatchString(path)
	articleEvidence := x.ld.articleType && x.ld.typ != "webpage" || strings.EqualFold(x.mt.first("og:type"), "article")
	if x.e.sel.content != nil && len(x.roots) > 0 && textLen > 0 {
		// The site's content selector matched: trust it.
		return article.PageArticle
	}
	teasers, teaserShare := x.teasers()

	switch {
	case textLen < 150:
		if teasers >= 3 || x.ld.listType || listingURL || isHome {
			return article.PageListing
		}
		return article.PageOther
	case x.ld.listType && !articleEvidence:
		return article.PageListing
	case teasers >= 3 && teaserShare >= 0.6 && !articleEvidence:
		return article.PageListing
	case (isHome || listingURL) && !articleEvidence && (teasers >= 2 && teaserShare >= 0.4 || paras < 3):
		return article.PageListing
	}
	return article.PageArticle
}

// teasers finds teaser items in the content roots: linked headings, each with
// the largest ancestor holding no other linked heading (the teaser card). It
// returns their number and the share of the roots' text inside the cards.
func (x *page) teasers() (n int, share float64) {
	counts := map[*html.Node]int{}
	var heads []*html.Node
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
				if st.link > 0 && st.link*2 >= st.text {
					heads = append(heads, c)
					k++
				}
				continue
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
			total += st.text
		}
		if headingLevel(r) == 0 {
			walk(r, 0)
		}
	}
	if len(heads) == 0 || total == 0 {
		return len(heads), 0
	}
	inCards := 0
	for _, h := range heads {
		card := h
		for p := h.Parent; p != nil; p = p.Parent {
			c, ok := counts[p]
			if !ok || c != 1 {
				break
			}
			card = p
		}
		inCards += x.stats[card].text
	}
	return len(heads), float64(inCards) / float64(total)
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
