// Package storetest is the conformance suite every store.Store engine passes:
// leases and their expiry, acks, exactly-once MarkSeen/Enqueue/EmitOnce under
// concurrency, runs, metadata, stats, reset, and persistence across reopen.
//
//	func TestConformance(t *testing.T) {
//		storetest.RunHarness(t, storetest.Harness{Open: openFresh, Reopen: reopen})
//	}
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/store"
)

// Harness opens stores for the suite.
type Harness struct {
	// Open returns a new, empty store; the suite closes it.
	Open func(t *testing.T) store.Store
	// Reopen closes s and opens the same state again, as a new process would. nil
	// for engines that do not persist (the persistence tests are skipped).
	Reopen func(t *testing.T, s store.Store) store.Store
}

// Run runs the suite on a non-persistent engine.
func Run(t *testing.T, open func(t *testing.T) store.Store) { RunHarness(t, Harness{Open: open}) }

// RunHarness runs the whole suite.
func RunHarness(t *testing.T, h Harness) {
	tests := []struct {
		name string
		f    func(t *testing.T, h Harness)
	}{
		{"LeaseFIFOAndAck", testLeaseAck},
		{"LeaseExpiry", testLeaseExpiry},
		{"ExtendAndRelease", testExtendRelease},
		{"NackAndPush", testNackPush},
		{"LostCount", testLostCount},
		{"LostCountPersistence", testLostPersistence},
		{"ConcurrentMarkSeenEnqueue", testConcurrentSeen},
		{"ConcurrentLease", testConcurrentLease},
		{"EmitOnce", testEmitOnce},
		{"EachEmitted", testEachEmitted},
		{"ConcurrentEmitOnce", testConcurrentEmit},
		{"Runs", testRuns},
		{"Meta", testMeta},
		{"StatsSitesReset", testStatsReset},
		{"Persistence", testPersistence},
		{"CommitBasics", testCommitBasics},
		{"ConcurrentReserve", testConcurrentReserve},
		{"ReserveVerdicts", testReserveVerdicts},
		{"UnreserveRelease", testUnreserveRelease},
		{"CommitStream", testCommitStream},
		{"CommitPersistence", testCommitPersistence},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, h) })
	}
}

func open(t *testing.T, h Harness) store.Store {
	t.Helper()
	s := h.Open(t)
	t.Cleanup(func() { s.Close() })
	return s
}

// get turns a (value, error) result into a function failing t on the error.
func get[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func urls(es []store.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.URL
	}
	return out
}

func entry(u string) store.Entry { return store.Entry{URL: u, Data: []byte("data of " + u)} }

func wantStats(t *testing.T, s store.Store, site string, queued, leased, done, failed int64) {
	t.Helper()
	st := get(s.Stats(context.Background(), site))(t)
	got := [4]int64{st.Queued, st.Leased, st.Done, st.Failed}
	if want := [4]int64{queued, leased, done, failed}; got != want {
		t.Errorf("stats %s queued/leased/done/failed = %v, want %v", site, got, want)
	}
}

func testLeaseAck(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	get(s.BeginRun(ctx, "a"))(t)
	for _, u := range []string{"https://x/1", "https://x/2", "https://x/3"} {
		if !get(s.Enqueue(ctx, "a", u, entry(u)))(t) {
			t.Fatalf("Enqueue(%s) not new", u)
		}
	}
	got := get(s.Lease(ctx, "a", "w1", 2, time.Hour))(t)
	if d := cmp.Diff([]store.Entry{entry("https://x/1"), entry("https://x/2")}, got); d != "" {
		t.Fatalf("first lease (-want +got):\n%s", d)
	}
	got = get(s.Lease(ctx, "a", "w2", 5, time.Hour))(t)
	if d := cmp.Diff([]string{"https://x/3"}, urls(got)); d != "" {
		t.Fatalf("second lease (-want +got):\n%s", d)
	}
	if got := get(s.Lease(ctx, "a", "w3", 5, time.Hour))(t); len(got) != 0 {
		t.Fatalf("lease of an empty queue = %v", urls(got))
	}
	wantStats(t, s, "a", 0, 3, 0, 0)
	ok(t, s.Ack(ctx, "a", "https://x/1", store.Done))
	ok(t, s.Ack(ctx, "a", "https://x/2", store.Failed))
	ok(t, s.Ack(ctx, "a", "https://x/2", store.Done)) // second ack: no effect
	ok(t, s.Ack(ctx, "a", "https://x/none", store.Done))
	wantStats(t, s, "a", 0, 1, 1, 1)
	// Another site is independent.
	wantStats(t, s, "b", 0, 0, 0, 0)
	if got := get(s.Lease(ctx, "b", "w1", 5, time.Hour))(t); len(got) != 0 {
		t.Fatalf("lease of site b = %v", urls(got))
	}
}

// leaseWithin polls Lease until it returns something or d elapses.
func leaseWithin(t *testing.T, s store.Store, site, worker string, n int, d time.Duration) []store.Entry {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		got := get(s.Lease(context.Background(), site, worker, n, time.Hour))(t)
		if len(got) > 0 || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testLeaseExpiry(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	get(s.BeginRun(ctx, "a"))(t)
	get(s.Enqueue(ctx, "a", "k1", entry("https://x/1")))(t)
	get(s.Enqueue(ctx, "a", "k2", entry("https://x/2")))(t)
	if got := get(s.Lease(ctx, "a", "dead", 1, 400*time.Millisecond))(t); len(got) != 1 || got[0].URL != "https://x/1" {
		t.Fatalf("lease = %v", urls(got))
	}
	// The live entry comes first; the expired one comes back after its lease.
	if got := get(s.Lease(ctx, "a", "w2", 1, time.Hour))(t); len(got) != 1 || got[0].URL != "https://x/2" {
		t.Fatalf("lease by w2 = %v, want x/2", urls(got))
	}
	got := leaseWithin(t, s, "a", "w2", 5, 10*time.Second)
	want := entry("https://x/1")
	want.Lost = 1 // its lease expired once
	if d := cmp.Diff([]store.Entry{want}, got); d != "" {
		t.Fatalf("expired lease not handed out again (-want +got):\n%s", d)
	}
	wantStats(t, s, "a", 0, 2, 0, 0)
	// Acking the stale lease of the dead worker after the takeover still ends it once.
	ok(t, s.Ack(ctx, "a", "https://x/1", store.Done))
	wantStats(t, s, "a", 0, 1, 1, 0)
}

func testExtendRelease(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	get(s.BeginRun(ctx, "a"))(t)
	for i := range 3 {
		u := fmt.Sprintf("https://x/%d", i)
		get(s.Enqueue(ctx, "a", u, entry(u)))(t)
	}
	get(s.Lease(ctx, "a", "w1", 2, 80*time.Millisecond))(t)
	get(s.Lease(ctx, "a", "w2", 1, time.Hour))(t)
	ok(t, s.Extend(ctx, "a", "w1", time.Hour))
	time.Sleep(150 * time.Millisecond)
	if got := get(s.Lease(ctx, "a", "w3", 5, time.Hour))(t); len(got) != 0 {
		t.Fatalf("extended leases were handed out again: %v", urls(got))
	}
	wantStats(t, s, "a", 0, 3, 0, 0)
	if n := get(s.Release(ctx, "a", "w1"))(t); n != 2 {
		t.Fatalf("Release(w1) = %d, want 2", n)
	}
	wantStats(t, s, "a", 2, 1, 0, 0)
	got := get(s.Lease(ctx, "a", "w3", 5, time.Hour))(t)
	if d := cmp.Diff([]string{"https://x/0", "https://x/1"}, urls(got)); d != "" {
		t.Fatalf("released entries (-want +got):\n%s", d)
	}
	if n := get(s.Release(ctx, "a", "nobody"))(t); n != 0 {
		t.Fatalf("Release(nobody) = %d", n)
	}
}

func testNackPush(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	get(s.BeginRun(ctx, "a"))(t)
	ok(t, s.Push(ctx, "a", entry("https://x/1"), entry("https://x/2")))
	got := get(s.Lease(ctx, "a", "w", 1, time.Hour))(t)
	if len(got) != 1 || got[0].URL != "https://x/1" {
		t.Fatalf("lease = %v", urls(got))
	}
	ok(t, s.Nack(ctx, "a", "https://x/1"))
	wantStats(t, s, "a", 2, 0, 0, 0)
	got = get(s.Lease(ctx, "a", "w", 5, time.Hour))(t)
	if len(got) != 2 {
		t.Fatalf("after nack lease = %v, want both", urls(got))
	}
	ok(t, s.Ack(ctx, "a", "https://x/1", store.Done))
	// Push of a done URL queues it again, with the new data.
	ok(t, s.Push(ctx, "a", store.Entry{URL: "https://x/1", Data: []byte("v2")}))
	wantStats(t, s, "a", 1, 1, 0, 0)
	got = get(s.Lease(ctx, "a", "w", 5, time.Hour))(t)
	if d := cmp.Diff([]store.Entry{{URL: "https://x/1", Data: []byte("v2")}}, got); d != "" {
		t.Fatalf("pushed again (-want +got):\n%s", d)
	}
}

func testConcurrentSeen(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	get(s.BeginRun(ctx, "a"))(t)
	const workers, keys = 6, 150
	var newSeen, newEnq atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range keys {
				k := fmt.Sprintf("key-%d", (i+w*7)%keys)
				if _, err := s.Seen(ctx, "a", "seen "+k); err != nil {
					errs <- err
					return
				}
				fresh, err := s.MarkSeen(ctx, "a", "seen "+k)
				if err != nil {
					errs <- err
					return
				}
				if fresh {
					newSeen.Add(1)
				}
				u := "https://x/" + k
				fresh, err = s.Enqueue(ctx, "a", k, entry(u))
				if err != nil {
					errs <- err
					return
				}
				if fresh {
					newEnq.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if newSeen.Load() != keys || newEnq.Load() != keys {
		t.Fatalf("new MarkSeen = %d, new Enqueue = %d; want %d each", newSeen.Load(), newEnq.Load(), keys)
	}
	st := get(s.Stats(ctx, "a"))(t)
	if st.Queued != keys || st.Seen != 2*keys {
		t.Fatalf("queued %d seen %d, want %d and %d", st.Queued, st.Seen, keys, 2*keys)
	}
}

func testConcurrentLease(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	get(s.BeginRun(ctx, "a"))(t)
	const n = 200
	for i := range n {
		u := fmt.Sprintf("https://x/%d", i)
		get(s.Enqueue(ctx, "a", u, entry(u)))(t)
	}
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker := fmt.Sprintf("w%d", w)
			for {
				es, err := s.Lease(ctx, "a", worker, 3, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if len(es) == 0 {
					return
				}
				for _, e := range es {
					mu.Lock()
					got[e.URL]++
					mu.Unlock()
					if err := s.Ack(ctx, "a", e.URL, store.Done); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(got) != n {
		t.Fatalf("%d distinct URLs leased, want %d", len(got), n)
	}
	for u, c := range got {
		if c != 1 {
			t.Errorf("%s leased %d times", u, c)
		}
	}
	wantStats(t, s, "a", 0, 0, n, 0)
}

// testEachEmitted walks an emitted set of more than two pages (EmittedPage) and
// checks it gives every URL of Emitted, writes to the store from fn, and stops at
// fn's error.
func testEachEmitted(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	get(s.BeginRun(ctx, "a"))(t)
	n := 2*store.EmittedPage + 17
	for i := range n {
		get(s.EmitOnce(ctx, "a", fmt.Sprintf("https://x/%05d", i), "h"))(t)
	}
	get(s.EmitOnce(ctx, "b", "https://y/1", "h"))(t)
	got := map[string]int{}
	walked := 0
	ok(t, s.EachEmitted(ctx, "a", func(u string) error {
		got[u]++
		walked++
		if walked == 10 {
			// fn may use the store: a new site's emission during the walk.
			_, err := s.EmitOnce(ctx, "c", "https://z/1", "h")
			return err
		}
		return nil
	}))
	want := get(s.Emitted(ctx, "a"))(t)
	if len(got) != n || len(want) != n {
		t.Fatalf("EachEmitted gave %d distinct URLs, Emitted %d; want %d", len(got), len(want), n)
	}
	for _, u := range want {
		if got[u] == 0 {
			t.Fatalf("EachEmitted did not give %s", u)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err := s.EachEmitted(ctx, "a", func(string) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("EachEmitted after fn's error: err %v, %d calls; want stop, 1", err, calls)
	}
	if err := s.EachEmitted(ctx, "none", func(u string) error { return fmt.Errorf("unexpected %s", u) }); err != nil {
		t.Fatalf("EachEmitted(empty site): %v", err)
	}
}

func testEmitOnce(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	emit := func(u, hash string, want store.Change) {
		t.Helper()
		if got := get(s.EmitOnce(ctx, "a", u, hash))(t); got != want {
			t.Fatalf("EmitOnce(%s, %s) = %q, want %q", u, hash, got, want)
		}
	}
	get(s.BeginRun(ctx, "a"))(t)
	emit("https://x/1", "h1", store.ChangeNew)
	emit("https://x/1", "h1", store.ChangeDuplicate)
	emit("https://x/1", "h2", store.ChangeDuplicate) // once per run, whatever the content
	emit("https://x/2", "h2", store.ChangeNew)
	emit("https://x/3", "h3", store.ChangeNew)
	m, found := must2(t, s.GetMeta, ctx, "a", "https://x/1")
	if !found || m.ContentHash != "h1" || m.EmittedAt.IsZero() {
		t.Fatalf("meta after emit = %+v (found %v), want content_hash h1 and emitted_at", m, found)
	}
	ok(t, s.FinishRun(ctx, "a"))
	get(s.BeginRun(ctx, "a"))(t)
	emit("https://x/1", "h1", store.ChangeUnchanged)
	emit("https://x/1", "h1", store.ChangeDuplicate)
	emit("https://x/2", "h2b", store.ChangeChanged)
	emit("https://x/2", "h2b", store.ChangeDuplicate)
	if !get(s.Gone(ctx, "a", "https://x/3"))(t) {
		t.Fatal("Gone(x/3) = false, want true")
	}
	if get(s.Gone(ctx, "a", "https://x/3"))(t) {
		t.Fatal("second Gone(x/3) = true")
	}
	if d := cmp.Diff([]string{"https://x/1", "https://x/2"}, get(s.Emitted(ctx, "a"))(t)); d != "" {
		t.Fatalf("Emitted (-want +got):\n%s", d)
	}
	// A gone page that comes back is new again.
	emit("https://x/3", "h3", store.ChangeNew)
	if got := get(s.Emitted(ctx, "b"))(t); len(got) != 0 {
		t.Fatalf("Emitted(b) = %v", got)
	}
	for _, c := range []store.Change{store.ChangeNew, store.ChangeChanged} {
		if !c.Emit() {
			t.Errorf("%s.Emit() = false", c)
		}
	}
	for _, c := range []store.Change{store.ChangeUnchanged, store.ChangeDuplicate} {
		if c.Emit() {
			t.Errorf("%s.Emit() = true", c)
		}
	}
}

func must2(t *testing.T, f func(context.Context, string, string) (store.Meta, bool, error), ctx context.Context, site, u string) (store.Meta, bool) {
	t.Helper()
	m, found, err := f(ctx, site, u)
	if err != nil {
		t.Fatal(err)
	}
	return m, found
}

func testConcurrentEmit(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	get(s.BeginRun(ctx, "a"))(t)
	const workers, n = 6, 100
	var emitted atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				c, err := s.EmitOnce(ctx, "a", fmt.Sprintf("https://x/%d", i), "h")
				if err != nil {
					t.Error(err)
					return
				}
				if c.Emit() {
					emitted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if emitted.Load() != n {
		t.Fatalf("%d emits for %d URLs × %d workers, want %d", emitted.Load(), n, workers, n)
	}
}

func testRuns(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	r := get(s.BeginRun(ctx, "a"))(t)
	if r.ID != 1 || r.Resumed || r.StartedAt.IsZero() {
		t.Fatalf("first run = %+v", r)
	}
	get(s.Enqueue(ctx, "a", "k1", entry("https://x/1")))(t)
	ok(t, s.PutMeta(ctx, "a", "https://x/1", store.Meta{Status: 200, ETag: `"e1"`}))
	r2 := get(s.BeginRun(ctx, "a"))(t)
	if r2.ID != 1 || !r2.Resumed || !r2.StartedAt.Equal(r.StartedAt) {
		t.Fatalf("BeginRun of a run in progress = %+v, want resumed run 1 started %v", r2, r.StartedAt)
	}
	if !get(s.Seen(ctx, "a", "k1"))(t) || get(s.Seen(ctx, "a", "k2"))(t) {
		t.Fatal("Seen: want k1 seen and k2 not")
	}
	if get(s.MarkSeen(ctx, "a", "k1"))(t) {
		t.Fatal("resumed run forgot the visited set")
	}
	st := get(s.Stats(ctx, "a"))(t)
	if !st.Running || st.Run != 1 || st.Queued != 1 {
		t.Fatalf("stats while running = %+v", st)
	}
	ok(t, s.FinishRun(ctx, "a"))
	st = get(s.Stats(ctx, "a"))(t)
	if st.Running || st.FinishedAt.IsZero() {
		t.Fatalf("stats after finish = %+v", st)
	}
	r3 := get(s.BeginRun(ctx, "a"))(t)
	if r3.ID != 2 || r3.Resumed {
		t.Fatalf("run after finish = %+v, want new run 2", r3)
	}
	st = get(s.Stats(ctx, "a"))(t)
	if st.Queued != 0 || st.Seen != 0 || st.Pages != 1 {
		t.Fatalf("new run kept frontier or lost metadata: %+v", st)
	}
	if !get(s.MarkSeen(ctx, "a", "k1"))(t) {
		t.Fatal("new run kept the visited set")
	}
	if _, found := must2(t, s.GetMeta, ctx, "a", "https://x/1"); !found {
		t.Fatal("new run lost the metadata")
	}
}

func testMeta(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	if _, found := must2(t, s.GetMeta, ctx, "a", "https://x/none"); found {
		t.Fatal("metadata of an unknown URL")
	}
	fetched := time.Date(2026, 11, 24, 3, 0, 0, 123456789, time.UTC)
	want := store.Meta{
		Status: 200, ETag: `W/"abc"`, LastModified: "Tue, 24 Nov 2026 02:00:00 GMT",
		SitemapLastMod: "2026-11-20", ContentHash: "cafe", FetchedAt: fetched,
		Links: []string{"https://x/a", "https://x/b?q=1"},
	}
	ok(t, s.PutMeta(ctx, "a", "https://x/1", want))
	got, found := must2(t, s.GetMeta, ctx, "a", "https://x/1")
	if !found {
		t.Fatal("metadata not found")
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("meta round trip (-want +got):\n%s", d)
	}
	// EmittedAt is owned by EmitOnce: PutMeta keeps it.
	get(s.BeginRun(ctx, "a"))(t)
	get(s.EmitOnce(ctx, "a", "https://x/1", "cafe"))(t)
	m1, _ := must2(t, s.GetMeta, ctx, "a", "https://x/1")
	if m1.EmittedAt.IsZero() {
		t.Fatal("EmitOnce did not set emitted_at")
	}
	upd := want
	upd.Status, upd.Links = 304, nil
	ok(t, s.PutMeta(ctx, "a", "https://x/1", upd))
	m2, _ := must2(t, s.GetMeta, ctx, "a", "https://x/1")
	if !m2.EmittedAt.Equal(m1.EmittedAt) || m2.Status != 304 || len(m2.Links) != 0 {
		t.Fatalf("after PutMeta: %+v (emitted_at was %v)", m2, m1.EmittedAt)
	}
	if _, found := must2(t, s.GetMeta, ctx, "b", "https://x/1"); found {
		t.Fatal("metadata leaked to another site")
	}
}

func testStatsReset(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	for _, site := range []string{"b", "a"} {
		get(s.BeginRun(ctx, site))(t)
		for i := range 4 {
			u := fmt.Sprintf("https://%s/%d", site, i)
			get(s.Enqueue(ctx, site, u, entry(u)))(t)
		}
		get(s.MarkSeen(ctx, site, "extra"))(t)
		get(s.Lease(ctx, site, "w", 3, time.Hour))(t)
		ok(t, s.Ack(ctx, site, fmt.Sprintf("https://%s/0", site), store.Done))
		ok(t, s.Ack(ctx, site, fmt.Sprintf("https://%s/1", site), store.Failed))
		get(s.EmitOnce(ctx, site, fmt.Sprintf("https://%s/0", site), "h"))(t)
		ok(t, s.PutMeta(ctx, site, fmt.Sprintf("https://%s/1", site), store.Meta{Status: 500}))
	}
	st := get(s.Stats(ctx, "a"))(t)
	want := store.Stats{Site: "a", Run: 1, Running: true, Queued: 1, Leased: 1, Done: 1, Failed: 1, Seen: 5, Emitted: 1, Pages: 2}
	st.StartedAt = time.Time{}
	if d := cmp.Diff(want, st); d != "" {
		t.Fatalf("stats (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"a", "b"}, get(s.Sites(ctx))(t)); d != "" {
		t.Fatalf("sites (-want +got):\n%s", d)
	}
	ok(t, s.Reset(ctx, "a"))
	if d := cmp.Diff(store.Stats{Site: "a"}, get(s.Stats(ctx, "a"))(t)); d != "" {
		t.Fatalf("stats after reset (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"b"}, get(s.Sites(ctx))(t)); d != "" {
		t.Fatalf("sites after reset (-want +got):\n%s", d)
	}
	if st := get(s.Stats(ctx, "b"))(t); st.Queued != 1 || st.Emitted != 1 {
		t.Fatalf("reset of a touched b: %+v", st)
	}
	// After a reset the site starts over: run 1, everything new.
	r := get(s.BeginRun(ctx, "a"))(t)
	if r.ID != 1 || r.Resumed {
		t.Fatalf("run after reset = %+v", r)
	}
	if c := get(s.EmitOnce(ctx, "a", "https://a/0", "h"))(t); c != store.ChangeNew {
		t.Fatalf("emit after reset = %q", c)
	}
}

// openPersistent opens a store for a test of persistence across reopen and begins
// the run of site "a"; it skips the test for engines that do not persist. The
// test closes the store (it reopens it).
func openPersistent(t *testing.T, h Harness) store.Store {
	t.Helper()
	if h.Reopen == nil {
		t.Skip("engine does not persist")
	}
	s := h.Open(t)
	get(s.BeginRun(context.Background(), "a"))(t)
	return s
}

func testPersistence(t *testing.T, h Harness) {
	ctx := context.Background()
	s := openPersistent(t, h)
	for i := range 5 {
		u := fmt.Sprintf("https://x/%d", i)
		get(s.Enqueue(ctx, "a", u, entry(u)))(t)
	}
	get(s.Lease(ctx, "a", "w1", 2, time.Hour))(t)
	ok(t, s.Ack(ctx, "a", "https://x/0", store.Done))
	get(s.EmitOnce(ctx, "a", "https://x/0", "h0"))(t)
	ok(t, s.PutMeta(ctx, "a", "https://x/0", store.Meta{Status: 200, ETag: `"e"`, Links: []string{"https://x/9"}}))
	// x/1 stays leased by w1: the process "dies" without acking it.

	s = h.Reopen(t, s)
	t.Cleanup(func() { s.Close() })
	r := get(s.BeginRun(ctx, "a"))(t)
	if !r.Resumed || r.ID != 1 {
		t.Fatalf("BeginRun after reopen = %+v, want resumed run 1", r)
	}
	if get(s.Enqueue(ctx, "a", "https://x/3", entry("https://x/3")))(t) || !get(s.Seen(ctx, "a", "https://x/4"))(t) {
		t.Fatal("visited set lost across reopen")
	}
	if c := get(s.EmitOnce(ctx, "a", "https://x/0", "h0"))(t); c != store.ChangeDuplicate {
		t.Fatalf("emitted set lost across reopen: %q", c)
	}
	m, found := must2(t, s.GetMeta, ctx, "a", "https://x/0")
	if !found || m.ETag != `"e"` || len(m.Links) != 1 {
		t.Fatalf("metadata after reopen = %+v", m)
	}
	wantStats(t, s, "a", 3, 1, 1, 0)
	if n := get(s.Release(ctx, "a", "w1"))(t); n != 1 {
		t.Fatalf("Release of the dead worker's lease = %d, want 1", n)
	}
	got := get(s.Lease(ctx, "a", "w1", 10, time.Hour))(t)
	if d := cmp.Diff([]string{"https://x/1", "https://x/2", "https://x/3", "https://x/4"}, urls(got)); d != "" {
		t.Fatalf("queue after reopen (-want +got):\n%s", d)
	}
}

// openQueued opens a store, begins the run of site "a" and enqueues urls (each its
// own key, with entry's data).
func openQueued(t *testing.T, h Harness, urls ...string) store.Store {
	t.Helper()
	ctx := context.Background()
	s := open(t, h)
	get(s.BeginRun(ctx, "a"))(t)
	for _, u := range urls {
		get(s.Enqueue(ctx, "a", u, entry(u)))(t)
	}
	return s
}

// lost maps the URLs of es to their Lost counts.
func lost(es []store.Entry) map[string]int {
	out := make(map[string]int, len(es))
	for _, e := range es {
		out[e.URL] = e.Lost
	}
	return out
}

// testLostCount: Entry.Lost counts the leases of an entry that ended without Ack or
// Nack (expired, or released by a restarting worker); Nack keeps it, Push and
// Enqueue of a new entry reset it, acked entries never come back.
func testLostCount(t *testing.T, h Harness) {
	ctx := context.Background()
	s := openQueued(t, h, "https://x/pill", "https://x/ok", "https://x/nack")
	got := get(s.Lease(ctx, "a", "w", 3, time.Hour))(t)
	if d := cmp.Diff(map[string]int{"https://x/pill": 0, "https://x/ok": 0, "https://x/nack": 0}, lost(got)); d != "" {
		t.Fatalf("first lease Lost (-want +got):\n%s", d)
	}
	ok(t, s.Ack(ctx, "a", "https://x/ok", store.Done))
	ok(t, s.Nack(ctx, "a", "https://x/nack"))

	// The worker restarts: Release counts the lease of the pill, not the acked entry.
	if n := get(s.Release(ctx, "a", "w"))(t); n != 1 {
		t.Fatalf("Release = %d, want 1 (the pill)", n)
	}
	got = get(s.Lease(ctx, "a", "w", 5, time.Hour))(t)
	if d := cmp.Diff(map[string]int{"https://x/pill": 1, "https://x/nack": 0}, lost(got)); d != "" {
		t.Fatalf("after Release and Nack, Lost (-want +got):\n%s", d)
	}
	for _, e := range got {
		if want := "data of " + e.URL; string(e.Data) != want {
			t.Fatalf("requeued entry %s has data %q, want %q", e.URL, e.Data, want)
		}
	}
	// Nack again: the count stays.
	ok(t, s.Nack(ctx, "a", "https://x/nack"))
	ok(t, s.Nack(ctx, "a", "https://x/pill"))
	got = get(s.Lease(ctx, "a", "w", 5, time.Hour))(t)
	if d := cmp.Diff(map[string]int{"https://x/pill": 1, "https://x/nack": 0}, lost(got)); d != "" {
		t.Fatalf("after Nack, Lost (-want +got):\n%s", d)
	}
	ok(t, s.Ack(ctx, "a", "https://x/nack", store.Done))

	// Second restart: 2. Then the lease expires (a crashed worker of another name): 3.
	get(s.Release(ctx, "a", "w"))(t)
	got = get(s.Lease(ctx, "a", "w", 5, 150*time.Millisecond))(t)
	if d := cmp.Diff(map[string]int{"https://x/pill": 2}, lost(got)); d != "" {
		t.Fatalf("after the second Release, Lost (-want +got):\n%s", d)
	}
	got = leaseWithin(t, s, "a", "w2", 5, 10*time.Second)
	if d := cmp.Diff(map[string]int{"https://x/pill": 3}, lost(got)); d != "" {
		t.Fatalf("after the lease expired, Lost (-want +got):\n%s", d)
	}
	// A Release of another worker does not count w2's lease.
	if n := get(s.Release(ctx, "a", "w"))(t); n != 0 {
		t.Fatalf("Release(w) while w2 holds the pill = %d", n)
	}
	wantStats(t, s, "a", 0, 1, 2, 0)

	// Acked Failed: never handed out again, neither after a Release nor an expiry.
	ok(t, s.Ack(ctx, "a", "https://x/pill", store.Failed))
	if n := get(s.Release(ctx, "a", "w2"))(t); n != 0 {
		t.Fatalf("Release after the ack = %d", n)
	}
	if got := get(s.Lease(ctx, "a", "w2", 5, time.Hour))(t); len(got) != 0 {
		t.Fatalf("acked entries handed out again: %v", urls(got))
	}
	wantStats(t, s, "a", 0, 0, 2, 1)

	// Push replaces the entry: a new one, its count starts again.
	ok(t, s.Push(ctx, "a", store.Entry{URL: "https://x/pill", Data: []byte("v2"), Lost: 7}))
	got = get(s.Lease(ctx, "a", "w2", 5, time.Hour))(t)
	if d := cmp.Diff([]store.Entry{{URL: "https://x/pill", Data: []byte("v2")}}, got); d != "" {
		t.Fatalf("pushed again (-want +got):\n%s", d)
	}
	get(s.Release(ctx, "a", "w2"))(t)
	ok(t, s.Push(ctx, "a", store.Entry{URL: "https://x/pill", Data: []byte("v3")}))
	got = get(s.Lease(ctx, "a", "w2", 5, time.Hour))(t)
	if d := cmp.Diff([]store.Entry{{URL: "https://x/pill", Data: []byte("v3")}}, got); d != "" {
		t.Fatalf("pushed while queued with Lost 1 (-want +got):\n%s", d)
	}

	// A new run starts every count again.
	get(s.Release(ctx, "a", "w2"))(t)
	ok(t, s.FinishRun(ctx, "a"))
	get(s.BeginRun(ctx, "a"))(t)
	get(s.Enqueue(ctx, "a", "https://x/pill", entry("https://x/pill")))(t)
	got = get(s.Lease(ctx, "a", "w2", 5, time.Hour))(t)
	if d := cmp.Diff([]store.Entry{entry("https://x/pill")}, got); d != "" {
		t.Fatalf("new run (-want +got):\n%s", d)
	}
}

// testLostPersistence: the count survives the process (what a poison pill needs:
// each crash is a new process).
func testLostPersistence(t *testing.T, h Harness) {
	ctx := context.Background()
	s := openPersistent(t, h)
	get(s.Enqueue(ctx, "a", "https://x/pill", entry("https://x/pill")))(t)
	get(s.Enqueue(ctx, "a", "https://x/ok", entry("https://x/ok")))(t)
	for crash := 1; crash <= 3; crash++ {
		// The process leases, then dies without an ack; the next one reopens and releases.
		got := get(s.Lease(ctx, "a", "w", 1, time.Hour))(t)
		if d := cmp.Diff(map[string]int{"https://x/pill": crash - 1}, lost(got)); d != "" {
			t.Fatalf("lease before crash %d (-want +got):\n%s", crash, d)
		}
		s = h.Reopen(t, s)
		if r := get(s.BeginRun(ctx, "a"))(t); !r.Resumed {
			t.Fatalf("run after crash %d not resumed", crash)
		}
		if n := get(s.Release(ctx, "a", "w"))(t); n != 1 {
			t.Fatalf("Release after crash %d = %d, want 1", crash, n)
		}
	}
	t.Cleanup(func() { s.Close() })
	got := get(s.Lease(ctx, "a", "w", 5, time.Hour))(t)
	if d := cmp.Diff(map[string]int{"https://x/pill": 3, "https://x/ok": 0}, lost(got)); d != "" {
		t.Fatalf("after 3 crashes (-want +got):\n%s", d)
	}
}
