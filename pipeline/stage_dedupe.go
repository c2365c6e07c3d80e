package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"sync"
	"unicode"

	"github.com/healthcrawl/healthcrawl/article"
)

// DedupeOptions configure the dedupe stage.
type DedupeOptions struct {
	Near      bool    `mapstructure:"near" doc:"also drop near-duplicates (SimHash over word shingles), not only exact copies"`
	Threshold float64 `mapstructure:"threshold" doc:"near-duplicate when the 128-bit SimHash similarity (1 - differing bits/128) is at least this"`
	Shingle   int     `mapstructure:"shingle" doc:"words per shingle"`
	MinWords  int     `mapstructure:"min_words" doc:"texts with fewer words are only checked for exact copies"`
}

func init() {
	Register(DefaultRegistry, "dedupe",
		"Drops exact copies (same content hash) and near-duplicates (128-bit SimHash over word shingles, threshold configurable) seen earlier in the run, with reason \"duplicate_of <url>\".",
		func() DedupeOptions { return DedupeOptions{Near: true, Threshold: 0.82, Shingle: 3, MinWords: 30} },
		func(o DedupeOptions, _ Env) (Stage, error) {
			if o.Threshold <= 0.5 || o.Threshold > 1 {
				return nil, optErr("threshold", "must be in (0.5, 1], got %v", o.Threshold)
			}
			if o.Shingle < 1 || o.Shingle > 8 {
				return nil, optErr("shingle", "must be in [1, 8], got %d", o.Shingle)
			}
			if o.MinWords < 0 {
				return nil, optErr("min_words", "must be ≥ 0, got %d", o.MinWords)
			}
			maxDist := int((1 - o.Threshold) * 128)
			return &dedupe{opts: o, maxDist: maxDist, exact: map[uint64]string{}}, nil
		})
}

// dedupe keeps per-run state: the first URL of every text hash and the SimHash of
// every kept record (24 bytes + URL per record; a linear scan of 10⁵ fingerprints
// takes well under a millisecond).
type dedupe struct {
	opts    DedupeOptions
	maxDist int

	mu    sync.Mutex
	exact map[uint64]string
	near  []nearEntry
}

type nearEntry struct {
	hi, lo uint64
	url    string
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

func (d *dedupe) Apply(_ context.Context, a *article.Article) (Verdict, error) {
	a.Finalize()
	if a.Text == "" {
		return keep, nil
	}
	sum := sha256.Sum256([]byte(a.Text))
	key := binary.LittleEndian.Uint64(sum[:8])
	var hi, lo uint64
	near := d.opts.Near && a.WordCount >= d.opts.MinWords
	if near {
		hi, lo = SimHash(a.Text, d.opts.Shingle)
	}
	url := recordURL(a)

	d.mu.Lock()
	defer d.mu.Unlock()
	if first, ok := d.exact[key]; ok {
		return drop("duplicate_of " + first), nil
	}
	if near {
		for _, e := range d.near {
			if bits.OnesCount64(e.hi^hi)+bits.OnesCount64(e.lo^lo) <= d.maxDist {
				return drop("duplicate_of " + e.url), nil
			}
		}
		d.near = append(d.near, nearEntry{hi: hi, lo: lo, url: url})
	}
	d.exact[key] = url
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
func SimHash(text string, k int) (hi, lo uint64) {
	if k < 1 {
		k = 1
	}
	var v [128]int32
	ring := make([]uint64, 0, k)
	var h uint64 = 14695981039346656037
	inWord := false
	n := 0
	add := func(x uint64) {
		a, b := splitmix(x), splitmix(x^0x5851f42d4c957f2d)
		for i := 0; i < 64; i++ {
			v[i] += int32(a>>i&1)*2 - 1
			v[64+i] += int32(b>>i&1)*2 - 1
		}
	}
	endWord := func() {
		if len(ring) == k {
			copy(ring, ring[1:])
			ring = ring[:k-1]
		}
		ring = append(ring, h)
		n++
		if len(ring) == k {
			var x uint64
			for _, w := range ring {
				x = bits.RotateLeft64(x, 23) ^ w
			}
			add(x)
		}
		h = 14695981039346656037
	}
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			r = unicode.ToLower(r)
			for r > 0 {
				h ^= uint64(r & 0xff)
				h *= 1099511628211
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
	if n < k { // too short for one shingle: hash the words
		for _, w := range ring {
			add(w)
		}
	}
	for i := 0; i < 64; i++ {
		if v[i] > 0 {
			lo |= 1 << i
		}
		if v[64+i] > 0 {
			hi |= 1 << i
		}
	}
	return hi, lo
}
