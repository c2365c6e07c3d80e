package crawler

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
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

// ErrorRecord is one line of output.errors_path: a URL that failed or hit a limit.
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
}

// outcome is what happened to one URL that was not emitted.
type outcome struct {
	Category string
	Reason   string
	Stage    string
	Status   int
	Err      error
	Attempts int
}

// accountant counts outcomes and writes failed/over-limit URLs to the errors file.
type accountant struct {
	log *slog.Logger

	mu      sync.Mutex
	cats    map[string]int
	reasons map[string]map[string]int
	errOut  io.Writer         // nil = no errors file
	errErr  error             // first write error on errOut
	first   map[string]string // site → its first outcome, "category: reason" (see deadSites)
}

func newAccountant(log *slog.Logger, errOut io.Writer) *accountant {
	return &accountant{log: log, errOut: errOut, cats: map[string]int{}, reasons: map[string]map[string]int{}}
}

// record files url under o.Category.
func (a *accountant) record(site, url string, o outcome) {
	var line []byte
	if a.errOut != nil && (o.Category == CatFailed || o.Category == CatOverLimit) {
		rec := ErrorRecord{Time: time.Now().UTC(), Site: site, URL: url, Category: o.Category, Stage: o.Stage,
			Reason: o.Reason, Status: o.Status, Attempts: o.Attempts}
		if o.Err != nil {
			rec.Error = o.Err.Error()
		} else {
			rec.Error = o.Reason
		}
		b, err := json.Marshal(rec)
		if err == nil {
			line = append(b, '\n')
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cats[o.Category]++
	r := a.reasons[o.Category]
	if r == nil {
		r = map[string]int{}
		a.reasons[o.Category] = r
	}
	r[o.Reason]++
	if a.first == nil {
		a.first = map[string]string{}
	}
	if _, ok := a.first[site]; !ok {
		a.first[site] = CategoryLabel(o.Category) + ": " + o.Reason
	}
	if line != nil && a.errErr == nil {
		// One Write per line on an unbuffered file: each line is flushed whole.
		if _, err := a.errOut.Write(line); err != nil {
			a.errErr = fmt.Errorf("write errors file: %w", err)
			a.log.Error("errors file write failed", "err", err)
		}
	}
}

func (a *accountant) snapshot() (map[string]int, map[string]map[string]int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cats := make(map[string]int, len(a.cats))
	for k, v := range a.cats {
		cats[k] = v
	}
	reasons := make(map[string]map[string]int, len(a.reasons))
	for k, m := range a.reasons {
		c := make(map[string]int, len(m))
		for r, n := range m {
			c[r] = n
		}
		reasons[k] = c
	}
	return cats, reasons
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
