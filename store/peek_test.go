package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// PeekMeta gives what GetMeta gives but the links: before and after the metadata is
// committed (SQLite), through a prefix, and for a store without its own PeekMeta.
func TestPeekMeta(t *testing.T) {
	ctx := context.Background()
	sq, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	m := Meta{Status: 200, ETag: `"e"`, SitemapLastMod: "2026-11-01", ContentHash: "abc", FetchedAt: time.Unix(1700000000, 0).UTC(), Links: []string{"https://x/1", "https://x/2"}}
	for name, st := range map[string]Store{"sqlite": sq, "sqlite prefixed": WithPrefix(sq, "p"), "memory": NewMemory()} {
		t.Run(name, func(t *testing.T) {
			check := func(when string) {
				t.Helper()
				full, ok, err := st.GetMeta(ctx, "s", "https://x/a")
				if err != nil || !ok {
					t.Fatalf("%s: GetMeta = %v, %v", when, ok, err)
				}
				peek, ok, err := PeekMeta(ctx, st, "s", "https://x/a")
				if err != nil || !ok {
					t.Fatalf("%s: PeekMeta = %v, %v", when, ok, err)
				}
				if len(full.Links) != 2 || peek.Links != nil {
					t.Errorf("%s: links %v (GetMeta), %v (PeekMeta); want 2 and none", when, full.Links, peek.Links)
				}
				full.Links = nil
				if d := cmp.Diff(full, peek); d != "" {
					t.Errorf("%s: PeekMeta differs from GetMeta (-get +peek):\n%s", when, d)
				}
				if _, ok, err := PeekMeta(ctx, st, "s", "https://x/none"); ok || err != nil {
					t.Errorf("%s: PeekMeta of a URL without metadata = %v, %v", when, ok, err)
				}
			}
			if err := st.PutMeta(ctx, "s", "https://x/a", m); err != nil {
				t.Fatal(err)
			}
			check("pending")
			if _, err := st.Stats(ctx, "s"); err != nil { // commits what is queued
				t.Fatal(err)
			}
			check("stored")
		})
	}
}
