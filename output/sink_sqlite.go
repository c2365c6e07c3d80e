package output

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// SQLiteSchema creates the tables of the sqlite format. articles holds the record's
// scalar fields (lists such as authors, tags and references as JSON arrays); sections,
// blocks and related hold the nested parts, keyed by article_id and position; a block's
// list items and table rows are JSON arrays (query them with json_each).
//
// A field the record does not have is NULL, never ” (nor '[]' for a list).
// published_at, modified_at and reviewed_at hold the record's ISO text ("2024-03-18",
// "2024-03-18T09:12:00Z"), which SQLite's date and time functions read as they are:
// date(published_at), strftime('%Y', published_at), julianday(modified_at).
const SQLiteSchema = `
CREATE TABLE IF NOT EXISTS articles (
	id             INTEGER PRIMARY KEY,
	schema_version INTEGER NOT NULL,
	source         TEXT,
	url            TEXT,
	canonical_url  TEXT,
	site           TEXT,
	fetched_at     TEXT,
	page_type      TEXT NOT NULL DEFAULT '',
	change         TEXT,
	title          TEXT,
	description    TEXT,
	authors        TEXT,
	published_at   TEXT,
	modified_at    TEXT,
	language       TEXT,
	site_name      TEXT,
	tags           TEXT,
	image          TEXT,
	reviewed_by    TEXT,
	reviewed_at    TEXT,
	refs           TEXT,
	text           TEXT,
	word_count     INTEGER NOT NULL DEFAULT 0,
	content_hash   TEXT,
	record_id      TEXT
);
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);
CREATE INDEX IF NOT EXISTS articles_site ON articles(site);
CREATE TABLE IF NOT EXISTS sections (
	article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	idx        INTEGER NOT NULL,
	heading    TEXT NOT NULL DEFAULT '',
	level      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (article_id, idx)
);
CREATE TABLE IF NOT EXISTS blocks (
	article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	section_idx INTEGER NOT NULL,
	idx         INTEGER NOT NULL,
	type        TEXT NOT NULL,
	text        TEXT,
	ordered     INTEGER NOT NULL DEFAULT 0,
	truncated   INTEGER NOT NULL DEFAULT 0,
	items       TEXT,
	rows        TEXT,
	role        TEXT,
	PRIMARY KEY (article_id, section_idx, idx)
);
CREATE TABLE IF NOT EXISTS related (
	article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	idx        INTEGER NOT NULL,
	title      TEXT NOT NULL DEFAULT '',
	url        TEXT,
	snippet    TEXT,
	truncated  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (article_id, idx)
);
CREATE INDEX IF NOT EXISTS related_url ON related(url);
`

// SQLiteSink writes records into a SQLite database (SQLiteSchema) in WAL mode with
// synchronous=FULL. A record replaces the row of the same url (and its parts): a
// database never holds two rows of one url, however often a record is written,
// across runs and kills. Records are written in a pending transaction committed by
// Flush (SyncAll), by Close, and every SQLiteBatch records; a killed process leaves
// a consistent database holding every committed record. Close checkpoints the WAL
// back into the one file. Safe for concurrent use.
type SQLiteSink struct {
	mu        sync.Mutex
	db        *sql.DB
	path      string
	tx        *sql.Tx
	pending   int
	sinkState // closed; sticky error
}

// SQLiteBatch is the number of records after which the pending transaction is
// committed without a Flush.
const SQLiteBatch = 256

// NewSQLiteSink creates the database at path (an existing file there is replaced:
// Spec.Overwrite) with its tables and indexes.
func NewSQLiteSink(path string) (*SQLiteSink, error) {
	if path == "" {
		return nil, errors.New("open output: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open output %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("open output %s: %w", path, err)
		}
	}
	return OpenSQLiteSink(path)
}

// OpenSQLiteSink opens the database at path, keeping the records it already holds
// (a resumed crawl), and creates the tables and indexes it lacks.
func OpenSQLiteSink(path string) (*SQLiteSink, error) {
	if path == "" {
		return nil, errors.New("open output: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open output %s: %w", path, err)
	}
	db, err := OpenSQLite(path)
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(`PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;` + SQLiteSchema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("create sqlite tables %s: %w", path, err)
	}
	if err := migrateSQLite(db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("upgrade sqlite tables %s: %w", path, err)
	}
	return &SQLiteSink{db: db, path: path}, nil
}

// migrateSQLite upgrades a database an earlier release created, so that a
// crawl can append to it: blocks.role is added, and tables whose optional
// columns were NOT NULL with ” defaults are rebuilt with nullable columns, their
// ” (and '[]') values becoming NULL.
func migrateSQLite(db *sql.DB) error {
	blocks, err := tableColumns(db, "blocks")
	if err != nil {
		return err
	}
	if _, ok := blocks["role"]; !ok {
		if _, err := db.Exec(`ALTER TABLE blocks ADD COLUMN role TEXT`); err != nil {
			return err
		}
	}
	articles, err := tableColumns(db, "articles")
	if err != nil {
		return err
	}
	if _, ok := articles["record_id"]; !ok {
		if _, err := db.Exec(`ALTER TABLE articles ADD COLUMN record_id TEXT`); err != nil {
			return err
		}
	}
	if !articles["published_at"] {
		return nil // nullable already
	}
	return rebuildNullable(db)
}

// tableColumns maps the columns of table to their NOT NULL flag.
func tableColumns(db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.Query(`SELECT name, "notnull" FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var name string
		var notNull bool
		if err := rows.Scan(&name, &notNull); err != nil {
			return nil, err
		}
		cols[name] = notNull
	}
	return cols, rows.Err()
}

// sqliteNullable lists, per table, the columns that are NULL when the record
// lacks the field (the JSON list columns were '[]' when empty).
var sqliteNullable = []struct {
	table string
	cols  []string
}{
	{"articles", []string{"source", "url", "canonical_url", "site", "change", "title", "description", "authors",
		"published_at", "modified_at", "language", "site_name", "tags", "image", "reviewed_by", "reviewed_at",
		"refs", "text", "content_hash", "record_id"}},
	{"blocks", []string{"text", "items", "rows", "role"}},
	{"related", []string{"url", "snippet"}},
}

// rebuildNullable recreates articles, blocks and related with SQLiteSchema's
// columns (SQLite cannot drop a NOT NULL constraint in place), in one
// transaction with foreign keys off so no part is cascaded away.
func rebuildNullable(db *sql.DB) (err error) {
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys=OFF`); err != nil {
		return err
	}
	defer func() {
		if _, ferr := conn.ExecContext(ctx, `PRAGMA foreign_keys=ON`); ferr != nil && err == nil {
			err = ferr
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	for _, t := range sqliteNullable {
		ddl, ok := tableDDL(t.table)
		if !ok {
			return fmt.Errorf("no table %s in the schema", t.table)
		}
		rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, t.table)
		if err != nil {
			return err
		}
		var cols []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return err
			}
			cols = append(cols, c)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		exprs := make([]string, len(cols))
		for i, c := range cols {
			exprs[i] = `"` + c + `"`
			if slices.Contains(t.cols, c) {
				exprs[i] = `NULLIF(NULLIF("` + c + `", ''), '[]')`
			}
		}
		tmp := t.table + "_upgrade"
		stmts := []string{
			strings.Replace(ddl, "CREATE TABLE IF NOT EXISTS "+t.table+" (", "CREATE TABLE "+tmp+" (", 1),
			`INSERT INTO ` + tmp + ` ("` + strings.Join(cols, `", "`) + `") SELECT ` + strings.Join(exprs, ", ") + ` FROM ` + t.table,
			`DROP TABLE ` + t.table,
			`ALTER TABLE ` + tmp + ` RENAME TO ` + t.table,
		}
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", t.table, err)
			}
		}
	}
	// the indexes went with the old tables
	if _, err := tx.ExecContext(ctx, SQLiteSchema); err != nil {
		return err
	}
	return tx.Commit()
}

// tableDDL is the CREATE TABLE statement of table in SQLiteSchema.
func tableDDL(table string) (string, bool) {
	head := "CREATE TABLE IF NOT EXISTS " + table + " ("
	i := strings.Index(SQLiteSchema, head)
	if i < 0 {
		return "", false
	}
	j := strings.Index(SQLiteSchema[i:], "\n);")
	if j < 0 {
		return "", false
	}
	return SQLiteSchema[i : i+j+3], true
}

// OpenSQLite opens the database at path with one connection and foreign keys on.
func OpenSQLite(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

// jsonText is v as JSON for a list column: nil (NULL) for an empty list.
func jsonText(v any) any {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" || string(b) == "[]" {
		return nil
	}
	return string(b)
}

// nullText is s for a nullable text column: nil (NULL) when empty.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Write upserts a and its parts in the pending transaction.
func (s *SQLiteSink) Write(ctx context.Context, a *article.Article) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	if s.tx == nil {
		// not ctx: a cancelled ctx would roll back the records already written
		tx, err := s.db.BeginTx(context.Background(), nil)
		if err != nil {
			return fmt.Errorf("write record %s to %s: %w", recordName(a), s.path, err)
		}
		s.tx = tx
	}
	if err := s.upsert(ctx, s.tx, a); err != nil {
		return fmt.Errorf("write record %s to %s: %w", recordName(a), s.path, err)
	}
	s.pending++
	if s.pending >= SQLiteBatch {
		return s.commitLocked()
	}
	return nil
}

// commitLocked commits the pending transaction; a failure is sticky (the records
// of the transaction are lost to this run, and the crawl state was not told they
// were written).
func (s *SQLiteSink) commitLocked() error {
	if s.tx == nil {
		return nil
	}
	tx := s.tx
	s.tx, s.pending = nil, 0
	if err := tx.Commit(); err != nil {
		s.err = fmt.Errorf("commit sqlite %s: %w", s.path, err)
		return s.err
	}
	return nil
}

// Flush commits the pending transaction: the records written so far are durable.
func (s *SQLiteSink) Flush(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	return s.commitLocked()
}

// upsert replaces the row of a's url (the parts go with it: ON DELETE CASCADE) by
// a, inside a savepoint so that a failed record leaves nothing behind.
func (s *SQLiteSink) upsert(ctx context.Context, tx *sql.Tx, a *article.Article) (err error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT record`); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = tx.ExecContext(context.Background(), `ROLLBACK TO record`)
		}
		if _, rerr := tx.ExecContext(context.Background(), `RELEASE record`); rerr != nil && err == nil {
			err = rerr
		}
	}()
	if a.URL != "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM articles WHERE url = ?`, a.URL); err != nil {
			return err
		}
	}
	return s.insert(ctx, tx, a)
}

func (s *SQLiteSink) insert(ctx context.Context, tx *sql.Tx, a *article.Article) (err error) {
	var fetched any
	if a.FetchedAt != nil {
		fetched = a.FetchedAt.UTC().Format(time.RFC3339Nano)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO articles (schema_version, source, url, canonical_url, site,
		fetched_at, page_type, change, title, description, authors, published_at, modified_at, language,
		site_name, tags, image, reviewed_by, reviewed_at, refs, text, word_count, content_hash, record_id)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		a.SchemaVersion, nullText(a.Source), nullText(a.URL), nullText(a.CanonicalURL), nullText(a.Site), fetched,
		a.PageType, nullText(a.Change), nullText(a.Title), nullText(a.Description), jsonText(a.Authors),
		nullText(a.PublishedAt), nullText(a.ModifiedAt), nullText(a.Language), nullText(a.SiteName),
		jsonText(a.Tags), nullText(a.Image), nullText(a.ReviewedBy), nullText(a.ReviewedAt), jsonText(a.References),
		nullText(a.Text), a.WordCount, nullText(a.ContentHash), nullText(a.RecordID))
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	for i, sec := range a.Sections {
		if _, err = tx.ExecContext(ctx, `INSERT INTO sections (article_id, idx, heading, level) VALUES (?,?,?,?)`,
			id, i, sec.Heading, sec.Level); err != nil {
			return err
		}
		for j, b := range sec.Blocks {
			if _, err = tx.ExecContext(ctx, `INSERT INTO blocks (article_id, section_idx, idx, type, text, ordered,
				truncated, items, rows, role) VALUES (?,?,?,?,?,?,?,?,?,?)`,
				id, i, j, b.Type, nullText(b.Text), b.Ordered, b.Truncated, jsonText(b.Items), jsonText(b.Rows), nullText(b.Role)); err != nil {
				return err
			}
		}
	}
	for i, r := range a.Related {
		if _, err = tx.ExecContext(ctx, `INSERT INTO related (article_id, idx, title, url, snippet, truncated)
			VALUES (?,?,?,?,?,?)`, id, i, r.Title, nullText(r.URL), nullText(r.Snippet), r.Truncated); err != nil {
			return err
		}
	}
	return nil
}

// Size is the size of the database file and its WAL.
func (s *SQLiteSink) Size() int64 {
	var n int64
	for _, p := range []string{s.path, s.path + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}

// Close checkpoints the WAL into the database file, leaves WAL mode (so the file
// stands alone) and closes it; idempotent.
func (s *SQLiteSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.err
	}
	s.closed = true
	err := s.err
	if err == nil {
		err = s.commitLocked()
	} else if s.tx != nil {
		_ = s.tx.Rollback()
	}
	if _, cerr := s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;`); cerr != nil && err == nil {
		err = fmt.Errorf("checkpoint sqlite %s: %w", s.path, cerr)
	}
	if cerr := s.db.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close sqlite %s: %w", s.path, cerr)
	}
	s.err = err
	return err
}

// ReadSQLite calls fn with each record of the database at path, in insertion order.
func ReadSQLite(ctx context.Context, path string, fn func(*article.Article) error) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("read sqlite %s: %w", path, err)
	}
	db, err := OpenSQLite(path)
	if err != nil {
		return err
	}
	defer db.Close()
	// Read all articles first: one connection, nested queries need the rows closed.
	var recs []*article.Article
	var ids []int64
	rows, err := db.QueryContext(ctx, `SELECT id, schema_version, source, url, canonical_url, site, fetched_at,
		page_type, change, title, description, authors, published_at, modified_at, language, site_name, tags,
		image, reviewed_by, reviewed_at, refs, text, word_count, content_hash, record_id FROM articles ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read sqlite %s: %w", path, err)
	}
	for rows.Next() {
		var (
			a                     article.Article
			id                    int64
			fetched               sql.NullString
			authors, tags, refsJS nullString
		)
		if err := rows.Scan(&id, &a.SchemaVersion, (*nullString)(&a.Source), (*nullString)(&a.URL),
			(*nullString)(&a.CanonicalURL), (*nullString)(&a.Site), &fetched, &a.PageType, (*nullString)(&a.Change),
			(*nullString)(&a.Title), (*nullString)(&a.Description), &authors, (*nullString)(&a.PublishedAt),
			(*nullString)(&a.ModifiedAt), (*nullString)(&a.Language), (*nullString)(&a.SiteName), &tags,
			(*nullString)(&a.Image), (*nullString)(&a.ReviewedBy), (*nullString)(&a.ReviewedAt), &refsJS,
			(*nullString)(&a.Text), &a.WordCount, (*nullString)(&a.ContentHash), (*nullString)(&a.RecordID)); err != nil {
			rows.Close()
			return fmt.Errorf("read sqlite %s: %w", path, err)
		}
		if fetched.Valid {
			t, err := time.Parse(time.RFC3339Nano, fetched.String)
			if err != nil {
				rows.Close()
				return fmt.Errorf("read sqlite %s: article %d: fetched_at: %w", path, id, err)
			}
			a.FetchedAt = &t
		}
		for _, js := range []struct {
			s nullString
			v any
		}{{authors, &a.Authors}, {tags, &a.Tags}, {refsJS, &a.References}} {
			if js.s == "" {
				continue
			}
			if err := json.Unmarshal([]byte(js.s), js.v); err != nil {
				rows.Close()
				return fmt.Errorf("read sqlite %s: article %d: %w", path, id, err)
			}
		}
		recs = append(recs, &a)
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("read sqlite %s: %w", path, err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read sqlite %s: %w", path, err)
	}
	byID := make(map[int64]*article.Article, len(ids))
	for i, id := range ids {
		byID[id] = recs[i]
	}
	if err := readSQLiteParts(ctx, db, byID); err != nil {
		return fmt.Errorf("read sqlite %s: %w", path, err)
	}
	for _, a := range recs {
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

func readSQLiteParts(ctx context.Context, db *sql.DB, byID map[int64]*article.Article) error {
	rows, err := db.QueryContext(ctx, `SELECT article_id, idx, heading, level FROM sections ORDER BY article_id, idx`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var idx int
		var s article.Section
		if err := rows.Scan(&id, &idx, &s.Heading, &s.Level); err != nil {
			rows.Close()
			return err
		}
		if a := byID[id]; a != nil && idx == len(a.Sections) {
			a.Sections = append(a.Sections, s)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	rows, err = db.QueryContext(ctx, `SELECT article_id, section_idx, idx, type, text, ordered, truncated, items, rows, role
		FROM blocks ORDER BY article_id, section_idx, idx`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var si, idx int
		var b article.Block
		var items, trows nullString
		if err := rows.Scan(&id, &si, &idx, &b.Type, (*nullString)(&b.Text), &b.Ordered, &b.Truncated, &items, &trows,
			(*nullString)(&b.Role)); err != nil {
			rows.Close()
			return err
		}
		if err := unmarshalList(items, &b.Items); err != nil {
			rows.Close()
			return fmt.Errorf("article %d block %d.%d items: %w", id, si, idx, err)
		}
		if err := unmarshalList(trows, &b.Rows); err != nil {
			rows.Close()
			return fmt.Errorf("article %d block %d.%d rows: %w", id, si, idx, err)
		}
		if a := byID[id]; a != nil && si < len(a.Sections) {
			a.Sections[si].Blocks = append(a.Sections[si].Blocks, b)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	rows, err = db.QueryContext(ctx, `SELECT article_id, title, url, snippet, truncated FROM related ORDER BY article_id, idx`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var r article.Related
		if err := rows.Scan(&id, &r.Title, (*nullString)(&r.URL), (*nullString)(&r.Snippet), &r.Truncated); err != nil {
			rows.Close()
			return err
		}
		if a := byID[id]; a != nil {
			a.Related = append(a.Related, r)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	return rows.Err()
}

// nullString scans a nullable text column: NULL reads as "".
type nullString string

func (n *nullString) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*n = ""
	case string:
		*n = nullString(v)
	case []byte:
		*n = nullString(v)
	default:
		return fmt.Errorf("text column holds %T", v)
	}
	return nil
}

func unmarshalList(s nullString, v any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}
