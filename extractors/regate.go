package extractors

import (
	"regexp"
	"regexp/syntax"
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
	re   *regexp.Regexp
	gate *firstRunes
}

func gated(re *regexp.Regexp) gatedRE { return gatedRE{re, gateOf(re)} }

// MatchString is re.MatchString(t), not run when t cannot match.
func (g gatedRE) MatchString(t string) bool { return g.gate.may(t) && g.re.MatchString(t) }

// FindStringIndex is re.FindStringIndex(t), not run when t cannot match.
func (g gatedRE) FindStringIndex(t string) []int {
	if !g.gate.may(t) {
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
