package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/pipeline"
	"github.com/healthcrawl/healthcrawl/store"
)

var nearParams = pipeline.NearParams{MaxDist: 23, Confirm: 0.8}

// nearText is a generated 300-word text unique to seed.
func nearText(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 7))
	words := make([]string, 300)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", r.IntN(3000))
	}
	return strings.Join(words, " ")
}

func nearRec(key, text string) *pipeline.NearRecord {
	r := pipeline.NewNearRecord(key, text, 3, 2000)
	return &r
}

// checkNear runs CheckAndAdd and compares its verdict.
func checkNear(t *testing.T, x pipeline.NearIndex, key, text, wantDup string) {
	t.Helper()
	dup, found, err := x.CheckAndAdd(context.Background(), nearRec(key, text), nearParams)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	if found != (wantDup != "") || dup != wantDup {
		t.Errorf("%s: CheckAndAdd = %q %v, want %q", key, dup, found, wantDup)
	}
}

func openSQLite(t *testing.T, path string) (*store.SQLite, pipeline.NearIndex) {
	t.Helper()
	s, err := store.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	x, err := store.NearIndexOf(s)
	if err != nil || x == nil {
		t.Fatalf("NearIndexOf = %v, %v", x, err)
	}
	return s, x
}

// The SQLite index finds records committed in batches and records still pending,
// and keeps them across a reopen (a resumed or incremental run).
func TestNearIndexSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, x := openSQLite(t, path)
	const n = 150 // records written behind by the committer
	for i := range n {
		checkNear(t, x, fmt.Sprintf("https://example.org/%d", i), nearText(uint64(i)), "")
	}
	checkNear(t, x, "https://mirror.example.net/5", "Reposted here. "+nearText(5), "https://example.org/5")
	checkNear(t, x, "https://mirror.example.net/140", nearText(140)+" Comments closed.", "https://example.org/140")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, x = openSQLite(t, path)
	defer s.Close()
	for _, i := range []int{0, 63, 64, 127, 128, 149} {
		checkNear(t, x, fmt.Sprintf("https://copy.example.com/%d", i), "Shared. "+nearText(uint64(i)), fmt.Sprintf("https://example.org/%d", i))
	}
	// a re-crawled page is not a near-duplicate of its own earlier version
	checkNear(t, x, "https://example.org/7", nearText(7)+" Updated in December.", "")
	checkNear(t, x, "https://example.org/new", nearText(1000), "")
	// the copies found were not added
	checkNear(t, x, "https://other.example.com/5", nearText(5)+" Reposted.", "https://example.org/5")
}

// concurrentCopies has len(xs) workers check near copies of the same groups at
// the same time, worker w through xs[w]: of each group exactly one copy is kept.
func concurrentCopies(t *testing.T, xs []pipeline.NearIndex, groups int) {
	t.Helper()
	kept := make([]int, groups)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range groups {
				r := nearRec(fmt.Sprintf("g%d-w%d", g, w), nearText(uint64(g))+fmt.Sprintf(" copy %d", w))
				_, found, err := x.CheckAndAdd(context.Background(), r, nearParams)
				if err != nil {
					t.Error(err)
					return
				}
				if !found {
					mu.Lock()
					kept[g]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for g, k := range kept {
		if k != 1 {
			t.Errorf("group %d: %d copies kept, want 1", g, k)
		}
	}
}

// Concurrent near copies on the memory and SQLite indexes (run with -race).
func TestNearIndexConcurrent(t *testing.T) {
	m := pipeline.NewMemoryNearIndex()
	concurrentCopies(t, []pipeline.NearIndex{m, m, m, m}, 200)
	if m.Len() != 200 {
		t.Errorf("memory index holds %d records, want 200", m.Len())
	}
	s, x := openSQLite(t, filepath.Join(t.TempDir(), "state.db"))
	defer s.Close()
	concurrentCopies(t, []pipeline.NearIndex{x, x, x, x}, 100)
}

// Two runs with the same memory store share the index: the second run's dedupe
// stage drops a near copy of a record the first run kept.
func TestNearIndexMemoryStoreSharedByRuns(t *testing.T) {
	m := store.NewMemory()
	x1, _ := store.NearIndexOf(m)
	x2, _ := store.NearIndexOf(m)
	if x1 == nil || x1 != x2 {
		t.Fatalf("NearIndexOf: %p then %p, want one index", x1, x2)
	}
	if x3, _ := store.NearIndexOf(store.NewMemory()); x3 == x1 {
		t.Fatal("two memory stores share an index")
	}
	cfg := config.Pipeline{Stages: []config.StageConfig{{Name: "dedupe"}}}
	rec := func(url, text string) *article.Article {
		a := &article.Article{URL: url, Title: "T", Sections: []article.Section{{Blocks: []article.Block{{Type: article.BlockParagraph, Text: text}}}}}
		a.Finalize()
		return a
	}
	ctx := context.Background()
	run1, err := pipeline.BuildEnv(cfg, pipeline.Env{Near: x1})
	if err != nil {
		t.Fatal(err)
	}
	if keep, reason := run1.Process(ctx, rec("https://example.org/a", nearText(1))); !keep {
		t.Fatalf("first run dropped the original: %s", reason)
	}
	run2, _ := pipeline.BuildEnv(cfg, pipeline.Env{Near: x2})
	keep, reason := run2.Process(ctx, rec("https://mirror.example.net/a", "Reposted. "+nearText(1)))
	if keep || reason != "dedupe: duplicate_of https://example.org/a" {
		t.Errorf("second run: Process = %v %q", keep, reason)
	}
	// without the store's index a new runner starts empty, as before
	run3, _ := pipeline.BuildEnv(cfg, pipeline.Env{})
	if keep, _ := run3.Process(ctx, rec("https://mirror.example.net/a", "Reposted. "+nearText(1))); !keep {
		t.Error("a runner without a shared index dropped a record")
	}
}

// Configs sharing a state (WithPrefix) do not share near-duplicates; one config's
// runs do, through any decorator.
func TestNearIndexPrefixes(t *testing.T) {
	for _, engine := range []string{"memory", "sqlite"} {
		t.Run(engine, func(t *testing.T) {
			var st store.Store = store.NewMemory()
			if engine == "sqlite" {
				s, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "state.db"))
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				st = s
			}
			xa, _ := store.NearIndexOf(store.WithPrefix(st, "a"))
			xb, _ := store.NearIndexOf(store.WithPrefix(st, "b"))
			xa2, _ := store.NearIndexOf(unwrapOnly{store.WithPrefix(st, "a")})
			x, _ := store.NearIndexOf(st)
			checkNear(t, xa, "https://example.org/1", nearText(1), "")
			checkNear(t, xb, "https://mirror.example.net/1", "Reposted. "+nearText(1), "")
			checkNear(t, x, "https://copy.example.com/1", "Shared. "+nearText(1), "")
			checkNear(t, xa2, "https://other.example.com/1", nearText(1)+" Comments closed.", "https://example.org/1")
		})
	}
	if x, err := store.NearIndexOf(nil); x != nil || err != nil {
		t.Errorf("NearIndexOf(nil) = %v, %v", x, err)
	}
}

// unwrapOnly is a decorator that only forwards Unwrap (like the command's run state).
type unwrapOnly struct{ store.Store }

func (u unwrapOnly) Unwrap() store.Store { return u.Store }

// Closing the SQLite store closes its near-duplicate index (and the spill file
// of its records): the index held by a run fails from then on, without a verdict;
// reopening the state loads the records again.
func TestNearIndexSQLiteClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, x := openSQLite(t, path)
	checkNear(t, x, "https://example.org/a", nearText(1), "")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	dup, found, err := x.CheckAndAdd(context.Background(), nearRec("https://mirror.example.net/a", "Reposted. "+nearText(1)), nearParams)
	if err == nil || found {
		t.Errorf("CheckAndAdd after Close = %q %v %v, want an error", dup, found, err)
	}
	s, x = openSQLite(t, path)
	defer s.Close()
	checkNear(t, x, "https://mirror.example.net/a", "Reposted. "+nearText(1), "https://example.org/a")
}
