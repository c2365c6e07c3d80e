package crawler

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// trapGuard recognises crawler traps: URL spaces a site generates without end.
//
//   - repeating path segments (/a/b/a/b/a/b, from relative links resolved against a
//     wrong base) and absurdly deep paths;
//   - calendar pages dated far in the future;
//   - unbounded runs: a chain of pages of the same URL shape (digits ignored, e.g.
//     /calendar?month=0-0 or /list/page/0) where each page is not an article and
//     links to the same other-shape URLs as the page before it (only the next page of
//     the run is new), or simply a chain longer than MaxRun.
type trapGuard struct {
	MaxSegmentRepeat int // a path segment occurring this often is a trap (default 3)
	MaxSegments      int // more path segments than this is a trap (default 24)
	MaxBarren        int // consecutive barren pages of one shape (default 5)
	MaxRun           int // consecutive pages of one shape (default 1000)
	FutureYears      int // calendar dates more than this many years ahead are traps (default 2)
	Now              func() time.Time
}

func defaultTrapGuard() trapGuard {
	return trapGuard{MaxSegmentRepeat: 3, MaxSegments: 24, MaxBarren: 5, MaxRun: 1000, FutureYears: 2, Now: time.Now}
}

// yearMonths calls fn with each calendar date in s written as 2026-11, 2026/11,
// 2026_11 or 2026.11 (years 1900–2199, months 01–12, not inside a longer number).
// A plain scan: it runs on every queued URL.
func yearMonths(s string, fn func(year, month int)) {
	digit := func(i int) bool { return i >= 0 && i < len(s) && '0' <= s[i] && s[i] <= '9' }
	for i := 0; i+7 <= len(s); i++ {
		if !digit(i) || digit(i-1) || !digit(i+1) || !digit(i+2) || !digit(i+3) {
			continue
		}
		if c := s[i : i+2]; c != "19" && c != "20" && c != "21" {
			continue
		}
		if sep := s[i+4]; sep != '-' && sep != '/' && sep != '_' && sep != '.' {
			continue
		}
		if !digit(i+5) || !digit(i+6) || digit(i+7) {
			continue
		}
		month := int(s[i+5]-'0')*10 + int(s[i+6]-'0')
		if month < 1 || month > 12 {
			continue
		}
		year := int(s[i]-'0')*1000 + int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
		fn(year, month)
	}
}

// Check returns "" when u (queued as e) looks fine, or the reason it is a trap.
func (g trapGuard) Check(u *url.URL, e Entry) string {
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) > g.MaxSegments {
		return fmt.Sprintf("path has %d segments", len(segs))
	}
	count := map[string]int{}
	for _, s := range segs {
		if s == "" {
			continue
		}
		count[s]++
		if count[s] >= g.MaxSegmentRepeat {
			return fmt.Sprintf("path segment %q repeats %d times", truncate(s, 40), count[s])
		}
	}
	if g.FutureYears > 0 {
		now := g.Now()
		target := u.Path
		if q, err := url.QueryUnescape(u.RawQuery); err == nil {
			target += "?" + q
		} else {
			target += "?" + u.RawQuery
		}
		reason := ""
		yearMonths(target, func(y, m int) {
			if reason == "" && y > now.Year()+g.FutureYears {
				reason = fmt.Sprintf("calendar date %d-%02d is more than %d years ahead", y, m, g.FutureYears)
			}
		})
		if reason != "" {
			return reason
		}
	}
	if g.MaxBarren > 0 && e.Barren > g.MaxBarren {
		return fmt.Sprintf("unbounded run: %d pages of shape %s with the same links", e.Barren, truncate(urlShape(u), 60))
	}
	if g.MaxRun > 0 && e.Run > g.MaxRun {
		return fmt.Sprintf("unbounded run: %d pages of shape %s", e.Run, truncate(urlShape(u), 60))
	}
	return ""
}

// urlShape is u with every digit run replaced by 0 and the query reduced to its sorted
// parameters (values shaped the same way): pages of one calendar or pagination run
// share a shape.
func urlShape(u *url.URL) string {
	var sb strings.Builder
	sb.Grow(len(u.Host) + len(u.Path) + len(u.RawQuery) + 2)
	sb.WriteString(u.Host)
	writeShaped(&sb, u.EscapedPath())
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		sort.Strings(parts)
		sb.WriteByte('?')
		for i, p := range parts {
			if i > 0 {
				sb.WriteByte('&')
			}
			writeShaped(&sb, p)
		}
	}
	return sb.String()
}

// writeShaped writes s with every run of ASCII digits replaced by one "0".
func writeShaped(sb *strings.Builder, s string) {
	inDigits := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			if !inDigits {
				sb.WriteByte('0')
				inDigits = true
			}
			continue
		}
		inDigits = false
		sb.WriteByte(c)
	}
}
