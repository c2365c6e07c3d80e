package crawler

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
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

var (
	// yearMonth finds calendar dates such as 2026-11, 2026/11, 2026_11 or 2026.11.
	yearMonth = regexp.MustCompile(`(?:^|[^0-9])((?:19|20|21)[0-9]{2})[-/_.](0[1-9]|1[0-2])(?:[^0-9]|$)`)
)

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
		for _, m := range yearMonth.FindAllStringSubmatch(target, -1) {
			y, _ := strconv.Atoi(m[1])
			if y > now.Year()+g.FutureYears {
				return fmt.Sprintf("calendar date %s-%s is more than %d years ahead", m[1], m[2], g.FutureYears)
			}
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
