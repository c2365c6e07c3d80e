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
