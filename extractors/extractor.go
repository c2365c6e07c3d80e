// Package extractors turns an HTML page into a raw *article.Article: metadata,
// main content as ordered sections and blocks, related-article stubs and
// references. One Extractor is immutable after New and safe for concurrent use.
//
// The page is parsed once (golang.org/x/net/html). One statistics pass over the
// tree counts text, link text and commas per element, weighs class/id words and
// records metadata elements; paragraph-like elements then vote for their
// ancestors (Readability's scoring), the best container and its qualifying
// siblings become the content roots, and an emitter walks them in document order,
// dropping boilerplate regions (by tag, role, class/id words, link density and
// label texts) and diverting "References" and "Related" sections. Per-site CSS
// selectors (goquery/cascadia) override any of these steps.
package extractors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Page is a fetched page. Body is the raw response body (any charset); Extract
// decodes it to UTF-8 with DecodeHTML.
type Page struct {
	URL       string      // address requested (or given with --url)
	FinalURL  string      // address after redirects; empty = URL
	Status    int         // HTTP status, 0 for files
	Header    http.Header // response header, may be nil
	Body      []byte
	FetchedAt time.Time
}

// Options configure an Extractor.
type Options struct {
	// Selectors override the generic heuristics (per-site, from YAML).
	Selectors config.Selectors
}

// Extractor extracts articles. It is immutable after New and safe for concurrent use.
type Extractor struct {
	opts Options
	sel  compiled
}

// compiled holds the per-site selectors, nil when not set.
type compiled struct {
	title, content, exclude, related, authors, published, modified, reviewedBy, references cascadia.Selector
}

// New compiles the options into an Extractor. An invalid selector is an error
// naming the selector field.
func New(opts Options) (*Extractor, error) {
	e := &Extractor{opts: opts}
	var errs []error
	for _, f := range selectorFields(opts.Selectors) {
		if f.src == "" {
			continue
		}
		s, err := cascadia.Compile(f.src)
		if err != nil {
			errs = append(errs, fmt.Errorf("selectors.%s: invalid selector %q: %w", f.name, f.src, err))
			continue
		}
		*f.dst(&e.sel) = s
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

type selField struct {
	name, src string
	dst       func(*compiled) *cascadia.Selector
}

func selectorFields(s config.Selectors) []selField {
	return []selField{
		{"title", s.Title, func(c *compiled) *cascadia.Selector { return &c.title }},
		{"content", s.Content, func(c *compiled) *cascadia.Selector { return &c.content }},
		{"exclude", s.Exclude, func(c *compiled) *cascadia.Selector { return &c.exclude }},
		{"related", s.Related, func(c *compiled) *cascadia.Selector { return &c.related }},
		{"authors", s.Authors, func(c *compiled) *cascadia.Selector { return &c.authors }},
		{"published_at", s.PublishedAt, func(c *compiled) *cascadia.Selector { return &c.published }},
		{"modified_at", s.ModifiedAt, func(c *compiled) *cascadia.Selector { return &c.modified }},
		{"reviewed_by", s.ReviewedBy, func(c *compiled) *cascadia.Selector { return &c.reviewedBy }},
		{"references", s.References, func(c *compiled) *cascadia.Selector { return &c.references }},
	}
}

// ValidateSelectors checks every selector of s and returns one error per invalid
// one, naming its field ("selectors.content: invalid selector \"div[\": …").
func ValidateSelectors(s config.Selectors) []error {
	var errs []error
	for _, f := range selectorFields(s) {
		if f.src == "" {
			continue
		}
		if _, err := cascadia.Compile(f.src); err != nil {
			errs = append(errs, fmt.Errorf("selectors.%s: invalid selector %q: %w", f.name, f.src, err))
		}
	}
	return errs
}

// page is the per-page state of one Extract call.
type page struct {
	e       *Extractor
	root    *html.Node
	body    *html.Node
	base    *url.URL // for resolving links (<base href> or the page URL)
	pageU   *url.URL // the page URL, nil when unknown
	pageURL string

	stats      map[*html.Node]*nstat
	statBlock  []nstat             // newStat's unused block
	tocBox     map[*html.Node]bool // isTOCTitle's memo: ancestors of headings that are TOC boxes
	words      []string
	classMemo  map[string]classFacts // classFactsOf's memo
	candidates []*html.Node
	roots      []*html.Node
	excluded   map[*html.Node]bool
	diverted   map[*html.Node]bool // matched by the related/references selectors
	mt         metaTags
	bodyText   int
	noUnlikely bool                // retry: score inside boilerplate-classed regions too
	streamed   bool                // a hidden React streaming container (id "S:…") was seen
	panels     map[*html.Node]bool // the panels accordion toggles open (noteToggle)

	ld          ldInfo
	siteName    string
	head        *html.Node // the headline element (people.go), once headDone
	headDone    bool
	title       string
	h1          string // visible headline when it differs from title
	desc        string // the page's description (meta/OpenGraph/JSON-LD)
	descKey     string // normKey(descKeyOf), isStandfirst's memo
	descKeyOf   string
	related     []article.Related
	relatedSeen map[string]bool
	// relatedTitled is set while a box titled by an explicit related
	// heading ("Related articles", "Related symptoms") is read: its short
	// link texts ("Heartburn") are stubs too.
	relatedTitled bool
	refs          []article.Reference
	rootAnc       map[*html.Node]bool // the roots and their ancestors (isContentAncestor's memo, built in finish)
}

// Extract parses p once and returns the raw article: metadata, PageType,
// Sections, Related and References filled, Finalize called. Listing pages
// (home, category, tag, search, pagination) get PageType listing and no body;
// pages with too little text to be articles get PageType other.
func (e *Extractor) Extract(ctx context.Context, p Page) (*article.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	addr := p.FinalURL
	if addr == "" {
		addr = p.URL
	}
	body, err := DecodeHTML(p.Body, p.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", addr, err)
	}
	body, cut := capElements(body, MaxElements)
	if cut {
		slog.Warn("extract: page has more elements than are read; the rest is left out", "url", addr, "max_elements", MaxElements, "bytes_read", len(body), "bytes", len(p.Body))
	}
	root, err := parseHTML(body)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", addr, err)
	}
	yield()
	x := &page{
		e: e, root: root, pageURL: addr,
		stats:       make(map[*html.Node]*nstat, 1024),
		relatedSeen: map[string]bool{},
	}
	if addr != "" {
		if u, err := url.Parse(addr); err == nil {
			x.base, x.pageU = u, u
			x.pageURL = u.String()
		}
	}
	a := &article.Article{SchemaVersion: article.SchemaVersion, URL: addr}
	if !p.FetchedAt.IsZero() {
		t := p.FetchedAt
		a.FetchedAt = &t
	}
	x.run(a)
	a.Finalize()
	return a, nil
}

func (x *page) run(a *article.Article) {
	x.body = findBody(x.root)
	if x.e.sel.exclude != nil {
		x.excluded = map[*html.Node]bool{}
		for _, n := range x.e.sel.exclude.MatchAll(x.root) {
			x.excluded[n] = true
		}
	}
	for _, sl := range []cascadia.Selector{x.e.sel.related, x.e.sel.references} {
		if sl != nil {
			if x.diverted == nil {
				x.diverted = map[*html.Node]bool{}
			}
			for _, n := range sl.MatchAll(x.root) {
				x.diverted[n] = true
			}
		}
	}
	x.analyzeAll(x.root)
	yield()
	if x.streamed {
		// React's hidden streaming containers: move them where the
		// browser shows them, and count again.
		revealStreamed(x.root)
		x.stats = make(map[*html.Node]*nstat, len(x.stats))
		x.mt = metaTags{}
		x.analyzeAll(x.root)
	}
	if b := x.baseHref(); b != nil {
		x.base = b
	}
	x.metadata(a)
	yield()

	var doc *goquery.Document
	sel := &x.e.sel
	if sel.content != nil {
		doc = goquery.NewDocumentFromNode(x.root)
		doc.FindMatcher(sel.content).Each(func(_ int, s *goquery.Selection) {
			n := s.Get(0)
			for _, r := range x.roots {
				if contains(r, n) {
					return
				}
			}
			x.roots = append(x.roots, n)
		})
	}
	if len(x.roots) == 0 {
		x.roots = x.findContent()
	}
	yield()
	sections := x.emit()
	yield()
	if sel.content == nil && textLen(sections) < 250 && x.bodyText > 1000 {
		// Readability's retry: little text found, score boilerplate-classed
		// regions too.
		for _, c := range x.candidates {
			st := x.stats[c]
			st.score = 0
			st.flags &^= flagScored
		}
		x.candidates = x.candidates[:0]
		x.noUnlikely = true
		old, oldRefs, oldRelated := x.roots, x.refs, x.related
		x.roots = x.findContent()
		if s2 := x.emit(); textLen(s2) > textLen(sections) {
			sections = s2
		} else {
			x.roots, x.refs, x.related = old, oldRefs, oldRelated
			clear(x.relatedSeen)
			for _, r := range x.related {
				x.relatedSeen[r.URL] = true
			}
		}
	}
	x.pageDates(a)
	x.finish(a, sections)
}

// emit runs the emitter over the content roots.
func (x *page) emit() []article.Section {
	x.refs, x.related = nil, nil
	clear(x.relatedSeen)
	em := &emitter{x: x}
	for _, r := range x.roots {
		if st := x.stats[r]; st != nil {
			em.rootText += int(st.text)
		}
	}
	for _, r := range x.roots {
		st := x.stats[r]
		if st == nil || st.flags&flagSkip != 0 {
			continue
		}
		if r.DataAtom == atom.Body || r.DataAtom == atom.Html || !isBlock(r) && st.flags&flagHasBlock == 0 && r.DataAtom != atom.P {
			em.walk(r)
			continue
		}
		em.block(r, st)
		em.flush()
	}
	return pruneSections(dedupeBlocks(em.sections))
}

// dedupeBlocks drops blocks that repeat earlier blocks word for word: the
// second copy of a passage that responsive layouts write twice (a desktop and
// a mobile version, one hidden by CSS the extractor does not read): a run of
// at least three repeated blocks copying a run of blocks in the same order;
// and a quote repeating an earlier block (a forum post quoting an earlier
// one). Blocks repeated alone stay (an interview's recurring question, a meal
// plan's recurring dish). A section left without blocks goes too when its
// heading repeats an earlier one.
func dedupeBlocks(in []article.Section) []article.Section {
	type pos struct{ s, b int }
	var first map[string]pos
	type dup struct{ at, orig pos }
	var dups []dup // repeated blocks, in order
	for i, s := range in {
		for j, b := range s.Blocks {
			if !b.InText() {
				continue
			}
			t := b.BlockText()
			if len(t) < 50 {
				continue
			}
			if first == nil {
				first = map[string]pos{}
			}
			if o, ok := first[t]; ok {
				dups = append(dups, dup{pos{i, j}, o})
				continue
			}
			first[t] = pos{i, j}
		}
	}
	if len(dups) == 0 {
		return in
	}
	next := func(p pos) pos { // the block after p, across sections
		if p.b+1 < len(in[p.s].Blocks) {
			return pos{p.s, p.b + 1}
		}
		for s := p.s + 1; s < len(in); s++ {
			if len(in[s].Blocks) > 0 {
				return pos{s, 0}
			}
		}
		return pos{-1, -1}
	}
	drop := map[pos]bool{}
	for k := 0; k < len(dups); {
		run := 1
		for k+run < len(dups) && dups[k+run].at == next(dups[k+run-1].at) && dups[k+run].orig == next(dups[k+run-1].orig) {
			run++
		}
		for _, d := range dups[k : k+run] {
			if run >= 3 || in[d.at.s].Blocks[d.at.b].Type == article.BlockQuote {
				drop[d.at] = true
			}
		}
		k += run
	}
	heads := map[string]bool{}
	out := in[:0]
	for i, s := range in {
		kept := s.Blocks[:0]
		dropped := 0
		for j, b := range s.Blocks {
			if drop[pos{i, j}] {
				dropped++
				continue
			}
			kept = append(kept, b)
		}
		s.Blocks = kept
		if s.Heading != "" {
			if dropped > 0 && len(kept) == 0 && heads[s.Heading] {
				continue
			}
			heads[s.Heading] = true
		}
		out = append(out, s)
	}
	return out
}

func textLen(ss []article.Section) int {
	n := 0
	for _, s := range ss {
		for _, b := range s.Blocks {
			if !b.InText() {
				continue
			}
			n += len(b.Text)
			for _, it := range b.Items {
				n += len(it.Text) + len(it.Label)
			}
			for _, r := range b.Rows {
				for _, c := range r {
					n += len(c)
				}
			}
		}
	}
	return n
}

func (x *page) finish(a *article.Article, sections []article.Section) {
	sel := &x.e.sel
	x.rootAnc = nil

	if sel.related != nil {
		for _, n := range sel.related.MatchAll(x.root) {
			x.collectRelatedIn(n)
		}
	} else {
		x.collectRelatedAll(x.body)
	}
	if sel.references != nil {
		x.refs = nil
		for _, n := range sel.references.MatchAll(x.root) {
			x.collectReferences(n)
		}
	} else if sel.content == nil {
		x.collectReferencesAll(x.body, false)
	}
	a.Authors = x.resolveAuthors()
	// reviewed_at: the reviewer line's own date (resolveReviewers), else
	// what pageDates found (metadata, a "Last reviewed" line).
	var at string
	a.ReviewedBy, at = x.resolveReviewers()
	if at != "" {
		a.ReviewedAt = at
	}
	a.PageType = x.pageType(a, sections)
	// A listing (home, category, tag, search, pagination) has no body: its
	// text is teasers of other pages. A page with too little text to be an
	// article (page_type other: a short notice, a video page's caption) keeps
	// what it has; crawls emit articles only either way.
	if a.PageType != article.PageListing {
		a.Sections = sections
		a.Related = x.related
		a.References = x.refs
	}
}

func findBody(root *html.Node) *html.Node {
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Html {
			for b := c.FirstChild; b != nil; b = b.NextSibling {
				if b.Type == html.ElementNode && (b.DataAtom == atom.Body || b.DataAtom == atom.Frameset) {
					return b
				}
			}
			return c
		}
	}
	return root
}

// analyzeAll runs the statistics pass and records metadata elements.
func (x *page) analyzeAll(root *html.Node) { x.analyze(root, false) }

func (x *page) baseHref() *url.URL {
	var b *url.URL
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil && b == nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom == atom.Base {
				if h := attr(c, "href"); h != "" {
					if u, err := url.Parse(h); err == nil {
						if x.base != nil {
							u = x.base.ResolveReference(u)
						}
						if u.IsAbs() {
							b = u
						}
					}
				}
				return
			}
			if c.DataAtom == atom.Html || c.DataAtom == atom.Head {
				find(c)
			}
		}
	}
	find(x.root)
	return b
}

// pruneSections drops empty leads and the headings left without any block at
// the end of the body (widget titles whose content was removed). Headings
// without blocks inside the body stay: they structure what follows.
func pruneSections(in []article.Section) []article.Section {
	out := make([]article.Section, 0, len(in))
	for _, s := range in {
		if len(s.Blocks) == 0 && s.Heading == "" {
			continue
		}
		out = append(out, s)
	}
	for len(out) > 0 && len(out[len(out)-1].Blocks) == 0 {
		out = out[:len(out)-1]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// isTitle reports a heading that repeats the article title.
func (x *page) isTitle(h string) bool {
	if x.title == "" {
		return false
	}
	hk, tk := normKey(h), normKey(x.title)
	if hk == "" {
		return false
	}
	if x.h1 != "" && hk == normKey(x.h1) {
		return true
	}
	return hk == tk || len(hk) >= 20 && (strings.HasPrefix(tk, hk) || strings.HasPrefix(hk, tk) && len(tk) >= 20)
}
