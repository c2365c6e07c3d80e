package pipeline

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/internal/credits"
)

// DropBoilerplateOptions configure the drop_boilerplate stage.
type DropBoilerplateOptions struct {
	Phrases     []string `mapstructure:"phrases" doc:"extra phrases (case-insensitive, whole words) marking a short block as boilerplate; sites[].boilerplate adds more per site"`
	UseDefaults bool     `mapstructure:"use_defaults" doc:"use the built-in phrase lists (share/subscribe/newsletter/cookie/advertisement/click here/copyright/author box …)"`
	MaxWords    int      `mapstructure:"max_words" doc:"only blocks (and list items) of at most this many words can be boilerplate by phrase"`
}

func init() {
	Register(DefaultRegistry, "drop_boilerplate",
		"Removes blocks, list items and whole sections that are boilerplate by content (share/subscribe/newsletter/cookie/advertisement/\"click here\"/copyright/author-box lines, date-only lines, reading-time notes, photo credits …), from a default phrase list that options and each site target (sites[].boilerplate) extend.",
		func() DropBoilerplateOptions { return DropBoilerplateOptions{UseDefaults: true, MaxWords: 30} },
		newDropBoilerplate)
}

// Phrases match a short block containing them as whole words.
var defaultBoilerplatePhrases = []string{
	"share this", "share on facebook", "share on twitter", "share on pinterest", "share via email",
	"tweet this", "pin it", "subscribe to our", "subscribe now", "subscribe for",
	"sign up for our", "sign up to our", "sign up to receive", "our newsletter",
	"newsletter sign up", "newsletter signup", "join our newsletter", "get our newsletter",
	"we use cookies", "this site uses cookies", "this website uses cookies", "use of cookies",
	"cookie policy", "cookie settings", "cookie preferences", "accept cookies", "accept all cookies",
	"advertisement", "sponsored content", "paid content", "click here", "all rights reserved",
	"about the author", "about the authors", "follow us", "follow me on", "like us on facebook",
	"read more", "read next", "continue reading", "keep reading", "print this", "email this",
	"you may also like", "you might also like", "recommended for you", "related articles",
	"related posts", "related stories", "back to top", "skip to content", "skip to main content",
	"leave a comment", "leave a reply", "comments are closed", "privacy policy", "terms of use",
	"terms of service", "terms and conditions", "download our app", "get the app",
	"was this article helpful", "was this page helpful", "did you find this helpful", "filed under",
	"this post may contain affiliate links", "affiliate links", "we may earn a commission",
	"we may receive a commission", "share your story", "view comments", "show comments",
}

// Exact blocks: the whole block (case- and punctuation-insensitive) is one of these.
var defaultBoilerplateExact = []string{
	"ad", "ads", "advert", "sponsored", "share", "shares", "tweet", "pin", "print", "email", "e mail",
	"facebook", "twitter", "x", "pinterest", "linkedin", "whatsapp", "reddit", "flipboard", "copy link",
	"link copied", "menu", "search", "home", "top", "back", "next", "previous", "prev", "loading",
	"close", "comments", "related", "more", "subscribe", "sign up", "log in", "login", "sign in",
	"newsletter", "save", "saved", "bookmark", "text size", "font size",
	// "advertisement" as other languages label an ad slot
	"anzeige", "werbung", "publicité", "publicidad", "publicidade", "pubblicità", "advertentie",
	"reklama", "iklan", "реклама", "広告", "广告",
}

// Section headings that mark a whole section as boilerplate.
var defaultBoilerplateHeadings = []string{
	"related articles", "related posts", "related stories", "related content", "related reading",
	"you may also like", "you might also like", "recommended", "recommended for you",
	"recommended articles", "more from", "more articles", "share this", "share this article", "share this post",
	"share this page", "share", "newsletter", "sign up for our newsletter", "subscribe",
	"comments", "leave a reply", "leave a comment", "about the author", "about the authors",
	"popular articles", "popular posts", "most popular", "trending", "trending now",
	"read next", "read more", "advertisement", "follow us",
}

// Line patterns: copyright lines and author/reviewer bylines left in the body.
var boilerplatePatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)(©|\(c\)\s*(19|20)\d\d|\bcopyright\b\s*(©|\(c\)|@)?\s*(19|20)\d\d)`),
	regexp.MustCompile(`(?i)^[^\pL\pN]*(written|posted|published|medically reviewed|reviewed|fact[- ]checked|edited) by\b`),
	// datelines: "Published October 1, 2024 · Updated …", "Last updated: 2024-10-08"
	regexp.MustCompile(`(?i)^[^\pL\pN]*(published|updated|last updated|posted|last reviewed|reviewed)( on)?:?\s+((\d{1,2}\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\d{4}-\d\d-\d\d|\d{1,2}/\d{1,2}/\d{2,4})`),
}

type boilerplateMatcher struct {
	phrases  phraseTrie // normalized phrases ("share this")
	exact    map[string]bool
	headings map[string]bool
	patterns bool
}

// hasPhrase reports whether the key k contains a phrase at a word start.
func (m *boilerplateMatcher) hasPhrase(k []byte) bool {
	for i := 0; i < len(k); i++ {
		if (i == 0 || k[i-1] == ' ') && m.phrases.matchAt(k, i) {
			return true
		}
	}
	return false
}

// phraseTrie is a byte trie of normalized phrases; node 0 is the root, whose children
// are also kept in a dense table (most words fail at the first or second byte).
type phraseTrie struct {
	nodes []trieNode
	root  [256]int32
}

type trieNode struct {
	next map[byte]int32
	end  bool
}

func (t *phraseTrie) add(p string) {
	if len(t.nodes) == 0 {
		t.nodes = append(t.nodes, trieNode{})
	}
	n := int32(0)
	for i := 0; i < len(p); i++ {
		c, ok := t.nodes[n].next[p[i]]
		if !ok {
			t.nodes = append(t.nodes, trieNode{})
			c = int32(len(t.nodes) - 1)
			if t.nodes[n].next == nil {
				t.nodes[n].next = map[byte]int32{}
			}
			t.nodes[n].next[p[i]] = c
			if n == 0 {
				t.root[p[i]] = c
			}
		}
		n = c
	}
	t.nodes[n].end = true
}

// matchAt reports whether a whole phrase starts at k[i] and ends at a word end.
func (t *phraseTrie) matchAt(k []byte, i int) bool {
	if len(t.nodes) == 0 {
		return false
	}
	n := t.root[k[i]]
	if n == 0 {
		return false
	}
	for j := i; j < len(k); j++ {
		if j > i {
			c, ok := t.nodes[n].next[k[j]]
			if !ok {
				return false
			}
			n = c
		}
		if t.nodes[n].end && (j+1 == len(k) || k[j+1] == ' ') {
			return true
		}
	}
	return false
}

// patternWords are the first words of the byline/dateline patterns (a cheap filter
// before the regexps).
var patternWords = map[string]bool{
	"written": true, "posted": true, "published": true, "medically": true, "reviewed": true,
	"fact": true, "edited": true, "updated": true, "last": true,
}

type dropBoilerplate struct {
	maxWords int
	base     *boilerplateMatcher
	perSite  map[string]*boilerplateMatcher // site name → base plus site phrases
}

func newDropBoilerplate(o DropBoilerplateOptions, env Env) (Stage, error) {
	if o.MaxWords < 0 {
		return nil, optErr("max_words", "must be ≥ 0, got %d", o.MaxWords)
	}
	for i, p := range o.Phrases {
		if boilerKey(p) == "" {
			return nil, optErr("phrases["+strconv.Itoa(i)+"]", "%q has no words", p)
		}
	}
	mk := func(extra []string) *boilerplateMatcher {
		m := &boilerplateMatcher{exact: map[string]bool{}, headings: map[string]bool{}, patterns: o.UseDefaults}
		var phrases []string
		if o.UseDefaults {
			phrases = append(phrases, defaultBoilerplatePhrases...)
			for _, e := range defaultBoilerplateExact {
				m.exact[boilerKey(e)] = true
			}
			for _, h := range defaultBoilerplateHeadings {
				m.headings[boilerKey(h)] = true
			}
		}
		phrases = append(phrases, o.Phrases...)
		phrases = append(phrases, extra...)
		for _, p := range phrases {
			if k := boilerKey(p); k != "" {
				m.phrases.add(k)
			}
		}
		return m
	}
	s := &dropBoilerplate{maxWords: o.MaxWords, base: mk(nil), perSite: map[string]*boilerplateMatcher{}}
	for _, site := range env.Sites {
		if len(site.Boilerplate) > 0 {
			s.perSite[site.Name] = mk(site.Boilerplate)
		}
	}
	return s, nil
}

func (*dropBoilerplate) Name() string { return "drop_boilerplate" }

// boilerKey lower-cases s and reduces it to its words separated by single spaces
// (apostrophes are dropped: "It's" → "its").
func boilerKey(s string) string { return string(appendBoilerKey(make([]byte, 0, len(s)), s)) }

// appendBoilerKey appends the key of s to b.
func appendBoilerKey(b []byte, s string) []byte {
	start := len(b)
	space := false
	word := func() {
		if space && len(b) > start {
			b = append(b, ' ')
		}
		space = false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c == '\'':
				continue
			default:
				space = true
				continue
			}
			word()
			b = append(b, c)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word()
			b = utf8.AppendRune(b, unicode.ToLower(r))
		case r == '’':
		default:
			space = true
		}
	}
	return b
}

// is reports whether one line of text is boilerplate.
func (s *dropBoilerplate) is(m *boilerplateMatcher, text string) bool {
	if text == "" {
		return false
	}
	// Cheap bound before any lower-casing: long blocks are content. Space-separated
	// tokens never outnumber the key's words, so this skips no boilerplate.
	if n := strings.Count(text, " ") + 1; n > s.maxWords {
		return false
	}
	var buf [320]byte
	k := appendBoilerKey(buf[:0], text)
	if len(k) == 0 {
		return false
	}
	if m.exact[string(k)] {
		return true
	}
	nw := bytes.Count(k, []byte{' '}) + 1
	if nw > s.maxWords {
		return false
	}
	if m.hasPhrase(k) {
		return true
	}
	if m.patterns {
		first, _, _ := bytes.Cut(k, []byte{' '})
		if patternWords[string(first)] || strings.Contains(text, "©") || bytes.Contains(k, []byte("copyright")) || strings.Contains(text, "(c)") || strings.Contains(text, "(C)") {
			for _, re := range boilerplatePatterns {
				if re.MatchString(text) {
					return true
				}
			}
		}
		if nw <= 15 && isBreadcrumb(text) {
			return true
		}
		// bylines, reviewer and labelled date lines in every language of
		// the date vocabulary ("Medizinisch geprüft von …", "Publicado el …")
		if nw <= 24 && credits.IsCreditLine(text) {
			return true
		}
		if nw <= 12 && (isDateLine(k) || isReadingTime(k, nw) || isPhotoCredit(text, k, nw)) {
			return true
		}
		if nw <= 20 && isReportingCredit(k) {
			return true
		}
	}
	return false
}

// breadcrumbSeps separate the parts of a breadcrumb or category line.
var breadcrumbSeps = []string{" · ", " | ", " › ", " » ", " > ", " / "}

// isBreadcrumb reports a short line of title-case parts joined by a separator
// ("Mind & Sleep · Health News", "Home › Conditions › Migraine").
func isBreadcrumb(text string) bool {
	if len(text) > 120 {
		return false
	}
	for _, sep := range breadcrumbSeps {
		if !strings.Contains(text, sep) {
			continue
		}
		parts := strings.Split(text, sep)
		for _, p := range parts {
			p = strings.TrimSpace(p)
			if p == "" || len(words(p)) > 5 || !isTitleCase(p) {
				return false
			}
		}
		return true
	}
	return false
}

func (s *dropBoilerplate) Apply(_ context.Context, a *article.Article) (Verdict, error) {
	m := s.base
	if sm, ok := s.perSite[a.Site]; ok {
		m = sm
	}
	secs := a.Sections[:0]
	for _, sec := range a.Sections {
		if sec.Heading != "" && m.headings[boilerKey(sec.Heading)] {
			continue
		}
		blocks := sec.Blocks[:0]
		for _, b := range sec.Blocks {
			if !b.InText() {
				blocks = append(blocks, b) // structure, not prose
				continue
			}
			switch b.Type {
			case article.BlockList:
				items := b.Items[:0]
				for _, it := range b.Items {
					if !s.is(m, it.ItemText()) {
						items = append(items, it)
					}
				}
				b.Items = items
				if len(items) == 0 {
					continue
				}
			case article.BlockParagraph, article.BlockQuote:
				if s.is(m, b.Text) {
					continue
				}
			}
			blocks = append(blocks, b)
		}
		had := len(sec.Blocks) > 0
		sec.Blocks = blocks
		if len(blocks) == 0 && (sec.Heading == "" || had && strings.Count(sec.Heading, " ") < 12) {
			// Nothing left, or a heading left over its boilerplate only. A
			// heading of sentence length (a standfirst set as a heading, over
			// a date line) is prose and stays.
			continue
		}
		secs = append(secs, sec)
	}
	if len(secs) == 0 {
		secs = nil
	}
	a.Sections = secs
	return keep, nil
}
