// Package datetext is healthcrawl's one date vocabulary: month and weekday
// names in the languages it meets most (en, de, fr, es, it, pt, nl, pl), the
// date and date-time layouts of metadata and of visible bylines, and the one
// format every record carries (see Date.String). The extractor reads
// published/modified/reviewed dates with it; the pipeline recognises
// date-only lines of body text with its word sets.
package datetext

import "strings"

// monthNames maps a lower-case month name or abbreviation to its number.
// Accented words are also listed without their accents, as sites write both.
var monthNames = map[string]int{}

func addMonths(lang string, names ...string) {
	for i, l := range names {
		for _, w := range strings.Fields(l) {
			monthNames[w] = i + 1
		}
	}
	_ = lang
}

func init() {
	addMonths("en", "january jan", "february feb", "march mar", "april apr", "may", "june jun",
		"july jul", "august aug", "september sep sept", "october oct", "november nov", "december dec")
	addMonths("de", "januar jänner jan", "februar feb", "märz maerz marz mär", "april apr", "mai", "juni",
		"juli", "august aug", "september sep sept", "oktober okt", "november nov", "dezember dez")
	addMonths("fr", "janvier janv", "février fevrier févr fevr", "mars", "avril avr", "mai", "juin",
		"juillet juil", "août aout", "septembre sept", "octobre oct", "novembre nov", "décembre decembre déc")
	addMonths("es", "enero ene", "febrero feb", "marzo mar", "abril abr", "mayo may", "junio jun",
		"julio jul", "agosto ago", "septiembre setiembre sep sept set", "octubre oct", "noviembre nov", "diciembre dic")
	addMonths("it", "gennaio gen", "febbraio feb", "marzo mar", "aprile apr", "maggio mag", "giugno giu",
		"luglio lug", "agosto ago", "settembre set", "ottobre ott", "novembre nov", "dicembre dic")
	addMonths("pt", "janeiro jan", "fevereiro fev", "março marco mar", "abril abr", "maio mai", "junho jun",
		"julho jul", "agosto ago", "setembro set", "outubro out", "novembro nov", "dezembro dez")
	addMonths("nl", "januari jan", "februari feb", "maart mrt", "april apr", "mei", "juni jun",
		"juli jul", "augustus aug", "september sep sept", "oktober okt", "november nov", "december dec")
	// Polish: nominative and genitive ("15 marca 2024") forms.
	addMonths("pl", "styczeń styczen stycznia sty", "luty lutego lut", "marzec marca", "kwiecień kwiecien kwietnia kwi",
		"maj maja", "czerwiec czerwca cze", "lipiec lipca lip", "sierpień sierpien sierpnia",
		"wrzesień wrzesien września wrzesnia wrz", "październik pazdziernik października pazdziernika paź",
		"listopad listopada lis", "grudzień grudzien grudnia gru")
}

// weekdayNames are weekday names and abbreviations in the same languages.
var weekdayNames = wordSet(
	"monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun",
	"montag dienstag mittwoch donnerstag freitag samstag sonntag",
	"lundi mardi mercredi jeudi vendredi samedi dimanche",
	"lunes martes miércoles miercoles jueves viernes sábado sabado domingo",
	"segunda terça terca quarta quinta sexta sábado feira",
	"lunedì lunedi martedì martedi mercoledì mercoledi giovedì giovedi venerdì venerdi sabato domenica",
	"maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
	"poniedziałek poniedzialek wtorek środa sroda czwartek piątek piatek sobota niedziela",
)

func wordSet(lists ...string) map[string]bool {
	m := map[string]bool{}
	for _, l := range lists {
		for _, w := range strings.Fields(l) {
			m[w] = true
		}
	}
	return m
}

// Month returns the month number (1–12) of a lower-case month name or
// abbreviation in any of the vocabulary's languages, or 0.
func Month(w string) int { return monthNames[w] }

// IsMonth reports a lower-case month name or abbreviation, as the date parser
// accepts them next to a day and a year.
func IsMonth(w string) bool { return monthNames[w] != 0 }

// wordLike are month abbreviations that are also everyday words ("Set 2",
// "out", "ago"): months only inside a full date.
var wordLike = wordSet("out set gen mag ago lip lis sty lut kwi cze wrz gru ene abr dic dez fev giu lug ott mrt mär marz avr juil janv fevr févr déc paź")

// IsMonthName reports a month name or a common abbreviation that is no
// everyday word: a month even on its own, as in a line "Mar 3 · 5 min read".
func IsMonthName(w string) bool { return monthNames[w] != 0 && !wordLike[w] }

// IsWeekday reports a lower-case weekday name or abbreviation.
func IsWeekday(w string) bool { return weekdayNames[w] }

// zoneOffsets are the time-zone abbreviations a byline or a metadata value
// may carry, in seconds east of UTC. Ambiguous abbreviations (IST, CST in
// China) take their most common meaning on English-language pages.
var zoneOffsets = map[string]int{
	"z": 0, "utc": 0, "gmt": 0, "ut": 0, "wet": 0,
	"bst": 3600, "cet": 3600, "mez": 3600, "west": 3600,
	"cest": 7200, "mesz": 7200, "eet": 7200,
	"eest": 10800, "msk": 10800,
	"ist": 19800, "sgt": 28800, "hkt": 28800, "awst": 28800, "jst": 32400, "kst": 32400,
	"aest": 36000, "aedt": 39600, "nzst": 43200, "nzdt": 46800,
	"ast": -4 * 3600, "adt": -3 * 3600,
	"est": -5 * 3600, "edt": -4 * 3600, "cst": -6 * 3600, "cdt": -5 * 3600,
	"mst": -7 * 3600, "mdt": -6 * 3600, "pst": -8 * 3600, "pdt": -7 * 3600,
	"akst": -9 * 3600, "akdt": -8 * 3600, "hst": -10 * 3600,
}
