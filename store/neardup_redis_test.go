package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/pipeline"
	"github.com/healthcrawl/healthcrawl/store"
)

func openRedisNear(t *testing.T, url string) (*store.Redis, pipeline.NearIndex) {
	t.Helper()
	s, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	x, err := store.NearIndexOf(s)
	if err != nil || x == nil {
		t.Fatalf("NearIndexOf = %v, %v", x, err)
	}
	return s.(*store.Redis), x
}

// Two workers of a fleet (two stores on one prefix) share the index, at one round
// trip per record; another prefix is another state.
func TestNearIndexRedisFleet(t *testing.T) {
	srv := redistest.Start(t)
	w1, x1 := openRedisNear(t, srv.URL(0)+"?prefix=fleet")
	_, x2 := openRedisNear(t, srv.URL(0)+"?prefix=fleet")
	_, other := openRedisNear(t, srv.URL(0)+"?prefix=other")

	before := w1.RoundTrips()
	for i := range 20 {
		checkNear(t, x1, fmt.Sprintf("https://example.org/%d", i), nearText(uint64(i)), "")
	}
	if n := w1.RoundTrips() - before; n != 20 {
		t.Errorf("20 records took %d round trips, want 20", n)
	}
	checkNear(t, x2, "https://mirror.example.net/3", "Reposted. "+nearText(3), "https://example.org/3")
	checkNear(t, x2, "https://example.org/3", nearText(3)+" Updated.", "") // the same page, re-crawled
	checkNear(t, x2, "https://example.org/new", nearText(500), "")
	checkNear(t, x1, "https://copy.example.com/new", nearText(500)+" Shared.", "https://example.org/new")
	checkNear(t, other, "https://mirror.example.net/3", "Reposted. "+nearText(3), "")
}

// The script's verdicts equal the memory index's (pipeline.NearMatch) on pairs
// around both thresholds.
func TestNearIndexRedisMatchesMemory(t *testing.T) {
	srv := redistest.Start(t)
	_, rx := openRedisNear(t, srv.URL(0)+"?prefix=parity")
	mx := pipeline.NewMemoryNearIndex()
	r := rand.New(rand.NewPCG(3, 4))
	p := pipeline.NearParams{MaxDist: 23, Confirm: 0.8}
	ctx := context.Background()
	found := 0
	for i := range 150 {
		base := nearText(uint64(10_000 + i))
		// Replace 0–9 % of the words: shingle similarities from 1 down to about 0.6.
		text := mutate(r, base, r.IntN(10))
		key := fmt.Sprintf("https://example.org/%d", i)
		for _, x := range []pipeline.NearIndex{rx, mx} {
			checkNear(t, x, key, base, "")
		}
		c1, c2 := nearRec("https://mirror.example.net/"+key, text), nearRec("https://mirror.example.net/"+key, text)
		d1, f1, err := rx.CheckAndAdd(ctx, c1, p)
		if err != nil {
			t.Fatal(err)
		}
		d2, f2, _ := mx.CheckAndAdd(ctx, c2, p)
		if d1 != d2 || f1 != f2 {
			t.Errorf("copy %d: redis %q %v, memory %q %v", i, d1, f1, d2, f2)
		}
		if f1 {
			found++
		}
	}
	if found == 0 || found == 150 {
		t.Errorf("%d of 150 copies found: the pairs do not straddle the thresholds", found)
	}
	t.Logf("%d of 150 copies found", found)
}

// mutate replaces pct % of the words of text with new ones.
func mutate(r *rand.Rand, text string, pct int) string {
	words := []byte(text)
	out := make([]byte, 0, len(words))
	start := 0
	for i := 0; i <= len(words); i++ {
		if i == len(words) || words[i] == ' ' {
			if r.IntN(100) < pct {
				out = append(out, fmt.Sprintf("x%d", r.IntN(1_000_000))...)
			} else {
				out = append(out, words[start:i]...)
			}
			if i < len(words) {
				out = append(out, ' ')
			}
			start = i + 1
		}
	}
	return string(out)
}

// Of each group of near copies checked by 4 workers (4 stores) at the same time
// exactly one is kept.
func TestNearIndexRedisConcurrent(t *testing.T) {
	srv := redistest.Start(t)
	var xs []pipeline.NearIndex
	for range 4 {
		_, x := openRedisNear(t, srv.URL(0)+"?prefix=conc")
		xs = append(xs, x)
	}
	concurrentCopies(t, xs, 50)
}

// Calls made while another is in flight go together in the next script call: 8
// goroutines sharing one index of a worker (as the dedupe stage's page workers
// do) keep exactly one copy of each group, also when two copies share a script
// call, and together take fewer round trips than records; a second worker's index
// on the same prefix still sees every record.
func TestNearIndexRedisGroupCommit(t *testing.T) {
	srv := redistest.Start(t)
	w, x := openRedisNear(t, srv.URL(0)+"?prefix=group")
	_, other := openRedisNear(t, srv.URL(0)+"?prefix=group")
	const groups = 40
	xs := make([]pipeline.NearIndex, 8)
	for i := range xs {
		xs[i] = x
	}
	before := w.RoundTrips()
	concurrentCopies(t, xs, groups)
	trips := w.RoundTrips() - before
	t.Logf("%d records in %d script calls", groups*len(xs), trips)
	if trips >= groups*int64(len(xs)) {
		t.Errorf("%d records took %d round trips: calls made while one is in flight are not grouped", groups*len(xs), trips)
	}
	for g := range groups {
		r := nearRec(fmt.Sprintf("late-%d", g), nearText(uint64(g))+" copy late")
		if _, found, err := other.CheckAndAdd(context.Background(), r, nearParams); err != nil || !found {
			t.Errorf("group %d: a late copy through another worker = found %v, %v; want found", g, found, err)
		}
	}
}
