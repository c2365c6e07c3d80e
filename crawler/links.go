package crawler

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
)

// pageLinks is what the crawler needs from a page besides the article: its links,
// feeds, rel=canonical, <base href> and meta robots directives.
type pageLinks struct {
	Hrefs     []string // a[href], area[href] (without rel=nofollow), link[rel=next|prev]
	Next      []string // the hrefs of Hrefs with rel=next (a or link): the next page of a listing
	Feeds     []string // link[rel=alternate][type=rss/atom]
	Canonical string   // first link[rel=canonical]
	Base      string   // first base[href]
	NoIndex   bool     // meta robots noindex / none
	NoFollow  bool     // meta robots nofollow / none
	// Dropped counts the links past the first maxLinks, not kept in Hrefs.
	Dropped int
}

// scanLinks reads the links of an HTML page with the tokenizer only — no tree is
// built, so the page is parsed into a DOM once, by the extractor. metaName is the
// lower-case product token of our user agent, whose <meta name> counts like "robots".
// Hrefs holds the first maxLinks links (0 = all); the rest are counted in Dropped.
func scanLinks(body []byte, metaName string, maxLinks int) pageLinks {
	var pl pageLinks
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return pl
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr {
			continue
		}
		var tag string
		switch string(name) {
		case "a", "area", "link", "base", "meta":
			tag = string(name)
		default:
			continue
		}
		var href, rel, typ, mname, content string
		var hasHref bool
		for {
			k, v, more := z.TagAttr()
			switch string(k) {
			case "href":
				href, hasHref = string(v), true
			case "rel":
				rel = strings.ToLower(string(v))
			case "type":
				typ = string(v)
			case "name":
				mname = strings.ToLower(strings.TrimSpace(string(v)))
			case "content":
				content = string(v)
			}
			if !more {
				break
			}
		}
		switch tag {
		case "a", "area":
			if hasHref && !hasToken(rel, "nofollow") {
				if pl.add(href, maxLinks) && hasToken(rel, "next") {
					pl.Next = append(pl.Next, href)
				}
			}
		case "link":
			if !hasHref {
				continue
			}
			switch {
			case hasToken(rel, "canonical"):
				if pl.Canonical == "" {
					pl.Canonical = href
				}
			case hasToken(rel, "next") || hasToken(rel, "prev"):
				if pl.add(href, maxLinks) && hasToken(rel, "next") {
					pl.Next = append(pl.Next, href)
				}
			case hasToken(rel, "alternate") && isFeedType(typ):
				pl.Feeds = append(pl.Feeds, href)
			}
		case "base":
			if hasHref && pl.Base == "" {
				pl.Base = href
			}
		case "meta":
			if mname != "robots" && (metaName == "" || mname != metaName) {
				continue
			}
			for _, d := range strings.Split(strings.ToLower(content), ",") {
				switch strings.TrimSpace(d) {
				case "noindex":
					pl.NoIndex = true
				case "nofollow":
					pl.NoFollow = true
				case "none":
					pl.NoIndex, pl.NoFollow = true, true
				}
			}
		}
	}
}

// productToken is the lower-case first word of a user agent ("healthcrawl" for
// "healthcrawl/0.1 (+https://…)").
func productToken(ua string) string {
	t := strings.ToLower(ua)
	if i := strings.IndexAny(t, "/ "); i > 0 {
		t = t[:i]
	}
	return t
}

// add keeps href, unless limit links (> 0) are kept already: then it is counted,
// and add returns false.
func (pl *pageLinks) add(href string, limit int) bool {
	if limit > 0 && len(pl.Hrefs) >= limit {
		pl.Dropped++
		return false
	}
	pl.Hrefs = append(pl.Hrefs, href)
	return true
}
