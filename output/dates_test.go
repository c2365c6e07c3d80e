package output_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/parquet-go/parquet-go"
)

// datedRecords: a day only, a time, nothing.
func datedRecords() []*article.Article {
	recs := []*article.Article{
		{SchemaVersion: 1, PageType: "article", URL: "https://h.example/a", Title: "Day only",
			PublishedAt: "2024-03-18", ModifiedAt: "2024-04-01", ReviewedAt: "2024-04-02", Text: "a"},
		{SchemaVersion: 1, PageType: "article", URL: "https://h.example/b", Title: "With time",
			PublishedAt: "2024-03-18T23:12:00Z", ModifiedAt: "2025-01-02T03:04:05Z", Text: "b"},
		{SchemaVersion: 1, PageType: "article", URL: "https://h.example/c", Text: "c"},
	}
	for _, a := range recs {
		a.Finalize()
	}
	return recs
}

func TestParquetTypedDates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.parquet")
	want := datedRecords()
	s, err := output.NewParquetSink(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range want {
		if err := s.Write(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(openReaderAt(t, path))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"published_at", "modified_at", "reviewed_at"} {
		col, ok := f.Schema().Lookup(c)
		if !ok {
			t.Fatalf("no column %s", c)
		}
		if lt := col.Node.Type().LogicalType(); lt.String() != "DATE" || !col.Node.Optional() {
			t.Errorf("%s: logical type %v, optional %v; want an optional DATE", c, lt, col.Node.Optional())
		}
		col, ok = f.Schema().Lookup(c + "_ts")
		if !ok {
			t.Fatalf("no column %s_ts", c)
		}
		lt := col.Node.Type().LogicalType()
		if lt.String() != "TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)" || !col.Node.Optional() {
			t.Errorf("%s_ts: logical type %v; want an optional TIMESTAMP(MICROS, UTC)", c, lt)
		}
	}
	rows, err := parquet.ReadFile[output.ParquetRecord](path)
	if err != nil {
		t.Fatal(err)
	}
	day := func(p *int32) string {
		if p == nil {
			return "null"
		}
		return time.Unix(int64(*p)*86400, 0).UTC().Format(time.DateOnly)
	}
	ts := func(p *time.Time) string {
		if p == nil {
			return "null"
		}
		return p.UTC().Format(time.RFC3339)
	}
	for i, w := range [][4]string{
		{"2024-03-18", "null", "2024-04-01", "null"},
		{"2024-03-18", "2024-03-18T23:12:00Z", "2025-01-02", "2025-01-02T03:04:05Z"},
		{"null", "null", "null", "null"},
	} {
		r := rows[i]
		got := [4]string{day(r.PublishedAt), ts(r.PublishedTS), day(r.ModifiedAt), ts(r.ModifiedTS)}
		if got != w {
			t.Errorf("row %d: published/ts/modified/ts = %v, want %v", i, got, w)
		}
	}
	if day(rows[0].ReviewedAt) != "2024-04-02" || rows[0].ReviewedTS != nil || rows[1].ReviewedAt != nil {
		t.Errorf("reviewed_at: %v %v %v", day(rows[0].ReviewedAt), rows[0].ReviewedTS, rows[1].ReviewedAt)
	}
	var got []*article.Article
	if err := output.ReadParquet(ctx, path, func(a *article.Article) error { got = append(got, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if d := diffRecords(want, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

// legacyRow is the row layout of parquet files written before dates were
// typed (strings); such files must still be readable (crawl report).
type legacyRow struct {
	SchemaVersion int64  `parquet:"schema_version"`
	URL           string `parquet:"url"`
	PageType      string `parquet:"page_type"`
	Title         string `parquet:"title"`
	PublishedAt   string `parquet:"published_at"`
	ModifiedAt    string `parquet:"modified_at"`
	ReviewedAt    string `parquet:"reviewed_at"`
	Text          string `parquet:"text"`
}

func TestParquetReadsStringDates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.parquet")
	if err := parquet.WriteFile(path, []legacyRow{{SchemaVersion: 1, URL: "https://h.example/old", PageType: "article",
		Title: "Old", PublishedAt: "2023-05-01T10:00:00+02:00", ModifiedAt: "2023-06-01", Text: "old text"}}); err != nil {
		t.Fatal(err)
	}
	var got []*article.Article
	if err := output.ReadParquet(context.Background(), path, func(a *article.Article) error { got = append(got, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].PublishedAt != "2023-05-01T10:00:00+02:00" || got[0].ModifiedAt != "2023-06-01" || got[0].Title != "Old" || got[0].Text != "old text" {
		t.Errorf("got %+v", got)
	}
}

func TestSQLiteNullsAndDates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	want := datedRecords()
	s, err := output.NewSQLiteSink(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range want {
		if err := s.Write(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db, err := output.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	assertNoEmptyText(t, db)
	// SQLite's date functions read the stored text as it is.
	var day, hm, year sql.NullString
	if err := db.QueryRow(`SELECT date(published_at), strftime('%H:%M', published_at), strftime('%Y', modified_at)
		FROM articles WHERE url = 'https://h.example/b'`).Scan(&day, &hm, &year); err != nil {
		t.Fatal(err)
	}
	if day.String != "2024-03-18" || hm.String != "23:12" || year.String != "2025" {
		t.Errorf("date functions: %v %v %v", day, hm, year)
	}
	var nulls int
	if err := db.QueryRow(`SELECT count(*) FROM articles WHERE url = 'https://h.example/c' AND published_at IS NULL
		AND modified_at IS NULL AND reviewed_at IS NULL AND title IS NULL AND authors IS NULL AND tags IS NULL`).Scan(&nulls); err != nil || nulls != 1 {
		t.Errorf("absent fields are not NULL (%d, %v)", nulls, err)
	}
	var got []*article.Article
	if err := output.ReadSQLite(ctx, path, func(a *article.Article) error { got = append(got, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if d := diffRecords(want, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

// assertNoEmptyText fails on any ” or '[]' left in a nullable column.
func assertNoEmptyText(t *testing.T, db *sql.DB) {
	t.Helper()
	for table, cols := range map[string][]string{
		"articles": {"source", "url", "canonical_url", "site", "change", "title", "description", "authors", "published_at",
			"modified_at", "language", "site_name", "tags", "image", "reviewed_by", "reviewed_at", "refs", "text", "content_hash"},
		"blocks":  {"text", "items", "rows", "role"},
		"related": {"url", "snippet"},
	} {
		for _, c := range cols {
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM ` + table + ` WHERE "` + c + `" IN ('', '[]')`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				t.Errorf("%s.%s: %d rows hold '' or '[]' instead of NULL", table, c, n)
			}
		}
	}
}

// A database written by a release that stored ” for absent fields is
// upgraded when a crawl appends to it: its ” become NULL, its parts stay,
// new records are written with NULLs.
func TestSQLiteAppendUpgradesEmptyStrings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := output.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(sqliteSchemaV1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO articles (id, schema_version, url, page_type, title, published_at, authors)
			VALUES (1, 1, 'https://old.example/a', 'article', 'Old', '2023-05-01', '["Ann Lee"]');
		INSERT INTO articles (id, schema_version, url, page_type) VALUES (2, 1, 'https://old.example/b', 'article');
		INSERT INTO sections (article_id, idx, heading, level) VALUES (1, 0, '', 0);
		INSERT INTO blocks (article_id, section_idx, idx, type, text) VALUES (1, 0, 0, 'paragraph', 'Old text.');
		INSERT INTO related (article_id, idx, title, url) VALUES (1, 0, 'Other', 'https://old.example/o')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := output.OpenSpec(ctx, output.Spec{Path: path, Format: "sqlite", Append: true})
	if err != nil {
		t.Fatalf("append to a v1 database: %v", err)
	}
	recs := datedRecords()
	if err := s.Write(ctx, recs[2]); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db, err = output.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	assertNoEmptyText(t, db)
	var idx int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('articles_url', 'articles_site', 'related_url')`).Scan(&idx); err != nil || idx != 3 {
		t.Errorf("indexes after the upgrade: %d (%v)", idx, err)
	}
	var got []*article.Article
	if err := output.ReadSQLite(ctx, path, func(a *article.Article) error { got = append(got, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("read back %d records, want 3", len(got))
	}
	if a := got[0]; a.Title != "Old" || a.PublishedAt != "2023-05-01" || len(a.Authors) != 1 || len(a.Sections) != 1 ||
		a.Sections[0].Blocks[0].Text != "Old text." || len(a.Related) != 1 || a.Related[0].Snippet != "" {
		t.Errorf("old record after the upgrade: %+v", a)
	}
	if got[1].Title != "" || got[2].URL != recs[2].URL {
		t.Errorf("records: %+v %+v", got[1], got[2])
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Errorf("WAL left behind")
	}
}
