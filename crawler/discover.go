package crawler

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/url"
	"sort"
	"strings"

	"github.com/healthcrawl/healthcrawl/config"
)

// discovery is what discover did with a URL.
type discovery int

const (
	discQueued   discovery = iota // new and queued
	discSeen                      // seen before (counted as duplicate if a new variant)
	discRejected                  // new, but filed under a category instead of queued
	discInvalid                   // not a crawlable URL (mailto:, bad syntax, …): ignored
)

// discover applies the URL rules to abs (an absolute URL found as a link, in a
// sitemap, or given as a seed) and queues it as e (URL filled in here). Every
// outcome other than queueing is accounted. Checks in order: canonical form, domain,
// exclude, follow/articles, URL length, then (held, see discoverCanon) the trap
// guard and max_depth, then seen before, robots.txt, max_pages.
func (s *siteRun) discover(ctx context.Context, abs *url.URL, e Entry) discovery {
	canon, err := s.canonURL(abs)
	if err != nil {
		return discInvalid
	}
	return s.discoverCanon(ctx, abs, canon, e)
}

// discoverCanon is discover for a URL already canonicalised.
func (s *siteRun) discoverCanon(ctx context.Context, abs *url.URL, canon string, e Entry) discovery {
	return s.discoverSkip(ctx, abs, canon, e, nil)
}

// discoverSkip is discoverCanon for a sitemap's entry: with lastMod set, a page
// listed with a lastmod is appended to *lastMod instead of queued, for the caller
// to decide with its stored metadata, a batch at a time (decideLastMod): a page
// listed with the lastmod it had when fetched is neither requested nor queued (a
// queued entry costs the state a write, a lease and an ack: most of an unchanged
// re-crawl with a sitemap). handle checks the same for entries queued before their
// page's metadata was stored.
func (s *siteRun) discoverSkip(ctx context.Context, abs *url.URL, canon string, e Entry, lastMod *[]Entry) discovery {
	key := Key(canon)
	// The static rules first (they depend on the URL only).
	cat, reason, detail := s.urlRules(abs, canon, e)
	// Path-dependent limits (trap guard, max_depth) are decided before the URL is
	// marked seen: the same URL may still be reached by an allowed path. It is held,
	// and filed as over_limit at the end only if it was never queued (see settleHeld).
	if cat == "" && e.Kind == KindPage {
		if reason, detail := s.pathLimit(canon, e); reason != "" {
			seen, err := s.frontier.Seen(ctx, key)
			if err == nil && !seen {
				s.held.LoadOrStore(key, heldURL{url: canon, reason: reason, err: detail, parent: e.Parent})
				return discRejected
			}
			if err == nil {
				return discSeen
			}
		}
	}
	fresh, err := s.frontier.MarkSeen(ctx, key)
	if err != nil {
		s.log.Error("frontier", "url", canon, "err", err)
		s.job.acct.record(s.site.Name, canon, outcome{Category: CatFailed, Reason: "state store error", Stage: "discover", Err: err})
		return discRejected
	}
	if !fresh {
		if e.Kind == KindPage && e.LastMod != "" && s.incremental() {
			// Queued by a link first: its lastmod is still the one to store (or
			// compare) when it is handled, or every later run asks for it again.
			s.lateLastMod.Store(key, e.LastMod)
		}
		// The same URL linked again is not a new URL; a variant of it (tracking
		// parameters, fragment, host case, …) is, and counts once as a duplicate.
		raw := abs.String()
		if raw != canon {
			if _, dup := s.dupRaw.LoadOrStore(raw, struct{}{}); !dup {
				s.job.acct.record(s.site.Name, raw, outcome{Category: CatDuplicate, Reason: "variant of a URL already seen", Stage: "discover"})
			}
		}
		return discSeen
	}
	e.URL = canon
	reject := func(cat, reason string, detail error) discovery {
		s.job.acct.record(s.site.Name, canon, outcome{Category: cat, Reason: reason, Stage: "discover", Err: detail, Parent: e.Parent})
		s.log.Debug("not queued", "url", canon, "category", cat, "reason", reason)
		return discRejected
	}
	if cat != "" {
		return reject(cat, reason, detail)
	}
	if s.obey && e.Kind == KindPage {
		u, _ := url.Parse(canon)
		if cat, why := s.robotsVerdict(ctx, u); cat != "" {
			return reject(cat, why, nil)
		}
	}
	if e.Kind == KindPage {
		if n := s.pages.Add(1); s.maxPages > 0 && n > int64(s.maxPages) {
			return reject(CatOverLimit, "max_pages", fmt.Errorf("max_pages %d reached", s.maxPages))
		}
	} else if n := s.sitemaps.Add(1); n > maxSitemaps {
		return reject(CatOverLimit, "max_sitemaps", fmt.Errorf("more than %d sitemaps and feeds", maxSitemaps))
	}
	if lastMod != nil && e.Kind == KindPage && e.LastMod != "" && !s.job.opts.Full && s.incremental() && !s.noPriorMeta {
		*lastMod = append(*lastMod, e)
		return discQueued
	}
	return s.push(ctx, e)
}

// push queues e, a URL discovered and marked seen.
func (s *siteRun) push(ctx context.Context, e Entry) discovery {
	if err := s.frontier.Push(ctx, e); err != nil {
		s.job.acct.record(s.site.Name, e.URL, outcome{Category: CatFailed, Reason: "state store error", Stage: "discover", Err: err, Parent: e.Parent})
		s.log.Debug("not queued", "url", e.URL, "category", CatFailed, "reason", "state store error")
		return discRejected
	}
	s.job.queued.Add(1)
	return discQueued
}

// lastModBatch is how many sitemap entries with a lastmod decideLastMod reads the
// stored metadata of at once.
const lastModBatch = 256

// decideLastMod queues the sitemap entries es (discoverSkip's) whose page changed
// since it was fetched — its stored sitemap lastmod differs, or it has no record —
// and appends the others to *unchanged, for the caller to file (fileUnchanged)
// once the whole sitemap is queued: their stored links, discovered earlier, would
// take the sitemap's later entries without their lastmod. The metadata of the
// batch is read in one call (SQLite: 32 URLs a query), not one query an entry.
func (s *siteRun) decideLastMod(ctx context.Context, es []Entry, unchanged *[]Entry) {
	if len(es) == 0 {
		return
	}
	metas := s.metas(ctx, es)
	for _, e := range es {
		if m, ok := metas[e.URL]; ok && m.SitemapLastMod == e.LastMod && m.ContentHash != "" {
			*unchanged = append(*unchanged, e)
			continue
		}
		s.push(ctx, e)
	}
}

// fileUnchanged files the pages discoverSkip found unchanged: counted unchanged, their
// stored links discovered.
func (s *siteRun) fileUnchanged(ctx context.Context, es []Entry) {
	// The stored metadata (the links to discover again) of a batch of pages is read
	// in one call (SQLite: 32 URLs a query), not one query a page: a re-crawl with a
	// sitemap files every unchanged article here.
	for len(es) > 0 {
		n := min(len(es), unchangedBatch)
		metas := s.metas(ctx, es[:n])
		for _, e := range es[:n] {
			s.unchanged(ctx, e, metas[e.URL], 0, "sitemap lastmod unchanged")
		}
		es = es[n:]
	}
}

// unchangedBatch is how many pages fileUnchanged reads the metadata of at a time.
const unchangedBatch = 256

// urlRules applies the rules that depend on the URL only (domain, exclude,
// follow/articles, URL length): the category and reason of a URL they reject, ""
// when they pass it. PageFetcher applies them too.
func (s *siteRun) urlRules(abs *url.URL, canon string, e Entry) (cat, reason string, detail error) {
	if ok, why := s.domainAllowed(abs); !ok {
		return CatExcluded, why, nil
	}
	switch {
	case e.Kind == KindPage && config.Match(s.rules.Exclude, canon):
		return CatExcluded, "matched by exclude", nil
	case e.Kind == KindPage && !e.Seed && len(s.rules.Follow) > 0 && !config.Match(s.rules.Follow, canon) && !config.Match(s.rules.Articles, canon):
		return CatExcluded, "matched by neither follow nor articles", nil
	case len(canon) > s.job.maxURLLen:
		return CatOverLimit, "url_length", fmt.Errorf("URL is %d bytes, limit %d", len(canon), s.job.maxURLLen)
	}
	return "", "", nil
}

// discoverLinks queues the links of a fetched page. For the trap guard, a page
// continuing a run (a link of the same URL shape as its parent, e.g. the next
// calendar or pagination page) is barren when it is not an article and links to
// exactly the same set of other-shape URLs as the previous page of the run (only
// navigation changes). Links of the page's own shape inherit the barren count.
// A link to the page's next page (one of next, its rel=next links, or a URL
// isNextPage calls the next page) does not lengthen the run: pagination is
// followed to max_pages/max_depth (see trapGuard).
func (s *siteRun) discoverLinks(ctx context.Context, parent Entry, base *url.URL, hrefs, next []string, parentArticle bool) {
	pshape := urlShape(base)
	type cand struct {
		u     *url.URL
		canon string
	}
	var same, other []cand
	var otherKeys []string
	for _, h := range hrefs {
		u := resolveLink(base, h)
		if u == nil {
			continue
		}
		canon, err := s.canonURL(u)
		if err != nil {
			continue
		}
		if urlShape(u) == pshape {
			same = append(same, cand{u, canon})
			continue
		}
		other = append(other, cand{u, canon})
		otherKeys = append(otherKeys, Key(canon))
	}
	sig := linkSignature(otherKeys)
	for _, c := range other {
		s.discoverCanon(ctx, c.u, c.canon, Entry{Depth: parent.Depth + 1, Kind: KindPage, Parent: parent.URL})
	}
	barren := !parentArticle && parent.Run > 0 && sig == parent.RunSig
	var nextCanon map[string]bool
	for _, h := range next {
		if u := resolveLink(base, h); u != nil {
			if canon, err := s.canonURL(u); err == nil {
				if nextCanon == nil {
					nextCanon = map[string]bool{}
				}
				nextCanon[canon] = true
			}
		}
	}
	for _, c := range same {
		e := Entry{Depth: parent.Depth + 1, Kind: KindPage, Parent: parent.URL, RunSig: sig}
		switch {
		case parentArticle:
			// Article → article links (related posts) do not make a run.
		case nextCanon[c.canon] || isNextPage(base, c.u):
			// A pagination step: the run goes on (barren pages are still counted) but
			// does not grow.
			e.Run = max(parent.Run, 1)
		default:
			e.Run = parent.Run + 1
		}
		if barren {
			e.Barren = parent.Barren + 1
		}
		s.discoverCanon(ctx, c.u, c.canon, e)
	}
	s.job.acct.flush(s.site.Name, parent.URL)
	s.cond.Broadcast()
}

// linkSignature hashes a set of URL keys (order and repeats ignored).
func linkSignature(keys []string) uint64 {
	sort.Strings(keys)
	h := fnv.New64a()
	prev := ""
	for i, k := range keys {
		if i > 0 && k == prev {
			continue
		}
		prev = k
		h.Write([]byte(k))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// resolveLink resolves href against base; nil for empty, fragment-only, non-http(s)
// or unparsable links.
func resolveLink(base *url.URL, href string) *url.URL {
	href = strings.TrimSpace(href)
	if href == "" || href[0] == '#' {
		return nil
	}
	ref, err := url.Parse(href)
	if err != nil {
		return nil
	}
	u := base.ResolveReference(ref)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil
	}
	return u
}

// heldURL is a URL stopped by a path-dependent limit, pending settleHeld.
type heldURL struct {
	url, reason string
	err         error
	parent      string // the page it was found on
}

// pathLimit returns the trap-guard or max_depth verdict for a page URL reached as e.
func (s *siteRun) pathLimit(canon string, e Entry) (string, error) {
	u, err := url.Parse(canon)
	if err != nil {
		return "", nil
	}
	if why := s.trap.Check(u, e); why != "" {
		return "trap", fmt.Errorf("crawler trap: %s", why)
	}
	if s.maxDepth > 0 && e.Depth > s.maxDepth {
		return "max_depth", fmt.Errorf("depth %d > max_depth %d", e.Depth, s.maxDepth)
	}
	return "", nil
}

// settleHeld files every held URL that was never queued by another path as over_limit.
func (s *siteRun) settleHeld(ctx context.Context) {
	var held []heldURL
	s.held.Range(func(k, v any) bool {
		if seen, err := s.frontier.Seen(ctx, k.(string)); err == nil && !seen {
			held = append(held, v.(heldURL))
		}
		return true
	})
	sort.Slice(held, func(i, j int) bool { return held[i].url < held[j].url })
	for _, h := range held {
		s.job.acct.record(s.site.Name, h.url, outcome{Category: CatOverLimit, Reason: h.reason, Stage: "discover", Err: h.err, Parent: h.parent})
		s.log.Debug("not queued", "url", h.url, "category", CatOverLimit, "reason", h.reason)
	}
	s.job.acct.flushSite(s.site.Name)
}
