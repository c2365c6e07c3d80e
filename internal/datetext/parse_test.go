package datetext

import (
	"fmt"
	"math/rand"
	"reflect"
	"regexp"
	"testing"
	"testing/quick"
	"time"
)

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// metadata values
		{"2024-03-18T09:12:00Z", "2024-03-18T09:12:00Z"},
		{"2024-03-18T09:12:00.123Z", "2024-03-18T09:12:00Z"},
		{"2025-01-29T20:47:55+00:00", "2025-01-29T20:47:55Z"},
		{"2015-04-06T13:52:00.000-04:00", "2015-04-06T17:52:00Z"},
		{"2025-12-18T22:41:41-05:00", "2025-12-19T03:41:41Z"},
		{"2024-05-09 00:00:00 +0000", "2024-05-09"},
		{"2024-04-05T00:00:00-0400", "2024-04-05"},
		{"2025-11-25 08:33:24", "2025-11-25"},
		{"2025-12-17UTC07:30:00+00:00", "2025-12-17T07:30:00Z"},
		{"Oct 01, 2025T10:00:00+03:00", "2025-10-01T07:00:00Z"},
		{"Tue, 25 Nov 2025 5:00:00 PST", "2025-11-25T13:00:00Z"},
		{"Thu, 04 Sep 2025 19:24:33 GMT", "2025-09-04T19:24:33Z"},
		{"Mon, 02 Jan 2006 15:04:05 -0700", "2006-01-02T22:04:05Z"},
		{"2025-08-04T11:55:39+0000", "2025-08-04T11:55:39Z"},
		{"20240102", "2024-01-02"},
		{"2024/03/05", "2024-03-05"},
		{"4/24/2000 12:00:00 AM", "2000-04-24"},
		// visible bylines
		{"Mar 27, 2024", "2024-03-27"},
		{"Updated June 13, 2025", "2025-06-13"},
		{"Published: 15.12.2022", "2022-12-15"},
		{"2023 Jan 7", "2023-01-07"},
		{"Epub 2023 Jan 7;12(3):45-50", "2023-01-07"},
		{"September 1st, 2023", "2023-09-01"},
		{"January 22nd, 2019", "2019-01-22"},
		{"Dec. 19, 2025 · Niko", "2025-12-19"},
		{"Friday, December 19, 2025", "2025-12-19"},
		{"By Amanda · Dec 20, 2025 at 3:00 am · 4 comments", "2025-12-20"},
		{"Published Oct 20, 2025 at 5:00 PM PST", "2025-10-21T01:00:00Z"},
		{"Posted on the 15/12/2025 at 19:00 by Guillaume", "2025-12-15"},
		{"Updated: 10/31/2024", "2024-10-31"},
		{"03/01/2017", "2017-03-01"},
		{"16 December 2025", "2025-12-16"},
		{"Last updated on 17 December 2025", "2025-12-17"},
		{"27. März 2024", "2024-03-27"},
		{"Stand: 07.11.2023, 07:30 Uhr", "2023-11-07"},
		{"le 1er mars 2024 à 19h30", "2024-03-01"},
		{"publié le 12 févr. 2024", "2024-02-12"},
		{"27 de março de 2024", "2024-03-27"},
		{"15 de marzo de 2024", "2024-03-15"},
		{"pubblicato il 3 luglio 2023", "2023-07-03"},
		{"gepubliceerd op 5 mei 2022", "2022-05-05"},
		{"opublikowano 15 marca 2024 r.", "2024-03-15"},
		{"12 października 2021", "2021-10-12"},
		{"4th of July, 2024", "2024-07-04"},
		{"Jun 08, 2023 • 11 Minute Read", "2023-06-08"},
		{"2025-02-22", "2025-02-22"},
		{"By: Northfield Health on 04-Aug-2021 5:11:10", "2021-08-04"},
		{"Publicado el 04-ago-2021", "2021-08-04"},
		{"12/Mar/2024", "2024-03-12"},
		// no date
		{"04-Aug 2021", ""},
		{"5 ago-2021", ""},
		{"March 2024", ""},
		{"5 min read", ""},
		{"v1.2.2024", ""},
		{"Set 2 of 3", ""},
		{"31 February 2024", ""},
		{"2024-13-01", ""},
		{"call 555-12-2024", ""},
		{"", ""},
	} {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestOrder(t *testing.T) {
	if d, _, _ := Find("03/04/2024", DMY); d.String() != "2024-04-03" {
		t.Errorf("DMY: %v", d)
	}
	if d, _, _ := Find("03/04/2024", MDY); d.String() != "2024-03-04" {
		t.Errorf("MDY: %v", d)
	}
	if d, _, _ := Find("13/04/2024", MDY); d.String() != "2024-04-13" {
		t.Errorf("MDY, day first: %v", d)
	}
	if d, _, _ := Find("03.04.2024", MDY); d.String() != "2024-04-03" {
		t.Errorf("dotted: %v", d)
	}
}

func TestFindSpan(t *testing.T) {
	s := "Last updated: Dec 4, 2025 · 5 min read"
	d, a, b := Find(s, MDY)
	if d.String() != "2025-12-04" || s[a:b] != "Dec 4, 2025" || s[:a] != "Last updated: " {
		t.Errorf("got %v %q", d, s[a:b])
	}
}

var recordFormat = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$|^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`)

// dateString renders a random instant in a random layout, zone and language.
type dateString string

var propLayouts = []string{
	time.RFC3339, time.RFC3339Nano, time.RFC1123, time.RFC1123Z, time.RFC850, time.ANSIC, time.UnixDate,
	"2006-01-02", "2006-01-02 15:04:05", "2006-01-02 15:04:05 -0700", "2006-01-02T15:04:05-0700",
	"2006/01/02", "02.01.2006", "2.1.2006 15:04", "01/02/2006", "1/2/2006 3:04 PM", "January 2, 2006",
	"Jan 2, 2006", "Jan. 2, 2006 at 3:04 pm MST", "2 January 2006", "02 Jan 2006 15:04 MST",
	"Monday, January 2, 2006", "2006 Jan 2", "Updated January 2, 2006", "Published: 02.01.2006",
	"20060102", "January 2006", "15:04", "Mon Jan _2",
}

var propMonths = [][]string{
	{"januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "dezember"},
	{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
	{"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"},
}

func (dateString) Generate(r *rand.Rand, _ int) reflect.Value {
	t := time.Unix(r.Int63n(6e9)-1e9, 0)
	zones := []*time.Location{time.UTC, time.FixedZone("EST", -5*3600), time.FixedZone("", 5*3600+1800), time.FixedZone("X", 14*3600)}
	t = t.In(zones[r.Intn(len(zones))])
	var s string
	switch r.Intn(4) {
	case 0:
		ms := propMonths[r.Intn(len(propMonths))]
		s = fmt.Sprintf("%d %s %d", t.Day(), ms[t.Month()-1], t.Year())
	case 1:
		s = fmt.Sprintf("%c%s%c", rune(' '+r.Intn(90)), t.Format(propLayouts[r.Intn(len(propLayouts))]), rune(' '+r.Intn(90)))
	default:
		s = t.Format(propLayouts[r.Intn(len(propLayouts))])
	}
	if r.Intn(5) == 0 { // noise
		b := []byte(s)
		for k := 0; k < 1+r.Intn(3); k++ {
			if len(b) > 0 {
				b[r.Intn(len(b))] = byte(r.Intn(256))
			}
		}
		s = string(b)
	}
	return reflect.ValueOf(dateString(s))
}

func TestNormalizeProperty(t *testing.T) {
	f := func(s dateString) bool {
		got := Normalize(string(s))
		return got == "" || recordFormat.MatchString(got)
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 20000}); err != nil {
		t.Error(err)
	}
	// Dates written with their zone keep their instant; the rest their day.
	g := func(sec int64, zone int8) bool {
		tm := time.Unix(sec%4e9, 0).In(time.FixedZone("", int(zone)%14*3600))
		got := Normalize(tm.Format(time.RFC3339))
		if tm.Year() < 1900 || tm.Year() > 2100 {
			return true // outside the years a record's date may have: either answer
		}
		if tm.Hour() == 0 && tm.Minute() == 0 && tm.Second() == 0 {
			return got == tm.Format("2006-01-02")
		}
		return got == tm.UTC().Format("2006-01-02T15:04:05Z")
	}
	if err := quick.Check(g, &quick.Config{MaxCount: 20000}); err != nil {
		t.Error(err)
	}
}

func TestWords(t *testing.T) {
	for _, w := range []string{"march", "märz", "mars", "marzo", "março", "maart", "marca", "sept", "déc"} {
		if !IsMonth(w) {
			t.Errorf("IsMonth(%q) false", w)
		}
	}
	for _, w := range []string{"set", "out", "ago"} {
		if IsMonthName(w) || !IsMonth(w) {
			t.Errorf("%q: everyday word", w)
		}
	}
	if !IsWeekday("mittwoch") || IsWeekday("march") {
		t.Error("weekdays")
	}
}

// FuzzFind: any input, no panic; a date found has the record format, its span
// lies inside the input.
func FuzzFind(f *testing.F) {
	for _, s := range []string{"Mar 27, 2024", "2024-03-18T09:12:00+01:00", "15.12.2022", "2023 Jan 7", "1er mars 2024 à 19h30", "03/04/2024 12:00 AM PST"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, o := range []Order{DMY, MDY} {
			d, a, b := Find(s, o)
			if d.IsZero() {
				continue
			}
			if !recordFormat.MatchString(d.String()) || a < 0 || b > len(s) || a >= b {
				t.Fatalf("Find(%q) = %v [%d:%d]", s, d, a, b)
			}
		}
	})
}
