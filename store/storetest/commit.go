package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/healthcrawl/healthcrawl/store"
)

// Conformance of store.Committer (write-then-commit).

func reserve(t *testing.T, s store.Store, site, worker, key, hash string, want store.Change) {
	t.Helper()
	got, err := s.Reserve(context.Background(), site, worker, key, hash)
	if errors.Is(err, store.ErrNotBuilt) {
		t.Skipf("%s engine: %v", s.Engine(), err)
	}
	if got := get(got, err)(t); got != want {
		t.Fatalf("Reserve(%s, %s, %s, %s) = %q, want %q", site, worker, key, hash, got, want)
	}
}

func emission(site, u, hash string) store.Emission {
	return store.Emission{Site: site, Key: u, Hash: hash, URL: u}
}

// Reserve, Commit, Positions: the commit records the key emitted, acks the URL,
// stores the metadata and the worker's positions (merged key by key).
func testCommitBasics(t *testing.T, h Harness) {
	ctx := context.Background()
	s := openQueued(t, h, "https://x/1", "https://x/2", "https://x/3")
	get(s.Lease(ctx, "a", "w1", 3, time.Hour))(t)
	reserve(t, s, "a", "w1", "https://x/1", "h1", store.ChangeNew)
	reserve(t, s, "a", "w1", "https://x/c2", "h2", store.ChangeNew)
	if p := get(s.Positions(ctx, "w1"))(t); len(p) != 0 {
		t.Fatalf("Positions before any commit = %v, want none", p)
	}
	// Reserved is not emitted: nothing durable yet.
	if got := get(s.Emitted(ctx, "a"))(t); len(got) != 0 {
		t.Fatalf("Emitted after Reserve = %v, want none before Commit", got)
	}
	fetched := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	e1 := emission("a", "https://x/1", "h1")
	e1.Meta = &store.Meta{Status: 200, ETag: `"e1"`, ContentHash: "h1", FetchedAt: fetched, Links: []string{"https://x/9"}}
	e2 := store.Emission{Site: "a", Key: "https://x/c2", Hash: "h2", URL: "https://x/2"} // an alias: key ≠ URL
	ok(t, s.Commit(ctx, store.Batch{Worker: "w1", Emissions: []store.Emission{e1, e2},
		Positions: map[string]string{"jsonl:/out/a.jsonl": "0:120", "jsonl.gz:/out/a.jsonl.gz": "0:80"}}))
	if d := cmp.Diff([]string{"https://x/1", "https://x/c2"}, get(s.Emitted(ctx, "a"))(t)); d != "" {
		t.Fatalf("Emitted after Commit (-want +got):\n%s", d)
	}
	wantStats(t, s, "a", 0, 1, 2, 0) // x/1 and x/2 acked Done, x/3 still leased
	m, found := must2(t, s.GetMeta, ctx, "a", "https://x/1")
	if !found || m.Status != 200 || m.ETag != `"e1"` || m.ContentHash != "h1" || !m.FetchedAt.Equal(fetched) || len(m.Links) != 1 || m.EmittedAt.IsZero() {
		t.Fatalf("meta of x/1 after Commit = %+v (found %v), want the emission's meta with emitted_at", m, found)
	}
	m, found = must2(t, s.GetMeta, ctx, "a", "https://x/c2")
	if !found || m.ContentHash != "h2" || m.EmittedAt.IsZero() {
		t.Fatalf("meta of key x/c2 after Commit = %+v (found %v), want content_hash h2 and emitted_at", m, found)
	}
	if _, found := must2(t, s.GetMeta, ctx, "a", "https://x/2"); found {
		t.Fatal("meta stored for x/2 although its emission had none")
	}
	// A later commit replaces the positions it names and keeps the others.
	ok(t, s.Commit(ctx, store.Batch{Worker: "w1", Positions: map[string]string{"jsonl:/out/a.jsonl": "1:40"}}))
	ok(t, s.Commit(ctx, store.Batch{Worker: "w2", Positions: map[string]string{"jsonl:/out/b.jsonl": "0:7"}}))
	if d := cmp.Diff(map[string]string{"jsonl:/out/a.jsonl": "1:40", "jsonl.gz:/out/a.jsonl.gz": "0:80"}, get(s.Positions(ctx, "w1"))(t)); d != "" {
		t.Fatalf("Positions(w1) (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]string{"jsonl:/out/b.jsonl": "0:7"}, get(s.Positions(ctx, "w2"))(t)); d != "" {
		t.Fatalf("Positions(w2) (-want +got):\n%s", d)
	}
	if p := get(s.Positions(ctx, "w3"))(t); len(p) != 0 {
		t.Fatalf("Positions(w3) = %v, want none", p)
	}
	// Acking by commit a URL that is not leased (or already done) is not an error.
	reserve(t, s, "a", "w1", "https://x/4", "h4", store.ChangeNew)
	ok(t, s.Commit(ctx, store.Batch{Worker: "w1", Emissions: []store.Emission{emission("a", "https://x/4", "h4"), {Site: "b", Key: "https://y/1", Hash: "hy"}}}))
	wantStats(t, s, "a", 0, 1, 2, 0)
	if d := cmp.Diff([]string{"https://y/1"}, get(s.Emitted(ctx, "b"))(t)); d != "" {
		t.Fatalf("Emitted(b) after a commit spanning two sites (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"a", "b"}, get(s.Sites(ctx))(t)); d != "" {
		t.Fatalf("Sites after a commit spanning two sites (-want +got):\n%s", d)
	}
}

// Of many workers reserving the same keys at once, exactly one gets each key.
func testConcurrentReserve(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	get(s.BeginRun(ctx, "a"))(t)
	reserve(t, s, "probe", "w0", "https://x/0", "h", store.ChangeNew)
	const workers, goroutines, keys = 4, 3, 40
	var mu sync.Mutex
	winners := map[string][]string{}
	var wg sync.WaitGroup
	for w := range workers {
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				worker := fmt.Sprintf("w%d", w)
				for i := range keys {
					k := fmt.Sprintf("https://x/%d", (i+g*7)%keys)
					c, err := s.Reserve(ctx, "a", worker, k, "h")
					if err != nil {
						t.Error(err)
						return
					}
					switch c {
					case store.ChangeNew:
						mu.Lock()
						winners[k] = append(winners[k], worker)
						mu.Unlock()
					case store.ChangeDuplicate:
					default:
						t.Errorf("Reserve(%s) = %q, want new or duplicate", k, c)
					}
				}
			}()
		}
	}
	wg.Wait()
	if len(winners) != keys {
		t.Fatalf("%d keys reserved, want %d", len(winners), keys)
	}
	for k, ws := range winners {
		if len(ws) != 1 {
			t.Errorf("%s reserved %d times (by %v), want once", k, len(ws), ws)
		}
	}
}

// The verdicts of Reserve follow EmitOnce's across commits and runs.
func testReserveVerdicts(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	get(s.BeginRun(ctx, "a"))(t)
	reserve(t, s, "a", "w1", "https://x/1", "h1", store.ChangeNew)
	reserve(t, s, "a", "w1", "https://x/1", "h1", store.ChangeDuplicate) // an alias of the same worker
	reserve(t, s, "a", "w2", "https://x/1", "h1", store.ChangeDuplicate)
	reserve(t, s, "a", "w1", "https://x/2", "h2", store.ChangeNew)
	ok(t, s.Commit(ctx, store.Batch{Worker: "w1", Emissions: []store.Emission{emission("a", "https://x/1", "h1"), emission("a", "https://x/2", "h2")}}))
	reserve(t, s, "a", "w2", "https://x/1", "h1", store.ChangeDuplicate)
	reserve(t, s, "a", "w1", "https://x/1", "h9", store.ChangeDuplicate)
	if c := get(s.EmitOnce(ctx, "a", "https://x/2", "h2"))(t); c != store.ChangeDuplicate {
		t.Fatalf("EmitOnce of a committed key = %q, want duplicate", c)
	}
	ok(t, s.FinishRun(ctx, "a"))
	get(s.BeginRun(ctx, "a"))(t)
	reserve(t, s, "a", "w2", "https://x/1", "h1", store.ChangeUnchanged)
	reserve(t, s, "a", "w1", "https://x/1", "h1", store.ChangeDuplicate) // unchanged is noted in the run
	reserve(t, s, "a", "w2", "https://x/2", "h2b", store.ChangeChanged)
	reserve(t, s, "a", "w1", "https://x/2", "h2b", store.ChangeDuplicate)
	ok(t, s.Commit(ctx, store.Batch{Worker: "w2", Emissions: []store.Emission{emission("a", "https://x/2", "h2b")}}))
	m, _ := must2(t, s.GetMeta, ctx, "a", "https://x/2")
	if m.ContentHash != "h2b" {
		t.Fatalf("content hash of x/2 after the changed commit = %q, want h2b", m.ContentHash)
	}
	ok(t, s.FinishRun(ctx, "a"))
	get(s.BeginRun(ctx, "a"))(t)
	reserve(t, s, "a", "w1", "https://x/2", "h2b", store.ChangeUnchanged)
	// A reservation not committed when its run ends is gone in the next run.
	reserve(t, s, "a", "w1", "https://x/5", "h5", store.ChangeNew)
	ok(t, s.FinishRun(ctx, "a"))
	get(s.BeginRun(ctx, "a"))(t)
	reserve(t, s, "a", "w2", "https://x/5", "h5", store.ChangeNew)
}

// Unreserve drops the worker's own reservation only; Release drops all of the
// worker's reservations (a restarted worker re-does its work).
func testUnreserveRelease(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	get(s.BeginRun(ctx, "a"))(t)
	reserve(t, s, "a", "w1", "https://x/1", "h1", store.ChangeNew)
	ok(t, s.Unreserve(ctx, "a", "w2", "https://x/1")) // not w2's
	reserve(t, s, "a", "w3", "https://x/1", "h1", store.ChangeDuplicate)
	ok(t, s.Unreserve(ctx, "a", "w1", "https://x/1"))
	reserve(t, s, "a", "w2", "https://x/1", "h1", store.ChangeNew)
	ok(t, s.Unreserve(ctx, "a", "w1", "https://x/never")) // nothing to drop: not an error
	if got := get(s.Emitted(ctx, "a"))(t); len(got) != 0 {
		t.Fatalf("Emitted after Reserve/Unreserve = %v, want none", got)
	}

	for _, k := range []string{"https://x/2", "https://x/3"} {
		reserve(t, s, "a", "w1", k, "h", store.ChangeNew)
	}
	get(s.Release(ctx, "a", "w1"))(t)
	for _, k := range []string{"https://x/2", "https://x/3"} {
		reserve(t, s, "a", "w4", k, "h", store.ChangeNew)
	}
	reserve(t, s, "a", "w4", "https://x/1", "h1", store.ChangeDuplicate) // w2's is kept
}

// A Batch.Stream is appended only by a StreamCommitter; the other engines refuse
// the whole commit.
func testCommitStream(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	if _, ok := s.(store.StreamCommitter); ok {
		t.Skip("engine commits streams (tested with its server)")
	}
	get(s.BeginRun(ctx, "a"))(t)
	reserve(t, s, "a", "w1", "https://x/1", "h1", store.ChangeNew)
	err := s.Commit(ctx, store.Batch{Worker: "w1",
		Emissions: []store.Emission{emission("a", "https://x/1", "h1")},
		Positions: map[string]string{"jsonl:/o": "0:1"},
		Stream:    []store.StreamEntry{{Target: "127.0.0.1:6379/0", Stream: "recs", URL: "https://x/1", Hash: "h1", Field: []string{"url", "https://x/1"}}}})
	if !errors.Is(err, store.ErrStreamCommit) {
		t.Fatalf("Commit with a stream on %s = %v, want ErrStreamCommit", s.Engine(), err)
	}
	if got := get(s.Emitted(ctx, "a"))(t); len(got) != 0 {
		t.Fatalf("Emitted after the refused commit = %v, want none", got)
	}
	if p := get(s.Positions(ctx, "w1"))(t); len(p) != 0 {
		t.Fatalf("Positions after the refused commit = %v, want none", p)
	}
}

// Positions and emissions persist across a reopen; reservations do not outlive
// their worker: after a reopen, the worker's Release (what a restarted worker
// does) leaves its uncommitted keys reservable by anyone.
func testCommitPersistence(t *testing.T, h Harness) {
	ctx := context.Background()
	s := openPersistent(t, h)
	reserve(t, s, "a", "w1", "https://x/1", "h1", store.ChangeNew)
	reserve(t, s, "a", "w1", "https://x/2", "h2", store.ChangeNew)
	ok(t, s.Commit(ctx, store.Batch{Worker: "w1", Emissions: []store.Emission{emission("a", "https://x/1", "h1")},
		Positions: map[string]string{"jsonl:/o/w1.jsonl": "0:512"}}))
	// x/2 reserved, written maybe, never committed: the process dies.

	s = h.Reopen(t, s)
	t.Cleanup(func() { s.Close() })
	if r := get(s.BeginRun(ctx, "a"))(t); !r.Resumed {
		t.Fatalf("BeginRun after reopen = %+v, want resumed", r)
	}
	if d := cmp.Diff(map[string]string{"jsonl:/o/w1.jsonl": "0:512"}, get(s.Positions(ctx, "w1"))(t)); d != "" {
		t.Fatalf("Positions(w1) after reopen (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"https://x/1"}, get(s.Emitted(ctx, "a"))(t)); d != "" {
		t.Fatalf("Emitted after reopen (-want +got):\n%s", d)
	}
	reserve(t, s, "a", "w2", "https://x/1", "h1", store.ChangeDuplicate)
	get(s.Release(ctx, "a", "w1"))(t)
	reserve(t, s, "a", "w2", "https://x/2", "h2", store.ChangeNew)
}
