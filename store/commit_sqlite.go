package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Reserve implements Committer. The verdict comes from the cached emitted set; the
// reservation lives in this process only (one process per file): a killed process
// leaves nothing to undo.
func (s *SQLite) Reserve(ctx context.Context, site, worker, key, hash string) (Change, error) {
	h := contentHash(hash)
	s.mu.Lock()
	defer s.mu.Unlock()
	var ch Change
	var st *sqlSite
	var run int64
	for {
		var err error
		if st, err = s.emitSite(ctx, site); err != nil {
			return "", err
		}
		tag := st.emitTag(key)
		run = st.run
		if tag&sqEmitted == 0 {
			ch = ChangeNew
			break
		}
		if tag&sqEmitRun != 0 {
			return ChangeDuplicate, nil
		}
		// Emitted by an earlier run: its content hash is in the file. It is read
		// without s.mu (a query must not stall the workers' other store calls),
		// then the verdict is taken only if the URL's entry did not change
		// meanwhile.
		s.mu.Unlock()
		prev, ok, err := s.emitHash(ctx, site, key)
		s.mu.Lock()
		if err != nil {
			return "", err
		}
		if s.sites[site] != st || st.emitTag(key) != tag || st.run != run {
			continue
		}
		// A URL the cache holds and the file does not (it cannot be: Commit
		// writes first) is written again rather than taken as unchanged.
		ch = decide(true, prev, run-1, h, run)
		if !ok {
			ch = ChangeChanged
		}
		break
	}
	if ch == ChangeDuplicate {
		return ch, nil
	}
	rk := site + "\x00" + key
	if _, held := s.reserved[rk]; held {
		return ChangeDuplicate, nil
	}
	if !ch.Emit() {
		// Same content as an earlier run: note the run, nothing to write.
		st.setEmitted(key, run)
		s.async("emit "+key, func(ctx context.Context, tx *sql.Tx) error {
			_, err := s.txExec(ctx, tx, "UPDATE pages SET emit_run = ? WHERE site = ? AND url = ?", run, site, key)
			return err
		})
		return ch, nil
	}
	s.reserved[rk] = worker
	return ch, nil
}

// Unreserve implements Committer.
func (s *SQLite) Unreserve(ctx context.Context, site, worker, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rk := site + "\x00" + key
	if s.reserved[rk] == worker {
		delete(s.reserved, rk)
	}
	return nil
}

// Commit implements Committer: one transaction records the emissions, acks their
// entries, stores their metadata and the worker's sink positions.
func (s *SQLite) Commit(ctx context.Context, b Batch) error {
	if len(b.Stream) > 0 {
		return fmt.Errorf("sqlite %s: commit: %w", s.path, ErrStreamCommit)
	}
	if len(b.Emissions) == 0 && len(b.Positions) == 0 {
		return nil
	}
	now := ns(s.now())
	type emit struct {
		Emission
		run    int64
		leased int64 // frontier row id when leased here, else 0
	}
	ems := make([]emit, 0, len(b.Emissions))
	s.mu.Lock()
	for _, em := range b.Emissions {
		st, err := s.emitSite(ctx, em.Site)
		if err != nil {
			s.mu.Unlock()
			return err
		}
		x := emit{Emission: em, run: st.run}
		if em.URL != "" {
			lk := em.Site + "\x00" + em.URL
			x.leased = s.leased[lk]
			delete(s.leased, lk)
		}
		ems = append(ems, x)
	}
	s.mu.Unlock()
	err := s.submit(ctx, fmt.Sprintf("commit %d records", len(ems)), true, func(ctx context.Context, tx *sql.Tx) error {
		for _, em := range ems {
			if em.Meta != nil && em.URL == em.Key {
				// The usual record: the page is its own canonical URL, one row written once.
				m := em.Meta
				if _, err := s.txExec(ctx, tx, `INSERT INTO pages (site, url, status, etag, last_modified, sitemap_lastmod, content_hash, fetched_at, links, emitted_at, emit_hash, emit_run)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
					ON CONFLICT (site, url) DO UPDATE SET status = excluded.status, etag = excluded.etag,
						last_modified = excluded.last_modified, sitemap_lastmod = excluded.sitemap_lastmod,
						content_hash = excluded.content_hash, fetched_at = excluded.fetched_at, links = excluded.links,
						emitted_at = excluded.emitted_at, emit_hash = excluded.emit_hash, emit_run = excluded.emit_run`,
					em.Site, em.URL, m.Status, m.ETag, m.LastModified, m.SitemapLastMod, m.ContentHash, ns(m.FetchedAt), strings.Join(m.Links, "\n"),
					now, em.Hash, em.run); err != nil {
					return err
				}
				if err := s.ackDoneTx(ctx, tx, em.Emission, em.leased); err != nil {
					return err
				}
				continue
			}
			if _, err := s.txExec(ctx, tx, `INSERT INTO pages (site, url, content_hash, emitted_at, emit_hash, emit_run) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (site, url) DO UPDATE SET content_hash = excluded.content_hash, emitted_at = excluded.emitted_at,
					emit_hash = excluded.emit_hash, emit_run = excluded.emit_run`,
				em.Site, em.Key, em.Hash, now, em.Hash, em.run); err != nil {
				return err
			}
			if em.Meta != nil && em.URL != "" {
				m := em.Meta
				if _, err := s.txExec(ctx, tx, `INSERT INTO pages (site, url, status, etag, last_modified, sitemap_lastmod, content_hash, fetched_at, links)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
					ON CONFLICT (site, url) DO UPDATE SET status = excluded.status, etag = excluded.etag,
						last_modified = excluded.last_modified, sitemap_lastmod = excluded.sitemap_lastmod,
						content_hash = excluded.content_hash, fetched_at = excluded.fetched_at, links = excluded.links`,
					em.Site, em.URL, m.Status, m.ETag, m.LastModified, m.SitemapLastMod, m.ContentHash, ns(m.FetchedAt), strings.Join(m.Links, "\n")); err != nil {
					return err
				}
			}
			if err := s.ackDoneTx(ctx, tx, em.Emission, em.leased); err != nil {
				return err
			}
		}
		for k, v := range b.Positions {
			if _, err := s.txExec(ctx, tx, `INSERT INTO sink_positions (worker, sink, pos) VALUES (?, ?, ?)
				ON CONFLICT (worker, sink) DO UPDATE SET pos = excluded.pos`, b.Worker, k, v); err != nil {
				return err
			}
		}
		return nil
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, em := range ems {
		delete(s.reserved, em.Site+"\x00"+em.Key)
		if err != nil {
			continue
		}
		if st, ok := s.sites[em.Site]; ok && st.loaded&sqEmitted != 0 {
			st.setEmitted(em.Key, em.run)
		}
		s.knownURL(em.Site, em.Key)
		if em.Meta != nil && em.URL != "" {
			s.knownURL(em.Site, em.URL)
		}
	}
	return err
}

// ackDoneTx acknowledges the frontier entry of em Done (by its row id when it was
// leased here).
func (s *SQLite) ackDoneTx(ctx context.Context, tx *sql.Tx, em Emission, leased int64) error {
	var err error
	switch {
	case leased != 0:
		_, err = s.txExec(ctx, tx, "UPDATE frontier SET state = ?, worker = '', expires = 0 WHERE id = ? AND state IN (0, 1)", stDone, leased)
	case em.URL != "":
		_, err = s.txExec(ctx, tx, "UPDATE frontier SET state = ?, worker = '', expires = 0 WHERE site = ? AND url = ? AND state IN (0, 1)", stDone, em.Site, em.URL)
	}
	return err
}

// Positions implements Committer.
func (s *SQLite) Positions(ctx context.Context, worker string) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT sink, pos FROM sink_positions WHERE worker = ?", worker)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: sink positions of %s: %w", s.path, worker, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("sqlite %s: sink positions of %s: %w", s.path, worker, err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite %s: sink positions of %s: %w", s.path, worker, err)
	}
	return out, nil
}
