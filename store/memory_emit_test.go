package store

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/internal/keyset"
	"github.com/healthcrawl/healthcrawl/internal/testutil"
)

// The emitted set's index and dense slots against a map, through adds, replaces and
// removes of many URLs (their records past the spill file's 64 KiB buffer), with
// the index kept small so that probe sequences are long and wrap around.
func TestEmitSetAgainstMap(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	defer m.Close()
	if _, err := m.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	s := m.sites["a"]
	type rec struct {
		hash string
		run  int64
	}
	ref := map[string]rec{}
	rnd := uint64(99)
	next := func(n int) int {
		rnd ^= rnd << 13
		rnd ^= rnd >> 7
		rnd ^= rnd << 17
		return int(rnd % uint64(n))
	}
	for op := range 40000 {
		u := fmt.Sprintf("https://example.com/section/%d/article-with-a-long-name", next(5000))
		switch next(4) {
		case 0:
			if _, had := ref[u]; had != (s.em.slot(keyset.Of(u)) >= 0) {
				t.Fatalf("op %d: %s in the set: %v, want %v", op, u, !had, had)
			}
			was, err := s.removeEmitted(u)
			if err != nil {
				t.Fatal(err)
			}
			if _, had := ref[u]; was != had {
				t.Fatalf("op %d: removeEmitted(%s) = %v, want %v", op, u, was, had)
			}
			delete(ref, u)
		default:
			h := hashOf(next(3))
			if err := s.addEmitted(u, h, int64(op), int64(op)); err != nil {
				t.Fatal(err)
			}
			ref[u] = rec{h, int64(op)}
		}
	}
	if m.log.Size() <= 64<<10 {
		t.Fatalf("spill file of %d bytes: the test does not reach past its buffer", m.log.Size())
	}
	if s.em.len() != len(ref) {
		t.Fatalf("%d slots, want %d", s.em.len(), len(ref))
	}
	for u, r := range ref {
		e, ok := s.em.get(keyset.Of(u))
		if !ok || e.hash != contentHash(r.hash) || e.run != r.run {
			t.Fatalf("%s: entry %+v, %v; want %+v", u, e, ok, r)
		}
		gu, gh, err := s.readEmit(e)
		if err != nil || gu != u || gh != r.hash {
			t.Fatalf("%s: spill record %q %q, %v; want %q", u, gu, gh, err, r.hash)
		}
	}
	got, err := m.Emitted(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, 0, len(ref))
	for u := range ref {
		want = append(want, u)
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("Emitted lists %d URLs, want %d", len(got), len(want))
	}
}

// A record changes with its content hash, keeps its emission time when confirmed
// unchanged, and a URL longer than any crawl queues is listed cut but kept whole by
// its hash.
func TestEmitSetReplace(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	defer m.Close()
	s := m.site("a")
	if err := s.addEmitted("https://x/1", "aa", 1, 100); err != nil {
		t.Fatal(err)
	}
	if err := s.addEmitted("https://x/1", "aa", 2, 0); err != nil {
		t.Fatal(err)
	}
	if e, _ := s.em.get(keyset.Of("https://x/1")); e.run != 2 || e.emittedAt != 100 {
		t.Fatalf("confirmed unchanged: %+v", e)
	}
	if err := s.addEmitted("https://x/1", "BB", 3, 0); err != nil {
		t.Fatal(err)
	}
	md, ok, err := m.GetMeta(ctx, "a", "https://x/1")
	if err != nil || !ok || md.ContentHash != "BB" || md.EmittedAt.UnixNano() != 100 {
		t.Fatalf("changed hash: %+v, %v, %v", md, ok, err)
	}
	long := "https://x/" + strings.Repeat("p", maxEmitURL)
	if err := s.addEmitted(long, "cc", 3, 5); err != nil {
		t.Fatal(err)
	}
	got, err := m.Emitted(ctx, "a")
	if err != nil || len(got) != 2 || len(got[1]) != maxEmitURL || !strings.HasPrefix(long, got[1]) {
		t.Fatalf("Emitted with a long URL: %d URLs, %v", len(got), err)
	}
	if md, ok, _ := m.GetMeta(ctx, "a", long); !ok || md.ContentHash != "cc" {
		t.Fatalf("long URL's metadata: %+v, %v", md, ok)
	}
}

// Spill errors reach the caller: after Close, a commit and Emitted fail with the
// memory store's context, and the emitted set is not changed.
func TestEmitSetSpillError(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	if _, err := m.EmitOnce(ctx, "a", "https://x/1", "aa"); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := m.EmitOnce(ctx, "a", "https://x/2", "bb")
	if err == nil || !strings.Contains(err.Error(), "memory store: spill emitted url") {
		t.Fatalf("EmitOnce after Close: %v", err)
	}
	if st, _ := m.Stats(ctx, "a"); st.Emitted != 1 {
		t.Fatalf("%d URLs emitted after a failed commit, want 1", st.Emitted)
	}
	if _, err := m.Emitted(ctx, "a"); err == nil {
		t.Fatal("Emitted after Close: no error")
	}
}

// The visited set is one table: a frontier's marks (ClaimLocalSeen) do not make
// Enqueue drop a key, one frontier holds them at a time, they outlive BeginRun and
// are cleared by Release; acknowledgements are tags in the same table.
func TestMemoryLocalSeen(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	defer m.Close()
	ls, ok := m.ClaimLocalSeen("a")
	if !ok {
		t.Fatal("first claim refused")
	}
	if _, ok := m.ClaimLocalSeen("a"); ok {
		t.Fatal("second claim granted while the first is held")
	}
	if _, ok := m.ClaimLocalSeen("b"); !ok {
		t.Fatal("claim of another site refused")
	}
	if !ls.MarkSeen("https://x/1") || ls.MarkSeen("https://x/1") || !ls.Seen("https://x/1") || ls.Seen("https://x/2") {
		t.Fatal("local marks: wrong membership")
	}
	if _, err := m.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if !ls.Seen("https://x/1") {
		t.Fatal("local mark lost by BeginRun")
	}
	if seen, _ := m.Seen(ctx, "a", "https://x/1"); seen {
		t.Fatal("a local mark is in the store's visited set")
	}
	if ok, err := m.Enqueue(ctx, "a", "https://x/1", Entry{URL: "https://x/1"}); err != nil || !ok {
		t.Fatalf("Enqueue of a locally marked key = %v, %v", ok, err)
	}
	if ok, _ := m.Enqueue(ctx, "a", "https://x/1", Entry{URL: "https://x/1"}); ok {
		t.Fatal("second Enqueue queued")
	}
	got, _ := m.Lease(ctx, "a", "w", 1, time.Minute)
	if len(got) != 1 {
		t.Fatalf("Lease = %v", got)
	}
	if err := m.Ack(ctx, "a", "https://x/1", Failed); err != nil {
		t.Fatal(err)
	}
	if tag := m.sites["a"].vis.Get("https://x/1"); tag != visSeen|visLocal|visFailed || m.sites["a"].vis.Len() != 1 {
		t.Fatalf("one entry for the key, the mark and the ack: tag %b, %d entries", tag, m.sites["a"].vis.Len())
	}
	ls.Release()
	if ls.Seen("https://x/1") {
		t.Fatal("mark kept after Release")
	}
	ls2, ok := m.ClaimLocalSeen("a")
	if !ok || ls2.Seen("https://x/1") {
		t.Fatal("claim after Release refused, or not cleared")
	}
	ls2.MarkSeen("https://x/3")
	ls.Release() // a second Release of the first holder changes nothing
	if !ls2.Seen("https://x/3") {
		t.Fatal("a stale Release cleared the new holder's marks")
	}
	if st, _ := m.Stats(ctx, "a"); st.Seen != 1 || st.Failed != 1 {
		t.Fatalf("stats: %+v", st)
	}
}

// BenchmarkMemoryBytesPerPage reports the Go heap bytes the memory store keeps per
// crawled page after a run of 100,000 pages: each page visited (Enqueue), leased,
// emitted, acknowledged; no metadata of its own (a crawl without validators).
func BenchmarkMemoryBytesPerPage(b *testing.B) {
	const n = 100000
	ctx := context.Background()
	var perPage float64
	for range b.N {
		var m *Memory
		grown := testutil.HeapGrowth(func() {
			m = NewMemory()
			if _, err := m.BeginRun(ctx, "a"); err != nil {
				b.Fatal(err)
			}
			for i := range n {
				u := fmt.Sprintf("https://example.com/article/%d", i)
				if _, err := m.Enqueue(ctx, "a", u, Entry{URL: u, Data: []byte(`{"depth":1}`)}); err != nil {
					b.Fatal(err)
				}
				if i%64 == 63 || i == n-1 {
					got, err := m.Lease(ctx, "a", "w", 64, time.Minute)
					if err != nil {
						b.Fatal(err)
					}
					for _, e := range got {
						if _, err := m.EmitOnce(ctx, "a", e.URL, fmt.Sprintf("%064x", i)); err != nil {
							b.Fatal(err)
						}
						if err := m.Ack(ctx, "a", e.URL, Done); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
		})
		perPage = float64(grown) / n
		if st, _ := m.Stats(ctx, "a"); st.Emitted != n || st.Done != n {
			b.Fatalf("stats: %+v", st)
		}
		runtime.KeepAlive(m)
		m.Close()
	}
	b.ReportMetric(perPage, "B/page")
}
