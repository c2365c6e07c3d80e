package keyset

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/healthcrawl/healthcrawl/internal/testutil"
)

func TestSet(t *testing.T) {
	s := New()
	if !s.Add("https://x/1") || s.Add("https://x/1") {
		t.Fatal("Add: want new the first time only")
	}
	if !s.Add("https://x/2") || s.Len() != 2 {
		t.Fatalf("Len = %d, want 2", s.Len())
	}
	if !s.Has("https://x/2") || s.Has("https://x/3") || s.Has("") {
		t.Fatal("Has: wrong membership")
	}
	if !s.Delete("https://x/1") || s.Delete("https://x/1") || s.Has("https://x/1") || s.Len() != 1 {
		t.Fatal("Delete: want removed once")
	}
	// No two of many similar keys share a hash.
	for i := range 200000 {
		if !s.Add(fmt.Sprintf("https://example.com/article/%d", i)) {
			t.Fatalf("key %d collides", i)
		}
	}
	if s.Len() != 200001 {
		t.Fatalf("Len = %d, want 200001", s.Len())
	}
	if Of("a") == Of("b") || Of("a") != Of("a") {
		t.Fatal("Of: not a function of the key")
	}
}

// The zero Set and Tagged are empty and usable.
func TestZeroValue(t *testing.T) {
	var s Set
	if s.Has("a") || s.Len() != 0 || s.Delete("a") || s.Bytes() != 0 {
		t.Fatal("zero Set not empty")
	}
	if !s.Add("a") || !s.Has("a") || s.Len() != 1 {
		t.Fatal("zero Set: Add did not add")
	}
	var g Tagged
	if g.Get("a") != 0 || g.Len() != 0 {
		t.Fatal("zero Tagged not empty")
	}
	g.ClearAll(1)
	if old := g.Update("a", 3, 0); old != 0 || g.Get("a") != 3 {
		t.Fatalf("zero Tagged: Update = %d, Get = %d", old, g.Get("a"))
	}
}

// Copies of a set share its keys, even after it grew (the SQLite store keeps sets
// by value in a map).
func TestCopiesShare(t *testing.T) {
	s := New()
	c := s
	for i := range 1000 {
		c.Add(fmt.Sprint(i))
	}
	if s.Len() != 1000 || !s.Has("999") {
		t.Fatalf("copy's keys not seen by the original: %d", s.Len())
	}
}

// The table grows ×1.5 past 85% load, and stays between 56% and 85% full.
func TestGrowth(t *testing.T) {
	var s Set
	prev := 0
	for i := range 100000 {
		s.Add(fmt.Sprintf("https://x/%d", i))
		slots := s.Bytes() / 8
		if s.Len()*20 > slots*17 || (slots > minSlots && s.Len()*100 < slots*56) ||
			(slots != prev && prev != 0 && slots != prev*3/2) {
			t.Fatalf("%d keys in %d slots (before: %d)", s.Len(), slots, prev)
		}
		prev = slots
	}
	for i := range 100000 {
		if !s.Has(fmt.Sprintf("https://x/%d", i)) {
			t.Fatalf("key %d lost in growth", i)
		}
	}
}

// Keys that share their home slot, and probe sequences that wrap around the end
// of a small table, stay reachable through deletions (backward shift), checked
// against a map after every operation.
func TestCollisionsAndDelete(t *testing.T) {
	// 16 slots, never grown (at most 12 keys): homes 15 and 0 wrap around; homes 3
	// collide (a key's home is its top 4 bits in a table of 16).
	tb := &table{tagged: true, keys: make([]uint64, 16), tags: make([]uint8, 16)}
	ref := map[uint64]uint8{}
	check := func(step string) {
		t.Helper()
		if tb.n != len(ref) {
			t.Fatalf("%s: n = %d, want %d", step, tb.n, len(ref))
		}
		for h, tag := range ref {
			i := tb.lookup(h)
			if i < 0 || tb.tags[i] != tag {
				t.Fatalf("%s: key %#x lost (slot %d)", step, h, i)
			}
		}
	}
	var keys []uint64
	for k := range uint64(4) {
		keys = append(keys, 15<<60|(k+1), 3<<60|(k+1), 0<<60|(k+1))
	}
	rnd := uint64(12345)
	for round := range 2000 {
		rnd ^= rnd << 13
		rnd ^= rnd >> 7
		rnd ^= rnd << 17
		h := keys[rnd%uint64(len(keys))]
		if i := tb.lookup(h); i >= 0 {
			tb.remove(i)
			delete(ref, h)
		} else {
			tb.insert(h, uint8(round)|1)
			ref[h] = uint8(round) | 1
		}
		check(fmt.Sprint("round ", round))
		if len(tb.keys) > 16 {
			t.Fatalf("table grew to %d slots for %d keys", len(tb.keys), tb.n)
		}
	}
}

// The hash 0 (the empty-slot mark) is a key as any other.
func TestHashZero(t *testing.T) {
	var s Set
	if !s.AddHash(0) || s.AddHash(0) || !s.HasHash(0) || s.HasHash(2) || s.Len() != 1 {
		t.Fatal("hash 0 not kept as a key")
	}
}

func TestTagged(t *testing.T) {
	var g Tagged
	for i := range 1000 {
		g.Update(fmt.Sprint(i), uint8(1+i%3), 0)
	}
	if old := g.Update("5", 4, 0); old != 3 || g.Get("5") != 7 {
		t.Fatalf("Update: old %d, now %d", old, g.Get("5"))
	}
	if old := g.Update("5", 0, 7); old != 7 || g.Get("5") != 0 || g.Len() != 999 {
		t.Fatalf("clearing every bit: old %d, now %d, len %d", old, g.Get("5"), g.Len())
	}
	g.ClearAll(1)
	// Keys tagged 1 (i%3 == 0) leave; 3 (i%3 == 2) keeps 2.
	if g.Get("0") != 0 || g.Get("1") != 2 || g.Get("2") != 2 || g.Len() != 665 {
		t.Fatalf("ClearAll: %d %d %d, len %d", g.Get("0"), g.Get("1"), g.Get("2"), g.Len())
	}
}

// BenchmarkKeysetBytes reports the Go heap bytes per key a set of 100,000 and
// 300,000 URLs keeps (measured after a GC, so the growth's garbage is out).
func BenchmarkKeysetBytes(b *testing.B) {
	for _, n := range []int{100000, 300000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			keys := make([]string, n)
			for i := range keys {
				keys[i] = fmt.Sprintf("https://example.com/article/%d", i)
			}
			var perKey float64
			for range b.N {
				var s Set
				grown := testutil.HeapGrowth(func() {
					s = New()
					for _, k := range keys {
						s.Add(k)
					}
				})
				perKey = float64(grown) / float64(n)
				runtime.KeepAlive(s)
			}
			b.ReportMetric(perKey, "bytes/key")
		})
	}
}

func TestMap(t *testing.T) {
	var m Map
	if _, ok := m.Get(1); ok || m.Len() != 0 {
		t.Fatal("zero Map not empty")
	}
	for i := range uint64(20000) {
		m.Put(i*0x9e3779b97f4a7c15, i+1)
	}
	m.Put(0, 7) // the hash 0 is a key as any other
	five := uint64(5)
	m.Put(five*0x9e3779b97f4a7c15, 99)
	if m.Len() != 20000 {
		t.Fatalf("Len = %d, want 20000 (hash 0 is key 0's)", m.Len())
	}
	for i := range uint64(20000) {
		want := i + 1
		switch i {
		case 0:
			want = 7
		case 5:
			want = 99
		}
		if v, ok := m.Get(i * 0x9e3779b97f4a7c15); !ok || v != want {
			t.Fatalf("key %d: %d, %v; want %d", i, v, ok, want)
		}
	}
	if _, ok := m.Get(12345); ok {
		t.Fatal("absent key found")
	}
}
