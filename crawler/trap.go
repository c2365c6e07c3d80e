package crawler

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/html"

	"github.com/healthcrawl/healthcrawl/internal/keyset"
	"github.com/healthcrawl/healthcrawl/internal/spill"
)

// trapGuard recognises crawler traps: URL spaces a site generates without end.
//
//   - repeating path segments (/a/b/a/b/a/b, from relative links resolved against a
//     wrong base) and absurdly deep paths;
//   - calendar pages dated far in the future;
//   - unbounded runs: a chain of pages of the same URL shape (digits ignored, e.g.
//     /calendar?month=0-0 or /list/0) where each page is not an article and
//     links to the same other-shape URLs as the page before it (only the next page of
//     the run is new), or simply a chain longer than MaxRun (crawl.trap_run_length).
//     Pagination steps (isNextPage, or a rel=next link) do not lengthen a run: a
//     pagination chain whose pages keep listing new links is followed to
//     max_pages/max_depth (the barren check still stops one past its end);
//   - URL spaces of copies (see copyWatch): pages whose text is that of another page
//     of the host already fetched. The links of a copy are not followed; a query or
//     path parameter that keeps making copies (a session id, replytocom, …) stops
//     every URL of the host that has it; a host whose fetched pages are mostly copies
//     is stopped.
type trapGuard struct {
	MaxSegmentRepeat int // a path segment occurring this often is a trap (default 3)
	MaxSegments      int // more path segments than this is a trap (default 24)
	MaxBarren        int // consecutive barren pages of one shape (default 5)
	MaxRun           int // consecutive pages of one shape, pagination steps aside (crawl.trap_run_length, default 1000; 0 = no limit)
	FutureYears      int // calendar dates more than this many years ahead are traps (default 2)
	Now              func() time.Time
	// copies watches the text of the pages fetched (nil = off); see observePage.
	copies *copyWatch
}

func defaultTrapGuard() trapGuard {
	return trapGuard{MaxSegmentRepeat: 3, MaxSegments: 24, MaxBarren: 5, MaxRun: 1000, FutureYears: 2, Now: time.Now,
		copies: newCopyWatch()}
}

// newTrapGuard is the default guard with runLength (crawl.trap_run_length) as MaxRun.
func newTrapGuard(runLength int) trapGuard {
	g := defaultTrapGuard()
	g.MaxRun = runLength
	return g
}

// pageWords are the names that number the pages of a listing: as a query
// parameter (?page=3, ?p=3), as the path segment before the number (/page/3/), or
// (the longer ones) glued to it (/page-3, /page_3, /page3).
var pageWords = map[string]bool{"page": true, "p": true, "pg": true, "paged": true, "pagenum": true, "page_num": true,
	"pageno": true, "pagina": true, "seite": true}

// gluedPageWords may be glued to the number in one path segment (page-3); "p" alone
// is not (p3 is as often a product id).
var gluedPageWords = []string{"page", "paged", "pagina", "seite", "pg"}

// isNextPage reports whether next is the page after cur in a paginated listing:
// the same URL (host, path, query) but for one number in a pagination position —
// a path segment after a page word (/page/3/), a page word glued to it (/page-3), or
// the value of a page parameter (?page=3) — that is one more in next.
func isNextPage(cur, next *url.URL) bool {
	if !strings.EqualFold(cur.Host, next.Host) {
		return false
	}
	cs, ns := strings.Split(cur.EscapedPath(), "/"), strings.Split(next.EscapedPath(), "/")
	if len(cs) != len(ns) {
		return false
	}
	diffs, step := 0, false
	for i := range cs {
		if cs[i] == ns[i] {
			continue
		}
		diffs++
		prev := ""
		if i > 0 {
			prev = strings.ToLower(cs[i-1])
		}
		a, b := pageNumber(prev, cs[i]), pageNumber(prev, ns[i])
		step = a >= 0 && b == a+1
	}
	if cur.RawQuery != next.RawQuery {
		cq, nq := cur.Query(), next.Query()
		if len(cq) != len(nq) {
			return false
		}
		for k, cv := range cq {
			nv, ok := nq[k]
			if !ok {
				return false
			}
			if slices.Equal(cv, nv) {
				continue
			}
			diffs++
			step = pageWords[strings.ToLower(k)] && len(cv) == 1 && len(nv) == 1 &&
				number(cv[0]) >= 0 && number(nv[0]) == number(cv[0])+1
		}
	}
	return diffs == 1 && step
}

// pageNumber is the page number of path segment seg after segment prev (lower
// case): seg itself after a page word (/page/3), the digits after a glued page word
// (page-3, page_3, page3); -1 when seg is not a page number.
func pageNumber(prev, seg string) int {
	if pageWords[prev] {
		return number(seg)
	}
	low := strings.ToLower(seg)
	for _, w := range gluedPageWords {
		if rest, ok := strings.CutPrefix(low, w); ok {
			rest = strings.TrimLeft(rest, "-_")
			return number(rest)
		}
	}
	return -1
}

// number is s as a non-negative decimal of at most 9 digits, -1 otherwise.
func number(s string) int {
	if s == "" || len(s) > 9 {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
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
	return g.copies.check(u, e)
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

// Copies. A crawler trap often serves the same page under ever new URLs: a session
// id in every link, a reply-to or sort parameter that changes nothing, relative
// links that resolve deeper and deeper into one error page. copyWatch tells such
// pages by their text.

const (
	// minCopyText: pages with less text than this (bytes, spaces folded) are not
	// compared: empty shells of client-rendered pages, redirects, stubs.
	minCopyText = 200
	// learnAfter and learnRatio: a parameter is learned as making copies once
	// learnAfter copies differed from their original page by it, and at least
	// learnRatio times more copies than original pages carry it.
	learnAfter = 5
	learnRatio = 4
	// stopAfter and stopRatio: a host is stopped once stopAfter of its pages were
	// copies, and at least stopRatio times more than its original pages.
	stopAfter = 500
	stopRatio = 4
)

// copyWatch finds copies: pages whose text (fingerprinted: script and style left
// out, spaces folded) is that of a page of the same host fetched before under another
// URL. The trap guard (Check) then stops
//   - the links found on a copy (the copy's own links are the original's, or new
//     variants of them: the trap's next generation);
//   - the URLs of the host with a parameter learned as making copies (see learnAfter);
//   - every URL of a host most of whose fetched pages were copies (see stopAfter).
//
// Safe for concurrent use; one per site run.
type copyWatch struct {
	mu     sync.RWMutex
	hosts  map[string]*hostCopies
	copyOf map[string]string // URL key of a copy → URL of its original
	// urls holds the URL of the first page of each text (hostCopies.text): a
	// fetched page costs the table ~20 bytes of heap instead of a URL string
	// (issue 17: memory per URL); it is read back only when a copy is found.
	urls spill.Log
	// kept holds the URLs the spill file could not take (it failed: full disk):
	// the guard keeps working, in memory.
	kept map[uint64]string
}

type hostCopies struct {
	text          keyset.Map        // text fingerprint → spill.Ref of the URL of the first page with that text (copyWatch.urls)
	origs, copies int               // pages fetched that were originals, copies
	paramOrigs    map[string]int    // parameter → original pages that carry it
	paramCopies   map[string]int    // parameter → copies that differ from their original by it
	learned       map[string]string // parameter → why it stops URLs
	stopped       string            // why every URL of the host stops ("" = it does not)
}

func newCopyWatch() *copyWatch {
	return &copyWatch{hosts: map[string]*hostCopies{}, copyOf: map[string]string{}}
}

// observePage tells the trap guard the text of a fetched HTML page (e as queued,
// body the decoded page), before its links are discovered.
func (g trapGuard) observePage(e Entry, body []byte) {
	if g.copies != nil && e.Kind == KindPage {
		g.copies.observe(e.URL, body)
	}
}

// CheckQueued returns why an entry already queued should not be fetched after all
// (its host was stopped, or it has a parameter since learned as making copies), ""
// when it should.
func (g trapGuard) CheckQueued(e Entry) string {
	if g.copies == nil || e.Kind != KindPage {
		return ""
	}
	u, err := url.Parse(e.URL)
	if err != nil {
		return ""
	}
	return g.copies.check(u, Entry{})
}

func (w *copyWatch) observe(pageURL string, body []byte) {
	fp, n := textFingerprint(body)
	if n < minCopyText {
		return
	}
	u, err := url.Parse(pageURL)
	if err != nil {
		return
	}
	key := Key(pageURL)
	w.mu.Lock()
	defer w.mu.Unlock()
	h := w.hosts[u.Host]
	if h == nil {
		h = &hostCopies{paramOrigs: map[string]int{}, paramCopies: map[string]int{}, learned: map[string]string{}}
		w.hosts[u.Host] = h
	}
	ref, seen := h.text.Get(fp)
	if !seen {
		h.text.Put(fp, uint64(w.keep(fp, pageURL)))
		h.origs++
		for p := range urlParams(u) {
			h.paramOrigs[p]++
		}
		return
	}
	orig := w.url(fp, spill.Ref(ref))
	if orig == "" || Key(orig) == key {
		return // the same page again
	}
	h.copies++
	w.copyOf[key] = orig
	if ou, err := url.Parse(orig); err == nil {
		for _, p := range differingParams(ou, u) {
			h.paramCopies[p]++
			if c := h.paramCopies[p]; c >= learnAfter && c >= learnRatio*h.paramOrigs[p] && h.learned[p] == "" {
				h.learned[p] = fmt.Sprintf("parameter %q makes copies: %d pages differed from an earlier page only by it and had its text", truncate(p, 40), c)
			}
		}
	}
	if h.stopped == "" && h.copies >= stopAfter && h.copies >= stopRatio*h.origs {
		h.stopped = fmt.Sprintf("host %s stopped: %d of its %d pages fetched were copies of others", u.Host, h.copies, h.copies+h.origs)
	}
}

// keep stores the URL of the first page with text fingerprint fp (w.mu held).
func (w *copyWatch) keep(fp uint64, pageURL string) spill.Ref {
	ref, err := w.urls.AppendString(pageURL)
	if err != nil || ref == 0 {
		if w.kept == nil {
			w.kept = map[uint64]string{}
		}
		w.kept[fp] = pageURL
		return 0
	}
	return ref
}

// url is the URL keep stored for fp (w.mu held); "" when it cannot be read, which
// makes the page an original, not a copy.
func (w *copyWatch) url(fp uint64, ref spill.Ref) string {
	if ref == 0 {
		return w.kept[fp]
	}
	u, err := w.urls.ReadString(ref)
	if err != nil {
		return ""
	}
	return u
}

// close releases the spill file of the watch.
func (w *copyWatch) close() {
	if w != nil {
		_ = w.urls.Close()
	}
}

// check is the copy verdict on u, queued as e (see copyWatch).
func (w *copyWatch) check(u *url.URL, e Entry) string {
	if w == nil {
		return ""
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if h := w.hosts[u.Host]; h != nil {
		if h.stopped != "" {
			return h.stopped
		}
		if len(h.learned) > 0 {
			for p := range urlParams(u) {
				if why := h.learned[p]; why != "" {
					return why
				}
			}
		}
	}
	if e.Parent != "" && len(w.copyOf) > 0 {
		if orig, ok := w.copyOf[Key(e.Parent)]; ok {
			return fmt.Sprintf("found on %s, a copy of %s", truncate(e.Parent, 200), truncate(orig, 200))
		}
	}
	return ""
}

// urlParams is the set of u's parameter names, lower-cased: query keys and the
// names of ";name=value" path parameters.
func urlParams(u *url.URL) map[string]bool {
	out := map[string]bool{}
	for p := range paramValues(u) {
		out[p] = true
	}
	return out
}

// paramValues maps each parameter name of u (lower-cased; query and path
// parameters) to its values in order, joined by NUL.
func paramValues(u *url.URL) map[string]string {
	out := map[string]string{}
	add := func(pair string) {
		if pair == "" {
			return
		}
		k, v, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		k = strings.ToLower(k)
		if old, ok := out[k]; ok {
			out[k] = old + "\x00" + v
		} else {
			out[k] = v
		}
	}
	for _, pair := range strings.Split(u.RawQuery, "&") {
		add(pair)
	}
	if strings.IndexByte(u.Path, ';') >= 0 {
		for _, seg := range strings.Split(u.EscapedPath(), "/") {
			parts := strings.Split(seg, ";")
			for _, p := range parts[1:] {
				add(p)
			}
		}
	}
	return out
}

// bareEscapedPath is u's path without its ";name=value" parameters.
func bareEscapedPath(u *url.URL) string {
	ep := u.EscapedPath()
	if strings.IndexByte(ep, ';') < 0 {
		return ep
	}
	segs := strings.Split(ep, "/")
	for i, s := range segs {
		segs[i], _, _ = strings.Cut(s, ";")
	}
	return strings.Join(segs, "/")
}

// differingParams names the parameters by which a copy differs from its original
// (present in one only, or with other values), when both have the same host and
// path; nil otherwise.
func differingParams(orig, cp *url.URL) []string {
	if orig.Host != cp.Host || bareEscapedPath(orig) != bareEscapedPath(cp) {
		return nil
	}
	a, b := paramValues(orig), paramValues(cp)
	var out []string
	for k, v := range b {
		if av, ok := a[k]; !ok || av != v {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// textFingerprint hashes the text of an HTML page (script, style, noscript and
// template left out; runs of space folded) and returns the hash and the text's
// length in bytes.
func textFingerprint(body []byte) (uint64, int) {
	h := fnv.New64a()
	n := 0
	skip := 0 // depth inside elements whose text is not the page's
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return h.Sum64(), n
		case html.StartTagToken:
			if name, _ := z.TagName(); skippedText(name) {
				skip++
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); skippedText(name) && skip > 0 {
				skip--
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			for _, w := range bytes.Fields(z.Text()) {
				h.Write(w)
				h.Write([]byte{' '})
				n += len(w) + 1
			}
		}
	}
}

func skippedText(name []byte) bool {
	switch string(name) {
	case "script", "style", "noscript", "template":
		return true
	}
	return false
}
