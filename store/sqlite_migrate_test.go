package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A state file written before migration 3 (no frontier.lost column) opens, keeps its
// frontier and counts losses from 0: a run interrupted under the old program resumes
// under the new one.
func TestSQLiteMigratesLostColumn(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range migrations[:2] {
		if _, err := db.ExecContext(ctx, m); err != nil {
			t.Fatalf("old migration %d: %v", i+1, err)
		}
	}
	for _, q := range []string{
		"PRAGMA user_version = 2",
		"INSERT INTO runs (site, run, started_at, finished_at) VALUES ('a', 1, 1, 0)",
		"INSERT INTO frontier (site, url, key, data, state) VALUES ('a', 'https://x/queued', 'k1', 'd1', 0)",
		"INSERT INTO frontier (site, url, key, data, state, worker, expires) VALUES ('a', 'https://x/leased', 'k2', 'd2', 1, 'w', 9223372036854775807)",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatalf("open old file: %v", err)
	}
	defer s.Close()
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil || v != len(migrations) {
		t.Fatalf("schema version = %d (%v), want %d", v, err, len(migrations))
	}
	if r, err := s.BeginRun(ctx, "a"); err != nil || !r.Resumed {
		t.Fatalf("BeginRun = %+v, %v; want the old run resumed", r, err)
	}
	if n, err := s.Release(ctx, "a", "w"); err != nil || n != 1 {
		t.Fatalf("Release = %d, %v; want 1", n, err)
	}
	got, err := s.Lease(ctx, "a", "w", 5, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var g []string
	for _, e := range got {
		g = append(g, fmt.Sprintf("%s %s %d", e.URL, e.Data, e.Lost))
	}
	if want := "https://x/queued d1 0, https://x/leased d2 1"; strings.Join(g, ", ") != want {
		t.Fatalf("lease after migration = %q, want %q", strings.Join(g, ", "), want)
	}
}
