package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// Nack and Apply's Nacks are in the file when they return, not only queued for the
// next commit: the crawler gives back the rest of a batch before it hands out a
// suspect alone, and a crash then must not count those leases as lost.
func TestSQLiteNackStoredOnReturn(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.BeginRun(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://x/a", "https://x/b", "https://x/c"} {
		if _, err := st.Enqueue(ctx, "s", u, Entry{URL: u}); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := st.Lease(ctx, "s", "w", 3, time.Hour); err != nil || len(got) != 3 {
		t.Fatalf("lease = %d entries, %v; want 3", len(got), err)
	}
	// Another connection sees only what is committed.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	leased := func() int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM frontier WHERE state = 1").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := leased(); n != 3 {
		t.Fatalf("leased rows after the lease = %d, want 3", n)
	}
	if err := st.Nack(ctx, "s", "https://x/a"); err != nil {
		t.Fatal(err)
	}
	if n := leased(); n != 2 {
		t.Errorf("leased rows once Nack returned = %d, want 2", n)
	}
	if _, err := st.Apply(ctx, "s", Ops{Nack: []string{"https://x/b", "https://x/c"}}); err != nil {
		t.Fatal(err)
	}
	if n := leased(); n != 0 {
		t.Errorf("leased rows once Apply's Nacks returned = %d, want 0", n)
	}
}
