package extractors

import (
	"encoding/json"
	"github.com/healthcrawl/healthcrawl/internal/credits"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/internal/datetext"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// metaTags collects <meta>, <link>, JSON-LD and microdata seen by the statistics
// pass, so metadata costs no extra walk of the tree.
type metaTags struct {
	named    map[string][]string // lower-cased name/property/itemprop of <meta> → contents
	canon    string
	title    string   // <title>
	jsonld   []string // raw JSON-LD scripts
	itemprop []*html.Node
	h1       []*html.Node
	lang     string
	reviewed []*html.Node // elements with "reviewed by", "reviewer", "fact-checked" text
	// authorLabels are elements with "author" or "written" in their own
	// text: "About the author", "Written by" labels of author boxes.
	authorLabels []*html.Node
	bylines      []*html.Node // rel=author links and byline-classed elements
	// firstPub are elements whose own text may name the first publication
	// ("This article was originally published on …").
	firstPub []*html.Node
	times    []*html.Node // <time> elements
}

func (m *metaTags) add(k, v string) {
	if m.named == nil {
		m.named = map[string][]string{}
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	k = strings.ToLower(strings.TrimSpace(k))
	for _, pre := range []string{"dc.", "dcterms.", "dcterm."} {
		if strings.HasPrefix(k, pre) {
			k = strings.Replace(k, ".", ":", 1)
			break
		}
	}
	m.named[k] = append(m.named[k], v)
}

// first returns the value of the first key present; when a key is given
// several times the last one wins (as in browsers' reader modes).
func (m *metaTags) first(keys ...string) string {
	for _, k := range keys {
		vs := m.named[k]
		for i := len(vs) - 1; i >= 0; i-- {
			if v := normSpace(html.UnescapeString(vs[i])); v != "" {
				return v
			}
		}
	}
	return ""
}

// observe records metadata-bearing elements; called by analyze for every element.
func (x *page) observe(n *html.Node) {
	m := &x.mt
	switch n.DataAtom {
	case atom.Meta:
		content := attr(n, "content")
		if content == "" {
			content = attr(n, "value")
		}
		if strings.EqualFold(attr(n, "name"), "script:ld+json") && strings.HasPrefix(strings.TrimSpace(content), "{") {
			// JSON-LD written as a meta descriptor by a front-end framework
			m.jsonld = append(m.jsonld, content)
			return
		}
		for _, k := range []string{"property", "name", "itemprop", "http-equiv"} {
			if v := attr(n, k); v != "" {
				for _, f := range strings.Fields(v) {
					m.add(f, content)
				}
			}
		}
	case atom.Link:
		rel := strings.ToLower(attr(n, "rel"))
		if m.canon == "" && hasWord(rel, "canonical") {
			m.canon = attr(n, "href")
		}
	case atom.Title:
		if m.title == "" && (n.Parent == nil || n.Parent.DataAtom != atom.Svg) {
			m.title = normSpace(plainTextRaw(n))
		}
	case atom.Script:
		if strings.Contains(strings.ToLower(attr(n, "type")), "ld+json") && n.FirstChild != nil {
			m.jsonld = append(m.jsonld, n.FirstChild.Data)
		}
	case atom.Html:
		if m.lang == "" {
			m.lang = attr(n, "lang")
			if m.lang == "" {
				m.lang = attr(n, "xml:lang")
			}
		}
	case atom.H1:
		m.h1 = append(m.h1, n)
	case atom.Time:
		m.times = append(m.times, n)
	case atom.A:
		if hasWord(strings.ToLower(attr(n, "rel")), "author") {
			m.bylines = append(m.bylines, n)
		}
	}
	if n.DataAtom != atom.Meta && hasAttr(n, "itemprop") {
		m.itemprop = append(m.itemprop, n)
	}
}

// observeText records elements whose own text names a reviewer or an author
// box; called by analyze for every non-blank text node (cheap substring
// tests only).
func (x *page) observeText(n *html.Node, s string) {
	if len(s) < 6 {
		return
	}
	m := &x.mt
	if len(m.reviewed) < 16 && credits.MayNameReviewerIn(s, m.lang) {
		if k := len(m.reviewed); k == 0 || m.reviewed[k-1] != n {
			m.reviewed = append(m.reviewed, n)
		}
	}
	if len(m.firstPub) < 4 && (strings.Contains(s, "riginal") || strings.Contains(s, "irst p")) && hasFirstPubLabel(s) {
		if k := len(m.firstPub); k == 0 || m.firstPub[k-1] != n {
			m.firstPub = append(m.firstPub, n)
		}
	}
	// Labels are short: "About the author", "Written by Jane Doe".
	if len(s) < 120 && len(m.authorLabels) < 24 && (strings.Contains(s, "uthor") || strings.Contains(s, "UTHOR") || strings.Contains(s, "ritten") || strings.Contains(s, "RITTEN")) {
		if k := len(m.authorLabels); k == 0 || m.authorLabels[k-1] != n {
			m.authorLabels = append(m.authorLabels, n)
		}
	}
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}

func plainTextRaw(n *html.Node) string {
	var sb strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			sb.WriteString(c.Data)
		}
	}
	return sb.String()
}

// ldInfo is what JSON-LD says about the page.
type ldInfo struct {
	headline, name, description, published, modified, lang, site, image, url string
	authors                                                                  []ldName
	tags                                                                     []string
	reviewedBy                                                               []ldName
	reviewedAt                                                               string
	pagePublished                                                            string // a page node's datePublished (Yoast's WebPage beside a theme's Article)
	articleType, listType                                                    bool
	typ                                                                      string
}

// ldName is a person or organisation named by JSON-LD (author, reviewedBy).
type ldName struct {
	name string
	org  bool // typed Organization (or a kind of it), WebSite or Brand
}

var articleTypes = map[string]int{
	"article": 3, "newsarticle": 3, "blogposting": 3, "scholarlyarticle": 3, "medicalscholarlyarticle": 3,
	"techarticle": 3, "reportagenewsarticle": 3, "analysisnewsarticle": 3, "opinionnewsarticle": 3,
	"reviewnewsarticle": 3, "backgroundnewsarticle": 3, "livebloggposting": 3, "liveblogposting": 3,
	"socialmediaposting": 2, "report": 2, "medicalwebpage": 2, "healthtopiccontent": 2, "posting": 2,
	"recipe": 1, "howto": 1, "webpage": 1, "itempage": 1, "aboutpage": 1, "qapage": 1,
}

// pageTypes are the JSON-LD types whose reviewedBy/lastReviewed describe the
// page when the article node has none (MedicalWebPage, WebPage…).
var pageTypes = map[string]bool{"webpage": true, "medicalwebpage": true, "itempage": true, "aboutpage": true, "faqpage": true, "qapage": true, "collectionpage": true}

var listTypes = map[string]bool{"collectionpage": true, "itemlist": true, "searchresultspage": true}

// orgTypes are schema.org types of a publisher rather than a person.
var orgTypes = map[string]bool{
	"organization": true, "corporation": true, "newsmediaorganization": true, "website": true, "brand": true,
	"educationalorganization": true, "medicalorganization": true, "governmentorganization": true,
	"localbusiness": true, "ngo": true, "hospital": true, "collegeoruniversity": true, "onlinebusiness": true,
	"researchorganization": true, "project": true,
}

func (x *page) parseJSONLD() ldInfo {
	var best map[string]any
	bestRank := 0
	var info ldInfo
	ids := map[string]map[string]any{}
	var pages []map[string]any
	var visit func(v any, depth int)
	visit = func(v any, depth int) {
		if depth > 6 {
			return
		}
		switch t := v.(type) {
		case []any:
			for _, e := range t {
				visit(e, depth+1)
			}
		case map[string]any:
			if g, ok := t["@graph"]; ok {
				visit(g, depth+1)
			}
			types := ldTypes(t["@type"])
			if id, ok := t["@id"].(string); ok && id != "" && len(types) > 0 {
				if _, dup := ids[id]; !dup {
					ids[id] = t
				}
			}
			for _, typ := range types {
				lt := strings.ToLower(typ)
				if r := articleTypes[lt]; r > bestRank {
					best, bestRank = t, r
					info.typ = lt
				}
				if listTypes[lt] {
					info.listType = true
				}
				if lt == "website" && info.site == "" {
					info.site = ldString(t["name"])
				}
				if pageTypes[lt] {
					pages = append(pages, t)
				}
			}
		}
	}
	for _, raw := range x.mt.jsonld {
		raw = strings.TrimSpace(raw)
		raw = strings.TrimSuffix(strings.TrimPrefix(raw, "<!--"), "-->")
		raw = strings.TrimSpace(raw)
		raw = strings.TrimSuffix(strings.TrimPrefix(raw, "<![CDATA["), "]]>")
		raw = strings.TrimSuffix(strings.TrimPrefix(raw, "//<![CDATA["), "//]]>")
		raw = strings.TrimSuffix(strings.TrimSpace(raw), ";")
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			// Raw line breaks and tabs inside strings are a common CMS slip;
			// outside strings they are white space, so blanking them all is safe.
			fixed := strings.Map(func(r rune) rune {
				if r < 0x20 {
					return ' '
				}
				return r
			}, raw)
			if fixed == raw || json.Unmarshal([]byte(fixed), &v) != nil {
				continue
			}
		}
		visit(v, 0)
	}
	resolve := func(v any) any {
		if m, ok := v.(map[string]any); ok {
			if id, ok := m["@id"].(string); ok && ldString(m["name"]) == "" {
				if r, ok := ids[id]; ok {
					return r
				}
			}
		}
		return v
	}
	names := func(v any) []ldName {
		var out []ldName
		for _, e := range ldList(v) {
			e = resolve(e)
			if name := ldPerson(e); name != "" {
				org := false
				if m, ok := e.(map[string]any); ok {
					for _, t := range ldTypes(m["@type"]) {
						if orgTypes[strings.ToLower(t)] {
							org = true
						}
					}
				}
				out = append(out, ldName{name, org})
			}
		}
		return out
	}
	if best != nil {
		info.articleType = bestRank >= 2
		info.headline = ldString(best["headline"])
		info.name = ldString(best["name"])
		info.description = ldString(best["description"])
		info.published = ldString(best["datePublished"])
		if info.published == "" {
			info.published = ldString(best["dateCreated"])
		}
		info.modified = ldString(best["dateModified"])
		info.lang = ldString(best["inLanguage"])
		if p := ldString(ldField(resolve(best["publisher"]), "name")); p != "" {
			info.site = p
		}
		info.image = ldString(ldField(best["image"], "url"))
		info.url = ldString(best["url"])
		info.authors = names(best["author"])
		if len(info.authors) == 0 {
			info.authors = names(best["creator"])
		}
		for _, k := range ldList(best["keywords"]) {
			if s, ok := k.(string); ok {
				for _, t := range strings.Split(s, ",") {
					if t = strings.TrimSpace(t); t != "" {
						info.tags = append(info.tags, t)
					}
				}
			}
		}
		info.reviewedBy = names(best["reviewedBy"])
		info.reviewedAt = ldString(best["lastReviewed"])
	}
	// The page node (MedicalWebPage, WebPage) often carries the review when
	// the article node does not.
	for _, p := range pages {
		if info.pagePublished == "" {
			info.pagePublished = ldString(p["datePublished"])
		}
		if len(info.reviewedBy) == 0 {
			info.reviewedBy = names(p["reviewedBy"])
		}
		if info.reviewedAt == "" {
			info.reviewedAt = ldString(p["lastReviewed"])
		}
	}
	return info
}

func ldTypes(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func ldList(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	default:
		return []any{t}
	}
}

// ldField returns field k of v (or of its first element when v is a list);
// a plain string is returned as is.
func ldField(v any, k string) any {
	switch t := v.(type) {
	case map[string]any:
		return t[k]
	case []any:
		if len(t) > 0 {
			return ldField(t[0], k)
		}
	case string:
		return t
	}
	return nil
}

func ldString(v any) string {
	switch t := v.(type) {
	case string:
		return normSpace(html.UnescapeString(t))
	case []any:
		if len(t) > 0 {
			return ldString(t[0])
		}
	case map[string]any:
		if s, ok := t["@value"]; ok {
			return ldString(s)
		}
	}
	return ""
}

// ldPerson returns a person's or organisation's name, with honorific suffix
// ("Jane Doe, MD") when given.
func ldPerson(v any) string {
	switch t := v.(type) {
	case string:
		if strings.HasPrefix(t, "http") {
			return ""
		}
		return normSpace(t)
	case []any:
		var names []string
		for _, e := range t {
			if s := ldPerson(e); s != "" {
				names = append(names, s)
			}
		}
		return strings.Join(names, ", ")
	case map[string]any:
		name := ldString(t["name"])
		if name == "" {
			name = strings.TrimSpace(ldString(t["givenName"]) + " " + ldString(t["familyName"]))
		}
		if suf := ldString(t["honorificSuffix"]); suf != "" && name != "" && !strings.Contains(name, suf) {
			name += ", " + suf
		}
		return name
	}
	return ""
}

// microdata returns the first value of itemprop prop (content/datetime attribute
// or text).
func (x *page) microdata(prop string) string {
	for _, n := range x.mt.itemprop {
		if !hasWord(attr(n, "itemprop"), prop) {
			continue
		}
		if v := attr(n, "content"); v != "" {
			return normSpace(v)
		}
		if v := attr(n, "datetime"); v != "" {
			return normSpace(v)
		}
		if hasAttr(n, "itemscope") {
			for _, c := range x.mt.itemprop {
				if c != n && contains(n, c) && hasWord(attr(c, "itemprop"), "name") {
					if v := attr(c, "content"); v != "" {
						return normSpace(v)
					}
					return x.textOf(c)
				}
			}
			continue
		}
		if t := x.textOf(n); t != "" && len(t) < 300 {
			return strings.ReplaceAll(t, "\n", " ")
		}
	}
	return ""
}

// ---- values ---------------------------------------------------------------

var byPrefixRE = regexp.MustCompile(`(?i)^\s*((written|posted|reported|story|text|words|published)\s+)?(by|von|par|por|di|door|av|af)\s*:?\s+`)

// cleanAuthors splits and cleans author names; URLs, e-mails and empty names are
// dropped, duplicates removed.
func cleanAuthors(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = normSpace(html.UnescapeString(s))
		s = byPrefixRE.ReplaceAllString(s, "")
		for _, part := range splitNames(s) {
			part = strings.Trim(part, " ,;|·•-–—")
			if part == "" || strings.Contains(part, "://") || strings.HasPrefix(part, "www.") || strings.Contains(part, "@") && !strings.Contains(part, " ") {
				continue
			}
			if utf8.RuneCountInString(part) > 80 {
				continue
			}
			k := strings.ToLower(part)
			if !seen[k] {
				seen[k] = true
				out = append(out, part)
			}
		}
	}
	return out
}

var nameSepRE = regexp.MustCompile(`\s+(?:and|und|et|y|e|&)\s+|\s*[;|/]\s*`)

func splitNames(s string) []string {
	parts := nameSepRE.Split(s, -1)
	var out []string
	for _, p := range parts {
		// "A, B, C" with multi-word names is a list; "Jane Doe, MD" is one name.
		if strings.Contains(p, ",") {
			sub := strings.Split(p, ",")
			multi := true
			for _, q := range sub {
				if len(strings.Fields(q)) < 2 {
					multi = false
				}
			}
			if multi {
				out = append(out, sub...)
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

// isoDate normalises a date to the record format (datetext.Date.String):
// RFC 3339 in UTC when a time and its zone are given, YYYY-MM-DD otherwise.
// Unparseable values give "".
func isoDate(s string) string { return dateOf(s).String() }

// stripDates removes the dates of a short line ("Jane Doe · Mar 3, 2024" →
// "Jane Doe") and the separators left at its end.
func stripDates(t string) string {
	for k := 0; k < 3; k++ {
		d, a, b := datetext.Find(t, datetext.MDY)
		if d.IsZero() {
			break
		}
		t = t[:a] + t[b:]
	}
	return strings.TrimRight(strings.TrimSpace(t), " ,|·•-–—")
}

// langCode reduces a language tag to its ISO 639-1 code.
func langCode(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "-_,; "); i >= 0 {
		s = s[:i]
	}
	s = strings.ToLower(s)
	if len(s) != 2 {
		return ""
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return ""
		}
	}
	return s
}

// ---- title ------------------------------------------------------------------

var titleSeps = []string{" | ", " - ", " – ", " — ", " :: ", " / ", " » ", " · ", " • ", " \\ ", " > "}

// cleanMetaTitle strips a site-name suffix or prefix from a metadata title
// (og:title, JSON-LD…).
func cleanMetaTitle(t, site string) string {
	return cleanTitle(t, site)
}

// titleWords counts words for the title rules: white-space separated tokens
// holding a letter or digit, and, in scripts written without spaces (Han,
// kana, Hangul), one word per two characters.
func titleWords(s string) int {
	n, cjk, alnum := 0, 0, false
	for _, r := range s {
		// strings.Fields' words: runs between unicode.IsSpace runes.
		if r < utf8.RuneSelf {
			switch {
			case r == ' ' || '\t' <= r && r <= '\r':
				n += titleToken(cjk, alnum)
				cjk, alnum = 0, false
			case 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9':
				alnum = true
			}
			continue
		}
		switch {
		case unicode.IsSpace(r):
			n += titleToken(cjk, alnum)
			cjk, alnum = 0, false
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
			cjk++
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			alnum = true
		}
	}
	return n + titleToken(cjk, alnum)
}

// titleToken is what one white-space separated token counts for titleWords.
func titleToken(cjk int, alnum bool) int {
	switch {
	case cjk > 0:
		return (cjk + 1) / 2
	case alnum:
		return 1
	}
	return 0
}

// cleanTitle strips a site-name suffix or prefix (" | Site Name").
func cleanTitle(t, site string) string {
	t = normSpace(t)
	if t == "" {
		return ""
	}
	if site != "" {
		// The last segment is (a prefix of) the site name: "Title | Site.cz"
		// with site "Site.cz - slogan".
		for _, sep := range titleSeps {
			if i := strings.LastIndex(t, sep); i > 0 {
				seg := normKey(t[i+len(sep):])
				sk := normKey(site)
				if len(seg) >= 3 && (strings.HasPrefix(sk, seg) || strings.HasPrefix(seg, sk)) && wordCount(t[:i]) >= 2 {
					return strings.TrimSpace(t[:i])
				}
			}
		}
		for _, sep := range titleSeps {
			// Compare byte-aligned slices: lower-casing can change byte
			// lengths ("\u212A" → "k"), so indexes of lowered strings do not
			// apply to the original.
			if suf := sep + site; len(t) > len(suf) && strings.EqualFold(t[len(t)-len(suf):], suf) {
				return strings.TrimSpace(t[:len(t)-len(suf)])
			}
			if pre := site + sep; len(t) > len(pre) && strings.EqualFold(t[:len(pre)], pre) {
				return strings.TrimSpace(t[len(pre):])
			}
		}
	}
	return t
}

// cleanDocTitle cleans a <title>: the part before the last separator when that
// leaves a real title (Readability's rule), else the original.
func cleanDocTitle(t, site string, h1s []string) string {
	t = cleanTitle(t, site)
	for _, h := range h1s {
		if strings.EqualFold(h, t) {
			return t
		}
	}
	sepAt := -1
	for _, sep := range titleSeps {
		if i := strings.LastIndex(t, sep); i > sepAt {
			sepAt = i
		}
	}
	if sepAt < 0 {
		// "Site: Title" – keep the part after the colon when it is long enough.
		if i := strings.LastIndex(t, ": "); i > 0 {
			for _, h := range h1s {
				if strings.EqualFold(h, strings.TrimSpace(t[i+2:])) {
					return strings.TrimSpace(t[i+2:])
				}
			}
		}
		return t
	}
	cur := strings.TrimSpace(t[:sepAt])
	if wordCount(cur) < 3 {
		// Try removing the first part instead ("Site | Title").
		firstAt, firstLen := len(t), 0
		for _, sep := range titleSeps {
			if i := strings.Index(t, sep); i >= 0 && i < firstAt {
				firstAt, firstLen = i, len(sep)
			}
		}
		cur = strings.TrimSpace(t[firstAt+firstLen:])
	}
	if wordCount(cur) <= 4 && wordCount(cur) != wordCount(t)-1 {
		// Not much left: probably the separator was part of the title.
		return t
	}
	return cur
}

func wordCount(s string) int { return len(strings.Fields(s)) }

// similarity is Readability's textSimilarity: the share of b's words (by
// length) also found in a.
func similarity(a, b string) float64 {
	ta, tb := strings.Fields(normKey(a)), strings.Fields(normKey(b))
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	in := map[string]bool{}
	for _, w := range ta {
		in[w] = true
	}
	var uniq []string
	for _, w := range tb {
		if !in[w] {
			uniq = append(uniq, w)
		}
	}
	return 1 - float64(len(strings.Join(uniq, " ")))/float64(len(strings.Join(tb, " ")))
}

// normKey folds a string for loose comparison (case, punctuation, spacing).
func normKey(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		// strings.ToLower one rune at a time (as it lowers non-ASCII text);
		// normKeyScan is the same loop.
		r := rune(s[i])
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			i++
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(s[i:])
			r = unicode.ToLower(r)
			i += size
		}
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && !isPunctRune(r):
			if space && sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			space = false
			sb.WriteRune(r)
		default:
			space = true
		}
	}
	return sb.String()
}

// normKeyEqual reports normKey(s) == key, stopping at the first rune that
// differs.
func normKeyEqual(s, key string) bool {
	k := 0
	ok := normKeyScan(s, func(r rune, sep bool) bool {
		if sep {
			if k >= len(key) || key[k] != ' ' {
				return false
			}
			k++
		}
		if r < utf8.RuneSelf {
			if k >= len(key) || key[k] != byte(r) {
				return false
			}
			k++
			return true
		}
		kr, size := utf8.DecodeRuneInString(key[k:])
		if kr != r || size == 0 {
			return false
		}
		k += size
		return true
	})
	return ok && k == len(key)
}

// normKeyScan calls emit with each rune of normKey(s) (sep: a space goes
// before it) until emit returns false, and reports whether none did.
func normKeyScan(s string, emit func(r rune, sep bool) bool) bool {
	space, any := false, false
	for i := 0; i < len(s); {
		// strings.ToLower one rune at a time (as it lowers non-ASCII text).
		r := rune(s[i])
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			i++
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(s[i:])
			r = unicode.ToLower(r)
			i += size
		}
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && !isPunctRune(r):
			if !emit(r, space && any) {
				return false
			}
			space, any = false, true
		default:
			space = true
		}
	}
	return true
}

func isPunctRune(r rune) bool {
	switch r {
	case '’', '‘', '“', '”', '–', '—', '…', '«', '»', '\u00a0', '·', '•':
		return true
	}
	return false
}
