package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/store"
	"github.com/healthcrawl/healthcrawl/store/storetest"
)

func TestRedisConformance(t *testing.T) {
	srv := redistest.Start(t)
	var n atomic.Int64
	prefixes := map[store.Store]string{}
	storetest.RunHarness(t, storetest.Harness{
		// Each store gets its own prefix on the one server: a fresh, empty state.
		Open: func(t *testing.T) store.Store {
			p := fmt.Sprintf("t%d", n.Add(1))
			s, err := store.Open(context.Background(), srv.URL(0)+"?prefix="+p)
			if err != nil {
				t.Fatal(err)
			}
			prefixes[s] = p
			return s
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			p := prefixes[s]
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2, err := store.Open(context.Background(), srv.URL(0)+"?prefix="+p)
			if err != nil {
				t.Fatal(err)
			}
			return s2
		},
	})
}
