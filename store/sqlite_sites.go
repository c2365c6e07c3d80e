package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/healthcrawl/healthcrawl/internal/keyset"
)

// sqlSite is what a SQLite store caches of a site: the visited keys of the
// current run, the URLs with metadata, the emitted set and the frontier's marks,
// as bits of one table by hash (keyset.Tagged, ~11 bytes a key: a page's key and
// URL are mostly the same string, and one entry carries all its sets where a set
// each and a map of emitted URLs and content hashes cost ~85 bytes, issue 17).
// The content hash of a URL emitted by an earlier run is read from the file when
// a re-crawl fetches the URL again (emitHash): the cache keeps none.
//
// The visited, metadata and emitted groups are loaded from the file on first use
// (loaded); a group not loaded is not kept up to date, and is read whole when it
// is needed. s.mu guards it.
type sqlSite struct {
	keys      keyset.Tagged
	loaded    uint8 // sqSeen, sqKnown, sqEmitted: the groups read from the file
	run       int64 // the current run (known once sqEmitted is loaded)
	localHeld bool  // a frontier holds the sqLocal marks (ClaimLocalSeen)
}

const (
	sqSeen    = 1  // visited in the current run (seen table and frontier keys)
	sqLocal   = 2  // marked seen by a frontier of this process (LocalSeen)
	sqKnown   = 4  // has a row in pages (metadata)
	sqEmitted = 8  // in the emitted set
	sqEmitRun = 16 // emitted or confirmed unchanged in run (with sqEmitted)
)

// site returns the cache of site, creating an empty one. s.mu held.
func (s *SQLite) site(site string) *sqlSite {
	st, ok := s.sites[site]
	if !ok {
		st = &sqlSite{}
		s.sites[site] = st
	}
	return st
}

// loadGroup returns the cache of site with the group group (sqSeen, sqKnown,
// sqEmitted) loaded: on first use every row of q sets the bits row gives its key
// (before, if given, runs first), and the group is marked loaded. On an error the
// bits of the group (and more) are cleared: a part loaded is not the set, it is
// read whole next time. s.mu held.
func (s *SQLite) loadGroup(ctx context.Context, site string, group, more uint8, what string, before func(*sqlSite) error,
	q string, args []any, row func(*sql.Rows) (key string, bits uint8, err error)) (*sqlSite, error) {
	st := s.site(site)
	if st.loaded&group != 0 {
		return st, nil
	}
	if before != nil {
		if err := before(st); err != nil {
			return nil, err
		}
	}
	err := func() error {
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			k, bits, err := row(rows)
			if err != nil {
				return err
			}
			st.keys.Update(k, bits, 0)
		}
		return rows.Err()
	}()
	if err != nil {
		st.keys.ClearAll(group | more)
		return nil, fmt.Errorf("sqlite %s: load %s of %s: %w", s.path, what, site, err)
	}
	st.loaded |= group
	return st, nil
}

// scanKey is a loadGroup row of one key column, given bits.
func scanKey(bits uint8) func(*sql.Rows) (string, uint8, error) {
	return func(rows *sql.Rows) (string, uint8, error) {
		var k string
		return k, bits, rows.Scan(&k)
	}
}

// seenSite returns the cache of site with its visited keys loaded. s.mu held.
func (s *SQLite) seenSite(ctx context.Context, site string) (*sqlSite, error) {
	return s.loadGroup(ctx, site, sqSeen, 0, "visited set", nil,
		"SELECT key FROM seen WHERE site = ? UNION ALL SELECT key FROM frontier WHERE site = ? AND key != ''", []any{site, site},
		scanKey(sqSeen))
}

// knownSite returns the cache of site with its URLs with metadata loaded. s.mu
// held.
func (s *SQLite) knownSite(ctx context.Context, site string) (*sqlSite, error) {
	return s.loadGroup(ctx, site, sqKnown, 0, "metadata URLs", nil, "SELECT url FROM pages WHERE site = ?", []any{site}, scanKey(sqKnown))
}

// emitSite returns the cache of site with its emitted set and current run loaded.
// s.mu held.
func (s *SQLite) emitSite(ctx context.Context, site string) (*sqlSite, error) {
	var run int64
	return s.loadGroup(ctx, site, sqEmitted, sqEmitRun, "emitted set",
		func(st *sqlSite) error {
			if err := s.db.QueryRowContext(ctx, "SELECT run FROM runs WHERE site = ?", site).Scan(&run); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("sqlite %s: run of %s: %w", s.path, site, err)
			}
			st.run = run
			return nil
		},
		"SELECT url, emit_run FROM pages WHERE site = ? AND emit_hash != ''", []any{site},
		func(rows *sql.Rows) (string, uint8, error) {
			var u string
			var r int64
			if err := rows.Scan(&u, &r); err != nil {
				return "", 0, err
			}
			bits := uint8(sqEmitted)
			if r == run {
				bits |= sqEmitRun
			}
			return u, bits, nil
		})
}

// emitTag is the emitted-set bits of u's tag (sqEmitted, sqEmitRun). st's emitted
// set is loaded.
func (st *sqlSite) emitTag(u string) uint8 {
	return st.keys.Get(u) & (sqEmitted | sqEmitRun)
}

// setEmitted puts u in the emitted set, emitted (or confirmed) in run.
func (st *sqlSite) setEmitted(u string, run int64) {
	if run == st.run {
		st.keys.Update(u, sqEmitted|sqEmitRun, 0)
	} else {
		st.keys.Update(u, sqEmitted, sqEmitRun)
	}
}

// emitHash reads the content hash (contentHash) u was last emitted with from the
// file; ok is false when the file has none (the URL left the emitted set meanwhile).
// It takes no lock of s: Commit and Gone write emit_hash before they change the
// cache, so the file is never behind it.
func (s *SQLite) emitHash(ctx context.Context, site, u string) (hash uint64, ok bool, err error) {
	var h string
	err = s.dbQueryRow(ctx, "SELECT emit_hash FROM pages WHERE site = ? AND url = ?", site, u).Scan(&h)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("sqlite %s: content hash of %s: %w", s.path, u, err)
	case h == "":
		return 0, false, nil
	}
	return contentHash(h), true, nil
}

// beginRun notes that run r began (or resumed) on the site. s.mu held.
func (st *sqlSite) beginRun(r Run) {
	if !r.Resumed {
		// The run's visited set starts empty (its rows were deleted); the
		// frontier's marks stay with the frontier, which may have begun before.
		st.keys.ClearAll(sqSeen)
		st.loaded |= sqSeen
	}
	if st.loaded&sqEmitted != 0 && st.run != r.ID {
		st.keys.ClearAll(sqEmitRun)
		st.run = r.ID
	}
}

// ClaimLocalSeen implements InProcessSeen: one process uses a file, so the
// frontier's marks can live in the site's cache with the store's own keys. After a
// Reset of the site the marks go on in the cache they claimed, as a set of their
// own.
func (s *SQLite) ClaimLocalSeen(site string) (LocalSeen, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.site(site)
	return claimTagged(&s.mu, &st.keys, sqLocal, &st.localHeld)
}
