package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/healthcrawl/healthcrawl/pipeline"
)

// The near-duplicate index in the SQLite state. As for the visited set, one process
// uses a state file and its in-memory copy is authoritative: the index is a
// pipeline.MemoryNearIndex loaded from the table near_records when first used, and
// every record it adds is written behind, by the store's committer, in the next
// transaction of the writer connection (with the records and acks of the pages
// being crawled). A crash loses at most the writes of that transaction, as for
// every other write nobody waits for.
//
// A table of bucket → record looked up per record was measured first: 117–234 µs of
// CPU per record from 1k to 100k records (one indexed query and eleven inserts),
// against about 3 µs in memory, a third of the CPU of a whole page. Writing the
// records in transactions of their own, on a connection of the pool, cost more than
// the inserts: each of those commits made the writer connection drop its page cache
// (another connection had changed the file).
//
// The table is created when the index is first used (CREATE … IF NOT EXISTS, not a
// numbered migration: a state file without it is a state whose index is empty).
const nearSchema = `CREATE TABLE IF NOT EXISTS near_records (
	id     INTEGER PRIMARY KEY,
	key    TEXT NOT NULL,    -- URL reported in duplicate_of
	page   INTEGER NOT NULL, -- pipeline.NearPage of the URL fetched
	hi     INTEGER NOT NULL, -- SimHash, high and low 64 bits
	lo     INTEGER NOT NULL,
	sketch BLOB NOT NULL,    -- pipeline.NearSketch, little-endian uint16s
	bands  BLOB NOT NULL     -- the NearBands bucket keys, little-endian uint64s
);`

type sqliteNear struct {
	s   *SQLite
	mem *pipeline.MemoryNearIndex
}

var sqliteNears sync.Map // *SQLite → *sqliteNear

var nearLoadMu sync.Mutex // one load at a time

// NearIndex returns the near-duplicate index kept in the state file (loaded at the
// first call).
func (s *SQLite) NearIndex() (pipeline.NearIndex, error) {
	if x, ok := sqliteNears.Load(s); ok {
		return x.(*sqliteNear), nil
	}
	nearLoadMu.Lock()
	defer nearLoadMu.Unlock()
	if x, ok := sqliteNears.Load(s); ok {
		return x.(*sqliteNear), nil
	}
	n := &sqliteNear{s: s, mem: pipeline.NewMemoryNearIndex()}
	if err := n.load(context.Background()); err != nil {
		_ = n.mem.Close() // the load's error is the one to report
		return nil, fmt.Errorf("sqlite %s: near-duplicate index: %w", s.path, err)
	}
	sqliteNears.Store(s, n)
	return n, nil
}

func (n *sqliteNear) load(ctx context.Context) error {
	// Created by the committer, on the writer connection, as every write.
	if err := n.s.tx(ctx, "create near_records", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, nearSchema)
		return err
	}); err != nil {
		return err
	}
	rows, err := n.s.db.QueryContext(ctx, "SELECT key, page, hi, lo, sketch, bands FROM near_records ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	var r pipeline.NearRecord
	var page, hi, lo int64
	var sk, bands []byte
	for rows.Next() {
		if err := rows.Scan(&r.Key, &page, &hi, &lo, &sk, &bands); err != nil {
			return err
		}
		if len(sk) != 2*pipeline.NearBins || len(bands) != 8*pipeline.NearBands {
			return fmt.Errorf("record %q: sketch of %d bytes and bands of %d, want %d and %d", r.Key, len(sk), len(bands), 2*pipeline.NearBins, 8*pipeline.NearBands)
		}
		r.Page, r.Hi, r.Lo = uint64(page), uint64(hi), uint64(lo)
		for i := range r.Sketch {
			r.Sketch[i] = binary.LittleEndian.Uint16(sk[2*i:])
		}
		for i := range r.Bands {
			r.Bands[i] = binary.LittleEndian.Uint64(bands[8*i:])
		}
		if err := n.mem.Add(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// closeNear forgets the index of s and releases its spill file; SQLite.Close calls
// it first (the records added are queued writes, which Close commits: they do not
// need the in-memory index).
func closeNear(s *SQLite) error {
	x, ok := sqliteNears.LoadAndDelete(s)
	if !ok {
		return nil
	}
	if err := x.(*sqliteNear).mem.Close(); err != nil {
		return fmt.Errorf("sqlite %s: near-duplicate index: %w", s.path, err)
	}
	return nil
}

// CheckAndAdd implements pipeline.NearIndex.
func (n *sqliteNear) CheckAndAdd(ctx context.Context, r *pipeline.NearRecord, p pipeline.NearParams) (string, bool, error) {
	dup, found, err := n.mem.CheckAndAdd(ctx, r, p)
	if err != nil || found {
		return dup, found, err
	}
	key, page, hi, lo := r.Key, int64(r.Page), int64(r.Hi), int64(r.Lo)
	sk := make([]byte, 2*pipeline.NearBins+8*pipeline.NearBands)
	for i, v := range r.Sketch {
		binary.LittleEndian.PutUint16(sk[2*i:], v)
	}
	bands := sk[2*pipeline.NearBins:]
	sk = sk[:2*pipeline.NearBins]
	for i, v := range r.Bands {
		binary.LittleEndian.PutUint64(bands[8*i:], v)
	}
	n.s.async("near-duplicate record of "+key, func(ctx context.Context, tx *sql.Tx) error {
		_, err := n.s.txExec(ctx, tx, "INSERT INTO near_records (key, page, hi, lo, sketch, bands) VALUES (?, ?, ?, ?, ?, ?)", key, page, hi, lo, sk, bands)
		return err
	})
	return "", false, nil
}
