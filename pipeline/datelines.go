package pipeline

import (
	"bytes"
	"strings"

	"github.com/healthcrawl/healthcrawl/internal/datetext"
)

// Short lines that are page furniture rather than prose, in the languages
// healthcrawl meets most: a date or date-time on its own ("sexta-feira, 22 de
// outubro de 2010 às 20:13", "Stand: 07.11.2023, 07:30 Uhr", "November 20, 2019 -
// 11:28 AMT"), a reading-time note ("5 min read", "Lesezeit: 3 Minuten") and a
// photo credit ("Photo: Jane Doe", "Фото: личный архив", "Jane Doe/Getty Images").
// Each test works on the block's boilerplate key (lower case, punctuation
// folded to single spaces) and is only asked of blocks of a few words.

// wordSet is a set of the white-space separated words of lists.
func wordSet(lists ...string) map[string]bool {
	m := map[string]bool{}
	for _, l := range lists {
		for _, w := range strings.Fields(l) {
			m[w] = true
		}
	}
	return m
}

// Month and weekday names come from the one date vocabulary the extractor
// uses too (internal/datetext): en, de, fr, es, it, pt, nl, pl.

// dateGlue are the words a date line may hold besides dates and times.
var dateGlue = wordSet(`am pm a m p m h hrs uhr um de del à às as a le el la il the of on at
	stand den der le à et y e und and
	gmt utc cet cest est edt cst cdt mst mdt pst pdt bst ist jst kst aest aedt msk amt eet eest wet west hkt sgt ct et pt
	st nd rd th er e o ª º`)

// isDateLine reports a key made only of a date (and time): every word a number,
// a month or weekday name, or date glue; with a month name and a number, or a
// four-digit year and another number.
func isDateLine(k []byte) bool {
	words, month, nums, year := 0, false, 0, false
	for rest := k; len(rest) > 0; {
		var w []byte
		if i := bytes.IndexByte(rest, ' '); i >= 0 {
			w, rest = rest[:i], rest[i+1:]
		} else {
			w, rest = rest, nil
		}
		if len(w) == 0 {
			continue
		}
		words++
		switch {
		case isDigits(w):
			// a day, month, hour or minute (1–2 digits) or a year; "158"
			// or "+81" in a phone number is neither
			switch {
			case len(w) <= 2:
			case len(w) == 4 && (w[0] == '1' && w[1] == '9' || w[0] == '2' && w[1] == '0'):
				year = true
			default:
				return false
			}
			nums++
		case datetext.IsMonthName(string(w)):
			month = true
		case datetext.IsWeekday(string(w)), dateGlue[string(w)], ordinal(w):
		default:
			return false
		}
	}
	return words >= 2 && (month && nums >= 1 || year && nums >= 2)
}

func isDigits(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ordinal: "20th", "1st", "3rd", "2nd", "1er".
func ordinal(s []byte) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 2 {
		return false
	}
	switch string(s[i:]) {
	case "st", "nd", "rd", "th", "er", "e", "o":
		return true
	}
	return false
}

// readingTimeWords start or hold a reading-time note.
var readingTimePhrases = [][]byte{
	[]byte("min read"), []byte("mins read"), []byte("minute read"), []byte("minutes read"),
	[]byte("reading time"), []byte("read time"), []byte("lesezeit"), []byte("lesedauer"),
	[]byte("tempo de leitura"), []byte("tiempo de lectura"), []byte("temps de lecture"),
	[]byte("tempo di lettura"), []byte("leestijd"), []byte("czas czytania"),
}

// isReadingTime reports a note of at most six words naming a reading time
// ("5 min read", "Lesezeit: 3 Minuten", "Tempo de leitura: 1 minuto").
func isReadingTime(k []byte, words int) bool {
	if words > 6 {
		return false
	}
	for _, p := range readingTimePhrases {
		if bytes.Contains(k, p) {
			return true
		}
	}
	return false
}

// creditWords open a photo credit written "Word: …".
var creditWords = map[string]bool{
	"photo": true, "photos": true, "foto": true, "fotos": true, "фото": true, "image": true,
	"images": true, "picture": true, "pictures": true, "bild": true, "bilder": true,
	"imagen": true, "imagem": true, "photograph": true, "photography": true, "credit": true,
	"credits": true, "crédit": true, "crédito": true, "créditos": true, "illustration": true,
	"fotografie": true, "fotografia": true, "zdjęcie": true,
}

// photoAgencies close a credit written "Name/Agency".
var photoAgencies = []string{"getty images", "getty", "afp", "reuters", "ap", "dpa", "epa", "shutterstock",
	"istock", "istockphoto", "alamy", "imago", "picture alliance", "keystone", "ansa", "efe", "anp", "pa"}

// isPhotoCredit reports a short credit line: "Photo: Jane Doe", "Фото:: личный
// архив", "Foto: dpa", "Kathrin Ziegler/Getty".
func isPhotoCredit(text string, k []byte, words int) bool {
	if words > 10 {
		return false
	}
	first, _, _ := bytes.Cut(k, []byte{' '})
	if creditWords[string(first)] {
		// the word must be the label of the line: followed by a colon
		t := strings.TrimSpace(text)
		if i := strings.IndexByte(t, ':'); i > 0 && i <= len(first)+3 {
			return true
		}
	}
	if i := strings.LastIndexByte(text, '/'); i > 0 && words <= 6 {
		tail := strings.ToLower(strings.Trim(text[i+1:], " .)"))
		for _, a := range photoAgencies {
			if tail == a {
				return true
			}
		}
	}
	return false
}

// isReportingCredit reports a closing credit line: "Keith Bradsher contributed
// reporting from Hong Kong.", "Fox News' Jessica Napoli contributed to this
// report." (Agency lines such as "Reporting by …; Editing by …" are kept: both
// benchmark truths count them as part of the story.)
func isReportingCredit(k []byte) bool {
	return bytes.Contains(k, []byte(" contributed reporting")) ||
		bytes.Contains(k, []byte(" contributed to this report")) || bytes.Contains(k, []byte(" contributed to this article")) ||
		bytes.Contains(k, []byte(" contributed to this story"))
}
