package extractors

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A firstRunes gate holds the runes a match of an anchored expression
// ("^…", "(?i)^\s*(related|…)") can start with, read from the expression
// itself: texts starting with any other rune cannot match, and are turned
// away without running the expression (most texts tested against a heading
// or label pattern start with another letter than all its phrases).
type firstRunes struct {
	all    bool      // any text may match: the expression is not anchored, or matches the empty text
	ascii  [2]uint64 // the ASCII runes, one bit each
	ranges []rune    // the others, as lo, hi pairs
}

// gateOf reads re's gate (all when re is not anchored at the text's start).
func gateOf(re *regexp.Regexp) *firstRunes {
	g := &firstRunes{}
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil || !startsAnchored(tree) {
		g.all = true
		return g
	}
	if nullable := g.add(tree); nullable {
		g.all = true
	}
	return g
}

// may reports whether a text starting like t can match.
func (g *firstRunes) may(t string) bool {
	if g.all {
		return true
	}
	if t == "" {
		return false // (not nullable)
	}
	r, _ := utf8.DecodeRuneInString(t)
	if r < utf8.RuneSelf {
		return g.ascii[r>>6]&(1<<(r&63)) != 0
	}
	for i := 0; i+1 < len(g.ranges); i += 2 {
		if g.ranges[i] <= r && r <= g.ranges[i+1] {
			return true
		}
	}
	return false
}

// startsAnchored reports an expression every match of which starts at the
// text's start (^ without (?m) first, in every alternative).
func startsAnchored(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpBeginText:
		return true
	case syntax.OpCapture:
		return startsAnchored(re.Sub[0])
	case syntax.OpConcat:
		return len(re.Sub) > 0 && startsAnchored(re.Sub[0])
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			if !startsAnchored(s) {
				return false
			}
		}
		return len(re.Sub) > 0
	}
	return false
}

// add adds the runes a match of re can start with, and reports whether re
// matches the empty text (then what follows it can start the match too).
func (g *firstRunes) add(re *syntax.Regexp) (nullable bool) {
	switch re.Op {
	case syntax.OpNoMatch:
		return false
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return true
		}
		r := re.Rune[0]
		g.addRange(r, r)
		if re.Flags&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				g.addRange(f, f)
			}
		}
		return false
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			g.addRange(re.Rune[i], re.Rune[i+1])
		}
		return false
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		g.all = true
		return false
	case syntax.OpCapture:
		return g.add(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		g.add(re.Sub[0])
		return true
	case syntax.OpPlus:
		return g.add(re.Sub[0])
	case syntax.OpRepeat:
		n := g.add(re.Sub[0])
		return n || re.Min == 0
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !g.add(s) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		nullable := false
		for _, s := range re.Sub {
			if g.add(s) {
				nullable = true
			}
		}
		return nullable
	}
	g.all = true // an operator not known here: no gate
	return true
}

func (g *firstRunes) addRange(lo, hi rune) {
	for ; lo <= hi && lo < utf8.RuneSelf; lo++ {
		g.ascii[lo>>6] |= 1 << (lo & 63)
	}
	if lo <= hi {
		g.ranges = append(g.ranges, lo, hi)
	}
}

// gatedRE is an anchored expression behind its gate.
type gatedRE struct {
	re    *regexp.Regexp
	gate  *firstRunes
	pairs *runePairs
	seqs  *runeSeqs
}

func gated(re *regexp.Regexp) gatedRE { return gatedRE{re, gateOf(re), pairsOf(re), seqsOf(re)} }

// may reports whether t can match (the first rune, the first two, the first
// prefixRunes).
func (g gatedRE) may(t string) bool { return g.gate.may(t) && g.pairs.may(t) && g.seqs.may(t) }

// MatchString is re.MatchString(t), not run when t cannot match.
func (g gatedRE) MatchString(t string) bool { return g.may(t) && g.re.MatchString(t) }

// FindStringIndex is re.FindStringIndex(t), not run when t cannot match.
func (g gatedRE) FindStringIndex(t string) []int {
	if !g.may(t) {
		return nil
	}
	return g.re.FindStringIndex(t)
}

// The expressions matched against many short texts (headings, labels, lines).
var (
	refsHeadingG    = gated(refsHeadingRE)
	relatedHeadingG = gated(relatedHeadingRE)
	dropHeadingG    = gated(dropHeadingRE)
	commentHeadingG = gated(commentHeadingRE)
	popularHeadingG = gated(popularHeadingRE)
	weakRelatedG    = gated(weakRelatedRE)
	stubCTAG        = gated(stubCTARE)
	stubMetaG       = gated(stubMetaRE)
	bylineLabelG    = gated(bylineLabelRE)
	metaLineG       = gated(metaLineRE)
	timeLineG       = gated(timeLineRE)
	bylineLeadG     = gated(bylineLeadRE)
)

// A runePairs gate holds the first two runes a match of an anchored
// expression can start with, read from the expression like firstRunes: a
// text whose first rune may start a match but whose second may not follow it
// there ("Research" against "related …|read next|recommended") is turned away
// too. Each pair is over-approximated by rune classes (zero-width assertions
// are ignored, which only lets more texts through).
type runePairs struct {
	all bool
	// For an ASCII first rune: end, a match may end after it; next, the
	// ASCII runes that may follow it; nextHi, the other runes (lo, hi pairs).
	end    [2]uint64
	next   [utf8.RuneSelf][2]uint64
	nextHi [utf8.RuneSelf][]rune
	// seqs are all the starts (one or two classes), for other first runes.
	seqs [][]runeClass
}

// runeClass is a set of runes as lo, hi pairs.
type runeClass []rune

func (c runeClass) has(r rune) bool {
	for i := 0; i+1 < len(c); i += 2 {
		if c[i] <= r && r <= c[i+1] {
			return true
		}
	}
	return false
}

// maxPairSeqs bounds the starts kept for one expression; beyond it, no gate.
const maxPairSeqs = 4096

// pairsOf reads re's pair gate (all when re is not anchored at the text's
// start, may match the empty text, or is too large to enumerate).
func pairsOf(re *regexp.Regexp) *runePairs {
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return &runePairs{all: true}
	}
	return pairsOfTree(tree)
}

// anchoredPairs is the pair gate of the alternatives of re anchored at the
// text's start (the others are the caller's to test: "^(photo|image)…|\((photo|credit)…\)$").
func anchoredPairs(re *regexp.Regexp) *runePairs {
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return &runePairs{all: true}
	}
	if tree.Op == syntax.OpAlternate {
		var subs []*syntax.Regexp
		for _, s := range tree.Sub {
			if startsAnchored(s) {
				subs = append(subs, s)
			}
		}
		tree = &syntax.Regexp{Op: syntax.OpAlternate, Sub: subs}
	}
	return pairsOfTree(tree)
}

// runeSeqs is the gate of the first few (prefixRunes) runes, for texts the
// pair gate lets through ("Most Popular" against "more …", "Pamela Wilson"
// against "passend zum thema").
type runeSeqs struct {
	all  bool
	seqs [][]runeClass
	// byFirst are the seqs whose first class holds each ASCII rune.
	byFirst [utf8.RuneSelf][][]runeClass
}

const prefixRunes = 4

// seqsOf reads re's gate of the first prefixRunes runes (all when re is not
// anchored, may match the empty text, or is too large to enumerate).
func seqsOf(re *regexp.Regexp) *runeSeqs {
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil || !startsAnchored(tree) {
		return &runeSeqs{all: true}
	}
	seqs, ok := starts(tree, prefixRunes)
	if !ok {
		return &runeSeqs{all: true}
	}
	for _, s := range seqs {
		if len(s) == 0 {
			return &runeSeqs{all: true}
		}
	}
	g := &runeSeqs{seqs: seqs}
	for r := rune(0); r < utf8.RuneSelf; r++ {
		for _, s := range seqs {
			if s[0].has(r) {
				g.byFirst[r] = append(g.byFirst[r], s)
			}
		}
	}
	return g
}

// may reports whether a text starting like t can match.
func (g *runeSeqs) may(t string) bool {
	if g.all {
		return true
	}
	var rs [prefixRunes]rune
	n := 0
	for n < prefixRunes && t != "" {
		r, size := utf8.DecodeRuneInString(t)
		rs[n], t = r, t[size:]
		n++
	}
	seqs := g.seqs
	if rs[0] < utf8.RuneSelf {
		seqs = g.byFirst[rs[0]]
	}
next:
	for _, s := range seqs {
		if len(s) > n {
			continue
		}
		for i, c := range s {
			if !c.has(rs[i]) {
				continue next
			}
		}
		return true
	}
	return false
}

func pairsOfTree(tree *syntax.Regexp) *runePairs {
	p := &runePairs{}
	if !startsAnchored(tree) {
		p.all = true
		return p
	}
	seqs, ok := starts(tree, 2)
	if !ok {
		p.all = true
		return p
	}
	for _, s := range seqs {
		if len(s) == 0 {
			p.all = true // nullable
			return p
		}
	}
	p.seqs = seqs
	for r := rune(0); r < utf8.RuneSelf; r++ {
		for _, s := range seqs {
			if !s[0].has(r) {
				continue
			}
			if len(s) == 1 {
				p.end[r>>6] |= 1 << (r & 63)
				continue
			}
			c := s[1]
			for i := 0; i+1 < len(c); i += 2 {
				lo, hi := c[i], c[i+1]
				for ; lo <= hi && lo < utf8.RuneSelf; lo++ {
					p.next[r][lo>>6] |= 1 << (lo & 63)
				}
				if lo <= hi {
					p.nextHi[r] = append(p.nextHi[r], lo, hi)
				}
			}
		}
	}
	return p
}

// may reports whether a text starting like t can match.
func (p *runePairs) may(t string) bool {
	if p.all {
		return true
	}
	r1, n := utf8.DecodeRuneInString(t)
	if t == "" {
		return false
	}
	rest := t[n:]
	if r1 < utf8.RuneSelf {
		if p.end[r1>>6]&(1<<(r1&63)) != 0 {
			return true
		}
		if rest == "" {
			return false
		}
		r2, _ := utf8.DecodeRuneInString(rest)
		if r2 < utf8.RuneSelf {
			return p.next[r1][r2>>6]&(1<<(r2&63)) != 0
		}
		return runeClass(p.nextHi[r1]).has(r2)
	}
	r2, m := utf8.DecodeRuneInString(rest)
	for _, s := range p.seqs {
		if !s[0].has(r1) {
			continue
		}
		if len(s) == 1 || m > 0 && s[1].has(r2) {
			return true
		}
	}
	return false
}

// starts is the set of the starts (first k runes, as classes; fewer when a
// match may be shorter) of the texts re matches; ok false when unknown or too
// many.
func starts(re *syntax.Regexp, k int) (seqs [][]runeClass, ok bool) {
	switch re.Op {
	case syntax.OpNoMatch:
		return nil, true
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return [][]runeClass{{}}, true
	case syntax.OpLiteral:
		var s []runeClass
		for _, r := range re.Rune[:min(k, len(re.Rune))] {
			c := runeClass{r, r}
			if re.Flags&syntax.FoldCase != 0 {
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					c = append(c, f, f)
				}
			}
			s = append(s, c)
		}
		return [][]runeClass{s}, true
	case syntax.OpCharClass:
		return [][]runeClass{{runeClass(re.Rune)}}, true
	case syntax.OpAnyChar:
		return [][]runeClass{{{0, unicode.MaxRune}}}, true
	case syntax.OpAnyCharNotNL:
		return [][]runeClass{{{0, '\n' - 1, '\n' + 1, unicode.MaxRune}}}, true
	case syntax.OpCapture:
		return starts(re.Sub[0], k)
	case syntax.OpConcat:
		seqs = [][]runeClass{{}}
		for _, sub := range re.Sub {
			next, ok := starts(sub, k)
			if !ok {
				return nil, false
			}
			if seqs, ok = concatStarts(seqs, next, k); !ok {
				return nil, false
			}
		}
		return seqs, true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			s, ok := starts(sub, k)
			if !ok || len(seqs)+len(s) > maxPairSeqs {
				return nil, false
			}
			seqs = append(seqs, s...)
		}
		return seqs, true
	case syntax.OpQuest, syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		one, ok := starts(re.Sub[0], k)
		if !ok {
			return nil, false
		}
		minN, maxN := 0, 1
		switch re.Op {
		case syntax.OpStar:
			maxN = -1
		case syntax.OpPlus:
			minN, maxN = 1, -1
		case syntax.OpRepeat:
			minN, maxN = re.Min, re.Max
		}
		if maxN == 0 {
			return [][]runeClass{{}}, true
		}
		if minN == 0 {
			seqs = append(seqs, []runeClass{})
		}
		// Rounds up to k give every start of more rounds (each round adds
		// a rune or none); fewer rounds than minN are let through too.
		round := one
		seqs = append(seqs, one...)
		for n := 2; n <= k && (maxN == -1 || n <= maxN); n++ {
			if round, ok = concatStarts(round, one, k); !ok || len(seqs)+len(round) > maxPairSeqs {
				return nil, false
			}
			seqs = append(seqs, round...)
		}
		return dedupeStarts(seqs), true
	}
	return nil, false // an operator not known here
}

// concatStarts is the starts of a text of a followed by one of b.
func concatStarts(a, b [][]runeClass, k int) ([][]runeClass, bool) {
	var out [][]runeClass
	for _, s := range a {
		if len(s) >= k {
			out = append(out, s)
			continue
		}
		for _, t := range b {
			u := append(append([]runeClass{}, s...), t[:min(len(t), k-len(s))]...)
			out = append(out, u)
		}
		if len(out) > maxPairSeqs {
			return nil, false
		}
	}
	return dedupeStarts(out), true
}

// dedupeStarts drops repeated starts (alternatives sharing their first runes).
func dedupeStarts(seqs [][]runeClass) [][]runeClass {
	seen := make(map[string]bool, len(seqs))
	out := seqs[:0]
	for _, s := range seqs {
		var b strings.Builder
		for _, c := range s {
			for _, r := range c {
				b.WriteString(string(r))
				b.WriteByte(0)
			}
			b.WriteByte(1)
		}
		if k := b.String(); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}
