package output_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
)

// The sqlite tables hold every field, queried with plain SQL; indexes exist on url
// and site; records are in the database once Flush (or Close) returns.
func TestSQLiteWithSQL(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "out.db")
	s, err := output.NewSQLiteSink(path)
	if err != nil {
		t.Fatal(err)
	}
	want := richRecords(5)
	if err := s.Write(ctx, want[0]); err != nil {
		t.Fatal(err)
	}
	// Durable once flushed (SyncAll): a second connection sees the record before Close.
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	db, err := output.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM articles`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("articles before Close = %d, %v", n, err)
	}
	db.Close()
	writeAll(t, s, want[1:])

	db, err = output.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts := map[string]int{}
	for _, tbl := range []string{"articles", "sections", "blocks", "related"} {
		var c int
		if err := db.QueryRow(`SELECT count(*) FROM ` + tbl).Scan(&c); err != nil {
			t.Fatal(err)
		}
		counts[tbl] = c
	}
	wantCounts := map[string]int{"articles": 5}
	for _, a := range want {
		wantCounts["sections"] += len(a.Sections)
		wantCounts["blocks"] += a.Blocks()
		wantCounts["related"] += len(a.Related)
	}
	if d := cmp.Diff(wantCounts, counts); d != "" {
		t.Errorf("row counts (-want +got):\n%s", d)
	}
	idx := map[string]bool{}
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'index'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		_ = rows.Scan(&name)
		idx[name] = true
	}
	rows.Close()
	if !idx["articles_url"] || !idx["articles_site"] {
		t.Errorf("indexes: %v", idx)
	}
	// A nested query as a data team would write it.
	var title, label string
	err = db.QueryRow(`SELECT a.title, json_extract(b.items, '$[0].label') FROM articles a
		JOIN blocks b ON b.article_id = a.id WHERE a.url = ? AND b.type = 'list' AND b.role IS NULL`, want[1].URL).Scan(&title, &label)
	if err != nil || title != want[1].Title || label != "Blood flow" {
		t.Errorf("join: %q %q %v", title, label, err)
	}
	var authors string
	if err := db.QueryRow(`SELECT authors FROM articles WHERE site = ? ORDER BY id LIMIT 1`, "wellness").Scan(&authors); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := json.Unmarshal([]byte(authors), &got); err != nil || !cmp.Equal(got, want[1].Authors) {
		t.Errorf("authors %s", authors)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "delete" {
		t.Errorf("journal_mode after Close = %q (%v): want the WAL folded back", mode, err)
	}
	// And the whole records read back.
	var back []*article.Article
	if err := output.ReadSQLite(ctx, path, func(a *article.Article) error { back = append(back, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if d := diffRecords(want, back); d != "" {
		t.Errorf("ReadSQLite (-want +got):\n%s", d)
	}
}
