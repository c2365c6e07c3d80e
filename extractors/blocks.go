package extractors

import (
	"github.com/healthcrawl/healthcrawl/internal/credits"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/article"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// emitter turns the content roots into sections and blocks in document order,
// dropping boilerplate inside them, and diverting "References" and "Related"
// sections to references[] and related[].
type emitter struct {
	x        *page
	rootText int // text of all roots: regions holding half of it are never dropped

	sections []article.Section
	inline   textBuilder
	inLen    int // visible chars in inline buffer
	inLink   int // link chars in inline buffer

	// mode diverts blocks after a "References" / "Related" heading until a heading
	// of the same or higher level, or the end of the heading's parent.
	inQuote    bool // inside a <blockquote> walked block by block
	inContents bool // inside a chapter's contents box (chapterContents)
	mode       int  // 0 body, modeRefs, modeRelated, modeDrop
	modeLevel  int
	modeParent *html.Node
	heads      []headRec // the page's headings emitted so far (for accordion titles' levels)
}

type headRec struct {
	n   *html.Node
	lvl int
}

const (
	modeBody = iota
	modeRefs
	modeRelated
	modeDrop
)

var (
	refsHeadingRE = regexp.MustCompile(`(?i)^\s*(references?|sources?|bibliography|citations?|works cited|literature cited|footnotes|notes|(selected |key )?references and (further|additional) reading|sources and references|quellen(angaben)?|literatur(verzeichnis|hinweise)?|einzelnachweise|références( bibliographiques)?|bibliographie|sources et références|referencias( bibliográficas)?|bibliografía|bibliografia|fuentes|riferimenti( bibliografici)?|fonti|referências( bibliográficas)?|bronnen|literatuur|bronvermelding|bibliografia|piśmiennictwo|źródła|przypisy)\s*:?\s*$`)
	// ambiguousRefsRE: headings that title references only when citations
	// follow (a recipe's "Notes", an API page's "Reference", a card box's
	// "Sources").
	ambiguousRefsRE  = regexp.MustCompile(`(?i)^\s*(notes?|reference|source|sources)\s*:?\s*$`)
	relatedHeadingRE = regexp.MustCompile(`(?i)^\s*(related( (articles?|posts?|stories|content|coverage|reading|links|topics|news|conditions|symptoms|tests|treatments|procedures|services|resources|information|health topics|videos|guides|questions|drugs|medications|pages|reads|patient education))?|you (may|might) also (like|enjoy|be interested in)|read (next|more)|more (from|on|about|stories|articles|news|in)\b.*|recommended( for you| reading| articles| stories)?|also read|similar (articles|posts|stories|content|reads)|more like this|people also read|what to read next|keep reading` +
		// the same in the other languages healthcrawl meets most (de, fr, es, it, pt, nl, pl)
		`|mehr zum thema|passend zum thema|(das|dies) könnte (sie|dich) auch interessieren|lesen sie auch|lies auch|auch interessant|(weitere|ähnliche|verwandte) (artikel|beiträge|nachrichten|meldungen)|empfehlungen( aus der redaktion)?|(mehr|weitere) themen` +
		`|(à|a) lire (aussi|également)|lire aussi|sur le même sujet|articles (similaires|liés|recommandés)|dans la même rubrique|vous aimerez (aussi|également)` +
		`|(también )?te puede interesar|(lee|lea) también|(noticias|artículos|entradas) relacionad[oa]s|artículos similares|te recomendamos` +
		`|leggi anche|articoli correlati|(ti )?potrebbe (anche )?interessarti|articoli simili` +
		`|leia também|veja também|(notícias|artigos|posts) relacionad[oa]s|artigos semelhantes` +
		`|lees ook|gerelateerde artikelen|meer over dit onderwerp|vergelijkbare artikelen` +
		`|(zobacz|czytaj|przeczytaj) (również|też|także)|polecane( artykuły)?|podobne artykuły)\s*:?\s*$`)
	// popularHeadingRE: site-wide boxes (most read, trending, latest) beside the
	// article: not its text, and not stubs related to it.
	popularHeadingRE = regexp.MustCompile(`(?i)^\s*(popular( (now|posts|articles|stories|today))?|most (read|popular|viewed|shared|commented)( (stories|articles|posts|today|this week))?|trending( now| stories| articles| today)?|latest (news|stories|articles|posts|headlines)|don'?t miss|top stories|editor'?s picks|meist ?gelesen|(neueste|aktuelle|beliebte) (artikel|beiträge|nachrichten|meldungen)|les plus lus|à la une|(lo )?más leíd[oa]s?|(lo )?más visto|últimas noticias|i più letti|ultime notizie|mais lidas|últimas notícias|meest gelezen|laatste nieuws|najczęściej czytane|najnowsze)\s*:?\s*$`)
	dropHeadingRE    = regexp.MustCompile(`(?i)^\s*(share( this( article| post| story| page)?)?( on)?|about the authors?|sign up.*|subscribe.*|newsletter|tags?|topics?|filed under|advertisement|follow us.*` +
		// share bars in de, fr, es, it, pt, nl, pl
		`|(diesen )?artikel teilen|newsletter abonnieren|partager( cet article)?|compartir( esta noticia)?|condividi( questo articolo)?|compartilh(e|ar)|deel dit artikel|udostępnij)\s*:?\s*$`)
	// commentHeadingRE: headings of a comment thread. The section is dropped
	// only when it is one (comment markup follows): a research paper's
	// "Discussion" or an article's own "Comments" section stays.
	commentHeadingRE = regexp.MustCompile(`(?i)^\s*(comments?|\d+ (comments?|responses?|replies)|(one|two|three) (comments?|responses?|thoughts?) on .*|\d+ thoughts? on .*|leave a (comment|reply)|post a comment|join the (conversation|discussion)|discussion|reader comments|what do you think\??` +
		`|\d* ?kommentare?|kommentar schreiben|schreib(e|en sie) einen kommentar|\d* ?commentaires?|laisser un commentaire|\d* ?comentarios?|deja (un comentario|una respuesta)` +
		`|\d* ?commenti|lascia un commento|\d* ?comentários?|deixe (um comentário|uma resposta)|\d* ?reacties?|\d* ?komentarz(e|y)?)\s*:?\s*$`)
)

// HeadingRole tells what the extractor does with a section under a heading of
// this text: "references" (to references[]), "related" (to related[]), "drop"
// (comments, share, newsletter… sections) or "" (body).
func HeadingRole(text string) string {
	t := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(text), "¶§#🔗"))
	switch {
	case refsHeadingG.MatchString(t):
		return "references"
	case relatedHeadingG.MatchString(t):
		return "related"
	case dropHeadingG.MatchString(t), commentHeadingG.MatchString(t), popularHeadingG.MatchString(t), boilerplateLines[strings.ToLower(t)]:
		return "drop"
	}
	return ""
}

func (em *emitter) isRoot(n *html.Node) bool { return em.x.isRoot(n) }

func (em *emitter) dominant(n *html.Node) bool {
	st := em.x.stats[n]
	return st != nil && em.rootText > 0 && int(st.text)*2 >= em.rootText
}

func (em *emitter) cur() *article.Section {
	if len(em.sections) == 0 {
		em.sections = append(em.sections, article.Section{})
	}
	return &em.sections[len(em.sections)-1]
}

func (em *emitter) add(b article.Block) {
	s := em.cur()
	s.Blocks = append(s.Blocks, b)
}

func (em *emitter) flush() {
	t := strings.TrimSpace(em.inline.String())
	inLen, inLink := em.inLen, em.inLink
	em.inline.reset()
	em.inLen, em.inLink = 0, 0
	if t == "" {
		return
	}
	if inLen > 0 && float64(inLink)/float64(inLen) > 0.5 {
		return
	}
	em.paragraph(t, nil)
}

func (em *emitter) paragraph(t string, n *html.Node) {
	switch em.mode {
	case modeDrop, modeRelated:
		return
	case modeRefs:
		if n != nil {
			em.x.addReference(n)
		} else {
			em.x.addReferenceText(t, "")
		}
		return
	}
	if isBoilerplateText(t) || em.isStandfirst(t, n) {
		return
	}
	if n != nil && len(t) <= 60 && !strings.Contains(t, ". ") && em.x.isTOCTitle(n) {
		return // a table of contents' title written as a paragraph ("Índice de contenidos")
	}
	if em.inQuote {
		em.add(article.Block{Type: article.BlockQuote, Text: t})
		return
	}
	em.add(article.Block{Type: article.BlockParagraph, Text: t})
}

// isStandfirst reports a lead paragraph that repeats the page's description
// word for word and stands apart from the article's text: the summary or dek
// shown above the body (a lone paragraph next to the container of the body's
// paragraphs), which is metadata (description). A first paragraph that sits
// among the body's paragraphs stays, even when the description copies it.
func (em *emitter) isStandfirst(t string, n *html.Node) bool {
	x := em.x
	if n == nil || n.Parent == nil || x.desc == "" || len(em.sections) > 1 || len(em.sections) == 1 && em.sections[0].Heading != "" {
		return false
	}
	if x.descKeyOf != x.desc {
		x.descKey, x.descKeyOf = normKey(x.desc), x.desc
	}
	if !normKeyEqual(t, x.descKey) {
		return false
	}
	// Walk n's siblings up to the first one holding paragraphs after n (the
	// body's container); a paragraph among them means n is body text.
	after := false
	for s := n.Parent.FirstChild; s != nil; s = s.NextSibling {
		if s == n {
			after = true
			continue
		}
		if s.Type != html.ElementNode {
			continue
		}
		st := x.stats[s]
		if st == nil || st.flags&flagSkip != 0 {
			continue
		}
		if s.DataAtom == atom.P && st.text > 0 {
			return false
		}
		if after && st.paras >= 2 {
			return true
		}
	}
	return false
}

func (em *emitter) walk(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			k, _ := countText(c.Data)
			em.inLen += k
			em.inline.writeText(c.Data)
		case html.ElementNode:
			if isToggle(c) {
				// An accordion's toggle (<button aria-expanded>) titles the
				// panel after it.
				if t := em.x.accordionTitle(c); t != "" {
					em.flush()
					lvl := innerHeadingLevel(c)
					if lvl == 0 {
						lvl = em.accordionLevel(c)
					}
					em.headingText(c, t, lvl)
					continue
				}
			}
			st := em.x.stats[c]
			if st == nil || st.flags&flagSkip != 0 {
				continue
			}
			if !isBlock(c) && st.flags&flagHasBlock == 0 {
				em.inlineElem(c, st)
				continue
			}
			em.flush()
			if c.DataAtom == atom.P && em.mode == modeBody && !em.inQuote {
				if items, last := em.x.labelRun(c); len(items) >= 2 {
					// Paragraphs that each start with a bold label
					// ("<p><b>Rest.</b> Stay in bed…</p><p><b>Fluids.</b> …"):
					// a labelled list, as split_label_items makes of a run of
					// "Label: text" items.
					em.add(article.Block{Type: article.BlockList, Items: items})
					c = last
					continue
				}
			}
			em.block(c, st)
		}
	}
	em.flush()
	if em.mode != modeBody && em.modeParent == n {
		em.mode = modeBody
	}
}

// inlineElem appends an inline element's text to the pending paragraph.
func (em *emitter) inlineElem(c *html.Node, st *nstat) {
	if c.DataAtom == atom.Br {
		// <br><br> separates paragraphs; one <br> is a line break.
		if nextIsBr(c) {
			em.flush()
		} else {
			em.inline.newline()
		}
		return
	}
	if c.DataAtom == atom.Img {
		return
	}
	if st.weight <= -3 && st.text < 200 {
		return
	}
	em.inLen += int(st.text)
	em.inLink += int(st.link)
	em.x.appendText(&em.inline, c)
}

func nextIsBr(n *html.Node) bool {
	for s := n.NextSibling; s != nil; s = s.NextSibling {
		if s.Type == html.TextNode && strings.TrimSpace(s.Data) == "" {
			continue
		}
		return s.Type == html.ElementNode && s.DataAtom == atom.Br
	}
	return false
}

// embeddedPostClasses mark the blockquotes social networks' embed codes write
// (the script that renders them is skipped; the quoted text is in the page).
var embeddedPostClasses = []string{"twitter-tweet", "instagram-media", "tiktok-embed", "bluesky-embed", "mastodon-embed", "threads-embed"}

// embeddedPost returns the embed blockquote when n is one, or a wrapper holding
// nothing else (scripts aside), else nil.
func embeddedPost(n *html.Node) *html.Node {
	for depth := 0; depth < 5 && n != nil; depth++ {
		if n.DataAtom == atom.Blockquote {
			cls := attr(n, "class")
			for _, c := range embeddedPostClasses {
				if hasWord(cls, c) {
					return n
				}
			}
			return nil
		}
		var only *html.Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode && strings.TrimSpace(c.Data) != "":
				return nil
			case c.Type != html.ElementNode || alwaysSkipTag(c.DataAtom):
			case only != nil:
				return nil
			default:
				only = c
			}
		}
		n = only
	}
	return nil
}

func (em *emitter) setMode(mode, level int, parent *html.Node) {
	em.mode, em.modeLevel, em.modeParent = mode, level, parent
}

func (em *emitter) block(c *html.Node, st *nstat) {
	x := em.x
	if x.diverted[c] {
		return
	}
	if q := embeddedPost(c); q != nil {
		// A post the article quotes (a tweet, an Instagram or Bluesky post):
		// content, though its wrapper's class says "social".
		if em.mode == modeBody {
			if t := x.textOf(q); t != "" {
				em.add(article.Block{Type: article.BlockQuote, Text: t})
			}
		}
		return
	}
	// A content root is content by definition; so is an element holding most
	// of the root's text, whatever its class says — but never a <nav> or
	// <footer>, even on a page that has nothing else.
	dom := em.isRoot(c) || em.dominant(c) && c.DataAtom != atom.Nav && c.DataAtom != atom.Footer
	// A heading classed "section-header" or "code-header" is a heading all
	// the same.
	weakHeading := st.neg == -1 && headingLevel(c) > 0 && headerClassed(c)
	if !dom && !weakHeading && !(em.mode == modeBody && x.isCard(c, st)) {
		if isBoilerplateRegion(c) || st.boilerplate() && st.flags&flagRefs == 0 {
			return
		}
		if st.flags&flagRelated != 0 {
			return // collected by collectRelated
		}
		if st.flags&flagRefs != 0 && em.mode == modeBody && headingLevel(c) == 0 {
			x.collectReferences(c)
			return
		}
	}
	if lvl := headingLevel(c); lvl > 0 {
		em.heading(c, lvl)
		return
	}
	switch c.DataAtom {
	case atom.P:
		if st.text == 0 {
			return
		}
		if st.flags&flagHasBlock != 0 {
			em.walk(c)
			return
		}
		if st.linkDensity() > 0.5 && em.mode != modeRefs {
			if em.mode == modeRelated {
				x.collectRelatedIn(c)
			}
			return
		}
		em.paragraph(x.textOf(c), c)
	case atom.Ul, atom.Ol:
		em.list(c, st)
	case atom.Dl:
		em.defList(c)
	case atom.Blockquote:
		if em.mode != modeBody || em.inQuote {
			em.walk(c)
			return
		}
		if x.hasStructure(c) {
			// Lists or tables inside a quote keep their structure; its
			// paragraphs become quote blocks.
			em.inQuote = true
			em.walk(c)
			em.inQuote = false
			return
		}
		if t := x.textOf(c); t != "" && !isBoilerplateText(t) {
			em.add(article.Block{Type: article.BlockQuote, Text: t})
		}
	case atom.Pre:
		if em.mode != modeBody {
			return
		}
		if t := strings.Trim(x.rawText(c), "\n"); strings.TrimSpace(t) != "" {
			em.add(article.Block{Type: article.BlockCode, Text: t})
		}
	case atom.Table:
		em.table(c, st)
	case atom.Figcaption, atom.Hr, atom.Caption:
		return
	case atom.Header:
		if !dom && st.paras == 0 && !x.headingOnly(c, st) {
			return
		}
		em.walk(c)
	case atom.Details:
		em.walk(c)
	case atom.Summary:
		// A <details> accordion: its summary titles the section it opens,
		// unless a heading inside does.
		if x.hasStructure(c) {
			em.walk(c)
			return
		}
		if t := strings.ReplaceAll(x.textOf(c), "\n", " "); t != "" && !isBoilerplateText(t) {
			em.headingText(c, t, em.accordionLevel(c))
		}
	default:
		if em.mode == modeBody && !em.inContents && x.chapterContents(c) {
			// A chapter's list of its pages: the page's content.
			em.inContents = true
			em.walk(c)
			em.inContents = false
			return
		}
		if !dom && st.text > 0 && st.linkDensity() > 0.5 && st.text-st.link < 200 && em.mode != modeRefs && !(em.mode == modeBody && (x.anchoredSection(c) || em.introducedByText(c))) {
			if em.mode == modeRelated {
				x.collectRelatedIn(c)
			}
			return
		}
		em.walk(c)
	}
}

func (em *emitter) heading(c *html.Node, lvl int) {
	x := em.x
	t := x.textOf(c)
	if t == "" {
		// An accordion's heading is often only its toggle button
		// (<h3><button aria-expanded="false">Symptoms</button></h3>).
		t = toggleText(c)
	}
	t = strings.TrimSpace(strings.ReplaceAll(t, "\n", " "))
	t = strings.TrimSpace(strings.TrimRight(t, "¶§#🔗"))
	if t == "" {
		return
	}
	em.heads = append(em.heads, headRec{c, lvl})
	em.headingText(c, t, lvl)
}

// accordionLevel is the level of an accordion title n that is not a heading
// element (<summary>, a toggle button): one below the last heading whose
// section holds n (not a heading inside an earlier accordion's panel).
func (em *emitter) accordionLevel(n *html.Node) int {
	for i := len(em.heads) - 1; i >= 0 && i >= len(em.heads)-50; i-- {
		h := em.heads[i]
		if p := em.x.sectionParent(h.n); p != nil && contains(p, n) {
			return min(max(h.lvl+1, 2), 6)
		}
	}
	return 2
}

// headingText starts a section (or a references, related or dropped part)
// under heading text t of level lvl; c is the heading's element.
func (em *emitter) headingText(c *html.Node, t string, lvl int) {
	x := em.x
	if em.mode != modeBody && lvl <= em.modeLevel {
		em.mode = modeBody
	}
	switch {
	case lvl == 1:
		// The page's headline or a section label above it ("Literatur" on a
		// book review): never a references, related or comments section,
		// which would swallow the whole article.
	case refsHeadingG.MatchString(t) && (!ambiguousRefsRE.MatchString(t) || x.citationsAfter(c, lvl)):
		em.setMode(modeRefs, lvl, x.sectionParent(c))
		return
	case strings.EqualFold(strings.TrimSpace(strings.TrimSuffix(t, ":")), "further reading") && x.stubsAfter(c, lvl):
		// "Further reading" over article cards: a related box.
		em.setMode(modeRelated, lvl, x.sectionParent(c))
		return
	case relatedHeadingG.MatchString(t) && !(moreHeading(t) && !x.stubsAfter(c, lvl)):
		// ("More about Django forms", "More on dosing" over paragraphs are
		// sections of the text; over links they are a related box.)
		if p := c.Parent; p != nil && !em.isRoot(p) {
			if ps := x.stats[p]; ps != nil && ps.text < 3000 {
				// A widget: collect the heading's whole container at once so
				// every stub keeps its teaser.
				x.collectRelatedIn(p)
				em.setMode(modeDrop, lvl, p)
				return
			}
		}
		em.setMode(modeRelated, lvl, c.Parent)
		return
	case dropHeadingG.MatchString(t):
		em.setMode(modeDrop, lvl, x.sectionParent(c))
		return
	case commentHeadingG.MatchString(t) && x.commentThread(c):
		em.setMode(modeDrop, lvl, x.sectionParent(c))
		return
	}
	if em.mode == modeRelated {
		x.collectRelatedIn(c)
		return
	}
	if em.mode != modeBody {
		return
	}
	if x.isTitle(t) || x.isTOCTitle(c) {
		return
	}
	em.sections = append(em.sections, article.Section{Heading: t, Level: lvl})
}

// headerClassed reports an element whose only boilerplate class word is
// "header".
func headerClassed(n *html.Node) bool {
	var buf [12]string
	found := false
	for _, w := range classTokens(n, buf[:0]) {
		if w == "header" {
			found = true
		} else if wordWeight[w] < 0 || rootWeight(w) < 0 {
			return false
		}
	}
	return found
}

// moreHeading reports a heading that starts "More about", "More on", "More
// from" or "More in": a related box's title, or a section's ("More about
// form classes").
func moreHeading(t string) bool {
	t = strings.ToLower(strings.TrimSpace(t))
	for _, p := range []string{"more about ", "more on ", "more from ", "more in "} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// isTOCTitle reports the heading of a table-of-contents box ("Contents" inside
// <div class="toc">…<ol> of #anchors</ol></div>): the box's label, not a section
// of the article. Its list is kept as a role "toc" block in the current section;
// starting a section here would put the prose after the box under "Contents".
func (x *page) isTOCTitle(h *html.Node) bool {
	if st := x.stats[h]; st == nil || st.text > 60 {
		return false
	}
	p := h.Parent
	for depth := 0; depth < 2 && p != nil && p.Type == html.ElementNode; depth++ {
		// Memoised: many headings share a parent (the article body), and
		// isTOC walks the whole subtree.
		toc, seen := x.tocBox[p]
		if !seen {
			if st := x.stats[p]; st != nil {
				toc = x.isTOC(p, st)
			}
			if x.tocBox == nil {
				x.tocBox = map[*html.Node]bool{}
			}
			x.tocBox[p] = toc
		}
		if toc {
			return true
		}
		p = p.Parent
	}
	return false
}

func (em *emitter) list(c *html.Node, st *nstat) {
	x := em.x
	switch em.mode {
	case modeRefs:
		x.collectReferences(c)
		return
	case modeRelated:
		x.collectRelatedIn(c)
		return
	case modeDrop:
		return
	}
	role := ""
	if x.isTOC(c, st) {
		// An in-article table of contents is part of the page's structure
		// (readers and Readability keep it) but not of its prose: kept as a
		// block with role "toc", left out of text.
		role = article.RoleTOC
	} else if x.isLinkList(c, st) && !em.inContents && !em.dominant(c) && !em.headedLinkList(c) && !em.introducedList(c) {
		return
	}
	if x.itemsHaveHeadings(c) {
		// A list of sections (each item a heading and its text): keep the
		// headings as headings.
		em.walk(c)
		return
	}
	var items []article.ListItem
	x.listItems(c, 0, &items)
	if len(items) == 0 || role == article.RoleTOC && len(items) < 3 {
		return // nothing, or anchor links too few to be a table of contents (a gallery's "+6")
	}
	em.add(article.Block{Type: article.BlockList, Ordered: c.DataAtom == atom.Ol, Items: items, Role: role})
}

// headedLinkList reports a list of links that is the content of a body
// section: it comes right after a heading kept in the body ("See also",
// "External links", "Further information" inside the article), or after other
// lists of that section (link groups under dl/dt labels), so it is part of the
// article, not navigation. Related-article widgets are diverted before this
// (by their heading or class words) and never get here.
func (em *emitter) headedLinkList(l *html.Node) bool {
	if em.mode != modeBody || len(em.sections) == 0 {
		return false
	}
	last := &em.sections[len(em.sections)-1]
	if last.Heading == "" {
		return false
	}
	for _, b := range last.Blocks {
		if b.Type != article.BlockList {
			return false // a section with prose: its link lists are not its content
		}
	}
	x := em.x
	skippable := func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		st := x.stats[n]
		return st == nil || st.flags&flagSkip != 0 || st.text == 0 && headingLevel(n) == 0 ||
			isBoilerplateRegion(n) || st.boilerplate() // a portal box or image float between
	}
	// The nearest element before the list (climbing out of wrappers that hold
	// nothing else) must be that heading, or a list or label of the section.
	n := l
	for depth := 0; depth < 3 && n != nil; depth++ {
		prev := n.PrevSibling
		for prev != nil && skippable(prev) {
			prev = prev.PrevSibling
		}
		if prev != nil {
			switch {
			case headingLevel(prev) > 0:
				return true
			case prev.DataAtom == atom.Ul || prev.DataAtom == atom.Ol || prev.DataAtom == atom.Dl:
				return len(last.Blocks) > 0
			}
			// A heading wrapped in a div (<div class="heading"><h2>…</h2></div>).
			return lastHeadingChild(prev)
		}
		n = n.Parent
		if n == nil || em.isRoot(n) {
			return false
		}
	}
	return false
}

// resourcesHeadingRE matches the headings of a body section of links ("Resources",
// "Learn more", "More information", "Helpful links").
var resourcesHeadingRE = regexp.MustCompile(`(?i)^\s*((additional|helpful|useful|other|more|external|online|related) )?(resources|links|websites|information|reading)|learn more|find out more|more information|for more information|further information|get (help|support)|see also|where to (get|find) (help|support|more information)|(weiterführende )?links|weitere informationen|pour en savoir plus|más información|ulteriori informazioni\s*:?\s*$`)

// introducedList reports a list of links that is part of the article's text:
// the paragraph before it introduces it ("Here are some of the courses you can
// take:", "For more information, see:"), or it sits in a section whose
// heading says it holds links ("Resources", "Learn more").
func (em *emitter) introducedList(l *html.Node) bool {
	if em.mode != modeBody {
		return false
	}
	if len(em.sections) > 0 {
		if h := em.sections[len(em.sections)-1].Heading; h != "" && resourcesHeadingRE.MatchString(h) {
			return true
		}
	}
	return em.introducedByText(l)
}

// introducedByText reports an element right after a sentence ending with ":"
// that introduces it ("This covers the basics, but forms can do a whole lot
// more:").
func (em *emitter) introducedByText(l *html.Node) bool {
	x := em.x
	n := l
	for depth := 0; depth < 3 && n != nil; depth++ {
		prev := n.PrevSibling
		for prev != nil {
			if prev.Type == html.TextNode && strings.TrimSpace(prev.Data) != "" {
				t := strings.TrimSpace(prev.Data)
				return strings.HasSuffix(t, ":") && HeadingRole(t) == ""
			}
			if prev.Type == html.ElementNode {
				if st := x.stats[prev]; st != nil && st.flags&flagSkip == 0 && st.text > 0 {
					break
				}
			}
			prev = prev.PrevSibling
		}
		if prev != nil {
			if headingLevel(prev) > 0 || prev.DataAtom == atom.Ul || prev.DataAtom == atom.Ol {
				return false
			}
			st := x.stats[prev]
			if st.text > 2000 {
				return false
			}
			t := strings.TrimSpace(x.textOf(prev))
			// A sentence ending with ":" ("Here are some of the courses you
			// can take:"); a label ("MORE INFORMATION:", "You might also
			// like:") introduces related stubs as often as text.
			return strings.HasSuffix(t, ":") && len(strings.Fields(t)) >= 4 && HeadingRole(t) == ""
		}
		n = n.Parent
		if n == nil || em.isRoot(n) {
			return false
		}
	}
	return false
}

// lastHeadingChild reports an element whose last element child (or itself,
// through single-child wrappers) is a heading.
func lastHeadingChild(n *html.Node) bool {
	for depth := 0; depth < 3 && n != nil; depth++ {
		if headingLevel(n) > 0 {
			return true
		}
		c := n.LastChild
		for c != nil && c.Type != html.ElementNode {
			c = c.PrevSibling
		}
		n = c
	}
	return false
}

// hasStructure reports lists, tables or headings inside n.
func (x *page) hasStructure(n *html.Node) bool {
	found := false
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && !found; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Ul, atom.Ol, atom.Table, atom.Pre, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				found = true
				return
			}
			walk(c)
		}
	}
	walk(n)
	return found
}

// isLinkList reports navigation-like lists: mostly link text, or more than half
// link text in short items (menus, tag lists, "more stories").
func (x *page) isLinkList(l *html.Node, st *nstat) bool {
	ld := st.linkDensity()
	if ld <= 0.5 {
		return false
	}
	if ld > 0.8 {
		return true
	}
	items := 0
	for li := l.FirstChild; li != nil; li = li.NextSibling {
		if li.Type == html.ElementNode && li.DataAtom == atom.Li {
			items++
		}
	}
	return items == 0 || int(st.text)/items < 50
}

// itemsHaveHeadings reports a list whose items hold headings: a heading among
// an item's children, or an item that starts with a heading or an accordion
// toggle (a drawer: <li><div><h3><button>Title</button></h3></div><div>panel</div></li>).
func (x *page) itemsHaveHeadings(l *html.Node) bool {
	for li := l.FirstChild; li != nil; li = li.NextSibling {
		if li.Type != html.ElementNode || li.DataAtom != atom.Li {
			continue
		}
		for c := li.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && headingLevel(c) > 0 {
				return true
			}
		}
		if x.startsWithTitle(li) {
			return true
		}
	}
	return false
}

// startsWithTitle reports an element whose first visible element (through
// wrappers) is a heading, or an accordion toggle followed by its panel.
func (x *page) startsWithTitle(n *html.Node) bool {
	for depth := 0; depth < 4; depth++ {
		var first *html.Node
		for c := n.FirstChild; c != nil && first == nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode && strings.TrimSpace(c.Data) != "":
				return false
			case c.Type != html.ElementNode || isHidden(c) || alwaysSkipTag(c.DataAtom) && c.DataAtom != atom.Button:
			default:
				first = c
			}
		}
		if first == nil {
			return false
		}
		if headingLevel(first) > 0 {
			return true
		}
		if isToggle(first) {
			return x.accordionTitle(first) != ""
		}
		n = first
	}
	return false
}

// isTOC reports a table of contents: a list whose text is links to anchors on
// the same page.
func (x *page) isTOC(l *html.Node, st *nstat) bool {
	links, frag, fragText := 0, 0, 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom == atom.A {
				links++
				if strings.HasPrefix(attr(c, "href"), "#") {
					frag++
					if cs := x.stats[c]; cs != nil {
						fragText += int(cs.text)
					}
				}
				continue
			}
			walk(c)
		}
	}
	walk(l)
	return frag >= 3 && frag*10 >= links*8 && fragText*10 >= int(st.text)*7
}

// listItems appends the items of list l (nested lists with depth+1).
func (x *page) listItems(l *html.Node, depth int, items *[]article.ListItem) {
	for li := l.FirstChild; li != nil; li = li.NextSibling {
		if li.Type != html.ElementNode {
			continue
		}
		st := x.stats[li]
		if st == nil || st.flags&flagSkip != 0 {
			continue
		}
		if li.DataAtom == atom.Ul || li.DataAtom == atom.Ol {
			x.listItems(li, depth+1, items)
			continue
		}
		if li.DataAtom != atom.Li {
			continue
		}
		if st.weight <= -3 {
			continue
		}
		label, text := x.itemText(li)
		if label != "" || text != "" {
			*items = append(*items, article.ListItem{Label: label, Text: text, Depth: depth})
		}
		for c := li.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (c.DataAtom == atom.Ul || c.DataAtom == atom.Ol) {
				if cs := x.stats[c]; cs != nil && cs.flags&flagSkip == 0 {
					x.listItems(c, depth+1, items)
				}
			}
		}
	}
}

// itemText is a list item's text without nested lists. A leading <strong>/<b>
// label ending with ":" (or followed by ":") becomes the label.
func (x *page) itemText(li *html.Node) (label, text string) {
	var t textBuilder
	var first *html.Node
	for c := li.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Ul || c.DataAtom == atom.Ol) {
			continue
		}
		if first == nil && (c.Type == html.ElementNode || strings.TrimSpace(c.Data) != "") {
			first = c
		}
		if c.Type == html.TextNode {
			t.writeText(c.Data)
		} else if c.Type == html.ElementNode {
			if st := x.stats[c]; st != nil && st.flags&flagSkip != 0 {
				continue
			}
			if isBlock(c) {
				t.space()
			}
			x.appendText(&t, c)
			if isBlock(c) {
				t.space()
			}
		}
	}
	text = strings.ReplaceAll(t.String(), "\n", " ")
	if l, rest, ok := leadLabel(first, text); ok {
		return l, rest
	}
	return "", text
}

// labelRun returns the items of the run of sibling paragraphs starting at p
// that each start with a bold question, phrase or dash label (not a colon
// label), and the run's last paragraph.
func (x *page) labelRun(p *html.Node) (items []article.ListItem, last *html.Node) {
	for n := p; n != nil; n = n.NextSibling {
		if n.Type == html.TextNode {
			if strings.TrimSpace(n.Data) != "" {
				break
			}
			continue
		}
		if n.Type != html.ElementNode {
			continue
		}
		st := x.stats[n]
		if n.DataAtom != atom.P || st == nil || st.flags&(flagSkip|flagHasBlock) != 0 || st.linkDensity() > 0.5 {
			break
		}
		var first *html.Node
		for c := n.FirstChild; c != nil && first == nil; c = c.NextSibling {
			if c.Type == html.ElementNode || c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
				first = c
			}
		}
		if first == nil || first.Type != html.ElementNode || first.DataAtom != atom.Strong && first.DataAtom != atom.B {
			break
		}
		text := strings.ReplaceAll(x.textOf(n), "\n", " ")
		l, t, ok := leadLabel(first, text)
		if !ok || strings.HasPrefix(text[len(l):], ":") {
			// "<b>Label:</b> text" paragraphs stay paragraphs, as
			// split_label_items leaves a lone "Label: text" paragraph.
			break
		}
		items = append(items, article.ListItem{Label: l, Text: t})
		last = n
	}
	return items, last
}

// leadLabel splits text, whose first element is first, at a bold lead-in
// that is a label: "<strong>Dosage:</strong> text" (or the colon after the
// bold), "<b>Fever</b> – text" (an en or em dash), "<strong>What is
// it?</strong> text" (a question of at most 15 words) and "<b>Rest.</b> text"
// (a lead-in of at most five words, shorter than the text after it). A whole
// sentence that happens to be bold is no label.
func leadLabel(first *html.Node, text string) (label, rest string, ok bool) {
	if first == nil || first.Type != html.ElementNode || first.DataAtom != atom.Strong && first.DataAtom != atom.B {
		return "", "", false
	}
	l := normSpace(plainText(first))
	if l == "" || len(l) >= 100 || !strings.HasPrefix(text, l) {
		return "", "", false
	}
	rest = strings.TrimSpace(text[len(l):])
	for _, d := range []string{"–", "—"} {
		if strings.HasSuffix(l, " "+d) {
			l, rest = strings.TrimSpace(strings.TrimSuffix(l, d)), d+" "+rest
		}
	}
	switch {
	case strings.HasSuffix(l, ":") && rest != "":
		return strings.TrimSpace(strings.TrimSuffix(l, ":")), rest, true
	case strings.HasPrefix(rest, ":") && strings.TrimSpace(rest[1:]) != "":
		return l, strings.TrimSpace(rest[1:]), true
	case strings.HasPrefix(rest, "– ") || strings.HasPrefix(rest, "— "):
		if r := strings.TrimSpace(rest[len("–"):]); r != "" && isLeadPhrase(l, 6) {
			return l, r, true
		}
	case strings.HasSuffix(l, "?") && rest != "" && len(strings.Fields(l)) <= 15:
		return l, rest, true
	case strings.HasSuffix(l, ".") && len(rest) > len(l):
		// "<b>Rest.</b>", "<b>Drink plenty of fluids.</b>": a short
		// lead-in of at most five words; a longer bold sentence is text.
		if p := strings.TrimSuffix(l, "."); !strings.Contains(p, ".") && !strings.ContainsAny(p, ",;:!?") && len(strings.Fields(p)) <= 5 {
			return p, rest, true
		}
	}
	return "", "", false
}

// isLeadPhrase reports a label-like phrase: one or two words, or up to max
// words all capitalised (short words aside).
func isLeadPhrase(p string, max int) bool {
	ws := strings.Fields(p)
	if len(ws) == 0 || len(ws) > max || strings.ContainsAny(p, ",;!?") {
		return false
	}
	if len(ws) <= 2 {
		return true
	}
	for _, w := range ws {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLower(r) && len(w) > 3 {
			return false
		}
	}
	return true
}

func (em *emitter) defList(c *html.Node) {
	if em.mode == modeRefs {
		em.x.collectReferences(c)
		return
	}
	if em.mode != modeBody {
		return
	}
	var items []article.ListItem
	label := ""
	for d := c.FirstChild; d != nil; d = d.NextSibling {
		if d.Type != html.ElementNode {
			continue
		}
		if st := em.x.stats[d]; st == nil || st.flags&flagSkip != 0 {
			continue
		}
		switch d.DataAtom {
		case atom.Dt:
			if label != "" {
				items = append(items, article.ListItem{Text: label})
			}
			label = strings.ReplaceAll(em.x.textOf(d), "\n", " ")
		case atom.Dd:
			_, t := em.x.itemText(d) // without nested lists
			if t != "" {
				items = append(items, article.ListItem{Label: label, Text: t})
				label = ""
			}
			for c := d.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && (c.DataAtom == atom.Ul || c.DataAtom == atom.Ol) {
					em.x.listItems(c, 1, &items)
				}
			}
		}
	}
	if label != "" {
		items = append(items, article.ListItem{Text: label})
	}
	if len(items) > 0 {
		em.add(article.Block{Type: article.BlockList, Items: items})
	}
}

func (em *emitter) table(c *html.Node, st *nstat) {
	x := em.x
	if em.mode == modeRefs {
		x.collectReferences(c)
		return
	}
	if em.mode != modeBody {
		return
	}
	if x.isLayoutTable(c) {
		em.walk(c)
		return
	}
	if st.linkDensity() > 0.6 && !em.dominant(c) {
		return
	}
	var rows [][]string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for r := n.FirstChild; r != nil; r = r.NextSibling {
			if r.Type != html.ElementNode {
				continue
			}
			switch r.DataAtom {
			case atom.Thead, atom.Tbody, atom.Tfoot:
				walk(r)
			case atom.Tr:
				var row []string
				nonEmpty := false
				for cell := r.FirstChild; cell != nil; cell = cell.NextSibling {
					if cell.Type == html.ElementNode && (cell.DataAtom == atom.Td || cell.DataAtom == atom.Th) {
						t := strings.ReplaceAll(x.textOf(cell), "\n", " ")
						if t != "" {
							nonEmpty = true
						}
						row = append(row, t)
					}
				}
				if nonEmpty {
					rows = append(rows, row)
				}
			}
		}
	}
	walk(c)
	if len(rows) > 0 && !pagerTable(rows) {
		em.add(article.Block{Type: article.BlockTable, Rows: rows})
	}
}

// pagerWords are the cells of a page's navigation bar.
var pagerWords = map[string]bool{
	"prev": true, "previous": true, "next": true, "up": true, "home": true, "top": true,
	"« prev": true, "next »": true, "‹ previous": true, "next ›": true,
}

// pagerTable reports a small table laid out as a navigation bar between
// pages (a manual's "Prev | Up | Home | Next" header and footer): two or more
// of its cells are such words alone.
func pagerTable(rows [][]string) bool {
	if len(rows) > 3 {
		return false
	}
	k := 0
	for _, r := range rows {
		for _, c := range r {
			if len(c) <= 12 && pagerWords[strings.ToLower(strings.TrimSpace(c))] {
				k++
			}
		}
	}
	return k >= 2
}

// isLayoutTable reports tables used for page layout: nested tables, or cells
// holding paragraphs or long blocks of text.
func (x *page) isLayoutTable(t *html.Node) bool {
	if r := strings.ToLower(attr(t, "role")); r == "presentation" || r == "none" {
		return true
	}
	layout := false
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && !layout; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Table:
				layout = true
				return
			case atom.Td, atom.Th:
				st := x.stats[c]
				if st != nil && (st.paras > 1 || st.text > 400 && st.flags&flagHasBlock != 0) {
					layout = true
					return
				}
				continue
			}
			walk(c)
		}
	}
	walk(t)
	return layout
}

// textOf is the visible text of n: whitespace collapsed, <br> and nested blocks
// as line breaks, hidden and non-text elements skipped.
func (x *page) textOf(n *html.Node) string {
	var t textBuilder
	if st := x.stats[n]; st != nil && st.text > 32 {
		t.sb.Grow(int(st.text) + int(st.text)/4) // the characters, and room for spaces
	}
	x.appendText(&t, n)
	return strings.TrimSpace(t.String())
}

func (x *page) appendText(t *textBuilder, n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			t.writeText(c.Data)
		case html.ElementNode:
			if c.DataAtom == atom.Br {
				t.newline()
				continue
			}
			st := x.stats[c]
			if st == nil || st.flags&flagSkip != 0 {
				continue
			}
			blk := isBlock(c)
			if blk {
				if c.DataAtom == atom.Td || c.DataAtom == atom.Th {
					t.space()
				} else {
					t.newline()
				}
			}
			x.appendText(t, c)
			if blk {
				if c.DataAtom == atom.Td || c.DataAtom == atom.Th {
					t.space()
				} else {
					t.newline()
				}
			}
		}
	}
}

// rawText is the text of a <pre> with white space kept.
func (x *page) rawText(n *html.Node) string {
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				sb.WriteString(c.Data)
			case html.ElementNode:
				if c.DataAtom == atom.Br {
					sb.WriteByte('\n')
					continue
				}
				if st := x.stats[c]; st != nil && st.flags&flagSkip != 0 {
					continue
				}
				walk(c)
			}
		}
	}
	walk(n)
	return sb.String()
}

var boilerplateLines = map[string]bool{
	"advertisement": true, "advertisements": true, "advertising": true, "ad": true, "ads": true,
	"sponsored": true, "sponsored content": true, "skip advertisement": true,
	"continue reading below": true, "advertisement - continue reading below": true,
	"story continues below advertisement": true, "article continues below advertisement": true,
	"continue reading the main story": true, "share": true, "share this": true,
	"share this article": true, "share this story": true, "print": true, "email": true,
	"read more": true, "click here": true, "loading...": true, "loading": true, "anzeige": true,
	"caption": true, "don't miss": true, "dont miss": true, "top stories": true, "partner news": true,
	"most popular": true, "most read": true, "recommended": true, "related": true, "read next": true,
	"contents": true, "table of contents": true, "in this article": true, "on this page": true,
	"jump to": true, "jump to section": true, "publicité": true, "publicidad": true, "pubblicità": true, "werbung": true, "reklama": true,
}

var (
	creditRE = regexp.MustCompile(`(?i)^(\(?(photo|image|picture|foto|bild|video|graphic|illustration)s?( credit)?\s*[:/]|credit\s*:|source\s*:\s*(getty|ap|reuters|afp)\b)|\((photo|image|picture|credit|foto|bild|pic)s?\s*:[^)]{1,60}\)\s*$`)
	// promoRE matches newsletter pitches and author-contact lines.
	promoRE    = regexp.MustCompile(`(?i)\b(subscribe|sign up|signup)\b.{0,80}\bnewsletters?\b|\bnewsletters?\b.{0,80}\b(subscribe|sign up)\b|^(have a (news )?tip\?|follow (him|her|them|us) on\b|contact (him|her|the (writer|author|reporter))\b|(click|tap) here to\b)`)
	timeLineRE = regexp.MustCompile(`(?i)^[^\pL\pN]*(updated|published|posted)( at| on)?\s*:?\s*\d{1,2}[:.]\d{2}\s*([ap]\.?m\.?)?`)
)

// metaLineRE matches byline and review lines ("Medically reviewed by …",
// "By Jane Doe", "Updated on …") that belong to metadata, not to the text.
var metaLineRE = regexp.MustCompile(`(?i)^[^\pL\pN]*((published|updated|posted|last updated|last reviewed)\b.{0,80}\d{4}\s*$|((medically|clinically|expert|fact)[ -]?)?(reviewed|checked) by\b|(written|posted|reported) by\b|by\s+\p{Lu}\p{L}+\s+\p{Lu}\p{L}+\s*$|(last )?(updated|published|modified)( on)?\s*:?\s*\S+ \d{1,2},? \d{4}\s*$)`)

// isBoilerplateText reports short texts that are labels rather than article text.
func isBoilerplateText(t string) bool {
	if len(t) > 200 {
		return false
	}
	// Each expression runs only when its cheap precondition holds: the
	// rune an anchored one can start with (gatedRE), a byte it needs.
	if len(t) < 150 && (mayMatchMetaLine(t) && metaLineG.MatchString(t) || credits.IsCreditLine(t)) {
		return true
	}
	// (strings.ToLower shrinks a text at most 3 times: "\u212a" → "k".)
	if l := strings.TrimSpace(strings.Trim(t, " .:|-–—•·…")); len(l) <= 3*boilerplateLineMax && boilerplateLines[strings.ToLower(l)] {
		return true
	}
	if len(t) < 160 && (mayMatchCredit(t) && creditRE.MatchString(t) || mayMatchPromo(t) && promoRE.MatchString(t)) {
		return true
	}
	if len(t) < 60 && timeLineG.MatchString(t) {
		return true
	}
	return false
}

// boilerplateLineMax is the length of the longest key of boilerplateLines.
var boilerplateLineMax = func() int {
	n := 0
	for k := range boilerplateLines {
		n = max(n, len(k))
	}
	return n
}()

// mayMatchMetaLine is metaLineRE's precondition: each of its alternatives
// holds "by" (any case) or an ASCII digit (\d).
func mayMatchMetaLine(t string) bool {
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case '0' <= c && c <= '9':
			return true
		case c|0x20 == 'b' && i+1 < len(t) && t[i+1]|0x20 == 'y':
			return true
		}
	}
	return false
}

// mayMatchCredit is creditRE's precondition: a first letter (after an
// optional "(") that starts one of its anchored words, or a ")" for its
// trailing "(Photo: …)".
func mayMatchCredit(t string) bool {
	if t == "" {
		return false
	}
	c := t[0]
	if c == '(' && len(t) > 1 {
		c = t[1]
	}
	if strings.IndexByte(t, ')') >= 0 {
		return true
	}
	return (c >= utf8.RuneSelf || strings.IndexByte("pifbvgcs", c|0x20) >= 0) && creditStart.may(t)
}

// creditStart and promoStart are the pair gates of creditRE's and promoRE's
// alternatives anchored at the text's start.
var creditStart, promoStart = anchoredPairs(creditRE), anchoredPairs(promoRE)

// mayMatchPromo is promoRE's precondition: "letter" (of "newsletter", in
// any case; no other letters fold to these) or a first letter that starts
// one of its anchored phrases.
func mayMatchPromo(t string) bool {
	return t != "" && strings.IndexByte("hfct", t[0]|0x20) >= 0 && promoStart.may(t) || containsFoldASCII(t, "letter")
}

// containsFoldASCII reports whether s holds lower (ASCII lower-case letters)
// in any case.
func containsFoldASCII(s, lower string) bool {
	n := len(lower)
	for i := 0; i+n <= len(s); i++ {
		if s[i]|0x20 != lower[0] {
			continue
		}
		k := 1
		for k < n && s[i+k]|0x20 == lower[k] {
			k++
		}
		if k == n {
			return true
		}
	}
	return false
}

// commentThread reports a heading that titles a comment thread: it sits in an
// element classed as comments, or comment markup follows it before the next
// heading of its level (elements classed or named comment, reply, respond or
// disqus; a comment form's textarea). A "Discussion" or "Comments" section of
// the article itself has none.
func (x *page) commentThread(h *html.Node) bool {
	p := h.Parent
	for d := 0; d < 3 && p != nil && p.Type == html.ElementNode && !x.isRoot(p); d++ {
		if commentWords(p) {
			return true
		}
		p = p.Parent
	}
	lvl := headingLevel(h)
	n := h
	for d := 0; d < 3 && nextElement(n) == nil; d++ {
		if n.Parent == nil || n.Parent.Type != html.ElementNode || x.isRoot(n.Parent) {
			break
		}
		n = n.Parent
	}
	budget := 5000
	for s := nextElement(n); s != nil && budget > 0; s = nextElement(s) {
		if l := leadingHeading(s); l > 0 && l <= lvl {
			return false
		}
		if commentMarkup(s, &budget) {
			return true
		}
	}
	return false
}

func nextElement(n *html.Node) *html.Node {
	for s := n.NextSibling; s != nil; s = s.NextSibling {
		if s.Type == html.ElementNode {
			return s
		}
	}
	return nil
}

// commentMarkup reports comment markup in n or below (at most *budget
// elements looked at).
func commentMarkup(n *html.Node, budget *int) bool {
	*budget--
	if n.DataAtom == atom.Textarea || commentWords(n) {
		return true
	}
	for c := n.FirstChild; c != nil && *budget > 0; c = c.NextSibling {
		if c.Type == html.ElementNode && commentMarkup(c, budget) {
			return true
		}
	}
	return false
}

// commentWords reports class or id words of a comment thread.
func commentWords(n *html.Node) bool {
	var buf [12]string
	for _, w := range classTokens(n, buf[:0]) {
		switch w {
		case "reply", "replies", "respond", "disqus":
			return true
		}
		// comment, kommentar, comentario, commentaire, komentarz, reactie
		if strings.Contains(w, "comment") || strings.Contains(w, "komment") || strings.Contains(w, "coment") ||
			strings.Contains(w, "koment") || strings.HasPrefix(w, "reactie") {
			return true
		}
	}
	return false
}

// isToggle reports an accordion toggle: a button, a link or an element with
// role "button" that expands a panel (aria-expanded, aria-controls, or a
// collapse toggle's data attribute).
func isToggle(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	switch n.DataAtom {
	case atom.Button, atom.A:
	case atom.Div, atom.Span, atom.Dt, atom.P:
		if !strings.EqualFold(attr(n, "role"), "button") {
			return false
		}
	default:
		return false
	}
	for _, a := range n.Attr {
		switch a.Key {
		case "aria-expanded", "aria-controls":
			return !isHidden(n)
		case "data-toggle", "data-bs-toggle":
			if strings.EqualFold(a.Val, "collapse") {
				return !isHidden(n)
			}
		}
	}
	return false
}

// toggleText is the label of the first accordion toggle inside n (buttons are
// skipped as text everywhere else).
func toggleText(n *html.Node) string {
	var t string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && t == ""; c = c.NextSibling {
			if c.Type != html.ElementNode || isHidden(c) {
				continue
			}
			if c.DataAtom == atom.Button || isToggle(c) {
				t = normSpace(plainText(c))
				return
			}
			walk(c)
		}
	}
	walk(n)
	return t
}

// innerHeadingLevel is the level of the first heading inside n, 0 when none.
func innerHeadingLevel(n *html.Node) int {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if l := headingLevel(c); l > 0 {
			return l
		}
		if l := innerHeadingLevel(c); l > 0 {
			return l
		}
	}
	return 0
}

// toggleWords are toggle labels that title nothing.
var toggleWords = map[string]bool{
	"menu": true, "toggle": true, "expand": true, "collapse": true, "show more": true, "show less": true,
	"more": true, "less": true, "close": true, "open": true, "search": true, "expand all": true,
	"collapse all": true, "show all": true, "hide": true, "show": true, "see more": true, "view more": true,
}

// accordionTitle is the title an accordion toggle n gives the panel that
// follows it, "" when n is no such title (a menu toggle, a "Show more"
// button, no visible panel after it).
func (x *page) accordionTitle(n *html.Node) string {
	t := normSpace(plainText(n))
	if len(t) < 3 || len(t) > 200 || toggleWords[strings.ToLower(strings.Trim(t, " +-–—›»▼▲…"))] || isBoilerplateText(t) {
		return ""
	}
	// The panel: the next element after the toggle (climbing out of
	// wrappers that hold only the toggle), visible and with text.
	p := n
	for d := 0; d < 3 && nextElement(p) == nil && p.Parent != nil; d++ {
		p = p.Parent
	}
	s := nextElement(p)
	if s == nil {
		return ""
	}
	if st := x.stats[s]; st == nil || st.flags&flagSkip != 0 || st.text == 0 {
		return ""
	}
	return t
}

// sectionParent is the element whose children after heading h make h's
// section: h's parent, or the parent of the wrapper holding only h
// (<div class="heading"><h3>Sources</h3></div><ul>…</ul>).
func (x *page) sectionParent(h *html.Node) *html.Node {
	n := h
	for d := 0; d < 3 && x.nextContent(n) == nil; d++ {
		p := n.Parent
		if p == nil || p.Type != html.ElementNode || x.isRoot(p) || p.Parent == nil {
			break
		}
		n = p
	}
	return n.Parent
}

// sectionItems calls f with the items (list items, paragraphs, table rows)
// of the section after heading h of level lvl, at most max of them, until f
// returns false.
func (x *page) sectionItems(h *html.Node, lvl, max int, f func(n *html.Node, st *nstat) bool) {
	n := h
	for d := 0; d < 3 && x.nextContent(n) == nil; d++ {
		p := n.Parent
		if p == nil || p.Type != html.ElementNode || x.isRoot(p) {
			break
		}
		n = p
	}
	k := 0
	var walk func(*html.Node) bool
	walk = func(n *html.Node) bool {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			st := x.stats[c]
			if st == nil || st.flags&flagSkip != 0 || st.text == 0 {
				continue
			}
			switch c.DataAtom {
			case atom.Li, atom.P, atom.Dd, atom.Tr:
				k++
				if !f(c, st) || k >= max {
					return false
				}
				continue
			}
			if st.flags&flagHasBlock == 0 {
				k++
				if !f(c, st) || k >= max {
					return false
				}
				continue
			}
			if !walk(c) {
				return false
			}
		}
		return true
	}
	for s := x.nextContent(n); s != nil; s = x.nextContent(s) {
		if l := leadingHeading(s); l > 0 && l <= lvl {
			return
		}
		st := x.stats[s]
		switch {
		case s.DataAtom == atom.Li || s.DataAtom == atom.P || st.flags&flagHasBlock == 0:
			k++
			if !f(s, st) || k >= max {
				return
			}
		case !walk(s):
			return
		}
	}
}

// citationRE matches what citations have: a DOI or PMID, "et al.", a journal
// volume and pages, a year in brackets or followed by a citation's
// punctuation, an access date, an address.
var citationRE = regexp.MustCompile(`(?i)\b(doi|pmid|pmcid|et al\b|retrieved|accessed|available (at|from|online)|journal|proceedings|vol\.|pp\.|isbn|issn|press)\b|\(\d{4}[a-z]?\)|\b(19|20)\d{2}[a-z]?\s*[;.,:)]|\d+\s*\(\d+\)\s*:\s*\d+|https?://|www\.`)

// citationsAfter reports a section after heading h whose items are mostly
// citations (or links out, a sources list of sites).
func (x *page) citationsAfter(h *html.Node, lvl int) bool {
	cit, total := 0, 0
	x.sectionItems(h, lvl, 12, func(n *html.Node, st *nstat) bool {
		total++
		if st.linkDensity() > 0.6 || citationRE.MatchString(x.textOf(n)) {
			cit++
		}
		return true
	})
	return total > 0 && cit*2 >= total
}

// stubsAfter reports a section after heading h made of linked cards (headed
// or image links): a related box, not a bibliography.
func (x *page) stubsAfter(h *html.Node, lvl int) bool {
	stubs, total := 0, 0
	x.sectionItems(h, lvl, 12, func(n *html.Node, st *nstat) bool {
		total++
		if hasImageLink(n) || st.linkDensity() > 0.6 && !citationRE.MatchString(x.textOf(n)) {
			stubs++
		}
		return true
	})
	return total > 0 && stubs*2 > total
}

// cardWords are the class words of product and recommendation cards that an
// article holds as text ("product-recommendation", "shopping-card"); a
// widget, a call to action or a promotion is not one.
var cardWords = map[string]bool{
	"related": true, "recommended": true, "recommend": true, "recommendation": true, "recommendations": true,
	"shopping": true, "more": true, "extra": true, "supplemental": true, "aside": true,
}

// isCard reports a product or recommendation card inside the article: a
// <div>/<section> whose only boilerplate class words are a card's, holding a
// heading that is not a link (a product's name, a recommendation's title) and
// prose (not a box of links to other articles).
func (x *page) isCard(n *html.Node, st *nstat) bool {
	if st.weight >= 0 && st.flags&flagRelated == 0 || isBoilerplateRegion(n) {
		return false
	}
	switch n.DataAtom {
	case atom.Div, atom.Section, atom.Article, atom.Li, atom.Figure:
	default:
		return false
	}
	if st.text-st.link < 80 || st.linkDensity() > 0.3 {
		return false
	}
	var buf [16]string
	for _, w := range classTokens(n, buf[:0]) {
		v, ok := wordWeight[w]
		if !ok {
			v = rootWeight(w)
		}
		if v < 0 && !cardWords[w] && !strings.Contains(w, "related") && !strings.HasPrefix(w, "recommend") {
			return false
		}
	}
	h := x.firstHeading(n)
	if h == nil {
		return false
	}
	hs := x.stats[h]
	if hs == nil || hs.link > 0 || hs.text == 0 {
		return false
	}
	return HeadingRole(x.textOf(h)) == ""
}

// firstHeading is the first heading (h2–h6) under n.
func (x *page) firstHeading(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if st := x.stats[c]; st == nil || st.flags&flagSkip != 0 {
			continue
		}
		if l := headingLevel(c); l > 1 {
			return c
		}
		if h := x.firstHeading(c); h != nil {
			return h
		}
	}
	return nil
}

// headingOnly reports an element holding only a heading (an accordion
// drawer's <header><h3>Title</h3></header>).
func (x *page) headingOnly(n *html.Node, st *nstat) bool {
	h := x.firstHeading(n)
	if h == nil {
		return false
	}
	hs := x.stats[h]
	return hs != nil && hs.text == st.text && st.text > 0
}

// anchoredSection reports a wrapper that opens with the heading of a section
// that a table of contents links to: a heading carrying an id or a permalink
// ("#…"), or a <section> with an id (empty anchors before the heading
// aside). "See also" over a short list of links on a reference page is such
// a section: its heading and blocks are judged one by one, not dropped
// together for their links.
func (x *page) anchoredSection(n *html.Node) bool {
	anchored := n.DataAtom == atom.Section && attr(n, "id") != ""
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if strings.TrimSpace(c.Data) != "" {
				return false
			}
		case html.ElementNode:
			st := x.stats[c]
			if st == nil || st.flags&flagSkip != 0 {
				continue
			}
			if headingLevel(c) == 0 {
				if st.text == 0 {
					continue // an empty anchor (<span id="…"></span>)
				}
				return false
			}
			return anchored || attr(c, "id") != "" || permalink(c)
		}
	}
	return false
}

// permalink reports a heading holding a link to itself (<a href="#…">¶</a>).
func permalink(h *html.Node) bool {
	for c := h.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.A && strings.HasPrefix(attr(c, "href"), "#") {
			return true
		}
	}
	return false
}

// contentsLabels are the labels of a contents box.
var contentsLabels = map[string]bool{
	"contents": true, "table of contents": true, "in this chapter": true, "in this section": true,
	"chapter contents": true, "section contents": true,
}

// chapterContents reports a box labelled as a table of contents ("Table of
// Contents" over a list) whose links lead to other pages (at least three, at
// most a fifth of them to anchors of this page): the list of a chapter's or
// a guide's pages, which is what the chapter's own page shows. A table of
// contents of anchors on the page is kept out of text (role "toc").
func (x *page) chapterContents(n *html.Node) bool {
	var label *html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			if strings.TrimSpace(c.Data) != "" {
				return false
			}
			continue
		}
		if c.Type != html.ElementNode {
			continue
		}
		if st := x.stats[c]; st == nil || st.flags&flagSkip != 0 || st.text == 0 {
			continue
		}
		label = c
		break
	}
	if label == nil || label.DataAtom == atom.Ul || label.DataAtom == atom.Ol || label.DataAtom == atom.Dl {
		return false
	}
	if st := x.stats[label]; st.text > 40 || st.link > 0 {
		return false
	}
	if !contentsLabels[strings.ToLower(strings.TrimSpace(strings.TrimSuffix(x.textOf(label), ":")))] {
		return false
	}
	links, frag := 0, 0
	var walk func(*html.Node)
	walk = func(m *html.Node) {
		for c := m.FirstChild; c != nil && links < 200; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom == atom.A {
				links++
				if x.samePageAnchor(attr(c, "href")) {
					frag++
				}
				continue
			}
			walk(c)
		}
	}
	for c := label.NextSibling; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			walk(c)
		}
	}
	return links >= 3 && frag*5 <= links
}

// samePageAnchor reports a link to an anchor of this page ("#symptoms", or
// the page's own address followed by "#symptoms").
func (x *page) samePageAnchor(href string) bool {
	i := strings.IndexByte(href, '#')
	if i < 0 {
		return false
	}
	if i == 0 {
		return true
	}
	if x.pageU == nil {
		return false
	}
	u, err := x.pageU.Parse(href[:i])
	return err == nil && u.Host == x.pageU.Host && strings.TrimSuffix(u.Path, "/") == strings.TrimSuffix(x.pageU.Path, "/")
}
