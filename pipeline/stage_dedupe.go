package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/internal/keyset"
	"github.com/healthcrawl/healthcrawl/internal/spill"
)

// DedupeOptions configure the dedupe stage.
type DedupeOptions struct {
	Near      bool    `mapstructure:"near" doc:"also drop near-duplicates (SimHash and MinHash over word shingles), not only exact copies"`
	Threshold float64 `mapstructure:"threshold" doc:"a near-duplicate's 128-bit SimHash similarity (1 - differing bits/128) is at least this"`
	Confirm   float64 `mapstructure:"confirm" doc:"and the Jaccard similarity of the two texts' shingle sets (estimated from a 64-bin MinHash) is at least this"`
	Shingle   int     `mapstructure:"shingle" doc:"words per shingle"`
	MinWords  int     `mapstructure:"min_words" doc:"texts with fewer words are only checked for exact copies"`
	MaxWords  int     `mapstructure:"max_words" doc:"SimHash and MinHash read at most this many words from the start of the text (0 = all); exact copies always compare the whole text"`
}

func init() {
	Register(DefaultRegistry, "dedupe",
		"Drops exact copies (same content hash) and near-duplicates seen earlier in the run (or in the state the run shares: resumed and incremental runs, a fleet), with reason \"duplicate_of <url>\". "+
			"Near-duplicate candidates come from an LSH index (10 bands of a 64-bin MinHash over word shingles, constant cost per record); a candidate is dropped only when both its 128-bit SimHash similarity reaches threshold and the estimated Jaccard similarity of the shingle sets reaches confirm, so a different article on the same topic is kept.",
		func() DedupeOptions {
			return DedupeOptions{Near: true, Threshold: 0.82, Confirm: 0.8, Shingle: 3, MinWords: 30, MaxWords: 2000}
		},
		func(o DedupeOptions, env Env) (Stage, error) {
			if o.Threshold <= 0.5 || o.Threshold > 1 {
				return nil, optErr("threshold", "must be in (0.5, 1], got %v", o.Threshold)
			}
			if o.Confirm <= 0 || o.Confirm > 1 {
				return nil, optErr("confirm", "must be in (0, 1], got %v", o.Confirm)
			}
			if o.Shingle < 1 || o.Shingle > 8 {
				return nil, optErr("shingle", "must be in [1, 8], got %d", o.Shingle)
			}
			if o.MinWords < 0 {
				return nil, optErr("min_words", "must be ≥ 0, got %d", o.MinWords)
			}
			if o.MaxWords < 0 {
				return nil, optErr("max_words", "must be ≥ 0, got %d", o.MaxWords)
			}
			d := &dedupe{opts: o, index: env.Near, urls: new(spill.Log)}
			d.params = NearParams{MaxDist: int((1 - o.Threshold) * 128), Confirm: o.Confirm}
			if d.index == nil {
				d.own = NewMemoryNearIndex()
				d.index = d.own
			}
			// The Runner has no end-of-run hook: the spill file of the URLs goes
			// when the stage is garbage collected (its own index has a cleanup too).
			runtime.AddCleanup(d, func(l *spill.Log) { _ = l.Close() }, d.urls)
			return d, nil
		})
}

// dedupe keeps per-run state: the first URL of every text hash (under one short
// lock: a map look-up) and the near-duplicate index (its own sharded locks).
//
// The URLs are kept in a spill file, not in the map (issue 17: heap per page): a
// kept record costs the map (a keyset.Map) about 19 bytes instead of a URL string,
// and a URL is read back only to name the original of an exact copy.
type dedupe struct {
	opts   DedupeOptions
	params NearParams
	index  NearIndex
	own    *MemoryNearIndex // the index when the Env has none (closed by Close)

	mu    sync.Mutex
	exact keyset.Map        // text hash → spill.Ref of the first URL in urls (0: in kept)
	urls  *spill.Log        // separate allocation: see the cleanup in init
	kept  map[uint64]string // the URLs the spill file could not take (full disk): dedupe keeps working, in memory
}

// Close releases the stage's spill files. A stage used after Close returns errors.
func (d *dedupe) Close() error {
	err := d.urls.Close()
	if err != nil {
		err = fmt.Errorf("dedupe: close spill: %w", err)
	}
	if d.own != nil {
		err = errors.Join(err, d.own.Close())
	}
	return err
}

// keepLocked records url as the first record of text hash key (d.mu held).
func (d *dedupe) keepLocked(key uint64, url string) {
	ref, err := d.urls.AppendString(url)
	if err != nil || ref == 0 {
		if d.kept == nil {
			d.kept = map[uint64]string{}
		}
		d.kept[key] = url
		ref = 0
	}
	d.exact.Put(key, uint64(ref))
}

// first returns the first URL of text hash key, stored under ref. locked: the
// caller holds d.mu (the second check of Apply, which finds a copy only when two
// copies are processed at once; the first check reads without the lock).
func (d *dedupe) first(key uint64, ref spill.Ref, locked bool) (string, error) {
	if ref == 0 {
		if !locked {
			d.mu.Lock()
			defer d.mu.Unlock()
		}
		return d.kept[key], nil
	}
	u, err := d.urls.ReadString(ref)
	if err != nil {
		return "", fmt.Errorf("exact copies: spill: %w", err)
	}
	return u, nil
}

func (*dedupe) Name() string { return "dedupe" }

func recordURL(a *article.Article) string {
	for _, u := range []string{a.CanonicalURL, a.URL, a.Source} {
		if u != "" {
			return u
		}
	}
	return "(no url)"
}

// readOnly: Apply never modifies the record.
func (*dedupe) readOnly() {}

// readsText: the Runner finalizes the record before Apply.
func (*dedupe) readsText() {}

// Apply reads a.Text and a.WordCount, which the Runner keeps current.
func (d *dedupe) Apply(ctx context.Context, a *article.Article) (Verdict, error) {
	if a.Text == "" {
		return keep, nil
	}
	key := exactKey(a)
	url := recordURL(a)

	d.mu.Lock()
	ref, ok := d.exact.Get(key)
	d.mu.Unlock()
	if ok {
		first, err := d.first(key, spill.Ref(ref), false)
		if err != nil {
			return keep, err
		}
		return drop("duplicate_of " + first), nil
	}
	if d.opts.Near && a.WordCount >= d.opts.MinWords {
		r := NewNearRecord(url, a.Text, d.opts.Shingle, d.opts.MaxWords)
		if a.URL != "" {
			r.Page = NearPage(a.URL)
		}
		dup, found, err := d.index.CheckAndAdd(ctx, &r, d.params)
		if err != nil {
			return keep, fmt.Errorf("near-duplicate index: %w", err)
		}
		if found {
			return drop("duplicate_of " + dup), nil
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if ref, ok := d.exact.Get(key); ok { // an exact copy kept meanwhile
		first, err := d.first(key, spill.Ref(ref), true)
		if err != nil {
			return keep, err
		}
		return drop("duplicate_of " + first), nil
	}
	d.keepLocked(key, url)
	return keep, nil
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// SimHash returns the 128-bit SimHash (hi, lo) of text over shingles of k lower-cased
// words (letters and digits). Texts with fewer than k words hash their words.
//
// Bit i is set when more than half of the shingle hashes have bit i set. The 128
// per-bit counters are kept bit-sliced (counter bit j of all 64 lanes in one word),
// so adding a shingle is a ripple-carry over a few words instead of 128 additions.
func SimHash(text string, k int) (hi, lo uint64) { return simHash(text, k, 0) }

// simHash is SimHash over the first maxWords words of text (all when maxWords is 0).
func simHash(text string, k, maxWords int) (hi, lo uint64) {
	return nearSig(text, k, maxWords, nil)
}

// nearSig is simHash that also feeds every shingle hash to mh (when not nil).
func nearSig(text string, k, maxWords int, mh *minHash) (hi, lo uint64) {
	k = min(max(k, 1), 8)
	var cnt simCounter
	// The shingle hash of words w1…wk is rotl(w1, 23(k-1)) ^ … ^ rotl(wk-1, 23) ^ wk,
	// updated in O(1) per word: rotate, cancel the oldest word, add the newest.
	var ring [8]uint64 // the last k word hashes; ring[pos] is the oldest once full
	pos := 0
	var x uint64
	var h uint64 = fnvOffset
	inWord := false
	words := 0
	endWord := func() {
		x = bits.RotateLeft64(x, 23) ^ h
		if words >= k {
			x ^= bits.RotateLeft64(ring[pos], 23*k)
			ring[pos] = h
			if pos++; pos == k {
				pos = 0
			}
		} else {
			ring[words] = h
		}
		words++
		if words >= k {
			cnt.add(x)
			if mh != nil {
				mh.add(x)
			}
		}
		h = fnvOffset
	}
	for i := 0; i < len(text); {
		if maxWords > 0 && words >= maxWords {
			inWord = false
			break
		}
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			default:
				if inWord {
					endWord()
					inWord = false
				}
				continue
			}
			h = (h ^ uint64(c)) * fnvPrime
			inWord = true
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			r = unicode.ToLower(r)
			for r > 0 {
				h = (h ^ uint64(r&0xff)) * fnvPrime
				r >>= 8
			}
			inWord = true
		} else if inWord {
			endWord()
			inWord = false
		}
	}
	if inWord {
		endWord()
	}
	if words < k { // too short for one shingle: hash the words
		for _, w := range ring[:words] {
			cnt.add(w)
			if mh != nil {
				mh.add(w)
			}
		}
	}
	return cnt.majority()
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// simCounter counts, for each of 128 bits, how many added hashes had it set.
type simCounter struct {
	lo, hi [24]uint64 // bit-sliced counters: plane j holds bit j of all 64 counts
	n      int
}

// add counts the 128-bit hash derived from x: a ripple-carry add of its two halves
// into the bit-sliced counters, both in one loop.
func (c *simCounter) add(x uint64) {
	ml, mh := splitmix(x), splitmix(x^0x5851f42d4c957f2d)
	for j := 0; (ml|mh) != 0 && j < len(c.lo); j++ {
		cl, ch := c.lo[j]&ml, c.hi[j]&mh
		c.lo[j] ^= ml
		c.hi[j] ^= mh
		ml, mh = cl, ch
	}
	c.n++
}

// majority returns the bits set in more than half of the added hashes.
func (c *simCounter) majority() (hi, lo uint64) {
	planes := min(bits.Len(uint(c.n)), len(c.lo)) // higher planes are all zero
	for i := 0; i < 64; i++ {
		var cl, ch int
		for j := 0; j < planes; j++ {
			cl |= int(c.lo[j]>>i&1) << j
			ch |= int(c.hi[j]>>i&1) << j
		}
		if 2*cl > c.n {
			lo |= 1 << i
		}
		if 2*ch > c.n {
			hi |= 1 << i
		}
	}
	return hi, lo
}

// exactKey is the first 64 bits of the content hash (sha256 of Text, which Finalize
// already computed), or of a fresh sha256 when the hash is missing or malformed.
func exactKey(a *article.Article) uint64 {
	if len(a.ContentHash) >= 16 {
		if k, err := strconv.ParseUint(a.ContentHash[:16], 16, 64); err == nil {
			return k
		}
	}
	sum := sha256.Sum256([]byte(a.Text))
	return binary.BigEndian.Uint64(sum[:8])
}
