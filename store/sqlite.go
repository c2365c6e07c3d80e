package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // pure Go SQLite driver, registered as "sqlite"
)

func init() {
	Register("sqlite", func(ctx context.Context, u *url.URL) (Store, error) {
		p := sqlitePath(u)
		if p == "" {
			return nil, errors.New("sqlite URL without a path (want sqlite:///abs/path.db or sqlite://relative.db)")
		}
		return OpenSQLite(ctx, p)
	})
}

// sqlitePath is the file of a sqlite:// URL: sqlite:///abs/x.db → /abs/x.db,
// sqlite://rel/x.db → rel/x.db, sqlite:rel.db → rel.db.
func sqlitePath(u *url.URL) string {
	switch {
	case u.Opaque != "":
		return u.Opaque
	case u.Host != "":
		return u.Host + u.Path
	default:
		return u.Path
	}
}

// migrations are applied in order; PRAGMA user_version counts the ones applied.
// Never edit an applied migration: append a new one.
var migrations = []string{
	// 1: initial schema.
	`CREATE TABLE runs (
		site        TEXT PRIMARY KEY,
		run         INTEGER NOT NULL,
		started_at  INTEGER NOT NULL,
		finished_at INTEGER NOT NULL DEFAULT 0 -- 0 = in progress
	);
	CREATE TABLE frontier (
		id      INTEGER PRIMARY KEY, -- queue order
		site    TEXT NOT NULL,
		url     TEXT NOT NULL,
		key     TEXT NOT NULL DEFAULT '', -- visited-set key it was enqueued under (part of the visited set)
		data    BLOB,
		state   INTEGER NOT NULL DEFAULT 0, -- 0 queued, 1 leased, 2 done, 3 failed
		worker  TEXT NOT NULL DEFAULT '',
		expires INTEGER NOT NULL DEFAULT 0, -- lease expiry, unix ns
		UNIQUE (site, url)
	);
	CREATE INDEX frontier_state ON frontier (site, state, id);
	CREATE TABLE seen (
		site TEXT NOT NULL,
		key  TEXT NOT NULL,
		PRIMARY KEY (site, key)
	) WITHOUT ROWID;
	CREATE TABLE pages (
		site            TEXT NOT NULL,
		url             TEXT NOT NULL,
		status          INTEGER NOT NULL DEFAULT 0,
		etag            TEXT NOT NULL DEFAULT '',
		last_modified   TEXT NOT NULL DEFAULT '',
		sitemap_lastmod TEXT NOT NULL DEFAULT '',
		content_hash    TEXT NOT NULL DEFAULT '',
		fetched_at      INTEGER NOT NULL DEFAULT 0,
		emitted_at      INTEGER NOT NULL DEFAULT 0,
		links           TEXT NOT NULL DEFAULT '', -- newline-separated
		emit_hash       TEXT NOT NULL DEFAULT '', -- emitted set: content hash of the record written ('' = not in the set)
		emit_run        INTEGER NOT NULL DEFAULT 0, -- run that last emitted (or found unchanged) the URL
		PRIMARY KEY (site, url)
	) WITHOUT ROWID;`,
	// 2: committed positions of each worker's outputs (write-then-commit).
	`CREATE TABLE sink_positions (
		worker TEXT NOT NULL,
		sink   TEXT NOT NULL, -- output key: format and absolute path
		pos    TEXT NOT NULL,
		PRIMARY KEY (worker, sink)
	) WITHOUT ROWID;`,
	// 3: Entry.Lost, leases of the entry that ended without Ack or Nack (expired or
	// released): a URL whose fetch kills the process is not retried forever.
	`ALTER TABLE frontier ADD COLUMN lost INTEGER NOT NULL DEFAULT 0;`,
}

// SQLite is the Store in one SQLite file (WAL mode). One process at a time uses a
// file: the visited set is cached in memory and the cache is authoritative.
type SQLite struct {
	db *sql.DB
	// wconn is the one connection that writes (the committer's): its page cache stays
	// valid from one transaction to the next, where a pooled connection would find
	// the file changed by another connection and drop its whole cache each time.
	wconn *sql.Conn
	path  string
	now   func() time.Time

	mu sync.Mutex
	// sites caches each site's visited keys, URLs with metadata and emitted set,
	// by 64-bit hash (see sqlSite).
	sites    map[string]*sqlSite
	reserved map[string]string // "site\x00key" → worker holding a Reserve (in this process only)
	// leased: "site\x00url" → frontier row id of entries leased by this process
	// (Ack finds the row by id).
	leased map[string]int64

	// Writes go through one committer goroutine that runs every op queued so far in
	// one transaction (group commit). Ops that return data or must be durable before
	// the caller goes on (Lease, EmitOnce, BeginRun, …) wait for their commit; the
	// others (Enqueue, MarkSeen, PutMeta, Ack, Nack, Extend) return at once. The
	// queue is FIFO, so a crash loses at most a suffix of the ops: an ack is never
	// kept while the links its page queued are lost.
	qmu      sync.Mutex
	queue    []*op
	waiters  int                    // ops in queue somebody waits for
	urgent   int                    // of those, ops a crawl waits on (leases, flushes): no commit spacing
	meta     map[string]pendingMeta // "site\x00url" → metadata queued but not committed
	metaVer  uint64
	wake     chan struct{}
	stop     chan struct{}
	stopped  chan struct{}
	asyncErr error        // first error of an op nobody waited for; returned by the next waited op
	txs, ops atomic.Int64 // transactions committed by the committer, ops they ran

	stmtMu sync.Mutex
	// stmts are the prepared statements by SQL text. They are the DB's (not wconn's):
	// database/sql keeps a DB statement prepared once per connection, and
	// Tx.StmtContext reuses it on the transaction's connection, where a statement
	// prepared on a Conn would be prepared again at every use.
	stmts map[string]*sql.Stmt

	closeOnce sync.Once
	closeErr  error
}

// Page cache of the writer connection and of each reader connection, KiB. The
// visited, metadata and emitted sets are cached in the process (sqlSite), so a
// transaction touches few pages: the right edges of the frontier and pages
// b-trees (URLs are mostly found in order) and their interior pages. SQLite keeps
// its caches outside the Go heap (modernc's allocator, in 1 MiB mappings), where
// 8 + 3 × 2 MiB were ~16 MiB of a 300,000-page crawl's peak RSS (issue 17).
const (
	writeCacheKiB = 2 << 10
	readCacheKiB  = 512
)

// commitSpacing is the least time between the starts of two transactions while the
// store is busy (see committer).
const commitSpacing = 10 * time.Millisecond

// Async batching: ops nobody waits for wait up to asyncDelay for company, unless
// maxAsyncBatch of them are queued.
const (
	asyncDelay    = 5 * time.Millisecond
	maxAsyncBatch = 512
)

// op is one write, run inside the committer's transaction.
type op struct {
	what    string
	run     func(ctx context.Context, tx *sql.Tx) error
	done    chan error // nil: nobody waits
	metaKey string     // PutMeta: key in SQLite.meta
	metaVer uint64
}

type pendingMeta struct {
	m   Meta
	ver uint64
}

// OpenSQLite opens (creating it and its directory if needed) the SQLite state file
// at path and migrates its schema.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite %s: %w", path, err)
		}
	}
	// Page caches are small and mmap is off: the visited and emitted sets are
	// cached in the process (as hashes), so SQLite's own cache only needs the pages
	// a transaction touches (the right edge of the frontier and pages b-trees).
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(" + strconv.Itoa(-readCacheKiB) + ")&_pragma=mmap_size(0)&_pragma=wal_autocheckpoint(4000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	// Only the committer writes, on its own connection; readers use the others (WAL).
	db.SetMaxOpenConns(4)
	s := &SQLite{db: db, path: path, now: time.Now, sites: map[string]*sqlSite{},
		leased: map[string]int64{}, reserved: map[string]string{},
		meta: map[string]pendingMeta{}, stmts: map[string]*sql.Stmt{}, wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	if s.wconn, err = db.Conn(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite %s: writer connection: %w", path, err)
	}
	if _, err := s.wconn.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = %d", -writeCacheKiB)); err != nil {
		s.wconn.Close()
		db.Close()
		return nil, fmt.Errorf("sqlite %s: writer connection: %w", path, err)
	}
	go s.committer()
	return s, nil
}

// submit queues a write. With wait it blocks until the op is committed (or ctx ends)
// and returns its error, or an earlier unreported error of an op nobody waited for.
func (s *SQLite) submit(ctx context.Context, what string, wait bool, run func(ctx context.Context, tx *sql.Tx) error) error {
	return s.wait(ctx, what, s.enqueue(what, wait, false, run))
}

// enqueue queues a write; the returned channel (nil without wait) gets its result.
// An urgent op (wait only) is committed without the spacing of busy commits: the
// crawl waits on it (a lease, a flush), where the committer's batches can wait.
func (s *SQLite) enqueue(what string, wait, urgent bool, run func(ctx context.Context, tx *sql.Tx) error) chan error {
	o := &op{what: what, run: run}
	if wait {
		o.done = make(chan error, 1)
	}
	s.qmu.Lock()
	s.queue = append(s.queue, o)
	if wait {
		s.waiters++
		if urgent {
			s.urgent++
		}
	}
	s.qmu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return o.done
}

// wait waits for the result of an enqueued op (nil done: nothing to wait for).
func (s *SQLite) wait(ctx context.Context, what string, done chan error) error {
	if done == nil {
		return nil
	}
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("sqlite %s: %s: %w", s.path, what, err)
		}
		s.qmu.Lock()
		err, s.asyncErr = s.asyncErr, nil
		s.qmu.Unlock()
		if err != nil {
			return fmt.Errorf("sqlite %s: earlier write: %w", s.path, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sqlite %s: %s: %w", s.path, what, ctx.Err())
	}
}

// committer runs the queued ops, all of them in one transaction per round. When the
// batch fails, each op is retried in its own transaction so one bad op fails alone.
func (s *SQLite) committer() {
	defer close(s.stopped)
	ctx := context.Background()
	stopping := false
	var last time.Time // start of the last transaction
	lastOps := 0       // writes it carried
	for {
		if !stopping {
			select {
			case <-s.wake:
			case <-s.stop:
				stopping = true
			}
		}
		// Ops nobody waits for are held a little (up to asyncDelay, or until a waited
		// op or a full batch arrives), so they share a commit with later ones.
		var timer *time.Timer
		for !stopping {
			s.qmu.Lock()
			delay := time.Duration(0)
			switch {
			case len(s.queue) == 0 || len(s.queue) >= maxAsyncBatch:
			case s.waiters == 0:
				delay = asyncDelay
			}
			s.qmu.Unlock()
			if delay == 0 {
				break
			}
			if timer == nil {
				timer = time.NewTimer(delay)
			}
			select {
			case <-s.wake:
				continue
			case <-s.stop:
				stopping = true
			case <-timer.C:
			}
			break
		}
		if timer != nil {
			timer.Stop()
		}
		// Busy (the last transaction carried several writes): commits are spaced by
		// commitSpacing at least, so that each carries more writes. A commit writes
		// every b-tree page its writes touched to the WAL: most of its cost is per
		// transaction, not per write.
		//
		// Not while an urgent op waits: a crawl that leases a batch of pages it
		// answers with a 304 or skips (unchanged lastmod) waited 10 ms per lease, and
		// an unchanged re-crawl took as long as the first run.
		if wait := commitSpacing - time.Since(last); !stopping && lastOps > 1 && wait > 0 {
			t := time.NewTimer(wait)
		spacing:
			for {
				s.qmu.Lock()
				now := len(s.queue) >= maxAsyncBatch || s.urgent > 0
				s.qmu.Unlock()
				if now {
					break
				}
				select {
				case <-t.C:
					break spacing
				case <-s.wake: // an op arrived: urgent, or the batch full?
				case <-s.stop:
					stopping = true
					break spacing
				}
			}
			t.Stop()
		}
		s.qmu.Lock()
		batch := s.queue
		s.queue = nil
		s.waiters, s.urgent = 0, 0
		s.qmu.Unlock()
		if stopping && len(batch) == 0 {
			return
		}
		if len(batch) == 0 {
			continue
		}
		last, lastOps = time.Now(), len(batch)
		errs := make([]error, len(batch))
		if s.runBatch(ctx, batch, errs) != nil {
			for i := range batch {
				s.runBatch(ctx, batch[i:i+1], errs[i:i+1])
			}
		}
		s.qmu.Lock()
		for i, o := range batch {
			if o.metaKey != "" {
				// Committed (or failed): readers use the database from now on, unless a
				// newer PutMeta of the same URL is still queued.
				if p, ok := s.meta[o.metaKey]; ok && p.ver == o.metaVer {
					delete(s.meta, o.metaKey)
				}
			}
			if o.done != nil {
				o.done <- errs[i]
			} else if errs[i] != nil && s.asyncErr == nil {
				s.asyncErr = fmt.Errorf("%s: %w", o.what, errs[i])
			}
		}
		s.qmu.Unlock()
	}
}

// runBatch runs ops in one transaction; errs gets each op's error. The returned error
// is non-nil when the transaction was rolled back.
func (s *SQLite) runBatch(ctx context.Context, ops []*op, errs []error) error {
	tx, err := s.wconn.BeginTx(ctx, nil)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return err
	}
	for i, o := range ops {
		if err := o.run(ctx, tx); err != nil {
			tx.Rollback()
			errs[i] = err
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return err
	}
	s.txs.Add(1)
	s.ops.Add(int64(len(ops)))
	return nil
}

// Transactions reports the write transactions committed so far and the writes
// (Enqueue, Ack, Commit, Lease, …) they carried.
func (s *SQLite) Transactions() (txs, ops int64) { return s.txs.Load(), s.ops.Load() }

func (s *SQLite) migrate(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this program (%d)", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

// Engine implements Store.
func (s *SQLite) Engine() string { return "sqlite" }

// Path is the file of the store.
func (s *SQLite) Path() string { return s.path }

func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// prep returns the prepared statement of q (prepared once: parsing SQL costs more
// than running these small statements).
func (s *SQLite) prep(ctx context.Context, q string) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if st, ok := s.stmts[q]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	s.stmts[q] = st
	return st, nil
}

func (s *SQLite) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	st, err := s.prep(ctx, q)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

func (s *SQLite) txQuery(ctx context.Context, tx *sql.Tx, q string, args ...any) (*sql.Rows, error) {
	st, err := s.prep(ctx, q)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}

func (s *SQLite) txQueryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	st, err := s.prep(ctx, q)
	if err != nil {
		return tx.QueryRowContext(ctx, q, args...)
	}
	return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}

func (s *SQLite) dbQueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := s.prep(ctx, q)
	if err != nil {
		return s.db.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// tx runs f in the committer's transaction and waits for the commit.
func (s *SQLite) tx(ctx context.Context, what string, f func(ctx context.Context, tx *sql.Tx) error) error {
	return s.wait(ctx, what, s.enqueue(what, true, true, f))
}

// async queues f for the next commit without waiting.
func (s *SQLite) async(what string, f func(ctx context.Context, tx *sql.Tx) error) {
	_ = s.submit(context.Background(), what, false, f)
}

// flush waits until every write queued so far is committed.
func (s *SQLite) flush(ctx context.Context) error {
	return s.tx(ctx, "flush", func(context.Context, *sql.Tx) error { return nil })
}

// BeginRun implements Store.
func (s *SQLite) BeginRun(ctx context.Context, site string) (Run, error) {
	var r Run
	err := s.tx(ctx, "begin run of "+site, func(ctx context.Context, tx *sql.Tx) error {
		var id, started, finished int64
		err := s.txQueryRow(ctx, tx, "SELECT run, started_at, finished_at FROM runs WHERE site = ?", site).Scan(&id, &started, &finished)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case finished == 0:
			r = Run{ID: id, Resumed: true, StartedAt: fromNS(started)}
			return nil
		}
		for _, q := range []string{"DELETE FROM frontier WHERE site = ?", "DELETE FROM seen WHERE site = ?"} {
			if _, err := s.txExec(ctx, tx, q, site); err != nil {
				return err
			}
		}
		now := s.now()
		r = Run{ID: id + 1, StartedAt: now.UTC()}
		_, err = s.txExec(ctx, tx, `INSERT INTO runs (site, run, started_at, finished_at) VALUES (?, ?, ?, 0)
			ON CONFLICT (site) DO UPDATE SET run = excluded.run, started_at = excluded.started_at, finished_at = 0`,
			site, r.ID, ns(now))
		return err
	})
	if err != nil {
		return Run{}, err
	}
	s.mu.Lock()
	s.forgetLeases(site)
	if st, ok := s.sites[site]; ok {
		st.beginRun(r)
	}
	if !r.Resumed {
		// A reservation not committed when its run ended is gone with it.
		for k := range s.reserved {
			if strings.HasPrefix(k, site+"\x00") {
				delete(s.reserved, k)
			}
		}
	}
	s.mu.Unlock()
	return r, nil
}

// FinishRun implements Store.
func (s *SQLite) FinishRun(ctx context.Context, site string) error {
	return s.tx(ctx, "finish run of "+site, func(ctx context.Context, tx *sql.Tx) error {
		_, err := s.txExec(ctx, tx, "UPDATE runs SET finished_at = ? WHERE site = ? AND finished_at = 0", ns(s.now()), site)
		return err
	})
}

// MarkSeen implements Store.
func (s *SQLite) MarkSeen(ctx context.Context, site, key string) (bool, error) {
	return s.Enqueue(ctx, site, key, Entry{})
}

// Seen implements Store.
func (s *SQLite) Seen(ctx context.Context, site, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.seenSite(ctx, site)
	if err != nil {
		return false, err
	}
	return st.keys.Get(key)&sqSeen != 0, nil
}

// Enqueue implements Store. An Entry without URL only marks key seen.
func (s *SQLite) Enqueue(ctx context.Context, site, key string, e Entry) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.seenSite(ctx, site)
	if err != nil {
		return false, err
	}
	if st.keys.Update(key, sqSeen, 0)&sqSeen != 0 {
		return false, nil
	}
	s.async("mark seen "+key, func(ctx context.Context, tx *sql.Tx) error {
		if e.URL == "" {
			_, err := s.txExec(ctx, tx, "INSERT OR IGNORE INTO seen (site, key) VALUES (?, ?)", site, key)
			return err
		}
		// The frontier row carries the key: one insert marks it seen and queues it.
		_, err := s.txExec(ctx, tx, `INSERT INTO frontier (site, url, key, data, state) VALUES (?, ?, ?, ?, 0)
			ON CONFLICT (site, url) DO UPDATE SET key = excluded.key, data = excluded.data, state = 0, worker = '', expires = 0, lost = 0`,
			site, e.URL, key, e.Data)
		return err
	})
	return true, nil
}

func (s *SQLite) pushTx(ctx context.Context, tx *sql.Tx, site string, e Entry) error {
	_, err := s.txExec(ctx, tx, `INSERT INTO frontier (site, url, data, state) VALUES (?, ?, ?, 0)
		ON CONFLICT (site, url) DO UPDATE SET data = excluded.data, state = 0, worker = '', expires = 0, lost = 0`,
		site, e.URL, e.Data)
	return err
}

// Push implements Store.
func (s *SQLite) Push(ctx context.Context, site string, entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	entries = slices.Clone(entries)
	s.async("push "+entries[0].URL, func(ctx context.Context, tx *sql.Tx) error {
		for _, e := range entries {
			if err := s.pushTx(ctx, tx, site, e); err != nil {
				return err
			}
		}
		return nil
	})
	return nil
}

// Lease implements Store.
func (s *SQLite) Lease(ctx context.Context, site, worker string, n int, ttl time.Duration) ([]Entry, error) {
	if n <= 0 {
		return nil, nil
	}
	type row struct {
		id int64
		e  Entry
	}
	var rows []row
	err := s.tx(ctx, "lease for "+worker, func(ctx context.Context, tx *sql.Tx) error {
		rows = rows[:0] // run again alone when its batch failed
		now := s.now()
		if _, err := s.txExec(ctx, tx, "UPDATE frontier SET state = 0, worker = '', lost = lost + 1 WHERE site = ? AND state = 1 AND expires <= ?", site, ns(now)); err != nil {
			return err
		}
		// The first n queued rows, then one UPDATE of the id range they span: in that
		// range every queued row of the site is one of them (they are the first by id).
		// Cheaper than UPDATE … WHERE id IN (SELECT …) RETURNING, which builds two
		// temporary b-trees per lease.
		rs, err := s.txQuery(ctx, tx, "SELECT id, url, data, lost FROM frontier WHERE site = ? AND state = 0 ORDER BY id LIMIT ?", site, n)
		if err != nil {
			return err
		}
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.id, &r.e.URL, &r.e.Data, &r.e.Lost); err != nil {
				rs.Close()
				return err
			}
			rows = append(rows, r)
		}
		if err := rs.Close(); err != nil {
			return err
		}
		if err := rs.Err(); err != nil || len(rows) == 0 {
			return err
		}
		res, err := s.txExec(ctx, tx, "UPDATE frontier SET state = 1, worker = ?, expires = ? WHERE site = ? AND state = 0 AND id BETWEEN ? AND ?",
			worker, ns(now.Add(ttl)), site, rows[0].id, rows[len(rows)-1].id)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil || k != int64(len(rows)) {
			return fmt.Errorf("lease: %d rows marked leased for %d read (%v)", k, len(rows), err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(rows, func(a, b int) bool { return rows[a].id < rows[b].id })
	s.mu.Lock()
	for _, r := range rows {
		s.leased[site+"\x00"+r.e.URL] = r.id
	}
	s.mu.Unlock()
	out := make([]Entry, len(rows))
	for i, r := range rows {
		out[i] = r.e
	}
	return out, nil
}

// Extend implements Store.
func (s *SQLite) Extend(ctx context.Context, site, worker string, ttl time.Duration) error {
	s.async("extend leases of "+worker, func(ctx context.Context, tx *sql.Tx) error {
		_, err := s.txExec(ctx, tx, "UPDATE frontier SET expires = ? WHERE site = ? AND state = 1 AND worker = ?", ns(s.now().Add(ttl)), site, worker)
		return err
	})
	return nil
}

// Ack implements Store.
func (s *SQLite) Ack(ctx context.Context, site, u string, o Outcome) error {
	st := stDone
	if o == Failed {
		st = stFailed
	}
	s.mu.Lock()
	id, ok := s.leased[site+"\x00"+u]
	delete(s.leased, site+"\x00"+u)
	if ok {
		// Leased here: the row is known by its id (no lookup by URL).
		s.async("ack "+u, func(ctx context.Context, tx *sql.Tx) error {
			_, err := s.txExec(ctx, tx, "UPDATE frontier SET state = ?, worker = '', expires = 0 WHERE id = ? AND state IN (0, 1)", st, id)
			return err
		})
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	s.async("ack "+u, func(ctx context.Context, tx *sql.Tx) error {
		_, err := s.txExec(ctx, tx, "UPDATE frontier SET state = ?, worker = '', expires = 0 WHERE site = ? AND url = ? AND state IN (0, 1)", st, site, u)
		return err
	})
	return nil
}

// forgetLeases drops the cached row ids of site's leases. s.mu held.
func (s *SQLite) forgetLeases(site string) {
	prefix := site + "\x00"
	for k := range s.leased {
		if strings.HasPrefix(k, prefix) {
			delete(s.leased, k)
		}
	}
}

// Nack implements Store.
// It returns once the entry is queued again in the file: a crawler that gives
// back the rest of a batch before it hands out a suspect alone relies on it (a
// crash after Nack returns must not count the lease as lost).
func (s *SQLite) Nack(ctx context.Context, site, u string) error {
	s.nackAsync(site, u)
	return s.flush(ctx)
}

// nackAsync queues the Nack of u for the next commit.
func (s *SQLite) nackAsync(site, u string) {
	s.mu.Lock()
	delete(s.leased, site+"\x00"+u)
	s.mu.Unlock()
	s.async("nack "+u, func(ctx context.Context, tx *sql.Tx) error {
		_, err := s.txExec(ctx, tx, "UPDATE frontier SET state = 0, worker = '', expires = 0 WHERE site = ? AND url = ? AND state = 1", site, u)
		return err
	})
}

// Release implements Store.
func (s *SQLite) Release(ctx context.Context, site, worker string) (int, error) {
	s.mu.Lock()
	s.forgetLeases(site)
	for k, w := range s.reserved {
		if w == worker && strings.HasPrefix(k, site+"\x00") {
			delete(s.reserved, k)
		}
	}
	s.mu.Unlock()
	var n int64
	err := s.tx(ctx, "release leases of "+worker, func(ctx context.Context, tx *sql.Tx) error {
		res, err := s.txExec(ctx, tx, "UPDATE frontier SET state = 0, worker = '', expires = 0, lost = lost + 1 WHERE site = ? AND state = 1 AND worker = ?", site, worker)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// GetMeta implements Store.
func (s *SQLite) GetMeta(ctx context.Context, site, u string) (Meta, bool, error) {
	return s.readMeta(ctx, site, u, true)
}

// PeekMeta implements MetaPeeker: the row read without its links column.
func (s *SQLite) PeekMeta(ctx context.Context, site, u string) (Meta, bool, error) {
	return s.readMeta(ctx, site, u, false)
}

// readMeta is GetMeta, with the stored links only when withLinks.
func (s *SQLite) readMeta(ctx context.Context, site, u string, withLinks bool) (Meta, bool, error) {
	s.mu.Lock()
	st, err := s.knownSite(ctx, site)
	var isKnown bool
	if err == nil {
		isKnown = st.keys.Get(u)&sqKnown != 0
	}
	s.mu.Unlock()
	if err != nil {
		return Meta{}, false, err
	}
	s.qmu.Lock()
	p, pending := s.meta[site+"\x00"+u]
	s.qmu.Unlock()
	if !isKnown && !pending {
		return Meta{}, false, nil
	}
	m, ok, err := s.getMeta(ctx, site, u, withLinks)
	if pending && err == nil {
		p.m.EmittedAt = m.EmittedAt
		if withLinks {
			p.m.Links = slices.Clone(p.m.Links)
		} else {
			p.m.Links = nil
		}
		return p.m, true, nil
	}
	return m, ok, err
}

func (s *SQLite) getMeta(ctx context.Context, site, u string, withLinks bool) (Meta, bool, error) {
	var m Meta
	var fetched, emitted int64
	var links string
	cols := []any{&m.Status, &m.ETag, &m.LastModified, &m.SitemapLastMod, &m.ContentHash, &fetched, &emitted}
	q := `SELECT status, etag, last_modified, sitemap_lastmod, content_hash, fetched_at, emitted_at FROM pages WHERE site = ? AND url = ?`
	if withLinks {
		cols = append(cols, &links)
		q = `SELECT status, etag, last_modified, sitemap_lastmod, content_hash, fetched_at, emitted_at, links FROM pages WHERE site = ? AND url = ?`
	}
	err := s.dbQueryRow(ctx, q, site, u).Scan(cols...)
	if errors.Is(err, sql.ErrNoRows) {
		return Meta{}, false, nil
	}
	if err != nil {
		return Meta{}, false, fmt.Errorf("sqlite %s: metadata of %s: %w", s.path, u, err)
	}
	m.FetchedAt, m.EmittedAt = fromNS(fetched), fromNS(emitted)
	if links != "" {
		m.Links = strings.Split(links, "\n")
	}
	return m, true, nil
}

// PutMeta implements Store.
func (s *SQLite) PutMeta(ctx context.Context, site, u string, m Meta) error {
	m.Links = slices.Clone(m.Links)
	s.mu.Lock()
	st, err := s.knownSite(ctx, site)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	st.keys.Update(u, sqKnown, 0)
	s.mu.Unlock()
	key := site + "\x00" + u
	s.qmu.Lock()
	s.metaVer++
	ver := s.metaVer
	s.meta[key] = pendingMeta{m: m, ver: ver}
	s.queue = append(s.queue, &op{what: "metadata of " + u, metaKey: key, metaVer: ver, run: func(ctx context.Context, tx *sql.Tx) error {
		_, err := s.txExec(ctx, tx, `INSERT INTO pages (site, url, status, etag, last_modified, sitemap_lastmod, content_hash, fetched_at, links)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (site, url) DO UPDATE SET status = excluded.status, etag = excluded.etag,
				last_modified = excluded.last_modified, sitemap_lastmod = excluded.sitemap_lastmod,
				content_hash = excluded.content_hash, fetched_at = excluded.fetched_at, links = excluded.links`,
			site, u, m.Status, m.ETag, m.LastModified, m.SitemapLastMod, m.ContentHash, ns(m.FetchedAt), strings.Join(m.Links, "\n"))
		return err
	}})
	s.qmu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// knownURL notes that u has metadata (when the site's set is loaded). s.mu held.
func (s *SQLite) knownURL(site, u string) {
	if st, ok := s.sites[site]; ok && st.loaded&sqKnown != 0 {
		st.keys.Update(u, sqKnown, 0)
	}
}

// EmitOnce implements Store: Reserve and Commit in one call (the reservation keeps
// concurrent calls with the same url out until the commit). The verdict comes from
// the cached emitted set (one process per file); a record to write is committed
// before EmitOnce returns.
func (s *SQLite) EmitOnce(ctx context.Context, site, u, hash string) (Change, error) {
	ch, err := s.Reserve(ctx, site, "", u, hash)
	if err != nil || !ch.Emit() {
		return ch, err
	}
	return ch, s.Commit(ctx, Batch{Emissions: []Emission{{Site: site, Key: u, Hash: hash}}})
}

// Gone implements Store.
func (s *SQLite) Gone(ctx context.Context, site, u string) (bool, error) {
	s.mu.Lock()
	st, err := s.emitSite(ctx, site)
	if err != nil {
		s.mu.Unlock()
		return false, err
	}
	prev := st.emitTag(u)
	was := prev&sqEmitted != 0
	st.keys.Update(u, 0, sqEmitted|sqEmitRun)
	done := s.enqueue("gone "+u, true, false, func(ctx context.Context, tx *sql.Tx) error {
		_, err := s.txExec(ctx, tx, "UPDATE pages SET emit_hash = '', emit_run = 0 WHERE site = ? AND url = ?", site, u)
		return err
	})
	s.mu.Unlock()
	if err := s.wait(ctx, "gone "+u, done); err != nil {
		s.mu.Lock()
		if was && s.sites[site] == st {
			st.keys.Update(u, prev, 0)
		}
		s.mu.Unlock()
		return false, err
	}
	return was, nil
}

// Emitted implements Store.
func (s *SQLite) Emitted(ctx context.Context, site string) ([]string, error) {
	if err := s.flush(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT url FROM pages WHERE site = ? AND emit_hash != '' ORDER BY url", site)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: emitted set of %s: %w", s.path, site, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("sqlite %s: emitted set of %s: %w", s.path, site, err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite %s: emitted set of %s: %w", s.path, site, err)
	}
	return out, nil
}

// EachEmitted implements Store: the set is read in pages of EmittedPage URLs in URL
// order (the primary key's), each page in a read of its own, so fn may write to the
// state and no read transaction stays open for the walk.
func (s *SQLite) EachEmitted(ctx context.Context, site string, fn func(string) error) error {
	if err := s.flush(ctx); err != nil {
		return err
	}
	after := ""
	page := make([]string, 0, EmittedPage)
	for {
		page = page[:0]
		rows, err := s.db.QueryContext(ctx, "SELECT url FROM pages WHERE site = ? AND url > ? AND emit_hash != '' ORDER BY url LIMIT ?", site, after, EmittedPage)
		if err != nil {
			return fmt.Errorf("sqlite %s: emitted set of %s: %w", s.path, site, err)
		}
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite %s: emitted set of %s: %w", s.path, site, err)
			}
			page = append(page, u)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("sqlite %s: emitted set of %s: %w", s.path, site, err)
		}
		for _, u := range page {
			if err := fn(u); err != nil {
				return err
			}
		}
		if len(page) < EmittedPage {
			return nil
		}
		after = page[len(page)-1]
	}
}

// Stats implements Store.
func (s *SQLite) Stats(ctx context.Context, site string) (Stats, error) {
	if err := s.flush(ctx); err != nil {
		return Stats{}, err
	}
	st := Stats{Site: site}
	wrap := func(err error) (Stats, error) {
		return Stats{}, fmt.Errorf("sqlite %s: stats of %s: %w", s.path, site, err)
	}
	var started, finished int64
	err := s.db.QueryRowContext(ctx, "SELECT run, started_at, finished_at FROM runs WHERE site = ?", site).Scan(&st.Run, &started, &finished)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return wrap(err)
	}
	if err == nil {
		st.Running = finished == 0
		st.StartedAt, st.FinishedAt = fromNS(started), fromNS(finished)
	}
	now := ns(s.now())
	err = s.db.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(state = 0 OR (state = 1 AND expires <= ?)), 0),
			COALESCE(SUM(state = 1 AND expires > ?), 0),
			COALESCE(SUM(state = 2), 0),
			COALESCE(SUM(state = 3), 0)
		FROM frontier WHERE site = ?`, now, now, site).Scan(&st.Queued, &st.Leased, &st.Done, &st.Failed)
	if err != nil {
		return wrap(err)
	}
	for _, q := range []struct {
		sql string
		dst *int64
	}{
		{"SELECT (SELECT COUNT(*) FROM seen WHERE site = ?1) + (SELECT COUNT(*) FROM frontier WHERE site = ?1 AND key != '')", &st.Seen},
		{"SELECT COUNT(*) FROM pages WHERE site = ? AND emit_hash != ''", &st.Emitted},
		{"SELECT COUNT(*) FROM pages WHERE site = ?", &st.Pages},
	} {
		if err := s.db.QueryRowContext(ctx, q.sql, site).Scan(q.dst); err != nil {
			return wrap(err)
		}
	}
	return st, nil
}

// Sites implements Store.
func (s *SQLite) Sites(ctx context.Context) ([]string, error) {
	if err := s.flush(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT site FROM runs UNION SELECT DISTINCT site FROM frontier
		UNION SELECT DISTINCT site FROM pages ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: list sites: %w", s.path, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("sqlite %s: list sites: %w", s.path, err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Reset implements Store.
func (s *SQLite) Reset(ctx context.Context, site string) error {
	err := s.tx(ctx, "reset "+site, func(ctx context.Context, tx *sql.Tx) error {
		for _, t := range []string{"runs", "frontier", "seen", "pages"} {
			if _, err := s.txExec(ctx, tx, "DELETE FROM "+t+" WHERE site = ?", site); err != nil {
				return err
			}
		}
		return nil
	})
	s.mu.Lock()
	s.forgetLeases(site)
	delete(s.sites, site)
	s.mu.Unlock()
	return err
}

// Close implements Store: it commits what is queued and closes the file (the last
// connection to close folds the WAL into the database file).
func (s *SQLite) Close() error {
	s.closeOnce.Do(func() {
		nearErr := closeNear(s) // neardup_sqlite.go: write the near-duplicate index's pending records
		close(s.stop)
		<-s.stopped
		s.qmu.Lock()
		err := s.asyncErr
		s.qmu.Unlock()
		if err != nil {
			s.closeErr = fmt.Errorf("sqlite %s: %w", s.path, err)
		}
		s.stmtMu.Lock()
		for _, st := range s.stmts {
			st.Close()
		}
		s.stmts = map[string]*sql.Stmt{}
		s.stmtMu.Unlock()
		if err := s.wconn.Close(); err != nil && s.closeErr == nil {
			s.closeErr = fmt.Errorf("sqlite %s: close: %w", s.path, err)
		}
		if err := s.db.Close(); err != nil && s.closeErr == nil {
			s.closeErr = fmt.Errorf("sqlite %s: close: %w", s.path, err)
		}
		s.closeErr = errors.Join(s.closeErr, nearErr)
	})
	return s.closeErr
}
