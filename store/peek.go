package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// MetaPeeker is implemented by stores that read a page's metadata without its
// links for less than GetMeta (the links are most of a stored page's bytes): the
// crawler asks it of every sitemap entry on an incremental run.
type MetaPeeker interface {
	// PeekMeta is GetMeta without Links.
	PeekMeta(ctx context.Context, site, url string) (m Meta, ok bool, err error)
}

// PeekMeta is st's PeekMeta, or its GetMeta without the links.
func PeekMeta(ctx context.Context, st Store, site, url string) (Meta, bool, error) {
	if p, ok := st.(MetaPeeker); ok {
		return p.PeekMeta(ctx, site, url)
	}
	m, ok, err := st.GetMeta(ctx, site, url)
	m.Links = nil
	return m, ok, err
}

// PeekMeta implements MetaPeeker.
func (p *prefixed) PeekMeta(ctx context.Context, site, url string) (Meta, bool, error) {
	return PeekMeta(ctx, p.st, p.ns(site), url)
}

// PeekMeta implements MetaPeeker: one row read, its links column left unread.
func (s *SQLite) PeekMeta(ctx context.Context, site, u string) (Meta, bool, error) {
	s.mu.Lock()
	known, err := s.knownSet(ctx, site)
	isKnown := err == nil && known.Has(u)
	s.mu.Unlock()
	if err != nil {
		return Meta{}, false, err
	}
	s.qmu.Lock()
	p, pending := s.meta[site+"\x00"+u]
	s.qmu.Unlock()
	if pending {
		m := p.m
		m.Links = nil
		return m, true, nil
	}
	if !isKnown {
		return Meta{}, false, nil
	}
	var m Meta
	var fetched, emitted int64
	err = s.dbQueryRow(ctx, `SELECT status, etag, last_modified, sitemap_lastmod, content_hash, fetched_at, emitted_at
		FROM pages WHERE site = ? AND url = ?`, site, u).
		Scan(&m.Status, &m.ETag, &m.LastModified, &m.SitemapLastMod, &m.ContentHash, &fetched, &emitted)
	if errors.Is(err, sql.ErrNoRows) {
		return Meta{}, false, nil
	}
	if err != nil {
		return Meta{}, false, fmt.Errorf("sqlite %s: metadata of %s: %w", s.path, u, err)
	}
	m.FetchedAt, m.EmittedAt = fromNS(fetched), fromNS(emitted)
	return m, true, nil
}
