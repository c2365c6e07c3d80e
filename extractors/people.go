package extractors

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/internal/credits"
	"github.com/healthcrawl/healthcrawl/internal/datetext"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// People: the article's authors and medical reviewers.
//
// Authors come, in this order of trust, from
//  1. the per-site selector;
//  2. the visible byline near the headline ("By A, B and C", "Written by A",
//     a byline/author-classed element right under the title) — what a reader
//     sees names the author, so it beats metadata naming someone else (the
//     CMS account that posted the page, the publisher);
//  3. metadata naming people: JSON-LD Person authors (@id references
//     resolved), citation_author, Dublin Core, <meta name=author>, Yoast's
//     "Written by" twitter label, parsely/sailthru;
//  4. an author box at the foot of the article ("About the author", author
//     bio cards);
//  5. metadata naming an organisation, the site itself or a CMS account
//     ("andrew.keaveney", "NOC Admin");
//  6. rel=author links and byline-classed elements anywhere else.
//
// Every value must look like a name: URLs, social handles and link texts,
// reading times, dates, template placeholders and generic roles ("admin",
// "The Author", "Staff") are dropped, and a role after a comma ("Jane Doe,
// Senior Editor") is cut while credentials stay ("Jane Doe, MD"). Bylines
// and author boxes inside related-article teasers, comments and sidebars are
// never read.
//
// reviewed_by holds the page's reviewer(s): "Medically reviewed by",
// "Clinically reviewed by", "Expert reviewed by", "Reviewed by", "Reviewer:",
// "Article reviewed by:" lines (in the article or its header, never in a
// teaser card or related box), else schema.org reviewedBy (on the article or
// its WebPage/MedicalWebPage node). Several reviewers are joined with "; "
// (a reviewer's own name may hold a comma before credentials: "Jane Doe, MD;
// John Roe, PhD"). A fact-checker ("Fact-checked by") is a reviewer only
// when the page names no other reviewer.

// nameSet is an ordered list of names without duplicates (case-insensitive).
type nameSet []string

func (s *nameSet) add(names ...string) {
	for _, n := range names {
		k := normKey(n)
		if k == "" {
			continue
		}
		dup := false
		for _, o := range *s {
			if normKey(o) == k {
				dup = true
				break
			}
		}
		if !dup {
			*s = append(*s, n)
		}
	}
}

// teamNames are generic staff credits: no person, but what the page says
// when nothing else names the author.
var teamNames = map[string]bool{
	"staff": true, "team": true, "editorial team": true, "editorial staff": true, "the editors": true,
	"editors": true, "editor": true, "staff writer": true, "the team": true, "editorial": true,
}

// isTeamName reports a team credit ("Staff", "The Upwork Team", "Aidoc
// Staff").
func isTeamName(s string) bool {
	k := normKey(s)
	if teamNames[k] {
		return true
	}
	ws := strings.Fields(k)
	return len(ws) > 1 && len(ws) <= 4 && (ws[len(ws)-1] == "team" || ws[len(ws)-1] == "staff" || ws[len(ws)-1] == "editors")
}

// genericNames are values that name no one: CMS roles, link texts, labels.
var genericNames = map[string]bool{
	"admin": true, "administrator": true, "author": true, "authors": true, "the author": true,
	"staff": true, "staff writer": true, "editor": true, "editors": true, "the editors": true,
	"editorial": true, "editorial staff": true, "editorial team": true, "guest": true, "guest author": true,
	"user": true, "webmaster": true, "root": true, "unknown": true, "anonymous": true, "written by": true,
	"posted by": true, "by": true, "updated": true, "published": true, "link": true, "links": true,
	"twitter": true, "facebook": true, "instagram": true, "linkedin": true, "youtube": true, "pinterest": true,
	"tiktok": true, "x": true, "email": true, "e mail": true, "share": true, "follow": true, "more": true,
	"read more": true, "view all posts": true, "contact": true, "home": true, "blog": true, "news": true,
	"menu": true, "search": true, "subscribe": true, "print": true, "comments": true, "reply": true,
	"website": true, "about": true, "about the author": true, "about us": true, "bio": true, "profile": true,
	"view profile": true, "all posts": true, "posts": true, "see more": true, "written": true, "contributor": true,
	"contributors": true, "team": true, "null": true, "undefined": true, "none": true, "n a": true, "wordpress": true,
	"reviewed by": true, "medically reviewed by": true, "fact checked by": true, "min read": true,
	"moderator": true, "moderators": true, "member": true, "members": true, "new member": true, "joined": true,
	"location": true, "veteran": true, "reputation": true, "today": true, "yesterday": true, "sun": true, "mon": true,
	"tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "original poster": true, "op": true,
	"author spotlight": true, "meet the author": true, "about the authors": true, "our authors": true, "author bio": true,
}

// isCredentials reports a part of a byline after a comma that is the
// credentials of the name before it ("MD", "PhD, RN", "M.D.", "Jr.").
func isCredentials(s string) bool {
	toks := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '/' })
	if len(toks) == 0 || len(toks) > 5 {
		return false
	}
	for _, t := range toks {
		t = strings.TrimSuffix(t, ".")
		if knownCredentials[t] {
			continue
		}
		upper, other := 0, 0
		for _, r := range t {
			switch {
			case r >= 'A' && r <= 'Z':
				upper++
			case r == '.' || r == '-':
			default:
				other++
			}
		}
		if upper < 2 || other > 1 || len(t) > 8 {
			return false
		}
	}
	return true
}

// knownCredentials are credentials written in mixed case.
var knownCredentials = map[string]bool{
	"PhD": true, "Ph.D": true, "PharmD": true, "DrPH": true, "MSc": true, "BSc": true, "MEd": true, "EdD": true,
	"MBChB": true, "MBBS": true, "MSN": true, "Jr": true, "Sr": true, "II": true, "III": true, "IV": true, "MPhil": true,
	"DPhil": true, "MSt": true, "MBA": true, "MSW": true, "LCSW": true, "PsyD": true, "DNP": true, "MHSc": true, "BPharm": true,
}

// roleWords mark a part of a byline that is a job title, not a name
// ("Senior Editor", "Head of Marketing at Acme").
var roleWords = map[string]bool{
	"writer": true, "editor": true, "columnist": true, "contributor": true, "reporter": true, "correspondent": true,
	"director": true, "manager": true, "founder": true, "cofounder": true, "co": true, "ceo": true, "cto": true,
	"president": true, "head": true, "lead": true, "senior": true, "specialist": true, "analyst": true,
	"expert": true, "professor": true, "attorney": true, "lawyer": true, "physician": true, "nurse": true,
	"dietitian": true, "nutritionist": true, "marketing": true, "content": true, "engineer": true, "developer": true,
	"designer": true, "consultant": true, "officer": true, "coordinator": true, "intern": true, "student": true,
	"member": true, "representative": true, "chief": true, "associate": true, "assistant": true, "fellow": true,
	"researcher": true, "scientist": true, "journalist": true, "producer": true, "host": true, "owner": true,
	"contributing": true, "freelance": true, "executive": true, "strategist": true, "partner": true, "vp": true,
	"at": true, "of": true, "for": true, "certified": true, "licensed": true, "registered": true, "board": true,
	"practitioner": true, "therapist": true, "pharmacist": true, "surgeon": true, "resident": true, "graduate": true,
	"journalism": true, "grader": true, "anchor": true, "photographer": true, "blogger": true,
}

// nameParticles are lower-case words inside names ("Ludwig van Beethoven").
var nameParticles = map[string]bool{
	"de": true, "van": true, "von": true, "der": true, "den": true, "da": true, "di": true, "du": true,
	"la": true, "le": true, "bin": true, "al": true, "el": true, "del": true, "dos": true, "das": true, "ten": true, "ter": true, "y": true,
}

// Name checks, from loose to strict.
const (
	nameLoose  = iota // a handle in lower case passes ("ibby"): linked byline text
	nameByline        // after a "By" lead-in: the first word capitalised
	nameStrict        // text without a lead-in: every word capitalised
	nameWhole         // nameStrict for a whole element's text: one word may do ("Newsdesk")
)

// looksLikeName reports a plausible personal (or team) name.
func looksLikeName(s string, mode int) bool {
	strict := mode >= nameStrict
	n := utf8.RuneCountInString(s)
	if n < 2 || n > 70 {
		return false
	}
	k := normKey(s)
	if k == "" || genericNames[k] {
		return false
	}
	if strings.Contains(s, "://") || strings.HasPrefix(strings.ToLower(s), "www.") || strings.ContainsAny(s, "@{}<>=|#?!;\"“”") {
		return false
	}
	if dateSpan(s) != nil || strings.Contains(k, "min read") || strings.Contains(k, "minute read") {
		return false
	}
	words := strings.Fields(s)
	if len(words) > 6 || strict && len(words) > 5 {
		return false
	}
	if strings.Trim(words[len(words)-1], "0123456789.,") == "" {
		return false // "Jun 2", "Issue 12"
	}
	letters, digits := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsDigit(r):
			digits++
		}
	}
	if letters < 2 || digits > 2 || digits > 0 && len(words) == 1 && strict {
		return false
	}
	if len(words) == 1 && strings.Count(s, ".") >= 2 {
		return false // "page.head.extra.author"
	}
	if mode >= nameByline && !startsUpper(s) || mode == nameStrict && len(words) == 1 {
		return false // one word ("Get in touch" cut short) needs a lead-in
	}
	if strict {
		for _, w := range words {
			if !startsUpper(w) && !nameParticles[strings.ToLower(w)] {
				return false
			}
		}
	}
	return true
}

func startsUpper(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r) || unicode.IsDigit(r) || !unicode.IsLower(r) && unicode.IsLetter(r)
}

// isAccountName reports a CMS account or handle rather than a name as a
// reader sees it: one token with dots, underscores or digits, all lower
// case, camel case ("KatieS"), or any "admin".
func isAccountName(s string) bool {
	k := strings.ToLower(s)
	if strings.Contains(k, "admin") {
		return true
	}
	if strings.ContainsAny(s, " \u00a0") {
		return false
	}
	if strings.ContainsAny(s, "._0123456789") || s == k {
		return true
	}
	upper := 0
	for _, r := range s {
		if unicode.IsUpper(r) {
			upper++
		}
	}
	return upper > 1
}

// isOrgName reports the publisher's or site's own name ("Rapid7", "USA
// TODAY", a host name) or a name with a company suffix.
func (x *page) isOrgName(s string) bool {
	k := normKey(s)
	if k == "" {
		return false
	}
	flat := strings.ReplaceAll(k, " ", "")
	for _, site := range []string{x.siteName, x.ld.site, x.mt.first("og:site_name"), x.mt.first("application-name")} {
		sk := normKey(site)
		if sk != "" && (sk == k || strings.HasPrefix(k, sk+" ") || strings.ReplaceAll(sk, " ", "") == flat || len(k) >= 4 && strings.HasPrefix(sk, k+" ")) {
			return true
		}
	}
	if x.pageU != nil && len(flat) >= 4 {
		// The host's name ("uforocks" of www.uforocks.com, "thomsonreuters"
		// of tax.thomsonreuters.com) is the site's.
		labels := strings.Split(strings.ToLower(x.pageU.Hostname()), ".")
		for i, label := range labels {
			if i == len(labels)-1 || len(label) < 4 || label == "www" {
				continue
			}
			if label == flat || strings.HasPrefix(label, flat) && len(flat)*3 >= len(label)*2 || len(label) >= 6 && strings.HasPrefix(flat, label) {
				return true
			}
		}
	}
	ws := strings.Fields(k)
	switch ws[len(ws)-1] {
	case "inc", "llc", "ltd", "gmbh", "corp", "corporation", "company", "foundation", "university", "association",
		"institute", "media", "magazine", "press", "group", "news", "online", "publishing", "agency", "clinic", "hospital":
		return len(ws) > 1
	}
	return false
}

// cutNames reads the names at the start of s (the text after a byline's
// lead-in): up to a separator, a date, a reading time or the next label, then
// split at commas and "and"/"&" into co-authors, roles cut and credentials
// kept.
func cutNames(s string, mode int) []string {
	s = normSpace(s)
	orig := s
	if loc := nameEndRE.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	if loc := dateSpan(s); loc != nil {
		if strings.Trim(s[:loc[0]], " ,;:·•|-–—") == "" {
			s = s[loc[1]:] // "May 3, 2024Jane Doe"
			if loc = dateSpan(s); loc != nil {
				s = s[:loc[0]]
			}
		} else {
			s = s[:loc[0]]
		}
	}
	s = sentenceEnd(s)
	s = strings.Trim(s, " ,;:·•|-–—")
	if s == "" {
		return nil
	}
	if mode == nameStrict && s == orig && !strings.ContainsAny(s, ",&/;") {
		mode = nameWhole
	}
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if len(out) > 0 && isCredentials(part) {
			if strings.Count(part, ".") == 1 {
				part = strings.TrimSuffix(part, ".")
			}
			out[len(out)-1] += ", " + part
			continue
		}
		if isRolePhrase(part) && !isTeamName(part) {
			if len(out) == 0 {
				return nil // "Senior Editor, Jane Doe" is no byline we can read
			}
			continue
		}
		part = strings.TrimPrefix(strings.TrimPrefix(part, "and "), "& ")
		for _, name := range andRE.Split(part, -1) {
			if len(out) > 0 && isCredentials(strings.TrimSpace(name)) {
				out[len(out)-1] += ", " + strings.TrimSuffix(strings.TrimSpace(name), ".")
				continue
			}
			name = strings.Trim(name, " .,:;·•-–—'\"()[]")
			if strings.HasSuffix(name, " Jr") || strings.HasSuffix(name, " Sr") || strings.HasSuffix(name, " Jr.") {
				name = strings.TrimSuffix(name, ".") + "."
			}
			if hasInitialEnd(name) {
				name += "."
			}
			if looksLikeName(name, mode) && (!isRolePhrase(name) || isTeamName(name)) && !isInitials(name) {
				out = append(out, name)
			} else if len(out) == 0 {
				return nil
			}
		}
		if len(out) >= 8 {
			break
		}
	}
	return out
}

// isInitials reports an avatar's initials ("CP").
func isInitials(s string) bool {
	n := utf8.RuneCountInString(s)
	return n <= 3 && strings.ToUpper(s) == s && !strings.Contains(s, " ")
}

// lineMode is how strictly a line without a lead-in is checked: a linked or
// byline-classed text is a name as it stands, other text must be capitalised.
func lineMode(l textLine) int {
	if l.linked || l.byClass {
		return nameByline
	}
	return nameStrict
}

// leadMode is how strictly the names after a "By" lead-in are checked: a
// linked or byline-classed name may be a lower-case handle ("by whova").
func leadMode(l textLine) int {
	if l.linked || l.byClass {
		return nameLoose
	}
	return nameByline
}

// hasInitialEnd reports a name ending in an initial whose period was trimmed
// ("John A").
func hasInitialEnd(s string) bool {
	i := strings.LastIndexByte(s, ' ')
	return i > 0 && len(s)-i == 2 && s[i+1] >= 'A' && s[i+1] <= 'Z' && strings.Count(s, " ") >= 2
}

var (
	// nameEndRE ends the names of a byline: a separator, a label, a
	// preposition that starts a place, an outlet or a section.
	nameEndRE = regexp.MustCompile(`(?i)\s*(?:\||·|•|⋅|—|–|\s-\s|\(|\[|\bon\s|\bin\s|\bfor\s|\bat\s|\bvia\s|\bfrom\s|\bupdated\b|\bpublished\b|\blast\s|\bposted\b|\breviewed\b|\bmedically\b|\bclinically\b|\bfact[\s-]?checked\b|\bedited\b|\bwritten\b|\bphotos?\b|\bphotograph|\billustrat|\bdate\b|\bread\s+time\b|\bshare\b|\bfollow\b|\d+\s*(?:min|minute)s?\b|\bis\s|\bhas\s|\bwas\s|\bwho\s|\d{1,4}[/.]\d{1,2}[/.]\d{1,4}|\s\d+\s*[–-]\s*\d)`)
	andRE     = regexp.MustCompile(`(?i)\s+(?:and|und|et|y|e|&)\s+|\s*&\s*|\s*/\s*`)
)

// sentenceEnd cuts s at the end of its first sentence ("Jane Doe. Reviewed
// by…"), keeping initials ("A. J. Neal") and credentials ("Jr.", "M.D.").
// honorifics are abbreviations a name may hold before or after it ("Prof. Dr.
// med. Jens Hartmann", "Dra. Ana Ruiz", "Martin Luther King Jr.").
var honorifics = map[string]bool{"Jr": true, "Sr": true, "St": true, "Dr": true, "Dra": true, "Drs": true, "Mr": true, "Ms": true, "Mrs": true,
	"Mme": true, "Mlle": true, "Pr": true, "Prof": true, "Profs": true, "med": true, "rer": true, "nat": true, "dent": true, "vet": true, "Dipl": true,
	"Priv": true, "Doz": true, "Hon": true, "Rev": true, "Sra": true, "Srta": true, "Lic": true, "Ing": true, "Mag": true, "dr": true, "hab": true, "lek": true}

func sentenceEnd(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '.' || i+1 < len(s) && s[i+1] != ' ' {
			continue
		}
		// the word before the period
		j := i
		for j > 0 && s[j-1] != ' ' && s[j-1] != '.' {
			j--
		}
		w := s[j:i]
		if len(w) <= 1 || honorifics[w] || strings.ToUpper(w) == w && len(w) <= 4 && i+1 >= len(s) {
			continue
		}
		return s[:i]
	}
	return s
}

// isRolePhrase reports a job title or affiliation ("Senior Editor",
// "Trial Attorney at Morgan & Morgan").
func isRolePhrase(s string) bool {
	for _, w := range strings.Fields(strings.ToLower(s)) {
		w = strings.Trim(w, ".,:;()&-'’")
		if w == "at" || w == "of" || w == "for" {
			if len(strings.Fields(s)) >= 3 {
				return true
			}
			continue
		}
		if roleWords[w] {
			return true
		}
	}
	return false
}

// bylineLeadRE matches a byline's lead-in at the start of a line; the names
// follow it.
var bylineLeadRE = regexp.MustCompile(`(?i)^(?:(?:written|posted|published|authored|reported|compiled|created|contributed|words|text|story|article|post|blog\s+post|report|recipe|guide|review|this\s+(?:post|article)\s+was\s+written)\s+)?by\s*:?\s+|^(?:(?:verfasst|geschrieben)\s+)?von\s+|^(?:(?:escrito|redactado)\s+)?por\s+|^(?:(?:écrit|rédigé)\s+)?par\s+|^(?:scritto\s+da|a\s+cura\s+di|di)\s+|^(?:geschreven\s+)?door\s+|^(?:napisane\s+)?przez\s+|^(?:authors?|author\(s\)|writers?|written\s+by|contributors?|byline|autor(?:in|en)?|auteurs?)\s*:\s*`)

// bylineLabelRE matches a line that is only a byline's label, the names
// being on the next line.
var bylineLabelRE = regexp.MustCompile(`(?i)^(?:by|written\s+by|posted\s+by|article\s+by|words\s+by|story\s+by|authors?|author\(s\)|writers?|contributors?|about\s+the\s+authors?|meet\s+the\s+authors?|the\s+authors?)\s*:?$`)

// midBylineRE finds "by Name" inside a line after a date or a publishing
// verb ("Published August 7, 2023 by Jane Doe", "12/19 — 2025 · by Jane").
var midBylineRE = regexp.MustCompile(`(?i)(?:^|\s)by:?\s+`)

// bylineNames reads the names of a byline line ("By Jane Doe and Tom Roe |
// May 3"), or nil when the line is no byline.
func bylineNames(line string, mode int) []string {
	if len(line) > 300 || !mayBeByline(line) {
		return nil
	}
	if loc := bylineLeadG.FindStringIndex(line); loc != nil {
		return cutNames(line[loc[1]:], mode)
	}
	if len(line) > 160 {
		return nil
	}
	// "by" inside the line: after a date, a separator or a writing verb
	// ("Medically reviewed by A — Written by B", "May 3, 2024 by B").
	for _, loc := range midBylineRE.FindAllStringIndex(line, 4) {
		if loc[0] == 0 {
			continue
		}
		pre := strings.TrimSpace(line[:loc[0]])
		lp := strings.ToLower(pre)
		last := lp
		if i := strings.LastIndexAny(lp, " \u00a0"); i >= 0 {
			last = lp[i+1:]
		}
		switch last {
		case "written", "posted", "published", "authored", "reported", "words", "story", "article":
			// A label ("— Written by"), not a sentence ("is written by humans").
			if startsUpper(pre[len(pre)-len(last):]) {
				return cutNames(line[loc[1]:], max(mode, nameByline))
			}
			continue
		}
		bad := false
		for _, w := range []string{"reviewed", "checked", "edited", "photo", "image", "illustrat", "video", "sponsored", "powered", "presented", "brought to you", "supported", "translated", "produced", "designed", "hosted", "narrated", "sorted", "filter", "followed", "liked", "created"} {
			if strings.HasSuffix(lp, w) {
				bad = true
				break
			}
		}
		if bad || pre == "" {
			continue
		}
		c := pre[len(pre)-1]
		if dateSpan(pre) != nil && !strings.Contains(lp, "review") || c >= '0' && c <= '9' || strings.ContainsAny(pre[len(pre)-1:], "|-,") ||
			strings.HasSuffix(pre, "·") || strings.HasSuffix(pre, "•") || strings.HasSuffix(pre, "—") || strings.HasSuffix(pre, "–") {
			if names := cutNames(line[loc[1]:], mode); len(names) > 0 {
				return names
			}
		}
	}
	return nil
}

// mayBeByline is a cheap test before the byline expressions: the line holds
// "by" or an author label word, in any case.
func mayBeByline(s string) bool {
	// "Von …", "Por …", "Par …", "Di …", "Door …", "Przez …" open a byline
	// in other languages.
	if i := strings.IndexByte(s, ' '); i >= 2 && i <= 5 {
		switch strings.ToLower(s[:i]) {
		case "von", "por", "par", "di", "door", "przez":
			return true
		}
	}
	for i := 0; i+1 < len(s); i++ {
		switch s[i] | 0x20 {
		case 'b':
			if s[i+1]|0x20 == 'y' {
				return true
			}
		case 'a', 'w', 'c':
			if i+6 <= len(s) {
				switch strings.ToLower(s[i : i+5]) {
				case "autho", "write", "contr", "autor", "auteu":
					return true
				}
			}
		}
	}
	return false
}

// ---- lines of visible text ------------------------------------------------

// textLine is one line of visible text: the text between two block
// boundaries.
type textLine struct {
	text    string
	node    *html.Node // element holding the line's first text
	byClass bool       // some text is inside a byline/author-classed element
	linked  bool       // some text is inside a link
}

// lineWalker turns a document-order walk into lines.
type lineWalker struct {
	x       *page
	t       textBuilder
	cur     textLine
	emit    func(textLine) bool
	stopped bool
	chars   int
}

func (w *lineWalker) flush() {
	if w.stopped {
		return
	}
	s := strings.TrimSpace(w.t.String())
	w.t.reset()
	if s != "" {
		w.cur.text = s
		w.chars += len(s)
		if !w.emit(w.cur) {
			w.stopped = true
		}
	}
	w.cur = textLine{}
}

func (w *lineWalker) visible(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return n.Type == html.TextNode
	}
	if n.DataAtom == atom.Button {
		return !isHidden(n)
	}
	if st := w.x.stats[n]; st == nil || st.flags&flagSkip != 0 {
		return false
	}
	return true
}

// node walks n's subtree (n included).
func (w *lineWalker) node(n *html.Node) {
	if w.stopped || !w.visible(n) {
		return
	}
	switch n.Type {
	case html.TextNode:
		if strings.TrimSpace(n.Data) == "" {
			w.t.writeText(n.Data)
			return
		}
		if w.t.Len() == 0 {
			w.cur.node = n.Parent
		}
		w.t.writeText(n.Data)
		for p, k := n.Parent, 0; p != nil && k < 4; p, k = p.Parent, k+1 {
			if p.Type != html.ElementNode {
				break
			}
			if p.DataAtom == atom.A {
				w.cur.linked = true
			}
			if !w.cur.byClass && w.x.isBylineElem(p) {
				w.cur.byClass = true
			}
		}
		return
	case html.ElementNode:
		blk := isBlock(n) || n.DataAtom == atom.Br
		if blk {
			w.flush()
		} else {
			w.t.space() // "<span>By</span><span>Jane</span>" reads "By Jane"
		}
		for c := n.FirstChild; c != nil && !w.stopped; c = c.NextSibling {
			w.node(c)
		}
		if blk {
			w.flush()
		}
	}
}

// after walks everything after n's subtree in document order, up to body.
func (w *lineWalker) after(n *html.Node) {
	for cur := n; cur != nil && cur != w.x.body && !w.stopped; cur = cur.Parent {
		for s := cur.NextSibling; s != nil && !w.stopped; s = s.NextSibling {
			w.node(s)
		}
		if p := cur.Parent; p != nil && isBlock(p) {
			w.flush()
		}
	}
	w.flush()
}

// isBylineElem reports an element whose class/id/rel/itemprop marks a
// byline or author name.
func (x *page) isBylineElem(n *html.Node) bool {
	if hasWord(strings.ToLower(attr(n, "rel")), "author") || strings.Contains(strings.ToLower(attr(n, "itemprop")), "author") {
		return true
	}
	if st := x.stats[n]; st != nil && st.classRead {
		return st.byClass
	}
	return bylineClassWords(classTokens(n, nil))
}

// bylineClassWords reports class/id words of a byline or author name.
func bylineClassWords(ws []string) bool {
	for i, w := range ws {
		switch w {
		case "byline", "bylines", "author", "authors", "writer", "authorname", "postauthor", "contributor", "contributors", "attribution":
			// "author-bio", "author-description" hold prose, not the name.
			if i+1 < len(ws) && (ws[i+1] == "bio" || ws[i+1] == "description" || ws[i+1] == "desc" || ws[i+1] == "avatar" || ws[i+1] == "image" || ws[i+1] == "img" || ws[i+1] == "photo" || ws[i+1] == "role" || ws[i+1] == "title" || ws[i+1] == "job" || ws[i+1] == "position") {
				continue
			}
			return true
		}
	}
	return false
}

// headline is the element of the article's visible headline: the <h1>
// naming the title, else the only <h1>.
func (x *page) headline() *html.Node {
	if x.headDone {
		return x.head
	}
	x.headDone = true
	x.head = x.findHeadline()
	return x.head
}

func (x *page) findHeadline() *html.Node {
	var visible []*html.Node
	for _, h := range x.mt.h1 {
		if st := x.stats[h]; st == nil || st.flags&flagSkip != 0 || st.text == 0 {
			continue
		}
		visible = append(visible, h)
	}
	for _, h := range visible {
		t := strings.ReplaceAll(x.textOf(h), "\n", " ")
		if x.isTitle(t) || x.title != "" && similarity(x.title, t) > 0.6 {
			return h
		}
	}
	// Else the first headline that is not a linked logo or teaser title.
	for _, h := range visible {
		if st := x.stats[h]; st.link*2 < st.text && st.flags&flagRelated == 0 {
			return h
		}
	}
	return nil
}

// inTeaser reports n inside a related-articles box, a comment, a sidebar or
// a teaser card. Only the boxes around n that do not hold the headline or a
// content root count: the page's own wrappers say nothing.
func (x *page) inTeaser(n *html.Node) bool {
	h := x.headline()
	for p := n; p != nil && p != x.body; p = p.Parent {
		if p.Type != html.ElementNode {
			continue
		}
		if h != nil && contains(p, h) || x.holdsRoot(p) {
			return false
		}
		st := x.stats[p]
		if st != nil && st.flags&flagRelated != 0 {
			return true
		}
		switch p.DataAtom {
		case atom.Nav:
			return true
		}
		for _, w := range classTokens(p, x.words[:0]) {
			switch w {
			case "comment", "comments", "sidebar", "teaser", "teasers", "card", "cards", "recirc", "promo", "trending", "popular", "carousel", "slider":
				return true
			}
		}
	}
	return false
}

// headerByline reads the visible byline near the headline: the lines after
// the <h1> (up to the article's first long paragraph) and the short lines
// before it in the same header box.
func (x *page) headerByline() []string {
	h := x.headline()
	var start *html.Node
	if h != nil {
		start = h
	} else if len(x.roots) > 0 && x.roots[0] != x.body {
		start = x.roots[0]
	} else {
		return nil
	}
	var found nameSet
	var classNames nameSet
	wantNext := false
	check := func(l textLine) bool {
		// (inTeaser only once a line reads as names: it climbs the tree.)
		if wantNext {
			wantNext = false
			if names := cutNames(l.text, lineMode(l)); len(names) > 0 && !x.inTeaser(l.node) {
				found.add(names...)
				return true
			}
		}
		if len(l.text) < 40 && bylineLabelG.MatchString(l.text) {
			wantNext = true
			return true
		}
		if names := bylineNames(l.text, leadMode(l)); len(names) > 0 && !x.inTeaser(l.node) {
			found.add(names...)
			return true
		}
		if l.byClass && len(classNames) == 0 {
			t := strings.TrimSpace(byPrefixRE.ReplaceAllString(l.text, ""))
			if names := cutNames(t, nameStrict); len(names) > 0 && !x.inTeaser(l.node) {
				classNames.add(names...)
			}
		}
		return true
	}
	// Before the headline: the short lines of its header box.
	if h != nil {
		box := h
		for p := h.Parent; p != nil && p != x.body; p = p.Parent {
			st := x.stats[p]
			if st == nil || st.text > x.stats[h].text+400 {
				break
			}
			box = p
		}
		if box != h {
			w := &lineWalker{x: x}
			var before []textLine
			w.emit = func(l textLine) bool {
				if contains(h, l.node) {
					return false
				}
				before = append(before, l)
				return true
			}
			w.node(box)
			for _, l := range before {
				check(l)
			}
		}
	}
	// After it: until the article's prose starts.
	w := &lineWalker{x: x}
	lines := 0
	w.emit = func(l textLine) bool {
		lines++
		if h != nil && l.node != nil && headingLevel(l.node) == 1 && !contains(h, l.node) {
			return false // another article's headline
		}
		if utf8.RuneCountInString(l.text) > 320 && len(found) == 0 {
			return false
		}
		check(l)
		return len(found) == 0 && lines < 30 && w.chars < 1500
	}
	if h != nil {
		w.after(h)
	} else {
		w.node(start)
	}
	if len(found) > 0 {
		return found
	}
	return classNames
}

// authorBoxNames reads author boxes at the foot of the article ("About the
// author", "Written by" cards, author bio boxes): the first name in each.
func (x *page) authorBoxNames() []string {
	var out nameSet
	for _, n := range x.mt.authorLabels {
		if x.inTeaser(n) {
			continue
		}
		t := strings.ReplaceAll(x.textOf(n), "\n", " ")
		if utf8.RuneCountInString(t) > 300 {
			continue
		}
		if names := bylineNames(t, nameByline); len(names) > 0 {
			out.add(names...)
			continue
		}
		if i := strings.Index(strings.ToLower(t), "written by "); i >= 0 && i < 200 {
			if names := cutNames(t[i+len("written by "):], nameByline); len(names) > 0 {
				out.add(names...)
				continue
			}
		}
		if !bylineLabelG.MatchString(t) {
			continue
		}
		// The label's box: the names are the next lines. Under a plural
		// label ("About the authors") every card of the box names one: the
		// short lines among the next few (bios between them are sentences).
		if strings.HasSuffix(strings.TrimRight(strings.ToLower(strings.TrimSpace(t)), ": "), "s") {
			if box := x.labelBox(n); box != nil {
				w := &lineWalker{x: x}
				k := 0
				w.emit = func(l textLine) bool {
					k++
					if k > 1 && utf8.RuneCountInString(l.text) <= 60 {
						if names := cutNames(l.text, lineMode(l)); len(names) > 0 {
							out.add(names...)
						}
					}
					return k < 16
				}
				w.node(box)
				continue
			}
		}
		w := &lineWalker{x: x}
		w.emit = func(l textLine) bool {
			if names := cutNames(l.text, lineMode(l)); len(names) > 0 {
				out.add(names...)
			}
			return false // the line after the label, or nothing
		}
		w.after(n)
	}
	return out
}

// labelBox is the element a box label titles: its nearest ancestor holding
// more than the label, when that is a small box (author cards, not the page).
func (x *page) labelBox(label *html.Node) *html.Node {
	own := x.stats[label]
	if own == nil {
		return nil
	}
	for b := label.Parent; b != nil && b.Type == html.ElementNode && b != x.body; b = b.Parent {
		st := x.stats[b]
		if st == nil {
			return nil
		}
		if st.text > own.text+5 {
			if st.text > 2500 || x.isContentAncestor(b) {
				return nil
			}
			return b
		}
	}
	return nil
}

// authorCardNames reads author cards known by their class ("author-box",
// "blog-author-name") outside teasers: the first person's name in one.
func (x *page) authorCardNames() []string {
	for _, n := range x.mt.bylines {
		st := x.stats[n]
		if st == nil || st.flags&flagSkip != 0 || st.text == 0 || st.text > 800 || x.inTeaser(n) {
			continue
		}
		if h := x.headline(); h != nil && contains(n, h) {
			continue // an article element classed "author-jane-doe"
		}
		w := &lineWalker{x: x}
		var found []string
		k := 0
		w.emit = func(l textLine) bool {
			k++
			if names := cutNames(l.text, nameStrict); len(names) > 0 && !x.isOrgName(names[0]) && !isTeamName(names[0]) && len(strings.Fields(names[0])) >= 2 {
				found = names
				return false
			}
			return k < 3
		}
		w.node(n)
		w.flush()
		if len(found) > 0 {
			return found
		}
	}
	return nil
}

// ---- choosing ---------------------------------------------------------------

// metaPeople are the authors metadata names, split by how far they can be
// trusted.
type metaPeople struct {
	persons nameSet // people's names
	weak    nameSet // organisations, the site itself, CMS accounts
}

// metaAuthors gathers author names from JSON-LD and <meta> tags.
func (x *page) metaAuthors() metaPeople {
	var mp metaPeople
	m := &x.mt
	addVals := func(vals []string, org bool) {
		for _, v := range vals {
			if strings.Contains(v, "://") || strings.HasPrefix(strings.TrimSpace(v), "www.") {
				continue // a profile URL (article:author), not a name
			}
			split := cleanAuthors([]string{v})
			if org {
				split = []string{normSpace(html.UnescapeString(v))} // "Morgan & Morgan" is one name
			}
			for _, name := range split {
				switch {
				case teamNames[normKey(name)]:
					mp.weak.add(name)
				case !looksLikeName(name, nameLoose):
				case org || x.isOrgName(name) || isAccountName(name) || isTeamName(name):
					mp.weak.add(name)
				default:
					mp.persons.add(name)
				}
			}
		}
	}
	for _, a := range x.ld.authors {
		addVals([]string{a.name}, a.org)
	}
	if len(mp.persons) == 0 {
		// citation_author is "Last, First" in Highwire's convention.
		for _, v := range m.named["citation_author"] {
			v = normSpace(html.UnescapeString(v))
			if last, first, ok := strings.Cut(v, ", "); ok && !strings.Contains(first, ",") && len(strings.Fields(last)) <= 2 && !isCredentials(first) {
				v = first + " " + last
			}
			if looksLikeName(v, nameLoose) {
				mp.persons.add(v)
			}
		}
	}
	if len(mp.persons) == 0 {
		for _, k := range []string{"dc:creator", "dcterms:creator", "author", "parsely-author", "article:author", "sailthru.author", "article_author", "byl"} {
			addVals(m.named[k], false)
			if len(mp.persons) > 0 {
				break
			}
		}
	}
	if len(mp.persons) == 0 {
		// Yoast: twitter:label1 "Written by", twitter:data1 the name.
		for _, i := range []string{"1", "2"} {
			if l := strings.ToLower(m.first("twitter:label" + i)); l == "written by" || l == "author" || l == "by" {
				addVals([]string{m.first("twitter:data" + i)}, false)
			}
		}
	}
	if len(mp.persons) == 0 {
		if v := x.microdata("author"); v != "" {
			addVals([]string{v}, false)
		}
	}
	return mp
}

// overlaps reports two name lists sharing a name (one containing the other).
func overlaps(a, b []string) bool {
	for _, x := range a {
		kx := normKey(x)
		for _, y := range b {
			ky := normKey(y)
			if kx != "" && ky != "" && (strings.Contains(kx, ky) || strings.Contains(ky, kx)) {
				return true
			}
		}
	}
	return false
}

// resolveAuthors picks the article's authors (see the package notes above).
func (x *page) resolveAuthors() []string {
	if x.e.sel.authors != nil {
		var vals []string
		for _, n := range x.e.sel.authors.MatchAll(x.root) {
			vals = append(vals, nodeValue(x, n))
		}
		if out := cleanAuthors(vals); len(out) > 0 {
			return out
		}
	}
	mp := x.metaAuthors()
	if hb := x.headerByline(); len(hb) > 0 {
		// A byline naming only an account, a team or the publisher yields
		// to metadata naming a person.
		accounts := true
		for _, n := range hb {
			accounts = accounts && (isAccountName(n) || isTeamName(n) || x.isOrgName(n))
		}
		if len(mp.persons) > 0 && (accounts || overlaps(mp.persons, hb) && len(mp.persons) >= len(hb)) {
			return mp.persons
		}
		return hb
	}
	if len(mp.persons) > 0 {
		return mp.persons
	}
	if box := x.authorBoxNames(); len(box) > 0 {
		return box
	}
	if box := x.authorCardNames(); len(box) > 0 {
		return box
	}
	if len(mp.weak) > 0 {
		return mp.weak
	}
	return x.bylineElemNames()
}

// bylineElemNames is the last resort: rel=author links and byline-classed
// elements outside teasers, the first line of each that reads as names.
func (x *page) bylineElemNames() []string {
	var out nameSet
	for _, n := range x.mt.bylines {
		st := x.stats[n]
		if st == nil || st.flags&flagSkip != 0 || st.text == 0 || st.text > 200 || x.inTeaser(n) {
			continue
		}
		mode := nameStrict
		if n.DataAtom == atom.A || st.link*2 > st.text {
			mode = nameByline
		}
		for _, line := range strings.Split(x.textOf(n), "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			names := bylineNames(line, mode)
			if len(names) == 0 {
				names = cutNames(line, mode)
			}
			if len(names) == 0 && teamNames[normKey(line)] {
				names = []string{line}
			}
			if len(names) > 0 {
				out.add(names...)
				break
			}
		}
		if len(out) > 0 && n.DataAtom != atom.A {
			break
		}
	}
	return out
}

// ---- reviewers ----------------------------------------------------------------

// reviewLeadRE finds a reviewer's lead-in; group 1 is "fact" for
// fact-checkers.
// reviewLeadRE introduces a reviewer's name, in several languages.
var reviewLeadRE = credits.ReviewLead

// reviewersIn reads the reviewers named in one line of text: reviewers and
// fact-checkers separately.
func reviewersIn(t string) (rev, fact []string) {
	l := credits.LowerASCII(t) // t's offsets, for the cheap test before each match
	for len(t) > 0 {
		if !credits.MayMatchReviewLeadLower(l[len(l)-len(t):]) {
			return rev, fact
		}
		loc := reviewLeadRE.FindStringSubmatchIndex(t)
		if loc == nil {
			return rev, fact
		}
		isFact := loc[2] >= 0 || loc[4] >= 0 && strings.HasPrefix(strings.ToLower(t[loc[4]:]), "fact")
		rest := t[loc[1]:]
		line := rest
		if i := strings.IndexByte(line, '\n'); i >= 0 && strings.TrimSpace(line[:i]) != "" {
			line = line[:i] // the name's line, not the role under it
		}
		names := cutNames(line, nameByline)
		if isFact {
			fact = append(fact, names...)
		} else {
			rev = append(rev, names...)
		}
		t = rest
	}
	return rev, fact
}

// visibleReviewers reads "Medically reviewed by …" lines of the page, outside
// teasers; at is the review date when the line gives one.
func (x *page) visibleReviewers() (rev, fact []string, at string) {
	var rs, fs nameSet
	for _, n := range x.mt.reviewed {
		// The smallest block around the text, at most a few hundred characters.
		b := n
		for b.Parent != nil && !isBlock(b) {
			b = b.Parent
		}
		st := x.stats[b]
		if st == nil || st.flags&flagSkip != 0 {
			continue
		}
		if st.text > 400 {
			b = n
		}
		if x.inTeaser(b) || x.inLinkCard(b) || inPageChrome(b) {
			continue
		}
		raw := x.textOf(b)
		t := strings.ReplaceAll(raw, "\n", " ")
		r, f := reviewersIn(raw)
		if len(r) == 0 && len(f) == 0 {
			// "Reviewed by" alone, the name in the next line.
			if lt := strings.ToLower(strings.TrimRight(strings.TrimSpace(t), ":")); strings.HasSuffix(lt, "reviewed by") || lt == "reviewer" || lt == "reviewers" || strings.HasSuffix(lt, "checked by") {
				w := &lineWalker{x: x}
				k := 0
				w.emit = func(l textLine) bool {
					k++
					if names := cutNames(l.text, lineMode(l)); len(names) > 0 {
						if strings.Contains(lt, "checked") {
							f = names
						} else {
							r = names
						}
						return false
					}
					return false
				}
				w.after(b)
			}
		}
		rs.add(r...)
		fs.add(f...)
		if at == "" {
			at = reviewDate(reviewSegment(t))
		}
	}
	return rs, fs, at
}

// reviewSegment is the part of t about the review: from "reviewed" to the
// next label ("Written by", "Updated", "Published"), whose dates are not the
// review's.
func reviewSegment(t string) string {
	l := strings.ToLower(t)
	i := strings.Index(l, "reviewed")
	if i < 0 {
		return t
	}
	end := len(t)
	for _, w := range []string{"written", "updated", "published", "posted", "fact checked", "fact-checked"} {
		if j := strings.Index(l[i+8:], w); j >= 0 && i+8+j < end {
			end = i + 8 + j
		}
	}
	return t[i:end]
}

// inLinkCard reports n inside a link, a list item or an <article> that does
// not hold the headline: the card of another page.
func (x *page) inLinkCard(n *html.Node) bool {
	h := x.headline()
	for p := n; p != nil && p != x.body; p = p.Parent {
		switch p.DataAtom {
		case atom.A:
			return true
		case atom.Article, atom.Li:
			if h != nil && !contains(p, h) && !x.inArticleRoots(p) {
				return true
			}
		}
	}
	return false
}

// holdsRoot reports n being or holding a content root.
func (x *page) holdsRoot(n *html.Node) bool {
	for _, r := range x.roots {
		if r != x.body && contains(n, r) {
			return true
		}
	}
	return false
}

// inArticleRoots reports n inside the content roots other than <body>.
func (x *page) inArticleRoots(n *html.Node) bool {
	for _, r := range x.roots {
		if r != x.body && contains(r, n) {
			return true
		}
	}
	return false
}

// resolveReviewers fills reviewed_by and reviewed_at.
func (x *page) resolveReviewers() (by, at string) {
	if x.e.sel.reviewedBy != nil {
		if rb := x.selText(x.e.sel.reviewedBy); rb != "" {
			if r, f := reviewersIn(rb); len(r) > 0 {
				by = strings.Join(r, "; ")
			} else if len(f) > 0 {
				by = strings.Join(f, "; ")
			} else {
				by = rb
			}
		}
	}
	vr, vf, va := x.visibleReviewers()
	var ldr nameSet
	for _, r := range x.ld.reviewedBy {
		ldr.add(cleanAuthors([]string{r.name})...)
	}
	if by == "" {
		// What the page shows wins over schema.org reviewedBy naming someone
		// else; when both name the reviewer, the longer list.
		switch {
		case len(ldr) > 0 && (len(vr) == 0 || overlaps(ldr, vr) && len(ldr) >= len(vr)):
			by = strings.Join(ldr, "; ")
		case len(vr) > 0:
			by = strings.Join(vr, "; ")
		}
	}
	if by == "" {
		by = x.microdata("reviewedBy")
	}
	// Fact-checkers review too ("Fact-checked by"): named after the
	// reviewers, each once.
	if len(vf) > 0 && x.e.sel.reviewedBy == nil {
		var all nameSet
		for _, p := range strings.Split(by, "; ") {
			if p = strings.TrimSpace(p); p != "" {
				all.add(p)
			}
		}
		all.add(vf...)
		by = strings.Join(all, "; ")
	}
	at = isoDate(x.ld.reviewedAt)
	if at == "" {
		at = isoDate(x.microdata("lastReviewed"))
	}
	if at == "" {
		at = va
	}
	if at == "" {
		at = isoDate(x.mt.first("lastreviewed", "last-reviewed"))
	}
	return strings.TrimSpace(by), at
}

// dateSpan is where the first date of s is ([start, end]), nil when it has
// none (the shared vocabulary of internal/datetext).
func dateSpan(s string) []int {
	d, a, b := datetext.Find(s, datetext.MDY)
	if d.IsZero() {
		return nil
	}
	return []int{a, b}
}
