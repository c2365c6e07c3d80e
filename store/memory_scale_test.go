package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The emitted set keeps URL hashes in dense slots and the URLs in the spill file:
// Emitted lists the live URLs exactly, after many Gone calls moved slots around.
func TestMemoryEmittedPackedURLs(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	if _, err := m.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	const n = 3000
	for i := range n {
		ch, err := m.EmitOnce(ctx, "a", fmt.Sprintf("https://x/article/%d", i), hashOf(i))
		if err != nil || ch != ChangeNew {
			t.Fatalf("EmitOnce %d = %v, %v", i, ch, err)
		}
	}
	for i := 0; i < n; i += 3 {
		if i%2 == 0 {
			continue
		}
		if was, err := m.Gone(ctx, "a", fmt.Sprintf("https://x/article/%d", i)); err != nil || !was {
			t.Fatalf("Gone %d = %v, %v", i, was, err)
		}
	}
	// Remove most of the rest: the slots stay dense (the URLs are in the spill file).
	for i := 1; i < n; i++ {
		if i%3 == 0 {
			continue
		}
		if was, err := m.Gone(ctx, "a", fmt.Sprintf("https://x/article/%d", i)); err != nil || !was {
			t.Fatalf("Gone %d = %v, %v", i, was, err)
		}
	}
	if live, slots := (n+5)/6, m.sites["a"].em.len(); slots != live {
		t.Fatalf("emitted set: %d slots for %d live URLs", slots, live)
	}
	got, err := m.Emitted(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for i := 0; i < n; i += 3 {
		if i%2 == 0 {
			want[fmt.Sprintf("https://x/article/%d", i)] = true
		}
	}
	if len(got) != len(want) {
		t.Fatalf("Emitted: %d URLs, want %d", len(got), len(want))
	}
	for _, u := range got {
		if !want[u] {
			t.Fatalf("Emitted lists %q, which is not in the set", u)
		}
	}
	// Every URL keeps its metadata (the emission's), gone or not.
	if st, _ := m.Stats(ctx, "a"); st.Pages != n || st.Emitted != int64(len(want)) {
		t.Fatalf("stats: %d pages, %d emitted; want %d, %d", st.Pages, st.Emitted, n, len(want))
	}
	for _, i := range []int{0, 1, 3, 2999} {
		md, ok, err := m.GetMeta(ctx, "a", fmt.Sprintf("https://x/article/%d", i))
		if err != nil || !ok || md.ContentHash != hashOf(i) || md.EmittedAt.IsZero() {
			t.Fatalf("GetMeta %d = %+v, %v, %v", i, md, ok, err)
		}
	}
	// A URL still emitted is a duplicate in this run, with its hash kept.
	if ch, err := m.EmitOnce(ctx, "a", "https://x/article/0", hashOf(0)); err != nil || ch != ChangeDuplicate {
		t.Fatalf("EmitOnce of an emitted URL = %v, %v; want duplicate", ch, err)
	}
	// The next run: same hash is unchanged, another hash changed, a gone URL new.
	if err := m.FinishRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	for u, want := range map[[2]string]Change{
		{"https://x/article/0", hashOf(0)}: ChangeUnchanged,
		{"https://x/article/6", "zz"}:      ChangeChanged,
		{"https://x/article/1", hashOf(1)}: ChangeNew,
	} {
		if ch, err := m.EmitOnce(ctx, "a", u[0], u[1]); err != nil || ch != want {
			t.Fatalf("EmitOnce(%s, %s) = %v, %v; want %v", u[0], u[1], ch, err, want)
		}
	}
}

// An acknowledged entry is dropped (only its verdict is kept), yet counts as done
// or failed, is not leased again, and a Push queues it again out of the counts.
func TestMemoryAckDropsEntry(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	if _, err := m.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://x/1", "https://x/2"} {
		if ok, err := m.Enqueue(ctx, "a", u, Entry{URL: u, Data: []byte("d")}); err != nil || !ok {
			t.Fatalf("Enqueue %s = %v, %v", u, ok, err)
		}
	}
	got, err := m.Lease(ctx, "a", "w", 10, time.Minute)
	if err != nil || len(got) != 2 {
		t.Fatalf("Lease = %v, %v", got, err)
	}
	if err := m.Ack(ctx, "a", "https://x/1", Done); err != nil {
		t.Fatal(err)
	}
	if err := m.Ack(ctx, "a", "https://x/2", Failed); err != nil {
		t.Fatal(err)
	}
	if len(m.sites["a"].items) != 0 {
		t.Fatalf("%d entries kept after their ack, want 0", len(m.sites["a"].items))
	}
	st, _ := m.Stats(ctx, "a")
	if st.Done != 1 || st.Failed != 1 || st.Queued != 0 || st.Leased != 0 || st.Seen != 2 {
		t.Fatalf("stats after acks: %+v", st)
	}
	if got, _ := m.Lease(ctx, "a", "w", 10, time.Minute); len(got) != 0 {
		t.Fatalf("acknowledged entries leased again: %v", got)
	}
	if err := m.Push(ctx, "a", Entry{URL: "https://x/1", Data: []byte("e")}); err != nil {
		t.Fatal(err)
	}
	st, _ = m.Stats(ctx, "a")
	if st.Done != 0 || st.Failed != 1 || st.Queued != 1 {
		t.Fatalf("stats after a push of a done entry: %+v", st)
	}
	got, _ = m.Lease(ctx, "a", "w", 10, time.Minute)
	if len(got) != 1 || got[0].URL != "https://x/1" || string(got[0].Data) != "e" {
		t.Fatalf("Lease after the push = %v", got)
	}
}

// hashOf is a content hash of the test records: lower-case hex (packed as bytes)
// for even i, any other string for odd i.
func hashOf(i int) string {
	if i%2 == 0 {
		return fmt.Sprintf("%064x", i*7919)
	}
	return fmt.Sprintf("H%d", i)
}

// A content hash in lower-case hex is packed as bytes and given back as it was;
// other hashes (upper case, odd length) are kept as they are.
func TestMemoryPackedHashes(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	if _, err := m.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	for i, h := range []string{"ab12", "AB12", "abc", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "zz", ""} {
		u := fmt.Sprintf("https://x/%d", i)
		if _, err := m.EmitOnce(ctx, "a", u, h); err != nil {
			t.Fatal(err)
		}
		md, ok, err := m.GetMeta(ctx, "a", u)
		if err != nil || !ok || md.ContentHash != h {
			t.Fatalf("hash %q: GetMeta = %+v, %v, %v", h, md, ok, err)
		}
	}
}
