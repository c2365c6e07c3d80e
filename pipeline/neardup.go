package pipeline

import (
	"context"
	"math"
	"math/bits"
	"slices"
	"sync"
)

// Near-duplicate index: the dedupe stage finds the earlier records a new one may be
// a near-copy of through LSH buckets, never by scanning every kept record.
//
// # Signature
//
// Every word shingle of a text is hashed once (the same 64-bit shingle hash the
// SimHash reads). Besides the 128-bit SimHash, the shingle hashes feed a one-
// permutation MinHash of NearBins bins: the top 6 bits of a (re-mixed) shingle hash
// choose a bin, the bin keeps the smallest low 32 bits it saw. For two shingle sets
// A and B, a bin non-empty in either holds the same minimum with probability
// J = |A∩B| / |A∪B| (the Jaccard similarity), so the fraction of equal bins among
// the bins non-empty in either estimates J (standard error √(J(1−J)/64) ≈ 0.05 at
// J = 0.8). A kept record stores 16-bit fingerprints of its bins (NearSketch, 128
// bytes): two different minima share a fingerprint with probability 2⁻¹⁶, which
// biases the estimate by less than 0.0001.
//
// # Buckets
//
// The first NearBands·NearRows bins are cut into NearBands bands of NearRows bins;
// a band's bucket key hashes the band number and its NearRows full 32-bit minima.
// Two records land in the same bucket of a band with probability J^NearRows, so a
// pair with similarity J becomes a candidate (shares at least one bucket) with
// probability
//
//	P(J) = 1 − (1 − J^r)^b,   b = NearBands = 10, r = NearRows = 4
//
// P(0.80) = 0.995, P(0.85) = 0.9995, P(0.90) > 0.99999 — the default confirm
// threshold 0.8 is where P reaches 99.5 % (b = 8 would give 98.5 %, b = 16 99.99 %
// at 60 % more index memory). Unrelated texts rarely collide: P(0.1) = 0.001,
// P(0.02) = 1.6·10⁻⁶, so the expected number of candidates per record is n·P(J)
// over the n kept records, which for texts that share only a topic vocabulary
// (J ≤ 0.02) stays below one at 100,000 records.
//
// Why not bands of the SimHash: the default threshold 0.82 allows 23 differing bits
// out of 128. A band of w SimHash bits survives d random bit flips with probability
// C(128−w, d)/C(128, d); for buckets that stay small at 10⁵ records (w ≥ 17, so at
// most 7 bands) a pair at d = 23 is found with probability below 25 %, and the
// pigeonhole guarantee (b > d bands) needs bands of 5 bits, i.e. buckets holding
// 1/32 of all records. The SimHash stays the first test of a candidate (option
// threshold); the MinHash estimate of the Jaccard similarity confirms it (option
// confirm).
//
// # Confirmation
//
// A candidate is a near-duplicate when its SimHash is within MaxDist bits AND the
// estimated Jaccard similarity of the shingle sets is at least Confirm (NearMatch).
// Different articles on one topic share vocabulary, headings and even stock
// paragraphs, which moves their SimHashes close together; their shingle sets stay
// far apart (J well under 0.5), so they are kept.
const (
	NearBins  = 64
	NearBands = 10
	NearRows  = 4
)

// NearSketch holds 16-bit fingerprints of the NearBins MinHash minima (0 = empty bin).
type NearSketch [NearBins]uint16

// NearRecord is what the near-duplicate index keeps of one kept record (Bands only
// addresses it): about 160 bytes plus the key, whatever the text's length.
type NearRecord struct {
	Key    string // reported in "duplicate_of <key>": the record's URL
	Page   uint64 // NearPage of the URL fetched: never a match for a record of the same page
	Hi, Lo uint64 // 128-bit SimHash
	Sketch NearSketch
	Bands  [NearBands]uint64 // LSH bucket keys (not stored: the buckets are)
}

// NearParams are the thresholds of NearMatch.
type NearParams struct {
	MaxDist int     // SimHash bits that may differ
	Confirm float64 // minimum estimated Jaccard similarity of the shingle sets
}

// NearIndex is the near-duplicate index of a run. It lives with the crawl state
// (store engines implement it), so resumed and incremental runs and the workers of
// a fleet share it.
type NearIndex interface {
	// CheckAndAdd looks r up in the buckets of r.Bands. When an indexed record c
	// passes NearMatch(r, c, p) it returns c.Key and true, and r is not added;
	// otherwise it adds r under its bands and returns "", false. A record with r's
	// Page (an earlier version of the same page) is never a match. Two concurrent
	// calls with records sharing a band are serialised (one of two near-copies
	// processed at the same time is dropped); calls sharing no band do not wait on
	// each other.
	CheckAndAdd(ctx context.Context, r *NearRecord, p NearParams) (dupOf string, found bool, err error)
}

// NearJaccard estimates the Jaccard similarity of the shingle sets behind two
// sketches: equal non-empty bins ÷ bins non-empty in either (1 when both are empty).
func NearJaccard(a, b *NearSketch) float64 {
	n, m := 0, 0
	for i := range a {
		x, y := a[i], b[i]
		if x|y == 0 {
			continue
		}
		n++
		if x == y {
			m++
		}
	}
	if n == 0 {
		return 1
	}
	return float64(m) / float64(n)
}

// NearPage identifies the page a record was fetched from (FNV-1a of its URL).
func NearPage(url string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(url); i++ {
		h = (h ^ uint64(url[i])) * fnvPrime
	}
	return h
}

// NearMatch reports whether c confirms r as a near-duplicate under p (never when
// both come from the same page: a re-crawled page is not a copy of its earlier
// version).
func NearMatch(r, c *NearRecord, p NearParams) bool {
	if r.Page == c.Page {
		return false
	}
	if bits.OnesCount64(r.Hi^c.Hi)+bits.OnesCount64(r.Lo^c.Lo) > p.MaxDist {
		return false
	}
	return NearJaccard(&r.Sketch, &c.Sketch) >= p.Confirm
}

// NewNearRecord computes the record of text for the index: SimHash and MinHash over
// shingles of k words, reading at most maxWords words (0 = all). Page is
// NearPage(key); set it to NearPage of the fetched URL when that differs.
func NewNearRecord(key, text string, k, maxWords int) NearRecord {
	r := NearRecord{Key: key, Page: NearPage(key)}
	var mh minHash
	r.Hi, r.Lo = nearSig(text, k, maxWords, &mh)
	mh.fill(&r)
	return r
}

// minHash accumulates the one-permutation MinHash of a shingle stream.
type minHash struct {
	min [NearBins]uint32
	set uint64 // bit i: bin i is non-empty
}

func (m *minHash) add(x uint64) {
	v := splitmix(x ^ 0x2545f4914f6cdd1d)
	bin := v >> 58
	low := uint32(v)
	if m.set&(1<<bin) == 0 || low < m.min[bin] {
		m.min[bin] = low
		m.set |= 1 << bin
	}
}

// densified returns the minima with every empty bin filled from a non-empty one
// (optimal densification, Shrivastava 2017: empty bin i takes the value of the
// first non-empty bin of a probe sequence that depends on i only), so that the
// band keys of short texts, which leave many bins empty, do not all fall into the
// bucket of the all-empty band: two densified bins still agree with probability J.
func (m *minHash) densified() [NearBins]uint32 {
	d := m.min
	if m.set == 0 {
		return d
	}
	for i := range d {
		if m.set&(1<<i) != 0 {
			continue
		}
		j := bits.TrailingZeros64(m.set) // fallback, never needed in practice
		for a := uint64(0); a < 1024; a++ {
			if k := splitmix(uint64(i)<<32|a) >> 58; m.set&(1<<k) != 0 {
				j = int(k)
				break
			}
		}
		d[i] = m.min[j]
	}
	return d
}

// fill writes the sketch and bucket keys of m into r.
func (m *minHash) fill(r *NearRecord) {
	for i := range m.min {
		if m.set&(1<<i) == 0 {
			m.min[i] = math.MaxUint32 // all bins empty (no word): one bucket per band
			r.Sketch[i] = 0
			continue
		}
		f := uint16(splitmix(uint64(m.min[i]) | uint64(i)<<32))
		if f == 0 {
			f = 1
		}
		r.Sketch[i] = f
	}
	dense := m.densified()
	for b := range r.Bands {
		h := uint64(b+1) * 0x9e3779b97f4a7c15
		for _, v := range dense[b*NearRows : (b+1)*NearRows] {
			h = splitmix(h ^ uint64(v))
		}
		r.Bands[b] = h
	}
}

// nearShards is the number of lock shards (a power of two).
const nearShards = 1024

func nearShard(bucket uint64) int { return int(bucket % nearShards) }

// NearLocks serialises the CheckAndAdd calls of an index whose records share a
// bucket shard, and only those: a lock per shard, never one for the whole index.
type NearLocks struct {
	mu [nearShards]struct {
		sync.Mutex
		_ [56]byte // one cache line per lock
	}
}

// NearLocked is the set of shard locks held for one record.
type NearLocked struct {
	l      *NearLocks
	shards [NearBands]uint16
	n      int
}

// Lock takes the locks of the shards of r's buckets, in shard order.
func (l *NearLocks) Lock(r *NearRecord) NearLocked {
	k := NearLocked{l: l}
	for _, b := range r.Bands {
		k.shards[k.n] = uint16(nearShard(b))
		k.n++
	}
	slices.Sort(k.shards[:k.n])
	k.n = len(slices.Compact(k.shards[:k.n]))
	for _, s := range k.shards[:k.n] {
		l.mu[s].Lock()
	}
	return k
}

// Unlock releases the locks taken by Lock.
func (k NearLocked) Unlock() {
	for _, s := range k.shards[:k.n] {
		k.l.mu[s].Unlock()
	}
}
