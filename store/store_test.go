package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/store"
	"github.com/healthcrawl/healthcrawl/store/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return store.NewMemory() })
}

func TestSQLiteConformance(t *testing.T) {
	storetest.RunHarness(t, storetest.Harness{
		Open: func(t *testing.T) store.Store {
			s, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "state.db"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			path := s.(*store.SQLite).Path()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2, err := store.OpenSQLite(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			return s2
		},
	})
}

func TestOpenURLs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, tc := range []struct {
		url, engine string
	}{
		{"", "memory"},
		{"memory", "memory"},
		{"sqlite://" + filepath.Join(dir, "sub", "abs.db"), "sqlite"},
	} {
		s, err := store.Open(ctx, tc.url)
		if err != nil {
			t.Fatalf("Open(%q): %v", tc.url, err)
		}
		if s.Engine() != tc.engine {
			t.Errorf("Open(%q).Engine() = %q, want %q", tc.url, s.Engine(), tc.engine)
		}
		s.Close()
	}
	if p := mustSQLitePath(t, "sqlite://"+filepath.Join(dir, "sub", "abs.db")); p != filepath.Join(dir, "sub", "abs.db") {
		t.Errorf("absolute path = %q", p)
	}
	t.Chdir(dir)
	if p := mustSQLitePath(t, "sqlite://rel/state.db"); p != "rel/state.db" {
		t.Errorf("relative path = %q, want rel/state.db", p)
	}
	if !slices.Contains(store.Schemes(), "redis") {
		_, err := store.Open(ctx, "redis://127.0.0.1:6379/0")
		if !errors.Is(err, store.ErrNotBuilt) || !strings.Contains(err.Error(), "redis store: not built yet") {
			t.Errorf("Open(redis) = %v, want redis store: not built yet", err)
		}
	}
	if _, err := store.Open(ctx, "bogus://x"); err == nil || !strings.Contains(err.Error(), `unknown scheme "bogus"`) {
		t.Errorf("Open(bogus) = %v", err)
	}
	if err := store.Validate("sqlite://"); err == nil {
		t.Error("Validate(sqlite://) = nil, want an error")
	}
	if err := store.Validate("sqlite:///x/y.db"); err != nil {
		t.Errorf("Validate(sqlite:///x/y.db) = %v", err)
	}
}

func mustSQLitePath(t *testing.T, u string) string {
	t.Helper()
	s, err := store.Open(context.Background(), u)
	if err != nil {
		t.Fatalf("Open(%q): %v", u, err)
	}
	defer s.Close()
	return s.(*store.SQLite).Path()
}
