package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/healthcrawl/healthcrawl/internal/benchcpu"
	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/pipeline"
	"github.com/healthcrawl/healthcrawl/store"
)

// benchNear measures CheckAndAdd of new records (signatures computed outside the
// timer) on an index that already holds kept records; cpu-ns/op is this
// process's CPU (for Redis, without the server's).
func benchNear(b *testing.B, x pipeline.NearIndex, kept int) {
	ctx := context.Background()
	next := 0
	add := func(n int) []*pipeline.NearRecord {
		out := make([]*pipeline.NearRecord, n)
		for i := range out {
			out[i] = nearRec(fmt.Sprintf("https://example.org/articles/%d", next), nearText(uint64(1_000_000+next)))
			next++
		}
		return out
	}
	for next < kept {
		for _, r := range add(min(1024, kept-next)) {
			if _, _, err := x.CheckAndAdd(ctx, r, nearParams); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	var cpu benchcpu.Clock
	for done := 0; done < b.N; {
		b.StopTimer()
		batch := add(min(1024, b.N-done))
		b.StartTimer()
		cpu.Start()
		for _, r := range batch {
			if _, found, err := x.CheckAndAdd(ctx, r, nearParams); err != nil || found {
				b.Fatalf("CheckAndAdd: found %v, err %v", found, err)
			}
		}
		cpu.Stop()
		done += len(batch)
	}
	cpu.Report(b)
}

// go test -run XXX -bench NearIndexSQLite -benchtime 5000x ./store
func BenchmarkNearIndexSQLite(b *testing.B) {
	for _, kept := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("kept=%dk", kept/1000), func(b *testing.B) {
			s, err := store.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "state.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			x, _ := store.NearIndexOf(s)
			benchNear(b, x, kept)
		})
	}
}

// go test -run XXX -bench NearIndexRedis -benchtime 5000x ./store
func BenchmarkNearIndexRedis(b *testing.B) {
	srv := redistest.Start(b)
	for i, kept := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("kept=%dk", kept/1000), func(b *testing.B) {
			s, err := store.Open(context.Background(), srv.URL(0)+fmt.Sprintf("?prefix=bench%d-%d", i, b.N))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			x, _ := store.NearIndexOf(s)
			benchNear(b, x, kept)
		})
	}
}
