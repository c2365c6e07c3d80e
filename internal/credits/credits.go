// Package credits recognises the credit lines of an article — bylines
// ("By Jane Doe", "Von Dr. Katharina Vogel"), reviewer lines ("Medically
// reviewed by …", "Medizinisch geprüft von …", "Revisado médicamente por …")
// and labelled date lines ("Published March 3, 2024", "Veröffentlicht am
// 12.01.2022 · Aktualisiert am 3. März 2024") — in the languages healthcrawl
// meets most (en, de, fr, es, it, pt, nl, pl). The extractor reads reviewers
// with ReviewLead; the extractor's body walk and the pipeline's
// drop_boilerplate stage keep such lines out of the text with IsCreditLine.
// Dates come from the one date vocabulary, internal/datetext.
package credits

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/healthcrawl/healthcrawl/internal/datetext"
)

// ReviewLead matches the words that introduce a reviewer's name. Submatch 1
// is "fact" in "Fact-checked by"; submatch 2 is a "Fact checker:" / "Reviewer:"
// label.
var ReviewLead = regexp.MustCompile(`(?i)(?:^|[^\pL])(?:(?:medically|clinically|expert|professionally|scientifically|medical|clinical|peer|article|content|also|and)[\s-]+)?(?:(fact)[\s-]*checked|reviewed)\s+by\s*:?\s*|(?:^|[^\pL])(?:(?:medical|clinical|expert|article|content)\s+)?(fact[\s-]*checker|reviewers?)\s*:\s*` +
	// the same in de, es, pt, fr, it, nl, pl
	`|(?:^|[^\pL])(?:(?:medizinisch|fachlich|ärztlich|redaktionell)\s+)?(?:über)?geprüft\s+von\s*:?\s*|(?:^|[^\pL])(?:medizinische\s+)?(?:prüfung|überprüfung)\s*:\s*` +
	`|(?:^|[^\pL])revisad[oa]\s+(?:(?:médica|medica|clínica|clinica)mente\s+)?por\s*:?\s*|(?:^|[^\pL])(?:revisión|revisão)\s+(?:médica|medica|clínica|clinica)\s*(?:por|:)\s*` +
	`|(?:^|[^\pL])(?:(?:relu|relue|révisé|révisée|vérifié|vérifiée|validé|validée)(?:\s+(?:médicalement|scientifiquement))?|médicalement\s+(?:relu|révisé|vérifié|validé)e?)\s+par\s*:?\s*` +
	`|(?:^|[^\pL])(?:revisionat[oa]|verificat[oa])(?:\s+(?:scientificamente|da un medico))?\s+da\s*:?\s*|(?:^|[^\pL])revisione\s+medica\s*(?:di|:)\s*` +
	`|(?:^|[^\pL])(?:medisch\s+)?(?:gecontroleerd|beoordeeld|nagekeken)\s+door\s*:?\s*` +
	`|(?:^|[^\pL])(?:zweryfikowan[oeya]|sprawdzon[oeya])(?:\s+merytorycznie)?\s+przez\s*:?\s*|(?:^|[^\pL])konsultacja\s+merytoryczna\s*:\s*`)

// englishStems and otherStems are ReviewLead's phrases as cheap substrings
// (without their first letter, so a capitalised label matches too): a text
// without any of them cannot match.
var (
	englishStems = []string{"eviewe", "EVIEWE", "hecke", "HECKE"}
	otherStems   = []string{"evis", "EVIS", "évis", "rüf", "RÜF", "rif", "elu par", "elue par", "alidé", " door", "weryf", "prawdz", "onsult"}
)

// reviewLeadLiterals are ASCII words one of which every match of ReviewLead
// holds, in any case: "revi" (reviewed, reviewer, revisado, revisión,
// revisionato, revisione), "chec" (checked, checker), "von", "fung" (prüfung),
// "par", "verificat", "door", "przez", "merytoryczn". None holds k or s, the
// only ASCII letters that fold to a non-ASCII rune (the Kelvin sign, the long
// s), so an ASCII-lowered copy of a text holds one whenever ReviewLead can
// match it.
var reviewLeadLiterals = []string{"revi", "chec", "von", "fung", "par", "verificat", "door", "przez", "merytoryczn"}

// LowerASCII is s with its ASCII capitals lowered (other bytes unchanged, so
// offsets into s and into it agree): what MayMatchReviewLeadLower wants.
func LowerASCII(s string) string {
	i := 0
	for i < len(s) && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if c := b[i]; 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// MayMatchReviewLeadLower reports whether ReviewLead can match the text whose
// LowerASCII is l: false means it cannot (an exact test, unlike
// MayNameReviewer, which also turns away long texts).
func MayMatchReviewLeadLower(l string) bool {
	for _, w := range reviewLeadLiterals {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// MayNameReviewer is a cheap test for texts worth matching with ReviewLead.
func MayNameReviewer(s string) bool { return MayNameReviewerIn(s, "") }

// MayNameReviewerIn is MayNameReviewer for a page in language lang (an ISO
// 639-1 code or tag; "" when unknown): English pages are only tested for the
// English phrases.
func MayNameReviewerIn(s, lang string) bool {
	if len(s) > 600 {
		return false // a reviewer is credited in a short line, not inside prose
	}
	for _, st := range englishStemsAt {
		if containsAt(s, st.s, st.k) {
			return true
		}
	}
	if len(lang) >= 2 && strings.EqualFold(lang[:2], "en") {
		return false
	}
	for _, st := range otherStemsAt {
		if containsAt(s, st.s, st.k) {
			return true
		}
	}
	return false
}

// stemAt is a stem and the index of a rare byte in it, searched first.
type stemAt struct {
	s string
	k int
}

var englishStemsAt, otherStemsAt = rareBytes(englishStems), rareBytes(otherStems)

// rareBytes pairs each stem with the index of its rarest byte (in prose: the
// letters v, k, y, z, f, u, d, and the second bytes of accented letters, are
// rarer than the rest).
func rareBytes(stems []string) []stemAt {
	const rank = "zZkKvVyYfFwWdDuUpP "
	out := make([]stemAt, len(stems))
	for i, st := range stems {
		best, bestR := 0, len(rank)+1
		for k := 0; k < len(st); k++ {
			r := strings.IndexByte(rank, st[k])
			if st[k] >= 0x80 && st[k] < 0xC0 {
				r = -1 // a continuation byte: rarest of all
			}
			if r < 0 && st[k] < 0x80 {
				r = len(rank)
			}
			if r < bestR {
				best, bestR = k, r
			}
		}
		out[i] = stemAt{st, best}
	}
	return out
}

// containsAt is strings.Contains(s, stem), found by looking for stem[k]
// first (a byte rarer in text than stem's first one).
func containsAt(s, stem string, k int) bool {
	c := stem[k]
	for off := 0; ; {
		j := strings.IndexByte(s[off:], c)
		if j < 0 {
			return false
		}
		if i := off + j - k; i >= 0 && strings.HasPrefix(s[i:], stem) {
			return true
		}
		off += j + 1
	}
}

// bylineLeadRE matches "By", "Written by" and their translations at the start
// of a line.
var bylineLeadRE = regexp.MustCompile(`(?i)^[^\pL\pN]*(?:(?:written|posted|reported|edited|compiled)\s+by|by|von|verfasst\s+von|geschrieben\s+von|autor(?:in)?\s*:|por|escrito\s+por|redactado\s+por|par|écrit\s+par|rédigé\s+par|di|scritto\s+da|a\s+cura\s+di|door|geschreven\s+door|przez|autor(?:ka)?\s*:|napisane\s+przez)\s+`)

// bylineFirst are the first words bylineLeadRE can match.
var bylineFirst = wordSet(`written posted reported edited compiled by von verfasst geschrieben autor autorin por escrito redactado par écrit rédigé di scritto a door geschreven przez autorka napisane`)

// dateLabels are the words of a labelled date line besides its dates.
var dateLabels = wordSet(`published publish posted updated update last modified revised reviewed released
	first created on at by
	veröffentlicht erschienen aktualisiert zuletzt geändert stand geprüft am um
	publié publiée mis mise à jour le modifié révisé
	publicado publicada actualizado actualizada actualización revisado revisada el en
	pubblicato pubblicata aggiornato aggiornata aggiornamento il del alle
	atualizado atualizada atualização em
	gepubliceerd geplaatst bijgewerkt gewijzigd op
	opublikowano opublikowany zaktualizowano aktualizacja dnia
	date datum fecha data`)

func wordSet(lists ...string) map[string]bool {
	m := map[string]bool{}
	for _, l := range lists {
		for _, w := range strings.Fields(l) {
			m[w] = true
		}
	}
	return m
}

// IsCreditLine reports a short line that credits the article rather than
// being part of it: a reviewer line, a byline of a few capitalised words, or
// a date line whose other words are all date labels.
func IsCreditLine(t string) bool {
	t = strings.TrimSpace(t)
	if t == "" || len(t) > 200 {
		return false
	}
	words := strings.Fields(t)
	if len(words) > 24 {
		return false
	}
	if MayNameReviewer(t) {
		if loc := ReviewLead.FindStringIndex(t); loc != nil && strings.TrimFunc(t[:loc[0]], notLetter) == "" && len(words) <= 16 {
			return true
		}
	}
	if len(words) <= 12 && bylineFirst[strings.ToLower(strings.TrimFunc(words[0], notLetter))] {
		loc := bylineLeadRE.FindStringIndex(t)
		if loc == nil {
			return isLabelledDateLine(t)
		}
		rest := strings.TrimSpace(t[loc[1]:])
		if r := []rune(rest); len(r) > 0 && unicode.IsUpper(r[0]) && !strings.ContainsAny(rest, ".!?") || strings.HasPrefix(rest, "Dr.") || strings.HasPrefix(rest, "Prof.") {
			return true
		}
	}
	return isLabelledDateLine(t)
}

// isLabelledDateLine reports "Published March 3, 2024 · Updated …": one or
// more dates, and no other word than date labels and glue.
func isLabelledDateLine(t string) bool {
	// Cheap tests first: a digit somewhere, and a first word that is a
	// label, a month or weekday name, or a number.
	if strings.IndexAny(t, "0123456789") < 0 {
		return false
	}
	first := strings.TrimLeftFunc(t, notLetterOrDigit)
	if i := strings.IndexFunc(first, notLetterOrDigit); i >= 0 {
		first = first[:i]
	}
	if first == "" {
		return false
	}
	if lw := strings.ToLower(first); !dateLabels[lw] && !datetext.IsMonth(lw) && !datetext.IsWeekday(lw) && (first[0] < '0' || first[0] > '9') {
		return false
	}
	found := false
	rest := t
	for k := 0; k < 4; k++ {
		d, a, b := datetext.Find(rest, datetext.MDY)
		if d.IsZero() {
			break
		}
		found = true
		rest = rest[:a] + " " + rest[b:]
	}
	if !found {
		return false
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(rest), notLetter) {
		if !dateLabels[w] && !datetext.IsWeekday(w) {
			return false
		}
	}
	return true
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }

func notLetterOrDigit(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
