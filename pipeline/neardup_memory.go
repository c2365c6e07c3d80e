package pipeline

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/healthcrawl/healthcrawl/internal/spill"
)

// MemoryNearIndex is the in-process NearIndex. Issue 17 asks for a heap that stays
// small and flat in the number of pages, so the heap keeps only what the fast path
// reads for every candidate a bucket returns:
//
//   - per record 24 bytes (memNearRec): its SimHash, which dismisses almost every
//     candidate, and the spill.Ref of the rest of the record;
//   - per record and band one 4-byte slot in the bucket table of the band key's
//     lock shard (nearTable), about 6 bytes at the tables' average load.
//
// The rest of a record — its page, its NearSketch and its key — is appended to a
// spill file (internal/spill: unlinked, cached by the OS rather than the process)
// and read back only for a candidate whose SimHash is within MaxDist bits, i.e.
// for near-copies, earlier versions of the page and texts on the same topic: a
// few reads per thousand records. That is about 95 bytes of heap per record
// (BenchmarkNearIndexBytes) where key strings, sketches and bucket chains took
// 320–365.
//
// Create it with NewMemoryNearIndex. Close releases the spill file; an index
// nobody closes releases it when it is garbage collected.
type MemoryNearIndex struct {
	locks  NearLocks
	tables [nearShards]nearTable
	// log is allocated apart from the index so that the GC cleanup registered by
	// NewMemoryNearIndex can close it without keeping the index reachable.
	log    *spill.Log
	n      atomic.Uint32
	chunks [nearMaxRecords / nearChunk]atomic.Pointer[[nearChunk]memNearRec]
}

const (
	nearChunk      = 1 << 12
	nearMaxRecords = 1 << 26 // record ids have 26 bits in a bucket slot
)

// memNearRec is the heap part of a record. It holds no pointer, so the chunks of
// records are never scanned by the garbage collector.
type memNearRec struct {
	hi, lo uint64    // 128-bit SimHash
	ref    spill.Ref // page, sketch and key in the index's spill file (nearSpillHead)
}

// A spilled record is its Page (8 bytes, little-endian), its NearSketch (NearBins
// little-endian uint16s: the full 16-bit fingerprints, as NearMatch compares
// them) and its key.
const nearSpillHead = 8 + 2*NearBins

// nearTable is the bucket table of one lock shard: an open-addressing multimap
// (linear probing, at most 80 % full) from band key to the ids of the records in
// that bucket. A 4-byte slot holds the record id + 1 (high 26 bits) and a 6-bit
// tag of the key (bits 10–15; bits 0–9 chose the shard and the high 32 bits the
// first slot probed); 0 is an empty slot. A look-up returns every id of its probe
// run with the key's tag: the records of the bucket and, for about one slot in
// 64 of other keys, a stray record that the SimHash test dismisses — every
// candidate is confirmed, so a stray never changes a verdict.
//
// A slot keeps too little of its key to be moved when the table grows, so every
// entry (the key's high 32 bits and the slot) is also appended to the shard's
// entry log: buffered in the shard, spilled nearLogChunk entries at a time. The
// table grows ×1.5 rather than ×2 (average load 2/3 instead of 0.58) and is
// rebuilt from the log (see reserve and nearLogChunk: about one spill read per
// 6 records indexed, amortised).
type nearTable struct {
	slots []uint32
	n     int // entries (non-empty slots)
	// log is apart so that the 1024 table headers, which every look-up reads,
	// stay in 40 KiB of cache rather than spread over half a megabyte.
	log *nearEntryLog
}

// nearEntryLog is the entry log of a shard.
type nearEntryLog struct {
	chunks []spill.Ref // in the spill file: the log as of the last growth, then chunks
	buf    [nearLogChunk]uint64
	nbuf   int
}

// nearLogChunk entries of 8 bytes: 512 bytes buffered per shard (512 KiB for the
// 1024 shards, 1.7 bytes per record at 300,000 records). A growth reads every
// chunk spilled since the previous one, so a record costs NearBands/nearLogChunk
// reads of the spill file (plus one per growth): 0.16 system calls where chunks
// of 32 took 0.31, measurably slower where system calls are dear.
const nearLogChunk = 64

func nearSlotTag(k uint64) uint32 { return uint32(k>>10) & 63 }

// nearSlotPos maps the high 32 bits of a key to a slot of a table of m slots (m is
// not a power of two after a ×1.5 growth: multiply-shift rather than a mask).
func nearSlotPos(h uint32, m int) int { return int(uint64(h) * uint64(m) >> 32) }

// nearEntry is the entry-log form of a slot: the key's high 32 bits above it.
func nearEntry(k uint64, id uint32) uint64 {
	return uint64(uint32(k>>32))<<32 | uint64((id+1)<<6|nearSlotTag(k))
}

// insert puts an entry into the table, which has room for it.
func (t *nearTable) insert(e uint64) {
	m := len(t.slots)
	i := nearSlotPos(uint32(e>>32), m)
	for t.slots[i] != 0 {
		if i++; i == m {
			i = 0
		}
	}
	t.slots[i] = uint32(e)
	t.n++
}

// add indexes record id under key k (after reserve).
func (t *nearTable) add(k uint64, id uint32) {
	e := nearEntry(k, id)
	t.insert(e)
	t.log.buf[t.log.nbuf] = e
	t.log.nbuf++
}

// reserve makes room for k more entries, spilling a full log buffer and growing
// the table as needed, so that the adds of a record cannot fail half-way: on an
// error the table is unchanged.
func (t *nearTable) reserve(log *spill.Log, k int) error {
	if t.log == nil {
		t.log = new(nearEntryLog)
	}
	l := t.log
	if l.nbuf+k > nearLogChunk {
		var b [8 * nearLogChunk]byte
		for i, e := range l.buf[:l.nbuf] {
			binary.LittleEndian.PutUint64(b[8*i:], e)
		}
		ref, err := log.Append(b[:8*l.nbuf])
		if err != nil {
			return fmt.Errorf("entry log: %w", err)
		}
		l.chunks = append(l.chunks, ref)
		l.nbuf = 0
	}
	if (t.n+k)*5 <= len(t.slots)*4 {
		return nil
	}
	m := max(len(t.slots)*3/2, 16)
	for (t.n+k)*5 > m*4 {
		m = m * 3 / 2
	}
	var raw []byte
	for _, ref := range l.chunks {
		var err error
		if raw, err = log.Read(ref, raw); err != nil {
			return fmt.Errorf("grow bucket table: %w", err)
		}
	}
	t.slots, t.n = make([]uint32, m), 0
	for i := 0; i+8 <= len(raw); i += 8 {
		t.insert(binary.LittleEndian.Uint64(raw[i:]))
	}
	for _, e := range l.buf[:l.nbuf] {
		t.insert(e)
	}
	// The chunks just read are written back as one record, so that the next
	// growth reads them with one system call instead of one per chunk (each
	// chunk is then read once on its own, at the first growth after it was
	// spilled), and the shard keeps one Ref for them. A failed write only
	// keeps the chunks as they were (and the log's error comes back with the
	// next append).
	if len(l.chunks) > 1 {
		if ref, err := log.Append(raw); err == nil {
			l.chunks = []spill.Ref{ref}
		}
	}
	return nil
}

// NewMemoryNearIndex returns an empty in-process index. Its spill file is created
// in os.TempDir when the first records are written.
func NewMemoryNearIndex() *MemoryNearIndex {
	x := &MemoryNearIndex{log: new(spill.Log)}
	// An index nobody closes (the dedupe stage's own, a memory store's) releases
	// its file when it is garbage collected.
	runtime.AddCleanup(x, func(l *spill.Log) { _ = l.Close() }, x.log)
	return x
}

// Close releases the spill file; CheckAndAdd fails after it.
func (x *MemoryNearIndex) Close() error {
	if err := x.log.Close(); err != nil {
		return fmt.Errorf("near index: close spill: %w", err)
	}
	return nil
}

// Len is the number of records indexed.
func (x *MemoryNearIndex) Len() int { return int(min(x.n.Load(), nearMaxRecords-1)) }

func (x *MemoryNearIndex) rec(id uint32) *memNearRec {
	return &x.chunks[id/nearChunk].Load()[id%nearChunk]
}

// CheckAndAdd implements NearIndex. It holds the locks of the shards of r's buckets
// while it compares and adds (reading candidates from the spill file included),
// never a lock on the whole index. A spill file error is returned, never turned
// into a verdict.
func (x *MemoryNearIndex) CheckAndAdd(_ context.Context, r *NearRecord, p NearParams) (string, bool, error) {
	lk := x.locks.Lock(r)
	defer lk.Unlock()
	if p.MaxDist >= 0 {
		if dup, found, err := x.find(r, p); err != nil || found {
			return dup, found, err
		}
	}
	return "", false, x.add(r, lk.shards[:lk.n])
}

// find returns the key of an indexed record that confirms r (NearMatch).
func (x *MemoryNearIndex) find(r *NearRecord, p NearParams) (string, bool, error) {
	// A record sits in up to NearBands of r's buckets: read it from the spill
	// file once (the list is short; a record missing from it is only read again).
	var read [2 * NearBands]uint32
	nread := 0
	var buf []byte
	for _, k := range r.Bands {
		t := &x.tables[nearShard(k)]
		m := len(t.slots)
		if m == 0 {
			continue
		}
		tag := nearSlotTag(k)
		for i := nearSlotPos(uint32(k>>32), m); t.slots[i] != 0; {
			s := t.slots[i]
			if i++; i == m {
				i = 0
			}
			if s&63 != tag {
				continue
			}
			id := s>>6 - 1
			c := x.rec(id)
			if bits.OnesCount64(r.Hi^c.hi)+bits.OnesCount64(r.Lo^c.lo) > p.MaxDist ||
				slices.Contains(read[:nread], id) {
				continue
			}
			if nread < len(read) {
				read[nread] = id
				nread++
			}
			var err error
			if buf, err = x.log.Read(c.ref, buf[:0]); err != nil {
				return "", false, fmt.Errorf("near index: spill: %w", err)
			}
			if len(buf) < nearSpillHead {
				return "", false, fmt.Errorf("near index: spill: record %d of %d bytes, want at least %d", id, len(buf), nearSpillHead)
			}
			if nearSpilledMatch(r, buf, p) {
				return string(buf[nearSpillHead:]), true, nil
			}
		}
	}
	return "", false, nil
}

// nearSpilledMatch is the rest of NearMatch (the SimHash passed) against a
// spilled record b.
func nearSpilledMatch(r *NearRecord, b []byte, p NearParams) bool {
	if binary.LittleEndian.Uint64(b) == r.Page {
		return false
	}
	var sk NearSketch
	for i := range sk {
		sk[i] = binary.LittleEndian.Uint16(b[8+2*i:])
	}
	return NearJaccard(&r.Sketch, &sk) >= p.Confirm
}

// add indexes r; shards are the distinct shards of its bands, locked. Everything
// that can fail (spill writes, table growth) happens before the index changes.
func (x *MemoryNearIndex) add(r *NearRecord, shards []uint16) error {
	for _, s := range shards {
		k := 0
		for _, b := range r.Bands {
			if nearShard(b) == int(s) {
				k++
			}
		}
		if err := x.tables[s].reserve(x.log, k); err != nil {
			return fmt.Errorf("near index: spill: %w", err)
		}
	}
	var head [nearSpillHead]byte
	binary.LittleEndian.PutUint64(head[:], r.Page)
	for i, v := range r.Sketch {
		binary.LittleEndian.PutUint16(head[8+2*i:], v)
	}
	ref, err := x.log.Append(head[:], []byte(r.Key))
	if err != nil {
		return fmt.Errorf("near index: spill: %w", err)
	}
	id := x.n.Add(1) - 1
	if id >= nearMaxRecords-1 { // id + 1 must fit a slot's 26 bits
		return errNearFull
	}
	slot := &x.chunks[id/nearChunk]
	if slot.Load() == nil {
		slot.CompareAndSwap(nil, new([nearChunk]memNearRec))
	}
	*x.rec(id) = memNearRec{hi: r.Hi, lo: r.Lo, ref: ref}
	for _, k := range r.Bands {
		x.tables[nearShard(k)].add(k, id)
	}
	return nil
}

// Add indexes r without looking it up (loading an index kept elsewhere).
func (x *MemoryNearIndex) Add(r *NearRecord) error {
	_, _, err := x.CheckAndAdd(context.Background(), r, NearParams{MaxDist: -1})
	return err
}

var errNearFull = nearError("near-duplicate index full (2^26 records)")

type nearError string

func (e nearError) Error() string { return string(e) }
