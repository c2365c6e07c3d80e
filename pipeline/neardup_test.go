package pipeline

import (
	"context"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
)

// carpalPair is two different generated articles on carpal tunnel syndrome (the
// pair of issue 17 had the same shape): each has 40 sentences of its own and both
// carry the same 30-sentence stock overview of the condition, so their SimHashes
// are 22 bits apart (within the default threshold 0.82, ≤ 23 bits: the SimHash
// scan dropped the second) while only about a fifth of their shingles are shared.
func carpalPair() (a, b *article.Article) { return carpalPairSeed(500) }

func carpalPairSeed(seed uint64) (a, b *article.Article) {
	stock := genProse(7, 30)
	a = art("Carpal tunnel syndrome: symptoms, causes and treatment",
		sec("", 0, para(genProse(seed*2, 40))), sec("About carpal tunnel syndrome", 2, para(stock)))
	a.URL = "https://example.org/carpal-tunnel-syndrome"
	b = art("Cognitive behavioural therapy for carpal tunnel syndrome: does it work?",
		sec("About carpal tunnel syndrome", 2, para(stock)), sec("", 0, para(genProse(seed*2+1, 40))))
	b.URL = "https://example.org/cbt-for-carpal-tunnel"
	a.Finalize()
	b.Finalize()
	return a, b
}

func nearRecord(key, text string) NearRecord { return NewNearRecord(key, text, 3, 2000) }

func TestDedupeKeepsSameTopicArticles(t *testing.T) {
	a, b := carpalPair()
	ra, rb := nearRecord(a.URL, a.Text), nearRecord(b.URL, b.Text)
	d := bits.OnesCount64(ra.Hi^rb.Hi) + bits.OnesCount64(ra.Lo^rb.Lo)
	if d > 23 {
		t.Fatalf("SimHash distance %d > 23: the pair no longer reproduces the false near-duplicate", d)
	}
	j := NearJaccard(&ra.Sketch, &rb.Sketch)
	if j >= 0.5 {
		t.Errorf("estimated Jaccard %.2f ≥ 0.5 for two different articles", j)
	}
	r := buildStage(t, "dedupe", "")
	ctx := context.Background()
	for _, x := range []*article.Article{a, b} {
		if keep, reason := r.Process(ctx, x.Clone()); !keep {
			t.Errorf("%s dropped: %s", x.URL, reason)
		}
	}
	// A near copy of either is still dropped, naming the right original.
	c := b.Clone()
	c.URL = "https://mirror.example.net/cbt"
	c.Sections = append(c.Sections, sec("", 0, para("Reposted with permission from the Hand Clinic newsletter.")))
	if keep, reason := r.Process(ctx, c); keep || reason != "dedupe: duplicate_of "+b.URL {
		t.Errorf("near copy of b: Process = %v %q", keep, reason)
	}
	t.Logf("carpal pair: SimHash distance %d bits, estimated Jaccard %.2f", d, j)
}

// randomShingles returns n distinct random shingle hashes.
func randomShingles(r *rand.Rand, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = r.Uint64()
	}
	return out
}

func sketchOf(sh ...[]uint64) NearRecord {
	var mh minHash
	for _, s := range sh {
		for _, x := range s {
			mh.add(x)
		}
	}
	var r NearRecord
	mh.fill(&r)
	return r
}

func shareBand(a, b *NearRecord) bool {
	for i := range a.Bands {
		if a.Bands[i] == b.Bands[i] {
			return true
		}
	}
	return false
}

// Recall of the LSH buckets: pairs of shingle sets with a given Jaccard similarity
// J = s/(s+2u) (s shared shingles, u own shingles each) become candidates with
// probability 1-(1-J⁴)¹⁰ (neardup.go), and the sketch estimates J without bias.
func TestNearIndexRecall(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		s, u         int
		minCand      float64 // minimum fraction of pairs sharing a bucket
		maxCand      float64
		minConfirmed float64 // minimum fraction with estimated J ≥ 0.8
		maxConfirmed float64
	}{
		{s: 800, u: 100, minCand: 0.98, maxCand: 1, minConfirmed: 0.3, maxConfirmed: 0.8}, // J = 0.80, at the threshold: P = 0.995
		{s: 900, u: 50, minCand: 0.995, maxCand: 1, minConfirmed: 0.97, maxConfirmed: 1},  // J = 0.90
		{s: 300, u: 350, minCand: 0, maxCand: 0.15, minConfirmed: 0, maxConfirmed: 0},     // J = 0.30: P = 0.08
		{s: 20, u: 490, minCand: 0, maxCand: 0.01, minConfirmed: 0, maxConfirmed: 0},      // J = 0.02
		// short texts (many empty bins; band keys densified): 40 and 90 shingles
		{s: 32, u: 4, minCand: 0.97, maxCand: 1, minConfirmed: 0.2, maxConfirmed: 0.9}, // J = 0.80
		{s: 72, u: 9, minCand: 0.97, maxCand: 1, minConfirmed: 0.2, maxConfirmed: 0.9}, // J = 0.80
		{s: 27, u: 32, minCand: 0, maxCand: 0.15, minConfirmed: 0, maxConfirmed: 0.01}, // J = 0.30
	} {
		const trials = 2000
		cand, confirmed := 0, 0
		var sumJ float64
		for range trials {
			shared := randomShingles(r, tc.s)
			a := sketchOf(shared, randomShingles(r, tc.u))
			b := sketchOf(randomShingles(r, tc.u), shared)
			if shareBand(&a, &b) {
				cand++
			}
			j := NearJaccard(&a.Sketch, &b.Sketch)
			sumJ += j
			if j >= 0.8 {
				confirmed++
			}
		}
		want := float64(tc.s) / float64(tc.s+2*tc.u)
		fc, ff, mean := float64(cand)/trials, float64(confirmed)/trials, sumJ/trials
		t.Logf("J = %.2f: candidates %.4f, confirmed %.4f, mean estimate %.3f", want, fc, ff, mean)
		if fc < tc.minCand || fc > tc.maxCand {
			t.Errorf("J = %.2f: candidate rate %.4f not in [%v, %v]", want, fc, tc.minCand, tc.maxCand)
		}
		if ff < tc.minConfirmed || ff > tc.maxConfirmed {
			t.Errorf("J = %.2f: confirmed rate %.4f not in [%v, %v]", want, ff, tc.minConfirmed, tc.maxConfirmed)
		}
		if mean < want-0.02 || mean > want+0.02 {
			t.Errorf("J = %.2f: mean estimate %.3f biased", want, mean)
		}
	}
}

// Text-level recall: 300 generated articles and a near copy of each (other header
// and footer lines, 2 of 70 sentences rewritten); every copy is dropped naming its
// original, every original kept.
func TestDedupeNearCopiesAtScale(t *testing.T) {
	r := buildStage(t, "dedupe", "")
	ctx := context.Background()
	const n = 300
	orig := make([]*article.Article, n)
	for i := range orig {
		a := art(fmt.Sprintf("Article %d", i), sec("", 0, para(genProse(uint64(10000+i), 70))))
		a.URL = fmt.Sprintf("https://example.org/a/%d", i)
		a.Finalize()
		orig[i] = a
		if keep, reason := r.Process(ctx, a.Clone()); !keep {
			t.Fatalf("original %d dropped: %s", i, reason)
		}
	}
	for i, a := range orig {
		s := strings.SplitAfter(a.Sections[0].Blocks[0].Text, ". ")
		s[10], s[40] = genProse(uint64(90000+i), 1), genProse(uint64(80000+i), 1)
		c := art(a.Title, sec("", 0, para("Shared from the Hand Clinic newsletter."), para(strings.Join(s, "")), para("Comments are closed.")))
		c.URL = fmt.Sprintf("https://mirror.example.net/a/%d", i)
		if keep, reason := r.Process(ctx, c); keep || reason != "dedupe: duplicate_of "+a.URL {
			t.Errorf("copy %d: Process = %v %q", i, keep, reason)
		}
	}
}

// A re-crawled page is not a near-duplicate of its earlier version (same URL), but
// a copy at another URL declaring the original as canonical still is.
func TestNearIndexSamePage(t *testing.T) {
	x := NewMemoryNearIndex()
	p := NearParams{MaxDist: 23, Confirm: 0.8}
	ctx := context.Background()
	text := genProse(42, 40)
	orig := nearRecord("https://example.org/a", text)
	if _, found, _ := x.CheckAndAdd(ctx, &orig, p); found {
		t.Fatal("first record found")
	}
	again := nearRecord("https://example.org/a", text+" Updated in December.")
	if dup, found, _ := x.CheckAndAdd(ctx, &again, p); found {
		t.Errorf("re-crawled page found as a duplicate of %s", dup)
	}
	canon := nearRecord("https://example.org/a", "Reposted. "+text)
	canon.Page = NearPage("https://mirror.example.net/a")
	if dup, found, _ := x.CheckAndAdd(ctx, &canon, p); !found || dup != "https://example.org/a" {
		t.Errorf("copy declaring the original as canonical: CheckAndAdd = %q %v", dup, found)
	}
}

func TestDedupeConfirmOption(t *testing.T) {
	cfg := loadYAML(t, stageYAML("dedupe", "confirm: 1.5"))
	want := "pipeline.stages[0].options.confirm: must be in (0, 1], got 1.5"
	if _, err := Build(cfg.Pipeline, nil); err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

// Short texts leave most MinHash bins empty; densified band keys keep their buckets
// as small as those of long texts (without densification, every band whose four
// bins are empty fell into one bucket, shared by a fifth of all short records).
func TestNearIndexBucketsStaySmall(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, shingles := range []int{1, 28, 500} { // 28: 30 words, the default min_words
		buckets := map[uint64]int{}
		longest := 0
		for range 20_000 {
			rec := sketchOf(randomShingles(r, shingles))
			for _, b := range rec.Bands {
				buckets[b]++
				longest = max(longest, buckets[b])
			}
		}
		if longest > 8 {
			t.Errorf("%d shingles: the largest bucket holds %d of 20,000 random records", shingles, longest)
		}
		t.Logf("%d shingles: largest bucket %d records", shingles, longest)
	}
}
