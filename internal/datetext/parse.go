package datetext

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Date is a calendar day, with the instant when the text gives a time of day
// and its zone.
type Date struct {
	Year, Month, Day int
	// At is the instant in UTC when a time of day with an offset or zone
	// was given; zero otherwise. A local midnight ("2024-04-05T00:00:00-04:00")
	// is how many CMSs store a bare day: it counts as a day, not an instant.
	At time.Time
	// Swappable marks an all-numeric date whose day and month could be read
	// the other way round ("03/04/2024"): Swapped gives the other reading.
	Swappable bool
}

// Swapped is the other reading of a Swappable date (day and month exchanged,
// no time), or d itself.
func (d Date) Swapped() Date {
	if !d.Swappable {
		return d
	}
	return Date{Year: d.Year, Month: d.Day, Day: d.Month}
}

// IsZero reports the zero Date (nothing found).
func (d Date) IsZero() bool { return d.Year == 0 }

// HasTime reports a date known to the second, with its zone.
func (d Date) HasTime() bool { return !d.At.IsZero() }

// String is the record format: RFC 3339 in UTC when the time is known
// ("2024-03-18T09:12:00Z"), the day ("2024-03-18") when only the day is.
// The zero Date is "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	if d.HasTime() {
		return d.At.UTC().Format("2006-01-02T15:04:05Z")
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}

// DayText is the calendar day as written ("2024-03-18"), before any
// conversion of a time to UTC.
func (d Date) DayText() string {
	if d.IsZero() {
		return ""
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}

// Order says how an all-numeric date with two small numbers reads:
// "03/04/2024" is 4 March (DMY) or 3 April (MDY). A number above 12 decides
// by itself; Order only breaks ties.
type Order int

const (
	DMY Order = iota // most of the world, and every dotted date ("15.12.2022")
	MDY              // United States: slashes in English text
)

// OrderFor is the tie-break for a page in the given language (an ISO 639-1
// code or a language tag): MDY for English except British and other
// Commonwealth tags, DMY otherwise.
func OrderFor(lang string) Order {
	l := strings.ToLower(lang)
	if l == "en" || l == "en-us" || l == "en_us" || l == "" {
		return MDY
	}
	return DMY
}

// Normalize reads a metadata value or a short line and returns its first
// date in the record format, or "" when it holds none.
func Normalize(s string) string {
	d, _, _ := Find(s, MDY)
	return d.String()
}

// tok is one token of a short string: a run of digits, a run of letters
// (lower-cased), or a single other non-space character.
type tok struct {
	kind       byte // 'n' number, 'w' word, 'p' punctuation
	s          string
	n          int // value of a number
	start, end int // byte span in the input
	space      bool
}

// maxScan bounds the input: dates are looked for in short strings only.
const maxScan = 400

func tokenize(s string, dst []tok) []tok {
	if len(s) > maxScan {
		s = s[:maxScan]
	}
	space := true
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= '0' && r <= '9':
			j, v := i, 0
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				if j-i < 9 {
					v = v*10 + int(s[j]-'0')
				}
				j++
			}
			dst = append(dst, tok{kind: 'n', s: s[i:j], n: v, start: i, end: j, space: space})
			i, space = j, false
		case unicode.IsLetter(r):
			j := i
			for j < len(s) {
				r2, w2 := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r2) {
					break
				}
				j += w2
			}
			dst = append(dst, tok{kind: 'w', s: strings.ToLower(s[i:j]), start: i, end: j, space: space})
			i, space = j, false
		case unicode.IsSpace(r) || r == '\u00a0':
			i += w
			space = true
		default:
			dst = append(dst, tok{kind: 'p', s: s[i : i+w], start: i, end: i + w, space: space})
			i, space = i+w, false
		}
	}
	return dst
}

// Find returns the first date in s and its byte span. Dates are read in these
// forms (any of the vocabulary's languages for the month names; a weekday
// before them is allowed and left outside the span):
//
//	2024-03-27, 2024-03-27T09:12:00Z, 2024-03-27 09:12:00 +0100, 2024/03/27, 20240327 (alone)
//	27.03.2024, 27/03/2024 or 03/27/2024 (order: see Order), 27-03-2024
//	March 27, 2024 · Mar. 27 2024 · September 1st, 2023 · Dec 04, 2025 at 3:00 pm EST
//	27 March 2024 · 27. März 2024 · 27 de março de 2024 · 1er mars 2024 · 15 marca 2024
//	2023 Jan 7 (journal citations)
//
// A month without a day ("March 2024") is no date.
func Find(s string, o Order) (d Date, start, end int) {
	if !hasDigit(s[:min(len(s), maxScan)]) {
		return Date{}, -1, -1 // every form has a number (tokenize reads ASCII digits only)
	}
	var buf [48]tok
	ts := tokenize(s, buf[:0])
	for i := range ts {
		if ts[i].kind == 'p' {
			continue
		}
		if d, j := matchAt(ts, i, o); !d.IsZero() {
			return d, ts[i].start, ts[j-1].end
		}
	}
	return Date{}, -1, -1
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i]-'0' < 10 {
			return true
		}
	}
	return false
}

func isNum(ts []tok, i, minLen, maxLen int) bool {
	return i < len(ts) && ts[i].kind == 'n' && len(ts[i].s) >= minLen && len(ts[i].s) <= maxLen
}

func isP(ts []tok, i int, chars string) bool {
	return i < len(ts) && ts[i].kind == 'p' && strings.Contains(chars, ts[i].s)
}

func isW(ts []tok, i int, words ...string) bool {
	if i >= len(ts) || ts[i].kind != 'w' {
		return false
	}
	for _, w := range words {
		if ts[i].s == w {
			return true
		}
	}
	return false
}

// glued reports that token i follows token i-1 without a space.
func glued(ts []tok, i int) bool { return i < len(ts) && !ts[i].space }

// matchAt tries every form at token i; it returns the date and the index
// after its last token.
func matchAt(ts []tok, i int, o Order) (Date, int) {
	t := ts[i]
	switch t.kind {
	case 'n':
		// A number glued to letters before it ("v2024-01-02", "id20240101") is
		// part of a word.
		if i > 0 && !t.space && ts[i-1].kind == 'w' && ts[i-1].s != "t" {
			return Date{}, 0
		}
		if len(t.s) == 4 {
			// 2024-03-27, 2024/03/27, 2024.03.27
			if isP(ts, i+1, "-/.") && isNum(ts, i+2, 1, 2) && isP(ts, i+3, ts[i+1].s) && isNum(ts, i+4, 1, 2) &&
				glued(ts, i+1) && glued(ts, i+2) && glued(ts, i+3) && glued(ts, i+4) && !followsDigit(ts, i+5) {
				return withTime(ts, i+5, t.n, ts[i+2].n, ts[i+4].n)
			}
			// 2023 Jan 7 (journal citation): the day must not run on into a year
			// or a time.
			if i+2 < len(ts) && ts[i+1].kind == 'w' && IsMonth(ts[i+1].s) {
				j := i + 2
				if isP(ts, j, ".") {
					j++
				}
				if isNum(ts, j, 1, 2) && !isP(ts, j+1, ":") && !isNum(ts, j+1, 4, 4) {
					return day(t.n, Month(ts[i+1].s), ts[j].n), j + 1
				}
			}
			return Date{}, 0
		}
		if len(t.s) == 8 && i == 0 && len(ts) == 1 {
			return day(t.n/10000, t.n/100%100, t.n%100), 1
		}
		if len(t.s) > 2 {
			return Date{}, 0
		}
		// 27.03.2024, 03/27/2024, 27-03-2024
		if isP(ts, i+1, "./-") && isNum(ts, i+2, 1, 2) && isP(ts, i+3, ts[i+1].s) && isNum(ts, i+4, 4, 4) &&
			glued(ts, i+1) && glued(ts, i+2) && glued(ts, i+3) && glued(ts, i+4) && !followsDigit(ts, i+5) &&
			!(i > 0 && glued(ts, i) && isP(ts, i-1, "./-")) {
			a, b := t.n, ts[i+2].n
			m, dd := b, a
			if ts[i+1].s == "/" && (o == MDY && a <= 12 || b > 12) || ts[i+1].s != "/" && b > 12 && a <= 12 {
				m, dd = a, b
			}
			d, j := withTime(ts, i+5, ts[i+4].n, m, dd)
			d.Swappable = !d.IsZero() && a <= 12 && b <= 12 && a != b
			return d, j
		}
		// 04-Aug-2021, 04-ago-2021 5:11:10, 12/Mar/2024
		if isP(ts, i+1, "-/") && i+2 < len(ts) && ts[i+2].kind == 'w' && IsMonth(ts[i+2].s) && isP(ts, i+3, ts[i+1].s) && isNum(ts, i+4, 4, 4) &&
			glued(ts, i+1) && glued(ts, i+2) && glued(ts, i+3) && glued(ts, i+4) && !followsDigit(ts, i+5) {
			return withTime(ts, i+5, ts[i+4].n, Month(ts[i+2].s), t.n)
		}
		// 27 March 2024, 27. März 2024, 27 de março de 2024, 1er mars 2024, 4th of July, 2024
		j := i + 1
		if j < len(ts) && glued(ts, j) && (isP(ts, j, ".") || ts[j].kind == 'w' && isOrdinal(ts[j].s)) {
			j++
		}
		if isW(ts, j, "de", "of", "del") {
			j++
		}
		if j < len(ts) && ts[j].kind == 'w' && IsMonth(ts[j].s) {
			m := Month(ts[j].s)
			j++
			if isP(ts, j, ".") {
				j++
			}
			if isP(ts, j, ",") || isW(ts, j, "de", "del") {
				j++
			}
			if isNum(ts, j, 4, 4) && !followsDigit(ts, j+1) {
				return withTime(ts, j+1, ts[j].n, m, t.n)
			}
		}
	case 'w':
		if !IsMonth(t.s) {
			return Date{}, 0
		}
		// March 27, 2024 · Mar. 27 2024 · September 1st, 2023 · Oct 01, 2025
		j := i + 1
		if isP(ts, j, ".") {
			j++
		}
		if !isNum(ts, j, 1, 2) {
			return Date{}, 0
		}
		dd := ts[j].n
		j++
		if j < len(ts) && glued(ts, j) && ts[j].kind == 'w' && isOrdinal(ts[j].s) {
			j++
		}
		if isP(ts, j, ",") {
			j++
		}
		if isNum(ts, j, 4, 4) && !followsDigit(ts, j+1) {
			return withTime(ts, j+1, ts[j].n, Month(t.s), dd)
		}
	}
	return Date{}, 0
}

// followsDigit reports that token i continues a number ("2024-03-27-5",
// "1.2.2024.1"): then the match was part of something else.
func followsDigit(ts []tok, i int) bool {
	return i+1 < len(ts) && glued(ts, i) && isP(ts, i, "./-") && ts[i+1].kind == 'n' && glued(ts, i+1)
}

func isOrdinal(w string) bool {
	switch w {
	case "st", "nd", "rd", "th", "er", "e", "o", "ª", "º":
		return true
	}
	return false
}

// day checks y-m-d and returns the Date (zero when invalid).
func day(y, m, d int) Date {
	if y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31 {
		return Date{}
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return Date{}
	}
	return Date{Year: y, Month: m, Day: d}
}

// withTime reads an optional time of day and zone after a date ending before
// token j: "T09:12:00Z", " 09:12:00 +0100", " at 3:00 pm EST", ", 11:28 GMT".
func withTime(ts []tok, j, y, m, dd int) (Date, int) {
	d := day(y, m, dd)
	if d.IsZero() {
		return d, 0
	}
	end := j
	k := j
	zone, zoneSet := 0, false
	// separators between the date and the time
	for n := 0; n < 3 && k < len(ts); n++ {
		switch {
		case isW(ts, k, "t") && glued(ts, k):
		case isW(ts, k, "utc", "gmt") && isNum(ts, k+1, 1, 2):
			zone, zoneSet = 0, true
		case isW(ts, k, "at", "um", "à", "às", "as", "a", "alle", "om", "o", "kl", "klo", "las", "le") || isP(ts, k, ",-–—·|@"):
		default:
			n = 3
			continue
		}
		k++
	}
	if !isNum(ts, k, 1, 2) || !(isP(ts, k+1, ":") || isW(ts, k+1, "h")) || !glued(ts, k+1) || !isNum(ts, k+2, 2, 2) || !glued(ts, k+2) {
		return d, end
	}
	hh, mm, ss := ts[k].n, ts[k+2].n, 0
	k += 3
	if isP(ts, k, ":") && glued(ts, k) && isNum(ts, k+1, 2, 2) {
		ss = ts[k+1].n
		k += 2
		if isP(ts, k, ".,") && glued(ts, k) && isNum(ts, k+1, 1, 9) {
			k += 2 // fraction of a second: dropped
		}
	}
	if isW(ts, k, "am", "pm", "a", "p") {
		pm := ts[k].s[0] == 'p'
		k++
		if isP(ts, k, ".") && isW(ts, k+1, "m") {
			k += 2
			if isP(ts, k, ".") {
				k++
			}
		} else if isP(ts, k, ".") {
			k++
		}
		if hh < 1 || hh > 12 {
			return d, end
		}
		if hh == 12 {
			hh = 0
		}
		if pm {
			hh += 12
		}
	} else if isW(ts, k, "uhr", "h", "hrs") {
		k++
	}
	if hh > 23 || mm > 59 || ss > 60 {
		return d, end
	}
	end = k
	// zone: Z, +01:00, +0100, -05, UTC, GMT+1, EST
	if k < len(ts) && ts[k].kind == 'w' {
		if off, ok := zoneOffsets[ts[k].s]; ok && (ts[k].s != "z" || glued(ts, k)) {
			zone, zoneSet = off, true
			k++
			end = k
		}
	}
	if isP(ts, k, "+-−") && isNum(ts, k+1, 1, 4) && glued(ts, k+1) && (glued(ts, k) || len(ts[k+1].s) >= 2) {
		sign := 1
		if ts[k].s != "+" {
			sign = -1
		}
		n := ts[k+1]
		oh, om := n.n, 0
		k += 2
		switch len(n.s) {
		case 4:
			oh, om = n.n/100, n.n%100
		case 3:
			oh, om = n.n/100, n.n%100
		default:
			if isP(ts, k, ":") && glued(ts, k) && isNum(ts, k+1, 2, 2) {
				om = ts[k+1].n
				k += 2
			}
		}
		if oh <= 14 && om < 60 {
			zone, zoneSet = sign*(oh*3600+om*60), true
			end = k
		}
	}
	if !zoneSet {
		return d, end // a wall-clock time without its zone is no instant
	}
	if hh == 0 && mm == 0 && ss == 0 {
		return d, end // a local midnight stands for the day
	}
	loc := time.FixedZone("", zone)
	d.At = time.Date(y, time.Month(m), dd, hh, mm, ss, 0, loc).UTC()
	return d, end
}
