package extractors

import (
	"math/rand"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/internal/credits"
)

// The fast paths of the statistics pass and the text builder must give what
// the plain versions below give.

// writeTextPlain is textBuilder.writeText one rune at a time.
func (t *textBuilder) writeTextPlain(s string) {
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if r == '\u00a0' || r == '\u200b' || r == '\ufeff' || r == '\u00ad' {
			if r == '\u00a0' {
				t.pendSpace = true
			}
			continue
		}
		if unicode.IsSpace(r) {
			t.pendSpace = true
			continue
		}
		t.separate()
		t.sb.WriteRune(r)
	}
}

// splitWordsPlain is splitWords with strings.ToLower.
func splitWordsPlain(s string, dst []string) []string {
	start := -1
	var prevLower bool
	flush := func(end int) {
		if start >= 0 && end > start {
			dst = append(dst, strings.ToLower(s[start:end]))
		}
		start = -1
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		isUpper := 'A' <= c && c <= 'Z'
		isLower := 'a' <= c && c <= 'z'
		if !isUpper && !isLower {
			flush(i)
			prevLower = false
			continue
		}
		if isUpper && prevLower {
			flush(i)
		}
		if start < 0 {
			start = i
		}
		prevLower = isLower
	}
	flush(len(s))
	return dst
}

func randomText(r *rand.Rand) string {
	parts := []string{"a", "Ab", "xY", "Z", " ", "\t", "\n", "\v", "\u00a0", "\u200b", "\ufeff", "\u00ad", "\u2003", "\u0085",
		"é", "ß", "日本", "\xff", "\xc3", "-", "_", "1", ".", "\ufffd", "hello", "World"}
	var b strings.Builder
	for k := r.Intn(10); k > 0; k-- {
		b.WriteString(parts[r.Intn(len(parts))])
	}
	return b.String()
}

func TestFastTextPathsMatchPlain(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for i := 0; i < 50000; i++ {
		a, b := randomText(r), randomText(r)
		var fast, plain textBuilder
		fast.writeText(a)
		plain.writeTextPlain(a)
		if i%3 == 0 {
			fast.newline()
			plain.newline()
		}
		fast.writeText(b)
		plain.writeTextPlain(b)
		if fast.String() != plain.String() {
			t.Fatalf("writeText(%q, %q) = %q, want %q", a, b, fast.String(), plain.String())
		}
		if got, want := strings.Join(splitWords(a+b, nil), "|"), strings.Join(splitWordsPlain(a+b, nil), "|"); got != want {
			t.Fatalf("splitWords(%q) = %q, want %q", a+b, got, want)
		}
	}
}

// isBoilerplateTextPlain is isBoilerplateText without the preconditions.
func isBoilerplateTextPlain(t string) bool {
	if len(t) > 200 {
		return false
	}
	if len(t) < 150 && (metaLineRE.MatchString(t) || credits.IsCreditLine(t)) {
		return true
	}
	l := strings.ToLower(strings.TrimSpace(strings.Trim(t, " .:|-–—•·…")))
	if boilerplateLines[l] {
		return true
	}
	if len(t) < 160 && (creditRE.MatchString(t) || promoRE.MatchString(t)) {
		return true
	}
	if len(t) < 60 && timeLineRE.MatchString(t) {
		return true
	}
	return false
}

// normKeyPlain is normKey lowering the whole string first.
func normKeyPlain(s string) string {
	var sb strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
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

func TestBoilerplatePreconditionsMatchPlain(t *testing.T) {
	words := []string{"Published", "updated", "POSTED", "last", "Reviewed", "by", "Medically", "fact-checked", "Written", "reported",
		"modified", "on", "Jane", "Doe", "March", "3,", "2024", "12:30", "pm", "Photo:", "(Photo:", "Getty", "Images)", "credit:", "Source:",
		"AP", "subscribe", "to", "our", "newsletter", "NEWSLETTERS", "sign", "up", "Have", "a", "tip?", "Follow", "her", "Contact", "the",
		"author", "Click", "here", "Tap", "advertisement", "Advertisement", "Share", "Read", "more", "\u212aelvin", "ſource:", "ſign",
		"•", "—", "|", "-", ":", "(", ")", "é", "Über", "\u0130", "12", "x", "the", "text", "of", "an", "article", "\xff"}
	r := rand.New(rand.NewSource(3))
	texts := []string{"x"}
	for i := 0; i < 30000; i++ {
		var b strings.Builder
		for k := 1 + r.Intn(8); k > 0; k-- {
			if b.Len() > 0 && r.Intn(5) > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[r.Intn(len(words))])
		}
		s := b.String()
		if got, want := isBoilerplateText(s), isBoilerplateTextPlain(s); got != want {
			t.Fatalf("isBoilerplateText(%q) = %v, want %v", s, got, want)
		}
		if got, want := normKey(s), normKeyPlain(s); got != want {
			t.Fatalf("normKey(%q) = %q, want %q", s, got, want)
		}
		other := normKey(texts[r.Intn(len(texts))])
		for _, key := range []string{normKeyPlain(s), other, normKeyPlain(s) + " x", strings.TrimSuffix(normKeyPlain(s), "e")} {
			if got, want := normKeyEqual(s, key), normKeyPlain(s) == key; got != want {
				t.Fatalf("normKeyEqual(%q, %q) = %v, want %v", s, key, got, want)
			}
		}
		texts = append(texts, s)
	}
	// The preconditions of creditRE and promoRE (the first rune, then the
	// first two of their anchored alternatives) never turn a match away.
	leads := []string{"Photos credit:", "image/", "(Pictures: x)", "Foto:", "BILD:", "Video credit :", "graphics:", "Illustration:",
		"credit :", "Source: Reuters", "Have a news tip?", "have a tip?", "Follow us on", "FOLLOW HIM ON", "Contact the reporter",
		"contact her", "Click here to", "TAP HERE TO", "Sign up for our newsletter", "Newsletter: subscribe", "ſource: AP", "Phot", "Pix"}
	mayCredit, mayPromo := 0, 0
	for i, s := range append(leads, texts...) {
		lead := leads[i%len(leads)]
		for _, v := range []string{s, strings.ToUpper(s), strings.ToLower(s), lead + " " + s, strings.ToUpper(lead) + s} {
			if creditRE.MatchString(v) && !mayMatchCredit(v) {
				t.Fatalf("mayMatchCredit turns away %q, which creditRE matches", v)
			}
			if promoRE.MatchString(v) && !mayMatchPromo(v) {
				t.Fatalf("mayMatchPromo turns away %q, which promoRE matches", v)
			}
			if creditRE.MatchString(v) {
				mayCredit++
			}
			if promoRE.MatchString(v) {
				mayPromo++
			}
		}
	}
	if mayCredit < 100 || mayPromo < 100 || mayMatchCredit("Fatigue is common") || mayMatchPromo("The study found") {
		t.Fatalf("the precondition test proves little: %d credit and %d promo matches; or a text turned away is let through", mayCredit, mayPromo)
	}
	for k := range boilerplateLines {
		for _, s := range []string{k, strings.ToUpper(k), "  " + k + " …", strings.ReplaceAll(strings.ToUpper(k), "K", "\u212a")} {
			if got, want := isBoilerplateText(s), isBoilerplateTextPlain(s); got != want {
				t.Fatalf("isBoilerplateText(%q) = %v, want %v", s, got, want)
			}
		}
	}
}

func TestGatesNeverTurnAwayAMatch(t *testing.T) {
	all := map[string]gatedRE{"refsHeading": refsHeadingG, "relatedHeading": relatedHeadingG, "dropHeading": dropHeadingG,
		"commentHeading": commentHeadingG, "popularHeading": popularHeadingG, "weakRelated": weakRelatedG, "stubCTA": stubCTAG,
		"stubMeta": stubMetaG, "bylineLabel": bylineLabelG, "metaLine": metaLineG, "timeLine": timeLineG, "bylineLead": bylineLeadG}
	texts := []string{"References", " sources:", "Related articles", "RELATED", "You may also like", "Read more", "More from Health",
		"Lesen Sie auch", "À lire aussi", "Ähnliche Artikel", "Comments", "12 comments", "Leave a reply", "Most read", "Trending now",
		"Share this article", "Newsletter", "Tags", "More about sleep", "View all posts", "Back to blog", "5 min read", "By Jane Doe",
		"Updated March 3, 2024", "by", "Written by", "Authors:", "Medically reviewed by Dr. A", "• Published 12:30 pm", "Posted on 9.30",
		"\u212aeep reading", "ſhare", "Sub\u017Fcribe", "Über uns", "12 Kommentare", "(Photo: AP)", "", " ", "\xff", "Ärztlich geprüft", "By Jane", "Written by Jane", "von Anna", "Par Marie", "  by: X"}
	words := []string{"related", "Related", "articles", "more", "from", "read", "by", "Jane", "Doe", "min", "3", "2024", "comments", "on",
		"share", "this", "view", "all", "posts", "updated", "published", ":", "-", "•", "\u212a", "ſ", "é", "\u00a0", " ", "\t", "\n", "x"}
	r := rand.New(rand.NewSource(5))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for k := 1 + r.Intn(5); k > 0; k-- {
			b.WriteString(words[r.Intn(len(words))])
			if r.Intn(3) > 0 {
				b.WriteByte(' ')
			}
		}
		texts = append(texts, b.String())
	}
	// The same in other cases and spacings, with the runes that fold to
	// ASCII letters (the pair gate reads the second rune too).
	for _, s := range texts[:len(texts)] {
		texts = append(texts, strings.ToUpper(s), strings.ToLower(s), "  "+s, "\t"+strings.ToUpper(s),
			strings.NewReplacer("k", "\u212a", "s", "ſ").Replace(s), strings.NewReplacer("K", "\u212a", "S", "ſ").Replace(strings.ToUpper(s)))
	}
	matched, turned := map[string]int{}, map[string]int{}
	for name, g := range all {
		if g.gate.all {
			t.Errorf("%s: no gate read from %s", name, g.re)
		}
		if g.pairs.all || g.seqs.all {
			t.Errorf("%s: no pair or prefix gate read from %s", name, g.re)
		}
		for _, s := range texts {
			if g.re.MatchString(s) {
				matched[name]++
				if !g.gate.may(s) {
					t.Fatalf("%s: the gate turns away %q, which matches", name, s)
				}
				if !g.pairs.may(s) {
					t.Fatalf("%s: the pair gate turns away %q, which matches", name, s)
				}
				if !g.seqs.may(s) {
					t.Fatalf("%s: the prefix gate turns away %q, which matches", name, s)
				}
			} else if g.gate.may(s) && (!g.pairs.may(s) || !g.seqs.may(s)) {
				turned[name]++
			}
		}
	}
	if turned["relatedHeading"] == 0 {
		t.Errorf("the pair gate of relatedHeading turns nothing away the first-rune gate lets through")
	}
	for _, s := range []string{"Most Popular", "Pamela Wilson", "Learn More", "November 19, 2019"} {
		if relatedHeadingG.may(s) {
			t.Errorf("relatedHeadingG lets %q through", s)
		}
	}
	for name := range all {
		if matched[name] == 0 {
			t.Errorf("%s: no text matched: the test proves nothing for it", name)
		}
	}
}

// indexFoldPlain is indexFold testing every byte.
func indexFoldPlain(s, lowerNeedle []byte) int {
	n := len(lowerNeedle)
	if n == 0 {
		return 0
	}
	first := lowerNeedle[0]
	for i := 0; i+n <= len(s); i++ {
		c := s[i]
		if c|0x20 != first && c != first {
			continue
		}
		ok := true
		for k := 1; k < n; k++ {
			d := s[i+k]
			if 'A' <= d && d <= 'Z' {
				d += 'a' - 'A'
			}
			if d != lowerNeedle[k] {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

func TestIndexFoldJumpsMatchPlain(t *testing.T) {
	parts := []string{"<", "\x1c", "meta", "META", "Meta", "<meta", "\x1cMETA", "charset", "CharSet", "</head", "</HEAD", "<body", "x", " ", "c", "C", "\x03"}
	needles := []string{"<meta", "</head", "<body", "charset", "c", "<"}
	r := rand.New(rand.NewSource(9))
	for i := 0; i < 30000; i++ {
		var b strings.Builder
		for k := r.Intn(12); k > 0; k-- {
			b.WriteString(parts[r.Intn(len(parts))])
		}
		s := []byte(b.String())
		for _, nd := range needles {
			if got, want := indexFold(s, []byte(nd)), indexFoldPlain(s, []byte(nd)); got != want {
				t.Fatalf("indexFold(%q, %q) = %d, want %d", s, nd, got, want)
			}
		}
	}
}

// titleWordsPlain is titleWords over strings.Fields.
func titleWordsPlain(s string) int {
	n := 0
	for _, f := range strings.Fields(s) {
		cjk, alnum := 0, false
		for _, r := range f {
			switch {
			case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
				cjk++
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				alnum = true
			}
		}
		switch {
		case cjk > 0:
			n += (cjk + 1) / 2
		case alnum:
			n++
		}
	}
	return n
}

func TestTitleWordsMatchesPlain(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	parts := []string{"a", "Ab", "1", " ", "\t", "\n", "\v", "\f", "\r", "\u0085", "\u00a0", "\u2003", "\u3000", "日本", "語", "かな", "カナ", "한국",
		"é", "ß", "\xff", "\xc3", "-", "|", "…", "\ufffd", "٣", "hello"}
	for i := 0; i < 50000; i++ {
		s := randomJoin(r, parts, 12)
		if got, want := titleWords(s), titleWordsPlain(s); got != want {
			t.Fatalf("titleWords(%q) = %d, want %d", s, got, want)
		}
	}
}

// rootWeightPlain is rootWeight with strings.Contains.
func rootWeightPlain(w string) int {
	if len(w) < 6 {
		return 0
	}
	for _, r := range boilerplateRoots {
		if strings.Contains(w, r) {
			return -3
		}
	}
	return 0
}

func TestRootWeightMatchesPlain(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	parts := append([]string{"a", "x", "re", "so", "side", "cook", "bar", "é", "\xff"}, boilerplateRoots...)
	for _, p := range boilerplateRoots {
		parts = append(parts, p[:len(p)/2], p[len(p)/2:])
	}
	for i := 0; i < 50000; i++ {
		w := randomJoin(r, parts, 5)
		if got, want := rootWeight(w), rootWeightPlain(w); got != want {
			t.Fatalf("rootWeight(%q) = %d, want %d", w, got, want)
		}
	}
}

// countTextPlain is countText one rune at a time.
func countTextPlain(s string) (n, commas int) {
	for _, r := range s {
		switch {
		case r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f':
		case r >= utf8.RuneSelf && unicode.IsSpace(r):
		default:
			n++
			if r == ',' || r == '，' || r == '、' || r == '،' {
				commas++
			}
		}
	}
	return n, commas
}

func TestCountTextMatchesPlain(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	extra := []string{",", "，", "、", "،", "\v", "\r", "\f", "\x00", "\x7f"}
	for i := 0; i < 50000; i++ {
		s := randomText(r) + extra[r.Intn(len(extra))] + randomText(r)
		n, c := countText(s)
		pn, pc := countTextPlain(s)
		if n != pn || c != pc {
			t.Fatalf("countText(%q) = %d, %d, want %d, %d", s, n, c, pn, pc)
		}
	}
}

// randomJoin joins fewer than most random parts.
func randomJoin(r *rand.Rand, parts []string, most int) string {
	var b strings.Builder
	for k := r.Intn(most); k > 0; k-- {
		b.WriteString(parts[r.Intn(len(parts))])
	}
	return b.String()
}

// TestIsListingURLMatchesPlain checks isListingURL against listingPathRE on
// URLs built from its words, in changed cases and with the Kelvin sign and
// long s.
func TestIsListingURLMatchesPlain(t *testing.T) {
	parts := []string{"/category", "/Categories", "/tag", "/TAGS", "/topic", "/topics", "/section", "/Sections", "/archive", "/archives",
		"/author", "/authors", "/search", "/label", "/labels", "/page/2", "/p/12", "/p/12/", "/", "?page=2", "&s=x", "?q=", "/health",
		"/research", "/2024", "/a-tag-cloud", "/ſearch", "/ſections", "/TAGſ", "/\u212a", "/news", "x", "é", "/paGE/3", "/P/7"}
	r := rand.New(rand.NewSource(9))
	matched, turned := 0, 0
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		b.WriteString("https://example.com")
		for k := r.Intn(5); k > 0; k-- {
			b.WriteString(parts[r.Intn(len(parts))])
		}
		u := b.String()
		if r.Intn(4) == 0 {
			u = strings.ToUpper(u)
		}
		got, want := isListingURL(u), listingPathRE.MatchString(u)
		if got != want {
			t.Fatalf("isListingURL(%q) = %v, want %v", u, got, want)
		}
		if want {
			matched++
		} else {
			turned++
		}
	}
	if matched < 1000 || turned < 1000 {
		t.Fatalf("too few cases: %d listings, %d others", matched, turned)
	}
}

// sampleRE appends to b a random text of re's language (when its
// assertions hold: the caller checks the match): literals in a random case
// of their fold orbit, classes by a random range, repeats 0–3 times.
func sampleRE(r *rand.Rand, re *syntax.Regexp, b *strings.Builder) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, c := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				for k := r.Intn(3); k > 0; k-- {
					c = unicode.SimpleFold(c)
				}
			}
			b.WriteRune(c)
		}
	case syntax.OpCharClass:
		if len(re.Rune) >= 2 {
			i := 2 * r.Intn(len(re.Rune)/2)
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi-lo > 0x100 {
				hi = lo + 0x100
			}
			b.WriteRune(lo + rune(r.Intn(int(hi-lo)+1)))
		}
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte("ab .-1"[r.Intn(6)])
	case syntax.OpCapture:
		sampleRE(r, re.Sub[0], b)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			sampleRE(r, s, b)
		}
	case syntax.OpAlternate:
		sampleRE(r, re.Sub[r.Intn(len(re.Sub))], b)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 3
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo = re.Min
			if re.Max >= 0 {
				hi = min(re.Max, lo+3)
			} else {
				hi = lo + 3
			}
		}
		for k := lo + r.Intn(hi-lo+1); k > 0; k-- {
			sampleRE(r, re.Sub[0], b)
		}
	}
}

// TestGatesPassSampledMatches checks every gate against texts sampled from
// its expression's own language (all the phrases of every alternative, in
// random cases, Kelvin sign and long s included).
func TestGatesPassSampledMatches(t *testing.T) {
	all := map[string]gatedRE{"refsHeading": refsHeadingG, "relatedHeading": relatedHeadingG, "dropHeading": dropHeadingG,
		"commentHeading": commentHeadingG, "popularHeading": popularHeadingG, "weakRelated": weakRelatedG, "stubCTA": stubCTAG,
		"stubMeta": stubMetaG, "bylineLabel": bylineLabelG, "metaLine": metaLineG, "timeLine": timeLineG, "bylineLead": bylineLeadG}
	r := rand.New(rand.NewSource(11))
	for name, g := range all {
		tree, err := syntax.Parse(g.re.String(), syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		matched := 0
		for i := 0; i < 3000; i++ {
			var b strings.Builder
			sampleRE(r, tree, &b)
			s := b.String()
			if !g.re.MatchString(s) {
				continue
			}
			matched++
			if !g.may(s) {
				t.Fatalf("%s: a gate turns away %q, which matches", name, s)
			}
		}
		if matched < 500 {
			t.Errorf("%s: only %d sampled texts matched", name, matched)
		}
	}
	for name, re := range map[string]*regexp.Regexp{"credit": creditRE, "promo": promoRE} {
		tree, _ := syntax.Parse(re.String(), syntax.Perl)
		for i := 0; i < 3000; i++ {
			var b strings.Builder
			sampleRE(r, tree, &b)
			s := b.String()
			if re.MatchString(s) && (name == "credit" && !mayMatchCredit(s) || name == "promo" && !mayMatchPromo(s)) {
				t.Fatalf("%s: the precondition turns away %q, which matches", name, s)
			}
		}
	}
	tree, _ := syntax.Parse(credits.ReviewLead.String(), syntax.Perl)
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		sampleRE(r, tree, &b)
		s := b.String()
		if credits.ReviewLead.MatchString(s) && !credits.MayMatchReviewLeadLower(credits.LowerASCII(s)) {
			t.Fatalf("ReviewLead: the literal test turns away %q, which matches", s)
		}
	}
	tree, _ = syntax.Parse(listingPathRE.String(), syntax.Perl)
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		sampleRE(r, tree, &b)
		s := b.String()
		if got, want := isListingURL(s), listingPathRE.MatchString(s); got != want {
			t.Fatalf("isListingURL(%q) = %v, want %v", s, got, want)
		}
	}
}
