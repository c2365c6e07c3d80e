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

// collectRelatedAll gathers related-article stubs from every related widget of
// the page (class/id words such as "related", "recommended", "read next").
func (x *page) collectRelatedAll(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		st := x.stats[c]
		if st == nil || st.flags&flagSkip != 0 {
			continue
		}
		if st.flags&flagRelated != 0 && st.link > 0 && !x.isContentAncestor(c) {
			x.collectRelatedIn(c)
			continue
		}
		if st.flags&flagHasBlock != 0 {
			x.collectRelatedAll(c)
		}
	}
}

// isContentAncestor reports whether n contains a content root (so it is a page
// wrapper whose class happens to mention "related", not a widget).
func (x *page) isContentAncestor(n *html.Node) bool {
	for _, r := range x.roots {
		if contains(n, r) {
			return true
		}
	}
	return false
}

// collectRelatedIn turns every titled link inside n into a related stub.
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
	find(n)
	for _, a := range links {
		if len(x.related) >= maxRelated {
			return
		}
		u := x.resolveURL(attr(a, "href"))
		if u == "" || u == x.pageURL {
			continue
		}
		title := strings.ReplaceAll(x.textOf(a), "\n", " ")
		if utf8.RuneCountInString(title) < 12 || strings.Count(title, " ") < 1 {
			continue
		}
		if x.relatedSeen[u] {
			continue
		}
		x.relatedSeen[u] = true
		snippet, truncated := "", false
		if item := x.relatedItem(a, n); item != nil {
			full := strings.ReplaceAll(x.textOf(item), "\n", " ")
			snippet, truncated = cleanSnippet(full, title)
		}
		x.related = append(x.related, article.Related{
			Title: title, URL: u, Snippet: snippet, Truncated: truncated,
		})
	}
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
		if countTitledLinks(p, a) > 0 {
			break
		}
		item = p
	}
	if item == a {
		return nil
	}
	return item
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
				if c != self && attr(c, "href") != href && utf8.RuneCountInString(normSpace(plainText(c))) >= 12 {
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
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == ','
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

func (x *page) addReference(n *html.Node) {
	t := strings.ReplaceAll(x.textOf(n), "\n", " ")
	href := ""
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom == atom.A {
				if u := x.resolveURL(attr(c, "href")); u != "" {
					if href == "" || doiRE.MatchString(u) || pubmedURL.MatchString(u) {
						if href == "" || !(doiRE.MatchString(href) || pubmedURL.MatchString(href)) {
							href = u
						}
					}
				}
			}
			walk(c)
		}
	}
	walk(n)
	x.addReferenceText(t, href)
}

func (x *page) addReferenceText(t, href string) {
	t = strings.TrimSpace(t)
	if t == "" || len(x.refs) >= maxReferences || utf8.RuneCountInString(t) < 8 {
		return
	}
	r := article.Reference{Text: t, URL: href}
	if m := doiRE.FindString(t + " " + href); m != "" {
		r.DOI = strings.TrimRight(m, ".,;)]")
	}
	if m := pmidRE.FindStringSubmatch(t); m != nil {
		r.PMID = m[1]
	} else if m := pubmedURL.FindStringSubmatch(href); m != nil {
		r.PMID = m[1]
	}
	x.refs = append(x.refs, r)
}
