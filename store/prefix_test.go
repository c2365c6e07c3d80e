package store_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/healthcrawl/healthcrawl/store"
	"github.com/healthcrawl/healthcrawl/store/storetest"
)

func TestPrefixConformanceMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return store.WithPrefix(store.NewMemory(), "cfg") })
}

func TestPrefixConformanceSQLite(t *testing.T) {
	storetest.RunHarness(t, storetest.Harness{
		Open: func(t *testing.T) store.Store {
			s, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "state.db"))
			if err != nil {
				t.Fatal(err)
			}
			return store.WithPrefix(s, "cfg")
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			path := store.Unwrap(s).(*store.SQLite).Path()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2, err := store.OpenSQLite(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			return store.WithPrefix(s2, "cfg")
		},
	})
}

func TestWithPrefixEmptyIsIdentity(t *testing.T) {
	m := store.NewMemory()
	if got := store.WithPrefix(m, ""); got != store.Store(m) {
		t.Fatalf("WithPrefix(st, \"\") = %T, want the store itself", got)
	}
	if store.Unwrap(m) != store.Store(m) {
		t.Fatal("Unwrap of an undecorated store is not the store")
	}
}

// Engine features are found under the decorator (the fleet limiter and stream
// commits type-assert on the engine).
func TestWithPrefixUnwrapsToTheEngine(t *testing.T) {
	s, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := store.Unwrap(store.WithPrefix(s, "a")).(*store.SQLite); !ok {
		t.Fatal("Unwrap of a prefixed sqlite store is not the sqlite engine")
	}
}

// Two configs sharing one store keep separate runs, emitted sets, site lists and
// committed positions; a prefix holding "/" cannot reach into another prefix.
func TestWithPrefixSeparatesConfigs(t *testing.T) {
	ctx := context.Background()
	base := store.NewMemory()
	a := store.WithPrefix(base, "a")
	b := store.WithPrefix(base, "b")
	ab := store.WithPrefix(base, "a/blog") // must not see a's site "blog"
	for range 2 {
		if _, err := a.BeginRun(ctx, "blog"); err != nil {
			t.Fatal(err)
		}
		if err := a.FinishRun(ctx, "blog"); err != nil {
			t.Fatal(err)
		}
	}
	if ch, err := a.EmitOnce(ctx, "blog", "https://x/1", "h1"); err != nil || ch != store.ChangeNew {
		t.Fatalf("a EmitOnce = %v, %v; want new", ch, err)
	}
	r, err := b.BeginRun(ctx, "blog")
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != 1 || r.Resumed {
		t.Fatalf("b's first run = %+v, want ID 1, not resumed", r)
	}
	if ch, err := b.EmitOnce(ctx, "blog", "https://x/1", "h1"); err != nil || ch != store.ChangeNew {
		t.Fatalf("b EmitOnce of a URL a emitted = %v, %v; want new", ch, err)
	}
	sa, err := a.Stats(ctx, "blog")
	if err != nil {
		t.Fatal(err)
	}
	if sa.Site != "blog" || sa.Run != 2 || sa.Running {
		t.Fatalf("a stats = %+v, want site blog, run 2 finished", sa)
	}
	sb, _ := b.Stats(ctx, "blog")
	if sb.Run != 1 || !sb.Running {
		t.Fatalf("b stats = %+v, want run 1 in progress", sb)
	}
	if got, _ := a.Sites(ctx); !slices.Equal(got, []string{"blog"}) {
		t.Fatalf("a Sites = %v, want [blog]", got)
	}
	if got, _ := ab.Sites(ctx); len(got) != 0 {
		t.Fatalf("prefix a/blog Sites = %v, want none", got)
	}
	if got, _ := base.Sites(ctx); !slices.Equal(got, []string{"a/blog", "b/blog"}) {
		t.Fatalf("base Sites = %v, want [a/blog b/blog]", got)
	}
	if err := b.Reset(ctx, "blog"); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Emitted(ctx, "blog"); !slices.Equal(got, []string{"https://x/1"}) {
		t.Fatalf("a emitted after b's reset = %v", got)
	}

	// Committer: emissions and positions are namespaced too.
	if ch, err := a.Reserve(ctx, "news", "w", "https://x/2", "h2"); err != nil || ch != store.ChangeNew {
		t.Fatalf("Reserve = %v, %v", ch, err)
	}
	if err := a.Commit(ctx, store.Batch{Worker: "w", Positions: map[string]string{"out.jsonl": "42"},
		Emissions: []store.Emission{{Site: "news", Key: "https://x/2", Hash: "h2"}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Emitted(ctx, "news"); !slices.Equal(got, []string{"https://x/2"}) {
		t.Fatalf("a emitted news = %v", got)
	}
	if got, _ := b.Emitted(ctx, "news"); len(got) != 0 {
		t.Fatalf("b emitted news = %v, want none", got)
	}
	if p, _ := a.Positions(ctx, "w"); p["out.jsonl"] != "42" {
		t.Fatalf("a positions = %v", p)
	}
	if p, _ := b.Positions(ctx, "w"); len(p) != 0 {
		t.Fatalf("b positions = %v, want none", p)
	}
	if p, _ := base.Positions(ctx, "a/w"); p["out.jsonl"] != "42" {
		t.Fatalf("base positions of a/w = %v", p)
	}
}
