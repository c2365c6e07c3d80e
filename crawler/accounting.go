package crawler

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

// Accounting categories: every URL the crawler saw but did not emit as an article
// ends in exactly one of them (Summary.Categories), with a short reason
// (Summary.Reasons).
const (
	// CatRobots: disallowed by the host's robots.txt (or robots.txt unavailable).
	CatRobots = "robots_disallowed"
	// CatExcluded: outside allowed_domains, matched by exclude, matched by neither
	// follow nor articles, or a redirect that left the allowed space.
	CatExcluded = "excluded"
	// CatDuplicate: a variant of a URL already seen (tracking parameters, trailing
	// slash, …), a rel=canonical alias, or a redirect onto a URL already seen.
	CatDuplicate = "duplicate"
	// CatNotArticle: fetched but not an article: not matched by articles, a
	// listing/other page per the extractor, meta robots noindex, a non-HTML
	// response, or a sitemap/feed.
	CatNotArticle = "not_article"
	// CatDropped: extracted, then dropped by a pipeline stage (reason "stage: reason").
	CatDropped = "dropped"
	// CatFailed: could not be fetched or read: HTTP status, network error, timeout,
	// redirect loop or limit, undecodable or binary body, malformed sitemap,
	// extractor error.
	CatFailed = "failed"
	// CatOverLimit: not fetched or not used because of a limit: max_pages, max_depth,
	// max_body_bytes, URL length, crawler trap.
	CatOverLimit = "over_limit"
)

// Categories lists the accounting categories in report order.
var Categories = []string{CatRobots, CatExcluded, CatDuplicate, CatNotArticle, CatUnchanged, CatDropped, CatFailed, CatGone, CatOverLimit}

// ErrorRecord is one line of output.errors_path: a URL that failed or hit a limit,
// or (Count > 0) a group of them.
//
// URLs found on one page or sitemap (their parent) with the same category and reason
// are written one line each up to groupLines of them; more are written as one line
// for the group: URL is then the parent, Count how many URLs the line stands for, and
// Examples the first few of them.
type ErrorRecord struct {
	Time     time.Time `json:"time"`
	Site     string    `json:"site"`
	URL      string    `json:"url"`
	Category string    `json:"category"`         // failed | over_limit
	Stage    string    `json:"stage"`            // discover | robots | fetch | redirect | decode | extract | sitemap
	Reason   string    `json:"reason,omitempty"` // short, aggregatable (as in Summary.Reasons)
	Status   int       `json:"status,omitempty"` // last HTTP status, 0 if none
	Error    string    `json:"error"`
	Attempts int       `json:"attempts"`
	// Count is the number of URLs a grouped line stands for (absent: one, URL).
	Count int `json:"count,omitempty"`
	// Examples are the first URLs of a grouped line (at most groupExamples).
	Examples []string `json:"examples,omitempty"`
}

// groupLines is the most URLs of one parent, category and reason written one line
// each; groupExamples the URLs a grouped line lists.
const (
	groupLines    = 10
	groupExamples = 5
)

// outcome is what happened to one URL that was not emitted.
type outcome struct {
	Category string
	Reason   string
	Stage    string
	Status   int
	Err      error
	Attempts int
	// Parent is the page or sitemap the URL was found on, "" for none: failed and
	// over_limit URLs of one parent are grouped in the errors file (see ErrorRecord).
	Parent string
}

// accountant counts outcomes and writes failed/over-limit URLs to the errors file.
type accountant struct {
	log *slog.Logger

	mu      sync.Mutex
	cats    map[string]int
	reasons map[string]map[string]int
	sites   map[string]*tally // the same counts per site
	errOut  io.Writer         // nil = no errors file
	errErr  error             // first write error on errOut
	first   map[string]string // site → its first outcome, "category: reason" (see deadSites)
	// groups holds the errors-file lines of URLs with a parent until the parent is
	// done (flush): site + "\x00" + parent → category + "\x00" + reason → group.
	groups map[string]map[string]*lineGroup
}

// tally is the counts of one site by category and reason.
type tally struct {
	cats    map[string]int
	reasons map[string]map[string]int
}

func (t *tally) add(cat, reason string, n int) {
	t.cats[cat] += n
	r := t.reasons[cat]
	if r == nil {
		r = map[string]int{}
		t.reasons[cat] = r
	}
	r[reason] += n
}

func (t *tally) clone() (map[string]int, map[string]map[string]int) {
	cats := make(map[string]int, len(t.cats))
	for k, v := range t.cats {
		cats[k] = v
	}
	reasons := make(map[string]map[string]int, len(t.reasons))
	for k, m := range t.reasons {
		c := make(map[string]int, len(m))
		for r, n := range m {
			c[r] = n
		}
		reasons[k] = c
	}
	return cats, reasons
}

// lineGroup is the errors-file lines of one parent, category and reason, held.
type lineGroup struct {
	n    int           // URLs
	recs []ErrorRecord // the first groupLines of them
}

func newAccountant(log *slog.Logger, errOut io.Writer) *accountant {
	return &accountant{log: log, errOut: errOut, cats: map[string]int{}, reasons: map[string]map[string]int{}}
}

// errorRecord is the errors-file line of url's outcome o.
func errorRecord(site, url string, o outcome) ErrorRecord {
	rec := ErrorRecord{Time: time.Now().UTC(), Site: site, URL: url, Category: o.Category, Stage: o.Stage,
		Reason: o.Reason, Status: o.Status, Attempts: o.Attempts}
	if o.Err != nil {
		rec.Error = o.Err.Error()
	} else {
		rec.Error = o.Reason
	}
	return rec
}

// record files url under o.Category.
func (a *accountant) record(site, url string, o outcome) {
	a.recordN(site, url, o, 1)
}

// recordN files n URLs under o.Category, url standing for them all: n > 1 is written
// as one line with Count n.
func (a *accountant) recordN(site, url string, o outcome, n int) {
	if n <= 0 {
		return
	}
	written := a.errOut != nil && (o.Category == CatFailed || o.Category == CatOverLimit)
	var rec ErrorRecord
	if written {
		rec = errorRecord(site, url, o)
		if n > 1 {
			rec.Count = n
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	(&tally{a.cats, a.reasons}).add(o.Category, o.Reason, n)
	if a.sites == nil {
		a.sites = map[string]*tally{}
	}
	st := a.sites[site]
	if st == nil {
		st = &tally{cats: map[string]int{}, reasons: map[string]map[string]int{}}
		a.sites[site] = st
	}
	st.add(o.Category, o.Reason, n)
	if a.first == nil {
		a.first = map[string]string{}
	}
	if _, ok := a.first[site]; !ok {
		a.first[site] = CategoryLabel(o.Category) + ": " + o.Reason
	}
	if !written {
		return
	}
	if o.Parent == "" || n > 1 {
		a.writeLocked(rec)
		return
	}
	if a.groups == nil {
		a.groups = map[string]map[string]*lineGroup{}
	}
	pk := site + "\x00" + o.Parent
	gs := a.groups[pk]
	if gs == nil {
		gs = map[string]*lineGroup{}
		a.groups[pk] = gs
	}
	g := gs[o.Category+"\x00"+o.Reason]
	if g == nil {
		g = &lineGroup{}
		gs[o.Category+"\x00"+o.Reason] = g
	}
	g.n++
	if len(g.recs) < groupLines {
		g.recs = append(g.recs, rec)
	}
}

// writeLocked writes rec as one line (a.mu held). One Write per line on an
// unbuffered file: each line is flushed whole.
func (a *accountant) writeLocked(rec ErrorRecord) {
	if a.errErr != nil {
		return
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return
	}
	if _, err := a.errOut.Write(append(b, '\n')); err != nil {
		a.errErr = fmt.Errorf("write errors file: %w", err)
		a.log.Error("errors file write failed", "err", err)
	}
}

// flush writes the lines held for the URLs found on parent (see ErrorRecord): one
// line each for a group of at most groupLines URLs, else one line for the group.
// Called when the parent's links or entries have all been filed.
func (a *accountant) flush(site, parent string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	pk := site + "\x00" + parent
	a.flushLocked(parent, a.groups[pk])
	delete(a.groups, pk)
}

// flushSite writes the lines held for every parent of site (the site is done).
func (a *accountant) flushSite(site string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.flushMatching(func(pk string) bool { return strings.HasPrefix(pk, site+"\x00") })
}

// flushAll writes every line held.
func (a *accountant) flushAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.flushMatching(func(string) bool { return true })
}

func (a *accountant) flushMatching(match func(pk string) bool) {
	var keys []string
	for pk := range a.groups {
		if match(pk) {
			keys = append(keys, pk)
		}
	}
	sort.Strings(keys)
	for _, pk := range keys {
		_, parent, _ := strings.Cut(pk, "\x00")
		a.flushLocked(parent, a.groups[pk])
		delete(a.groups, pk)
	}
}

func (a *accountant) flushLocked(parent string, gs map[string]*lineGroup) {
	keys := make([]string, 0, len(gs))
	for k := range gs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := gs[k]
		if g.n <= groupLines {
			for _, rec := range g.recs {
				a.writeLocked(rec)
			}
			continue
		}
		first := g.recs[0]
		rec := ErrorRecord{Time: time.Now().UTC(), Site: first.Site, URL: parent, Category: first.Category, Stage: first.Stage,
			Reason: first.Reason, Count: g.n,
			Error: fmt.Sprintf("%d URLs found on %s filed as %s (%s); the first: %s: %s", g.n, parent, first.Category, first.Reason, first.URL, first.Error)}
		seen := map[string]bool{parent: true}
		for _, r := range g.recs {
			if len(rec.Examples) == groupExamples {
				break
			}
			if !seen[r.URL] {
				seen[r.URL] = true
				rec.Examples = append(rec.Examples, r.URL)
			}
		}
		a.writeLocked(rec)
	}
}

// snapshot returns the counts by category and reason. The job calls it at its end,
// so it first writes every errors-file line still held.
func (a *accountant) snapshot() (map[string]int, map[string]map[string]int) {
	a.flushAll()
	a.mu.Lock()
	defer a.mu.Unlock()
	return (&tally{a.cats, a.reasons}).clone()
}

// siteSnapshot returns the counts of one site by category and reason.
func (a *accountant) siteSnapshot(site string) (map[string]int, map[string]map[string]int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if t := a.sites[site]; t != nil {
		return t.clone()
	}
	return map[string]int{}, map[string]map[string]int{}
}

func (a *accountant) count(cat string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cats[cat]
}

// firstOutcome is how the first URL of site was filed ("" = none).
func (a *accountant) firstOutcome(site string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.first[site]
}
