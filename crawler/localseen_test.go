package crawler

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/store"
)

// On a memory or SQLite store the store frontier keeps no visited set of its own:
// its marks are in the store's table (store.InProcessSeen), and a marked key is
// still queued by its push. A second frontier of the site keeps its own set; after
// releaseSeen the marks are cleared and another frontier may claim them.
func TestStoreFrontierSharedSeen(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		st := store.NewMemory()
		defer st.Close()
		testStoreFrontierSharedSeen(t, st)
	})
	t.Run("sqlite", func(t *testing.T) {
		sq, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer sq.Close()
		testStoreFrontierSharedSeen(t, sq)
	})
}

func testStoreFrontierSharedSeen(t *testing.T, st store.Store) {
	ctx := context.Background()
	if _, err := st.BeginRun(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	f := newStoreFrontier(st, "s", "w", time.Hour, 4)
	if f.shared == nil || f.local.Len() != 0 {
		t.Fatal("the frontier does not use the store's visited table")
	}
	const u = "https://x/a/"
	if ok, err := f.MarkSeen(ctx, Key(u)); err != nil || !ok {
		t.Fatalf("MarkSeen = %v, %v", ok, err)
	}
	if ok, _ := f.MarkSeen(ctx, Key(u)); ok {
		t.Fatal("MarkSeen of a marked key reported new")
	}
	if f.local.Len() != 0 {
		t.Fatal("a key went to the frontier's own set")
	}
	if err := f.Push(ctx, Entry{URL: u, Kind: KindPage}); err != nil {
		t.Fatal(err)
	}
	e, ok, err := f.Pop(ctx)
	if err != nil || !ok || e.URL != u {
		t.Fatalf("Pop = %v, %v, %v; want the pushed entry", e, ok, err)
	}
	if seen, _ := f.Seen(ctx, Key("https://x/b")); seen {
		t.Fatal("Seen of an unmarked key")
	}
	if seen, _ := f.Seen(ctx, Key(u)); !seen {
		t.Fatal("Seen of a marked key = false")
	}

	g := newStoreFrontier(st, "s", "w2", time.Hour, 4)
	if g.shared != nil {
		t.Fatal("a second frontier of the site shares the marks")
	}
	if ok, _ := g.MarkSeen(ctx, Key(u)); !ok || g.local.Len() != 1 {
		t.Fatal("the second frontier does not keep its own set")
	}

	f.releaseSeen()
	h := newStoreFrontier(st, "s", "w3", time.Hour, 4)
	if h.shared == nil {
		t.Fatal("marks not claimable after releaseSeen")
	}
	if seen, _ := h.Seen(ctx, "emitted "+Key(u)); seen {
		t.Fatal("marks not cleared by releaseSeen")
	}
	if ok, _ := h.MarkSeen(ctx, Key(u)); !ok {
		t.Fatal("a released mark is still set")
	}
	// The frontier's marks are not the store's visited set: a marked key is still
	// new to Enqueue.
	if ok, err := st.Enqueue(ctx, "s", Key("https://x/c"), store.Entry{}); err != nil || !ok {
		t.Fatalf("Enqueue of a key the store has not seen = %v, %v", ok, err)
	}
	if ok, _ := h.MarkSeen(ctx, Key("https://x/c")); !ok {
		t.Fatal("a key the store saw is marked in the frontier")
	}
}
