package output_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
)

// A resumed crawl opens its outputs with Append: the records the interrupted run
// wrote stay, the new ones follow. A new run keeps them too; only Overwrite starts
// the output empty.
func TestAppendKeepsEarlierRecords(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, format, file string
		rotate             output.Rotate
	}{
		{"jsonl", "jsonl", "out.jsonl", output.Rotate{}},
		{"jsonl.gz", "jsonl", "out.jsonl.gz", output.Rotate{}},
		{"sqlite", "sqlite", "out.db", output.Rotate{}},
		{"rotated json", "json", "out.json", output.Rotate{MaxRecords: 2}},
		{"rotated jsonl", "jsonl", "out.jsonl", output.Rotate{MaxRecords: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.file)
			write := func(appendTo, overwrite bool, from, to int) {
				t.Helper()
				s, err := output.OpenSpec(ctx, output.Spec{Path: path, Format: tc.format, Rotate: tc.rotate, Append: appendTo, Overwrite: overwrite})
				if err != nil {
					t.Fatal(err)
				}
				for i := from; i < to; i++ {
					if err := s.Write(ctx, rec(i)); err != nil {
						t.Fatal(err)
					}
				}
				if err := s.Close(ctx); err != nil {
					t.Fatal(err)
				}
			}
			count := func() int {
				t.Helper()
				paths := []string{path}
				if tc.rotate.Enabled() {
					paths = nil
					for n := 1; ; n++ {
						p := output.NumberedPath(path, n)
						if _, err := os.Stat(p); err != nil {
							break
						}
						paths = append(paths, p)
					}
				}
				n := 0
				for _, p := range paths {
					if err := output.Read(ctx, tc.format, p, func(*article.Article) error { n++; return nil }); err != nil {
						t.Fatalf("read %s: %v", p, err)
					}
				}
				return n
			}
			write(false, false, 0, 3) // the interrupted run
			write(true, false, 3, 5)  // the resumed run
			if got := count(); got != 5 {
				t.Errorf("after resume: %d records, want 5 (3 kept + 2 new)", got)
			}
			write(false, false, 5, 6) // a new run without --overwrite keeps them
			if got := count(); got != 6 {
				t.Errorf("new run: %d records, want 6 (5 kept + 1 new)", got)
			}
			write(false, true, 0, 1) // --overwrite starts over
			if got := count(); got != 1 {
				t.Errorf("overwrite: %d records, want 1", got)
			}
		})
	}
}

// A database written before blocks.role existed is upgraded when a crawl
// appends to it: the column is added, old rows read back with no role, new
// rows keep theirs.
func TestSQLiteAppendUpgradesOldSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := output.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(sqliteSchemaV1, "\trole        TEXT NOT NULL DEFAULT '',\n", "", 1)
	if old == sqliteSchemaV1 {
		t.Fatal("test no longer matches the schema: role column line not found")
	}
	if _, err := db.Exec(old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO articles (id, schema_version, url, page_type) VALUES (1, 1, 'https://old.example/a', 'article');
		INSERT INTO sections (article_id, idx, heading, level) VALUES (1, 0, '', 0);
		INSERT INTO blocks (article_id, section_idx, idx, type, text) VALUES (1, 0, 0, 'paragraph', 'Old text.')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := output.OpenSpec(ctx, output.Spec{Path: path, Format: "sqlite", Append: true})
	if err != nil {
		t.Fatalf("append to an old database: %v", err)
	}
	a := &article.Article{URL: "https://new.example/b", PageType: article.PageArticle, Sections: []article.Section{{Blocks: []article.Block{
		{Type: article.BlockList, Role: article.RoleTOC, Items: []article.ListItem{{Text: "One"}, {Text: "Two"}}},
		{Type: article.BlockParagraph, Text: "New text."},
	}}}}
	a.Finalize()
	if err := s.Write(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var got []*article.Article
	if err := output.ReadSQLite(ctx, path, func(a *article.Article) error { got = append(got, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("read back %d records, want 2", len(got))
	}
	if b := got[0].Sections[0].Blocks[0]; b.Text != "Old text." || b.Role != "" {
		t.Errorf("old block = %+v", b)
	}
	if b := got[1].Sections[0].Blocks[0]; b.Role != article.RoleTOC || len(b.Items) != 2 {
		t.Errorf("new block = %+v", b)
	}
}

// sqliteSchemaV1 is the sqlite layout as first released: optional text
// columns NOT NULL with ” (and '[]') defaults.
const sqliteSchemaV1 = `
CREATE TABLE IF NOT EXISTS articles (
	id             INTEGER PRIMARY KEY,
	schema_version INTEGER NOT NULL,
	source         TEXT NOT NULL DEFAULT '',
	url            TEXT NOT NULL DEFAULT '',
	canonical_url  TEXT NOT NULL DEFAULT '',
	site           TEXT NOT NULL DEFAULT '',
	fetched_at     TEXT,
	page_type      TEXT NOT NULL DEFAULT '',
	change         TEXT NOT NULL DEFAULT '',
	title          TEXT NOT NULL DEFAULT '',
	description    TEXT NOT NULL DEFAULT '',
	authors        TEXT NOT NULL DEFAULT '[]',
	published_at   TEXT NOT NULL DEFAULT '',
	modified_at    TEXT NOT NULL DEFAULT '',
	language       TEXT NOT NULL DEFAULT '',
	site_name      TEXT NOT NULL DEFAULT '',
	tags           TEXT NOT NULL DEFAULT '[]',
	image          TEXT NOT NULL DEFAULT '',
	reviewed_by    TEXT NOT NULL DEFAULT '',
	reviewed_at    TEXT NOT NULL DEFAULT '',
	refs           TEXT NOT NULL DEFAULT '[]',
	text           TEXT NOT NULL DEFAULT '',
	word_count     INTEGER NOT NULL DEFAULT 0,
	content_hash   TEXT NOT NULL DEFAULT ''
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
	text        TEXT NOT NULL DEFAULT '',
	ordered     INTEGER NOT NULL DEFAULT 0,
	truncated   INTEGER NOT NULL DEFAULT 0,
	items       TEXT NOT NULL DEFAULT '[]',
	rows        TEXT NOT NULL DEFAULT '[]',
	role        TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (article_id, section_idx, idx)
);
CREATE TABLE IF NOT EXISTS related (
	article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	idx        INTEGER NOT NULL,
	title      TEXT NOT NULL DEFAULT '',
	url        TEXT NOT NULL DEFAULT '',
	snippet    TEXT NOT NULL DEFAULT '',
	truncated  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (article_id, idx)
);
CREATE INDEX IF NOT EXISTS related_url ON related(url);
`
