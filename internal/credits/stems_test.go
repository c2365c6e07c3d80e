package credits

import (
	"math/rand"
	"strings"
	"testing"
)

// TestMayNameReviewerRareBytes checks the rare-byte stem search against one
// strings.Contains per stem.
func TestMayNameReviewerRareBytes(t *testing.T) {
	stems := append(append([]string{}, englishStems...), otherStems...)
	filler := []string{"a", "e", "E", "r", "é", " ", "x", "o", "p", "w", "h", "H", "R", "Ü", "ü", "vi", "door"}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for k := r.Intn(12); k > 0; k-- {
			if r.Intn(4) == 0 {
				st := stems[r.Intn(len(stems))]
				b.WriteString(st[:1+r.Intn(len(st))])
			} else {
				b.WriteString(filler[r.Intn(len(filler))])
			}
		}
		s := b.String()
		for _, lang := range []string{"", "en", "EN-us", "de"} {
			if got, want := MayNameReviewerIn(s, lang), mayNameReviewerSlow(s, lang); got != want {
				t.Fatalf("MayNameReviewerIn(%q, %q) = %v, want %v", s, lang, got, want)
			}
		}
	}
}

var benchText = strings.Repeat("The researchers asked whether the reported effects held when the authors repeated the experiment later on a second sample. ", 4)

func BenchmarkMayNameReviewer(b *testing.B) {
	for i := 0; i < b.N; i++ {
		MayNameReviewerIn(benchText, "de")
		MayNameReviewerIn(benchText, "en")
	}
}

func BenchmarkMayNameReviewerSlow(b *testing.B) {
	for i := 0; i < b.N; i++ {
		mayNameReviewerSlow(benchText, "de")
		mayNameReviewerSlow(benchText, "en")
	}
}

// mayNameReviewerSlow is MayNameReviewerIn written with one strings.Contains
// per stem (the tests compare the two).
func mayNameReviewerSlow(s, lang string) bool {
	if len(s) > 600 {
		return false
	}
	for _, st := range englishStems {
		if strings.Contains(s, st) {
			return true
		}
	}
	if len(lang) >= 2 && strings.EqualFold(lang[:2], "en") {
		return false
	}
	for _, st := range otherStems {
		if strings.Contains(s, st) {
			return true
		}
	}
	return false
}

// TestReviewLeadLiterals checks that every text ReviewLead matches passes
// MayMatchReviewLeadLower: random texts built from the expression's phrases
// (whole, cut short, in changed case, with the Kelvin sign and the long s)
// and filler.
func TestReviewLeadLiterals(t *testing.T) {
	phrases := []string{"medically reviewed by", "Fact-checked by", "FACT CHECKER:", "Reviewers:", "reviewer :",
		"Medizinisch geprüft von", "ÜBERPRÜFUNG:", "revisado médicamente por", "Revisión médica:", "revisão clinica por",
		"relue par", "Médicalement validée par", "vérifié scientifiquement par", "revisionato da un medico da",
		"verificata da:", "revisione medica di", "medisch gecontroleerd door", "nagekeken door:",
		"zweryfikowane merytorycznie przez", "sprawdzony przez:", "konsultacja merytoryczna:",
		"chec\u212aed by", "revi\u017fado por", "peer-reviewed by", "content reviewed by"}
	filler := []string{" ", "a", "Jane Doe", "é", "-", ":", "\n", "by", "von", "x", "Rev", "che"}
	r := rand.New(rand.NewSource(3))
	matched, turned := 0, 0
	for i := 0; i < 30000; i++ {
		var b strings.Builder
		for k := r.Intn(6); k > 0; k-- {
			if r.Intn(3) == 0 {
				p := phrases[r.Intn(len(phrases))]
				if r.Intn(4) == 0 {
					p = p[:r.Intn(len(p)+1)]
				}
				switch r.Intn(3) {
				case 0:
					p = strings.ToUpper(p)
				case 1:
					p = strings.ToLower(p)
				}
				b.WriteString(p)
			} else {
				b.WriteString(filler[r.Intn(len(filler))])
			}
		}
		s := b.String()
		may := MayMatchReviewLeadLower(LowerASCII(s))
		if ReviewLead.MatchString(s) {
			matched++
			if !may {
				t.Fatalf("ReviewLead matches %q but MayMatchReviewLeadLower turns it away", s)
			}
		} else if !may {
			turned++
		}
	}
	if matched < 1000 || turned < 1000 {
		t.Fatalf("too few cases: %d matched, %d turned away", matched, turned)
	}
	if got := LowerASCII("Reviewed BY Ünal"); got != "reviewed by Ünal" {
		t.Fatalf("LowerASCII = %q", got)
	}
}
