package pipeline

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text predicates shared by the structural stages and by textingest. They work on
// normalized text (single spaces, NFC) and never panic on any input.

// smallWords may be lower case inside a title-case run ("What to Remember").
var smallWords = map[string]bool{
	"a": true, "an": true, "the": true, "and": true, "or": true, "but": true, "nor": true,
	"of": true, "in": true, "on": true, "at": true, "to": true, "for": true, "with": true,
	"by": true, "from": true, "as": true, "vs": true, "via": true, "into": true, "onto": true,
	"per": true, "over": true, "up": true, "than": true, "off": true, "out": true, "if": true,
	"so": true, "yet": true, "de": true, "la": true, "el": true, "von": true, "van": true,
}

// abbreviations end with a dot that does not end a sentence (compared lower case).
var abbreviations = map[string]bool{
	"dr": true, "mr": true, "mrs": true, "ms": true, "prof": true, "st": true, "jr": true,
	"sr": true, "vs": true, "etc": true, "fig": true, "figs": true,
	"vol": true, "al": true, "approx": true, "inc": true, "ltd": true, "co": true,
	"corp": true, "mt": true, "ft": true, "dept": true, "univ": true, "gen": true,
	"gov": true, "rev": true, "hon": true, "sgt": true, "capt": true, "lt": true, "col": true,
	"ave": true, "blvd": true, "rd": true, "ca": true, "cf": true,
	"ie": true, "eg": true, "viz": true, "ph": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
	"eds": true, "pp": true,
}

// words splits s on spaces.
func words(s string) []string { return strings.Fields(s) }

// trimWordPunct strips punctuation around a word ("(Pain" → "Pain", "It's," → "It's").
func trimWordPunct(w string) string {
	return strings.TrimFunc(w, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// isTitleCase reports whether s is a title-case run: the first word starts with an
// upper-case letter or a digit, every other word starts upper case, with a digit or
// is a small word ("to", "of", …), and at least one word starts with an upper-case letter.
func isTitleCase(s string) bool {
	ws := words(s)
	if len(ws) == 0 {
		return false
	}
	upper := 0
	for i, w := range ws {
		w = trimWordPunct(w)
		if w == "" {
			if i == 0 {
				return false
			}
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		switch {
		case unicode.IsUpper(r):
			upper++
		case unicode.IsDigit(r):
		case unicode.IsLower(r):
			if i == 0 || !smallWords[strings.ToLower(w)] {
				return false
			}
		default: // uncased scripts (Arabic, Hebrew, CJK…) are never title case
			return false
		}
	}
	return upper > 0
}

// hasURLOrEmail reports whether s contains something that looks like a URL or an e-mail.
func hasURLOrEmail(s string) bool {
	return strings.Contains(s, "://") || strings.Contains(s, "www.") || strings.Contains(s, "@")
}

// isHeadingLike reports whether s (one line) reads as a heading: 1–12 words, at most
// 100 bytes, title case, not ending with . , ; : and not containing a sentence break.
func isHeadingLike(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 100 {
		return false
	}
	n := len(words(s))
	if n == 0 || n > 12 {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(s)
	if strings.ContainsRune(".,;:…", last) {
		return false
	}
	if hasURLOrEmail(s) {
		return false
	}
	for _, sep := range []string{". ", "? ", "! "} {
		if strings.Contains(s, sep) {
			return false
		}
	}
	return isTitleCase(s)
}

// wordBefore returns the run of letters ending just before byte index i, and the
// byte index where it starts.
func wordBefore(s string, i int) (string, int) {
	j := i
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		if !unicode.IsLetter(r) {
			break
		}
		j -= size
	}
	return s[j:i], j
}

// isAbbrevDot reports whether the '.' at byte index i belongs to an abbreviation or
// an initial ("Dr.", "e.g.", "U.S.", "J. Smith") rather than ending a sentence.
func isAbbrevDot(s string, i int) bool {
	w, start := wordBefore(s, i)
	if w == "" {
		return false // "2020." or ")." end sentences
	}
	if utf8.RuneCountInString(w) == 1 {
		return true // initials, "e.g.", "U.S."
	}
	if start > 0 && s[start-1] == '.' {
		return true // "Ph.D."
	}
	return abbreviations[strings.ToLower(w)]
}

// isClosing reports closing quotes and brackets that may follow a sentence end.
func isClosing(r rune) bool {
	return strings.ContainsRune("\"'”’)]»", r)
}

// sentenceEndBefore reports whether the text before byte index i (the start of a
// word, after a space) ends a sentence: ". ", "? ", "! ", "…" possibly followed by
// closing quotes, the '.' not being an abbreviation.
func sentenceEndBefore(s string, i int) bool {
	j := i
	if j > 0 && s[j-1] == ' ' {
		j-- // normalized text has single spaces
	}
	if j == i || j == 0 {
		return false
	}
	for k := 0; j > 0 && k < 4; k++ { // at most a few closing quotes/brackets
		r, size := utf8.DecodeLastRuneInString(s[:j])
		if !isClosing(r) {
			break
		}
		j -= size
	}
	if j == 0 {
		return false
	}
	r, size := utf8.DecodeLastRuneInString(s[:j])
	switch r {
	case '?', '!', '…':
		return true
	case '.':
		return !isAbbrevDot(s, j-size)
	}
	return false
}

// endsSentence reports whether s ends with terminal punctuation (possibly followed by
// closing quotes or brackets).
func endsSentence(s string) bool {
	s = strings.TrimRightFunc(s, func(r rune) bool { return isClosing(r) || r == ' ' })
	last, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune(".!?…:;", last)
}

// splitLabel splits "Label: text" when Label is a short title-case run (1–6 words, at
// most 60 bytes, no digits-only label like "10" in "10:30", no URL scheme, no dots)
// followed by ": " and non-empty text.
func splitLabel(s string) (label, text string, ok bool) {
	i := strings.Index(s, ": ")
	if i <= 0 || i > 60 {
		return "", "", false
	}
	label = s[:i]
	text = strings.TrimSpace(s[i+2:])
	if text == "" || !isItemLabel(label) {
		return "", "", false
	}
	return label, text, true
}

// splitDashLabel splits "Label – text" and "Label — text" (an en or em dash
// between spaces) like "Label: text": Label a short title-case run, text at
// least two words ("Monday – Friday" is a range, not a label).
func splitDashLabel(s string) (label, text string, ok bool) {
	i, w := -1, 0
	for _, d := range []string{" – ", " — "} {
		if j := strings.Index(s, d); j > 0 && (i < 0 || j < i) {
			i, w = j, len(d)
		}
	}
	if i <= 0 || i > 60 {
		return "", "", false
	}
	label = s[:i]
	text = strings.TrimSpace(s[i+w:])
	if len(words(text)) < 2 || !isItemLabel(label) {
		return "", "", false
	}
	return label, text, true
}

// isItemLabel reports whether l can be the label of an item of an existing
// list ("Side effects: …", "Glucosa en ayunas: …", "Women under 50 – …"): the
// list already says the items are entries, so sentence case is enough — a
// short run (≤ 6 words) starting with a capital, without sentence punctuation.
func isItemLabel(l string) bool {
	if isLabel(l) {
		return true
	}
	if l != strings.TrimSpace(l) || l == "" || len(words(l)) > 6 || strings.ContainsAny(l, ".,;:!?[]\"“”/") {
		return false
	}
	r, _ := utf8.DecodeRuneInString(l)
	if !unicode.IsUpper(r) {
		return false
	}
	// A clause is no label: "You may feel tired – this is normal", "Note
	// that: …" (a pronoun or verb in it, or a function word at its end).
	ws := words(l)
	for i, w := range ws {
		w = strings.ToLower(w)
		if clauseWords[w] || i == 0 && pronouns[w] {
			return false
		}
	}
	return !trailingFunctionWords[strings.ToLower(ws[len(ws)-1])]
}

var (
	pronouns = wordSet(`i you we he she it they this these those there that what when if ich du wir sie es er je tu nous vous ils elles yo tú nosotros ellos io noi loro eu nós ik jij wij zij ja ty my oni`)
	// clauseWords are auxiliaries and common verbs that make a run a clause.
	clauseWords = wordSet(`is are was were be been am may might can could will would should must shall do does did has have had feel feels get gets
		ist sind war waren wird werden kann können muss soll hat haben est sont était peut peuvent doit a ont es son era puede pueden debe ha han
		è sono può possono deve ha hanno é são pode podem deve tem têm is zijn kan kunnen moet heeft hebben jest są może mogą musi ma mają`)
	trailingFunctionWords = wordSet(`that the a an of to and or if but with for by as at in on from
		dass der die das und oder wenn que le la les et ou si el los las y o se il lo e che de het en of dat en że i lub`)
)

// isLabel reports whether l can be a list-item label.
func isLabel(l string) bool {
	if l != strings.TrimSpace(l) || l == "" {
		return false
	}
	ws := words(l)
	if len(ws) > 6 {
		return false
	}
	if strings.ContainsAny(l, ".,;:!?()[]\"“”/") {
		return false
	}
	hasLetter := false
	for _, r := range l {
		if unicode.IsLetter(r) {
			hasLetter = true
			break
		}
	}
	return hasLetter && isTitleCase(l)
}
