package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/internal/spill"
)

// lookup returns the ids of the probe run of key k whose slots carry k's tag.
func (t *nearTable) lookup(k uint64) []uint32 {
	var ids []uint32
	m := len(t.slots)
	if m == 0 {
		return nil
	}
	for i := nearSlotPos(uint32(k>>32), m); t.slots[i] != 0; i = (i + 1) % m {
		if s := t.slots[i]; s&63 == nearSlotTag(k) {
			ids = append(ids, s>>6-1)
		}
	}
	return ids
}

// A shard's table keeps every id of every bucket through its growth (rebuilt
// from the entry log, most of it read back from the spill file), stays at most
// 80 % full, and a growth that cannot read the log leaves the table as it was.
func TestNearTableGrowth(t *testing.T) {
	var log spill.Log
	defer log.Close()
	var tb nearTable
	key := func(i int) uint64 { return splitmix(uint64(i)) &^ 1023 } // one shard
	const n = 30_000
	id := uint32(0)
	want := map[uint64][]uint32{}
	for i := range n {
		k := key(i)
		for range 1 + i%3 { // a bucket of 1 to 3 records
			if err := tb.reserve(&log, 1); err != nil {
				t.Fatal(err)
			}
			tb.add(k, id)
			want[k] = append(want[k], id)
			id++
		}
	}
	if tb.n != int(id) {
		t.Fatalf("entries = %d, want %d", tb.n, id)
	}
	if len(tb.slots)*4 < tb.n*5 {
		t.Errorf("table of %d slots holds %d entries: over 80 %% full", len(tb.slots), tb.n)
	}
	// the entry log is in the spill file, compacted at each growth: one record,
	// plus the chunks spilled since the last growth
	if l := tb.log; len(l.chunks) > 1+tb.n/3/nearLogChunk+1 || l.nbuf == tb.n {
		t.Errorf("entry log of %d entries: %d chunks spilled, %d buffered", tb.n, len(l.chunks), l.nbuf)
	}
	for k, ids := range want {
		got := map[uint32]bool{}
		for _, g := range tb.lookup(k) {
			got[g] = true
		}
		for _, w := range ids {
			if !got[w] {
				t.Fatalf("bucket %x: record %d missing (got %v)", k, w, tb.lookup(k))
			}
		}
	}
	// a growth that fails: the log is closed, the table keeps its slots
	slots, entries := tb.slots, tb.n
	log.Close()
	err := tb.reserve(&log, (len(tb.slots)*4)/5-tb.n+1)
	if !errors.Is(err, spill.ErrClosed) {
		t.Fatalf("reserve after Close: %v, want ErrClosed", err)
	}
	if &tb.slots[0] != &slots[0] || tb.n != entries {
		t.Error("a failed growth changed the table")
	}
}

// nearPair is a random record (SimHash included) and a near copy of it: a few
// shingles replaced (J ≈ 0.94), 3 SimHash bits flipped.
func nearPair(r *rand.Rand, key string) (orig, cp NearRecord) {
	sh := randomShingles(r, 200)
	orig = sketchOf(sh)
	orig.Hi, orig.Lo = r.Uint64(), r.Uint64()
	orig.Key, orig.Page = key, NearPage(key)
	copy(sh[:6], randomShingles(r, 6))
	cp = sketchOf(sh)
	cp.Hi, cp.Lo = orig.Hi^0b101, orig.Lo^1<<40
	cp.Key = strings.Replace(key, "example.org", "mirror.example.net", 1)
	cp.Page = NearPage(cp.Key)
	return orig, cp
}

// Across many records (every shard table grows several times, the spill file is
// written to disk) verdicts do not change: each near copy is found naming its
// original, read back from the spill file, and records that are no copies are kept.
func TestMemoryNearIndexGrowthVerdicts(t *testing.T) {
	x := NewMemoryNearIndex()
	defer x.Close()
	ctx := context.Background()
	p := NearParams{MaxDist: 23, Confirm: 0.8}
	r := rand.New(rand.NewPCG(17, 300))
	const n = 40_000
	copies := make([]NearRecord, 0, n/50)
	origs := make([]NearRecord, 0, n/50)
	for i := range n {
		o, c := nearPair(r, fmt.Sprintf("https://example.org/articles/%06d", i))
		if dup, found, err := x.CheckAndAdd(ctx, &o, p); err != nil || found {
			t.Fatalf("record %d: CheckAndAdd = %q %v %v", i, dup, found, err)
		}
		if i%50 == 0 {
			origs, copies = append(origs, o), append(copies, c)
		}
	}
	if x.Len() != n {
		t.Fatalf("Len = %d, want %d", x.Len(), n)
	}
	if x.log.Size() < 64<<10 {
		t.Fatalf("spill file of %d bytes: records not read from the file", x.log.Size())
	}
	missed := 0
	for i := range copies {
		c, o := &copies[i], &origs[i]
		want := shareBand(c, o) && NearMatch(c, o, p)
		dup, found, err := x.CheckAndAdd(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if found != want || (found && dup != o.Key) {
			t.Errorf("copy of %s: CheckAndAdd = %q %v, want found = %v", o.Key, dup, found, want)
		}
		if !want {
			missed++
		}
	}
	if missed > len(copies)/100 {
		t.Errorf("%d of %d copies not near-duplicates by NearMatch", missed, len(copies))
	}
	if x.tables[0].n == 0 {
		t.Fatal("shard 0 empty")
	}
	for s := range x.tables {
		tb := &x.tables[s]
		if len(tb.slots)*4 < tb.n*5 {
			t.Fatalf("shard %d: %d entries in %d slots", s, tb.n, len(tb.slots))
		}
	}
}

// After Close the index returns errors, never a verdict of duplicate.
func TestMemoryNearIndexClose(t *testing.T) {
	x := NewMemoryNearIndex()
	ctx := context.Background()
	p := NearParams{MaxDist: 23, Confirm: 0.8}
	o, c := nearPair(rand.New(rand.NewPCG(3, 4)), "https://example.org/a")
	if _, found, err := x.CheckAndAdd(ctx, &o, p); found || err != nil {
		t.Fatalf("original: found %v, err %v", found, err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	dup, found, err := x.CheckAndAdd(ctx, &c, p)
	if found || !errors.Is(err, spill.ErrClosed) || !strings.HasPrefix(err.Error(), "near index: spill: ") {
		t.Errorf("copy after Close: CheckAndAdd = %q %v %v, want an error", dup, found, err)
	}
	if err := x.Add(&o); err == nil {
		t.Error("Add after Close: no error")
	}
}

// A spill file that cannot be written (here: its directory is missing) makes
// CheckAndAdd fail with an error; no record is reported as a duplicate and the
// index keeps only the records it could write.
func TestMemoryNearIndexSpillWriteError(t *testing.T) {
	x := NewMemoryNearIndex()
	defer x.Close()
	x.log.Dir = filepath.Join(t.TempDir(), "missing")
	ctx := context.Background()
	p := NearParams{MaxDist: 23, Confirm: 0.8}
	r := rand.New(rand.NewPCG(5, 6))
	var failed error
	added := 0
	for i := 0; failed == nil && i < 10_000; i++ {
		o, _ := nearPair(r, fmt.Sprintf("https://example.org/%d", i))
		dup, found, err := x.CheckAndAdd(ctx, &o, p)
		if found {
			t.Fatalf("record %d found as a duplicate of %s", i, dup)
		}
		if err == nil {
			added++
		}
		failed = err
	}
	if failed == nil || !strings.HasPrefix(failed.Error(), "near index: spill: ") {
		t.Fatalf("CheckAndAdd with an unwritable spill file: %v", failed)
	}
	if x.Len() != added {
		t.Errorf("Len = %d, want the %d records added", x.Len(), added)
	}
	// a record that could not be added is no original
	o, c := nearPair(r, "https://example.org/last")
	if _, found, err := x.CheckAndAdd(ctx, &o, p); found || err == nil {
		t.Fatalf("record with an unwritable spill file: found %v, err %v", found, err)
	}
	if dup, found, err := x.CheckAndAdd(ctx, &c, p); found || err == nil {
		t.Errorf("copy with an unwritable spill file: CheckAndAdd = %q %v %v", dup, found, err)
	}
}
