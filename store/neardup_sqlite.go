package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/healthcrawl/healthcrawl/pipeline"
)

// The near-duplicate index in the SQLite state: near_records holds what the dedupe
// stage keeps of a record (key, page, SimHash, MinHash sketch: about 170 bytes
// plus the key), near_bands maps each of its NearBands bucket keys to it. A look-up is one
// indexed query for the record's buckets; memory stays flat in the number of
// records.
//
// Adds are written behind, in batches of nearBatch records (or when the oldest
// waiting one is nearMaxWait old, at the next add) and at Close: until their
// commit they are found in an in-memory pending set. A crash loses at most the
// last batch (those records were written, but a later near copy of them would not
// be found).
//
// The tables are created when the index is first used (CREATE … IF NOT EXISTS, not
// a numbered migration: a state file without them is simply a state whose index
// is empty).
const nearSchema = `CREATE TABLE IF NOT EXISTS near_records (
	id     INTEGER PRIMARY KEY,
	key    TEXT NOT NULL,    -- URL reported in duplicate_of
	page   INTEGER NOT NULL, -- pipeline.NearPage of the URL fetched
	hi     INTEGER NOT NULL, -- SimHash, high and low 64 bits
	lo     INTEGER NOT NULL,
	sketch BLOB NOT NULL     -- pipeline.NearSketch, little-endian uint16s
);
CREATE TABLE IF NOT EXISTS near_bands (
	bucket INTEGER NOT NULL, -- LSH bucket key
	rec    INTEGER NOT NULL, -- near_records.id
	PRIMARY KEY (bucket, rec)
) WITHOUT ROWID;`

const (
	nearBatch   = 64
	nearMaxWait = time.Second
)

type sqliteNear struct {
	db     *sql.DB
	path   string
	locks  pipeline.NearLocks
	lookup *sql.Stmt

	pmu     sync.Mutex
	pending map[uint64][]*pipeline.NearRecord // bucket → records added, not committed
	batch   []*pipeline.NearRecord
	oldest  time.Time

	flushMu sync.Mutex // batches commit in order
}

var sqliteNears sync.Map // *SQLite → *sqliteNear

// NearIndex returns the near-duplicate index kept in the state file.
func (s *SQLite) NearIndex() (pipeline.NearIndex, error) {
	if x, ok := sqliteNears.Load(s); ok {
		return x.(*sqliteNear), nil
	}
	ctx := context.Background()
	if _, err := s.db.ExecContext(ctx, nearSchema); err != nil {
		return nil, fmt.Errorf("sqlite %s: near-duplicate index: %w", s.path, err)
	}
	q := "SELECT r.key, r.page, r.hi, r.lo, r.sketch FROM near_bands b JOIN near_records r ON r.id = b.rec WHERE b.bucket IN (?" +
		strings.Repeat(",?", pipeline.NearBands-1) + ")"
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: near-duplicate index: %w", s.path, err)
	}
	x, loaded := sqliteNears.LoadOrStore(s, &sqliteNear{db: s.db, path: s.path, lookup: st, pending: map[uint64][]*pipeline.NearRecord{}})
	if loaded {
		st.Close()
	}
	return x.(*sqliteNear), nil
}

// closeNear writes the index's pending records; SQLite.Close calls it first.
func closeNear(s *SQLite) error {
	x, ok := sqliteNears.LoadAndDelete(s)
	if !ok {
		return nil
	}
	n := x.(*sqliteNear)
	err := n.flush(context.Background())
	n.lookup.Close()
	return err
}

// CheckAndAdd implements pipeline.NearIndex.
func (n *sqliteNear) CheckAndAdd(ctx context.Context, r *pipeline.NearRecord, p pipeline.NearParams) (string, bool, error) {
	dup, found, full, err := n.checkAndAdd(ctx, r, p)
	if err != nil || found || !full {
		return dup, found, err
	}
	return "", false, n.flush(ctx)
}

func (n *sqliteNear) checkAndAdd(ctx context.Context, r *pipeline.NearRecord, p pipeline.NearParams) (dup string, found, flush bool, err error) {
	defer n.locks.Lock(r).Unlock()
	// Pending first, then the table: a record leaves the pending set only after its
	// commit, so one of the two sees it.
	n.pmu.Lock()
	for _, b := range r.Bands {
		for _, c := range n.pending[b] {
			if pipeline.NearMatch(r, c, p) {
				n.pmu.Unlock()
				return c.Key, true, false, nil
			}
		}
	}
	n.pmu.Unlock()
	args := make([]any, len(r.Bands))
	for i, b := range r.Bands {
		args[i] = int64(b)
	}
	rows, err := n.lookup.QueryContext(ctx, args...)
	if err != nil {
		return "", false, false, fmt.Errorf("sqlite %s: near-duplicate look-up: %w", n.path, err)
	}
	defer rows.Close()
	var c pipeline.NearRecord
	var page, hi, lo int64
	var sk []byte
	for rows.Next() {
		if err := rows.Scan(&c.Key, &page, &hi, &lo, &sk); err != nil {
			return "", false, false, fmt.Errorf("sqlite %s: near-duplicate look-up: %w", n.path, err)
		}
		if len(sk) != 2*pipeline.NearBins {
			return "", false, false, fmt.Errorf("sqlite %s: near-duplicate record %q: sketch of %d bytes, want %d", n.path, c.Key, len(sk), 2*pipeline.NearBins)
		}
		c.Page, c.Hi, c.Lo = uint64(page), uint64(hi), uint64(lo)
		for i := range c.Sketch {
			c.Sketch[i] = binary.LittleEndian.Uint16(sk[2*i:])
		}
		if pipeline.NearMatch(r, &c, p) {
			return c.Key, true, false, nil
		}
	}
	if err := rows.Err(); err != nil {
		return "", false, false, fmt.Errorf("sqlite %s: near-duplicate look-up: %w", n.path, err)
	}
	add := *r
	n.pmu.Lock()
	defer n.pmu.Unlock()
	for _, b := range r.Bands {
		n.pending[b] = append(n.pending[b], &add)
	}
	if len(n.batch) == 0 {
		n.oldest = time.Now()
	}
	n.batch = append(n.batch, &add)
	return "", false, len(n.batch) >= nearBatch || time.Since(n.oldest) >= nearMaxWait, nil
}

// flush commits the pending records in one transaction, then drops them from the
// pending set.
func (n *sqliteNear) flush(ctx context.Context) error {
	n.flushMu.Lock()
	defer n.flushMu.Unlock()
	n.pmu.Lock()
	batch := n.batch
	n.batch = nil
	n.pmu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	if err := n.write(ctx, batch); err != nil {
		n.pmu.Lock()
		n.batch = append(batch, n.batch...) // retried at the next flush
		n.pmu.Unlock()
		return fmt.Errorf("sqlite %s: near-duplicate index: %w", n.path, err)
	}
	n.pmu.Lock()
	defer n.pmu.Unlock()
	for _, r := range batch {
		for _, b := range r.Bands {
			l := n.pending[b]
			for i, c := range l {
				if c == r {
					l = append(l[:i], l[i+1:]...)
					break
				}
			}
			if len(l) == 0 {
				delete(n.pending, b)
			} else {
				n.pending[b] = l
			}
		}
	}
	return nil
}

func (n *sqliteNear) write(ctx context.Context, batch []*pipeline.NearRecord) error {
	tx, err := n.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rec, err := tx.PrepareContext(ctx, "INSERT INTO near_records (key, page, hi, lo, sketch) VALUES (?, ?, ?, ?, ?)")
	if err != nil {
		return err
	}
	defer rec.Close()
	band, err := tx.PrepareContext(ctx, "INSERT OR IGNORE INTO near_bands (bucket, rec) VALUES (?, ?)")
	if err != nil {
		return err
	}
	defer band.Close()
	sk := make([]byte, 2*pipeline.NearBins)
	for _, r := range batch {
		for i, v := range r.Sketch {
			binary.LittleEndian.PutUint16(sk[2*i:], v)
		}
		res, err := rec.ExecContext(ctx, r.Key, int64(r.Page), int64(r.Hi), int64(r.Lo), sk)
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for _, b := range r.Bands {
			if _, err := band.ExecContext(ctx, int64(b), id); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}
