package main

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/crawler"
)

// Guessing a site's articles pattern from its start page (crawl init): the links of
// the start page are grouped by URL shape (shapeOf); a few pages of each of the most
// common shapes are read, and a shape whose pages read are all articles (the
// extractor's page type) becomes an articles pattern. No rule knows any site.
const (
	guessGroups   = 4 // most common shapes read
	guessPerGroup = 3 // pages read per shape
	guessMinLinks = 2 // links of one shape needed to call it a pattern
	guessMinRead  = 2 // pages of one shape read needed to call it a pattern
	maxExtLetters = 5 // a file extension kept in a pattern: .html, .php, .aspx
)

// shapeGroup is the links of the start page with one URL shape.
type shapeGroup struct {
	pattern  string   // RE2 of the shape (shapeOf)
	links    []string // in the order of the page
	read     int      // pages of it read
	articles int      // of those, page_type article
}

// articleGuess is what guessArticles found: the patterns (each a shape whose pages
// read were all articles), or why there is none.
type articleGuess struct {
	chosen []shapeGroup
	why    string // when chosen is empty
}

// shapeOf is the RE2 pattern of u's URL shape, false when u has none worth a
// pattern (a query, or a path of fewer than two segments: /about/ and /slug/ at the
// top level share their shape with every other top-level page). The first segment
// is kept as written (the section: /articles/, /blog/, /news/), the last is any
// slug with u's file extension, those between are any; a segment of digits alone is
// [0-9]+ wherever it is. The host is left open ([^/]+): the site's allowed domains
// bound it already, and http/https or www redirects keep matching.
func shapeOf(u *url.URL) (string, bool) {
	if u.RawQuery != "" {
		return "", false
	}
	p := u.EscapedPath()
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if len(segs) < 2 {
		return "", false
	}
	parts := make([]string, len(segs))
	for i, seg := range segs {
		switch {
		case seg == "":
			return "", false
		case isDigits(seg):
			parts[i] = "[0-9]+"
		case i == 0:
			parts[i] = regexp.QuoteMeta(seg)
		case i == len(segs)-1:
			parts[i] = "[^/]+" + regexp.QuoteMeta(fileExt(seg))
		default:
			parts[i] = "[^/]+"
		}
	}
	pat := "^https?://[^/]+/" + strings.Join(parts, "/")
	if strings.HasSuffix(p, "/") {
		pat += "/"
	}
	return pat + "$", true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// fileExt is seg's extension when it is a short run of ASCII letters (.html, .php),
// else "".
func fileExt(seg string) string {
	ext := path.Ext(seg)
	if len(ext) < 2 || len(ext) > maxExtLetters+1 || len(ext) == len(seg) {
		return ""
	}
	for _, c := range ext[1:] {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return ""
		}
	}
	return ext
}

// groupLinks groups links by shape (shapeOf), most links first (then in the order
// of their first link on the page); links without a shape are left out.
func groupLinks(links []string) []shapeGroup {
	var groups []shapeGroup
	at := map[string]int{}
	for _, l := range links {
		u, err := url.Parse(l)
		if err != nil {
			continue
		}
		pat, ok := shapeOf(u)
		if !ok {
			continue
		}
		i, seen := at[pat]
		if !seen {
			i = len(groups)
			at[pat] = i
			groups = append(groups, shapeGroup{pattern: pat})
		}
		groups[i].links = append(groups[i].links, l)
	}
	sort.SliceStable(groups, func(a, b int) bool { return len(groups[a].links) > len(groups[b].links) })
	return groups
}

// spread picks up to n links spread over links: the first, the last, then those in
// between.
func spread(links []string, n int) []string {
	if len(links) <= n {
		return links
	}
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, links[i*(len(links)-1)/(n-1)])
	}
	return out
}

// guessArticles reads up to guessPerGroup pages of each of the guessGroups most
// common link shapes of the start page (through the crawl's fetcher, robots.txt
// and politeness: crawler.PageFetcher.Probe) and keeps the shapes whose pages read
// were all articles — at least guessMinRead of them — unless the pattern also
// matches a page read that is not an article (the start page included).
func guessArticles(ctx context.Context, pf *crawler.PageFetcher, start crawler.PageProbe) articleGuess {
	groups := groupLinks(start.Links)
	if len(start.Links) == 0 {
		return articleGuess{why: "the start page links to no page of the site the crawl may fetch"}
	}
	notArticle := map[string]bool{}
	if start.PageType != article.PageArticle {
		notArticle[start.URL] = true
	}
	var tried []shapeGroup
	for i := range groups {
		g := &groups[i]
		if len(g.links) < guessMinLinks || len(tried) == guessGroups {
			continue
		}
		for _, l := range spread(g.links, guessPerGroup) {
			if ctx.Err() != nil {
				break
			}
			p, err := pf.Probe(ctx, l)
			if err != nil {
				continue
			}
			g.read++
			if p.PageType == article.PageArticle {
				g.articles++
			} else {
				notArticle[l] = true
				notArticle[p.URL] = true
			}
		}
		tried = append(tried, *g)
	}
	var chosen []shapeGroup
	for _, g := range tried {
		if g.read < guessMinRead || g.articles != g.read || matchesAny(g.pattern, notArticle) {
			continue
		}
		chosen = append(chosen, g)
	}
	if len(chosen) > 0 {
		return articleGuess{chosen: chosen}
	}
	if len(tried) == 0 {
		return articleGuess{why: fmt.Sprintf("no URL shape below the top level (/section/page) is shared by %d links or more of the start page", guessMinLinks)}
	}
	var seen []string
	for _, g := range tried {
		seen = append(seen, fmt.Sprintf("%s (%d links; %d read, %d articles)", g.pattern, len(g.links), g.read, g.articles))
	}
	return articleGuess{why: "no link shape of the start page gave articles only: " + strings.Join(seen, "; ")}
}

func matchesAny(pattern string, urls map[string]bool) bool {
	re := regexp.MustCompile(pattern) // built by shapeOf from quoted parts
	for u := range urls {
		if re.MatchString(u) {
			return true
		}
	}
	return false
}
