package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Apply implements Store: the operations one after the other; its Nacks are
// committed before it returns (one commit for all of them, see Nack).
func (s *SQLite) Apply(ctx context.Context, site string, ops Ops) ([]bool, error) {
	nacks := ops.Nack
	ops.Nack = nil
	queued, err := applyEach(ctx, s, site, ops)
	if err != nil || len(nacks) == 0 {
		return queued, err
	}
	for _, u := range nacks {
		s.nackAsync(site, u)
	}
	if err := s.flush(ctx); err != nil {
		return nil, fmt.Errorf("apply: nack %s and %d more: %w", nacks[0], len(nacks)-1, err)
	}
	return queued, nil
}

// metasPerQuery is the URLs one GetMetas query asks (a shorter list is padded by
// repeating its last URL, so that one prepared statement serves every batch).
const metasPerQuery = 32

// GetMetas implements Store: the URLs of the known set (see readMeta) are read
// metasPerQuery at a time, one query each (a lease batch of pages on a re-crawl:
// one statement instead of 32 — the statement's setup was most of a GetMeta's
// cost, issue 17); metadata queued but not committed is merged as readMeta does.
func (s *SQLite) GetMetas(ctx context.Context, site string, urls []string) (map[string]Meta, error) {
	s.mu.Lock()
	st, err := s.knownSite(ctx, site)
	var ask []string
	var unknown map[string]bool // the URLs not in the known set
	if err == nil {
		for _, u := range urls {
			if st.keys.Get(u)&sqKnown != 0 {
				ask = append(ask, u)
			} else {
				if unknown == nil {
					unknown = map[string]bool{}
				}
				unknown[u] = true
			}
		}
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var pend map[string]pendingMeta
	s.qmu.Lock()
	for _, u := range urls {
		if p, ok := s.meta[site+"\x00"+u]; ok {
			if pend == nil {
				pend = map[string]pendingMeta{}
			}
			pend[u] = p
		}
	}
	s.qmu.Unlock()
	out := make(map[string]Meta, len(ask)+len(pend))
	for u := range pend {
		if unknown[u] {
			ask = append(ask, u) // queued meta of a URL the known set has not seen yet
		}
	}
	for len(ask) > 0 {
		n := min(len(ask), metasPerQuery)
		if err := s.getMetaBatch(ctx, site, ask[:n], out); err != nil {
			return nil, err
		}
		ask = ask[n:]
	}
	for u, p := range pend {
		m := p.m
		m.EmittedAt = out[u].EmittedAt
		m.Links = slices.Clone(m.Links)
		out[u] = m
	}
	return out, nil
}

var getMetasQuery = `SELECT url, status, etag, last_modified, sitemap_lastmod, content_hash, fetched_at, emitted_at, links FROM pages WHERE site = ? AND url IN (?` +
	strings.Repeat(", ?", metasPerQuery-1) + `)`

// getMetaBatch reads the rows of urls (at most metasPerQuery) into out.
func (s *SQLite) getMetaBatch(ctx context.Context, site string, urls []string, out map[string]Meta) error {
	args := make([]any, 1+metasPerQuery)
	args[0] = site
	for i := range metasPerQuery {
		args[1+i] = urls[min(i, len(urls)-1)]
	}
	st, err := s.prep(ctx, getMetasQuery)
	if err != nil {
		return fmt.Errorf("sqlite %s: metadata of %s and %d more: %w", s.path, urls[0], len(urls)-1, err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("sqlite %s: metadata of %s and %d more: %w", s.path, urls[0], len(urls)-1, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m Meta
		var u, links string
		var fetched, emitted int64
		if err := rows.Scan(&u, &m.Status, &m.ETag, &m.LastModified, &m.SitemapLastMod, &m.ContentHash, &fetched, &emitted, &links); err != nil {
			return fmt.Errorf("sqlite %s: metadata of %s and %d more: %w", s.path, urls[0], len(urls)-1, err)
		}
		m.FetchedAt, m.EmittedAt = fromNS(fetched), fromNS(emitted)
		if links != "" {
			m.Links = strings.Split(links, "\n")
		}
		out[u] = m
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite %s: metadata of %s and %d more: %w", s.path, urls[0], len(urls)-1, err)
	}
	return nil
}

// ReserveMany implements Committer: Reserve after Reserve.
func (s *SQLite) ReserveMany(ctx context.Context, worker string, rs []Reservation) ([]Change, error) {
	return reserveEach(ctx, s, worker, rs)
}
