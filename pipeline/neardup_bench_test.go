package pipeline

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/healthcrawl/healthcrawl/internal/benchcpu"
	"github.com/healthcrawl/healthcrawl/internal/testutil"

	"github.com/healthcrawl/healthcrawl/article"
)

// benchArticle is generated article i: 40 sentences (about 440 words) from the
// shared topic vocabulary, so every pair shares most words and many shingles.
func benchArticle(i int) *article.Article {
	a := art(fmt.Sprintf("Article %d on carpal tunnel syndrome", i), sec("", 0, para(genProse(uint64(1_000_000+i), 40))))
	a.URL = fmt.Sprintf("https://example.org/article/%d", i)
	a.Finalize()
	return a
}

// dedupeBench is a dedupe stage that has kept n records, built once per size.
type dedupeBench struct {
	st   *dedupe
	next int
}

var dedupeBenches = map[int]*dedupeBench{}

func prefilledDedupe(b *testing.B, kept int) *dedupeBench {
	if d, ok := dedupeBenches[kept]; ok {
		return d
	}
	s, err := DefaultRegistry.New("dedupe", nil, Env{})
	if err != nil {
		b.Fatal(err)
	}
	d := &dedupeBench{st: s.(*dedupe)}
	for ; d.next < kept; d.next++ {
		if v, _ := d.st.Apply(context.Background(), benchArticle(d.next)); !v.Keep {
			b.Fatalf("generated article %d dropped: %s", d.next, v.Reason)
		}
	}
	clear(dedupeBenches) // keep one prefilled state alive: the others would only add GC work
	dedupeBenches[kept] = d
	return d
}

// BenchmarkDedupeNear is the cost of the dedupe stage per new (kept) record after
// 1k, 10k and 100k kept records: SimHash and MinHash of a 440-word text, one index
// look-up and insert. The records are prepared in batches outside the timer.
// go test -run XXX -bench DedupeNear -benchtime 20000x ./pipeline
func BenchmarkDedupeNear(b *testing.B) {
	for _, kept := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("kept=%dk", kept/1000), func(b *testing.B) {
			d := prefilledDedupe(b, kept)
			ctx := context.Background()
			b.ResetTimer()
			batch := make([]*article.Article, 0, 2048)
			dropped := 0
			var cpu benchcpu.Clock
			for done := 0; done < b.N; {
				b.StopTimer()
				batch = batch[:0]
				for range min(cap(batch), b.N-done) {
					batch = append(batch, benchArticle(d.next))
					d.next++
				}
				b.StartTimer()
				cpu.Start()
				for _, a := range batch {
					if v, _ := d.st.Apply(ctx, a); !v.Keep {
						dropped++
					}
				}
				cpu.Stop()
				done += len(batch)
			}
			cpu.Report(b)
			if dropped > 0 {
				b.Errorf("%d generated articles dropped", dropped)
			}
		})
	}
}

// BenchmarkNearIndex is the index alone (CheckAndAdd of a new record with its
// signature computed beforehand) after 1k, 10k and 100k records.
func BenchmarkNearIndex(b *testing.B) {
	for _, kept := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("kept=%dk", kept/1000), func(b *testing.B) {
			d := prefilledDedupe(b, kept)
			ctx := context.Background()
			p := d.st.params
			b.ResetTimer()
			batch := make([]NearRecord, 0, 2048)
			var cpu benchcpu.Clock
			for done := 0; done < b.N; {
				b.StopTimer()
				batch = batch[:0]
				for range min(cap(batch), b.N-done) {
					r := nearRecord(fmt.Sprint(d.next), benchArticle(d.next).Text)
					batch = append(batch, r)
					d.next++
				}
				b.StartTimer()
				cpu.Start()
				for i := range batch {
					if _, found, _ := d.st.index.CheckAndAdd(ctx, &batch[i], p); found {
						b.Errorf("record %s found as a near-duplicate", batch[i].Key)
					}
				}
				cpu.Stop()
				done += len(batch)
			}
			cpu.Report(b)
		})
	}
}

// BenchmarkNearIndexBytes reports the heap held by the memory index per record
// (B/record) after 100k records with 40-byte keys, and the bytes of its spill
// file per record; ns/op is the whole fill (the records' SimHashes are all zero:
// every bucket neighbour is a candidate read back from the spill file).
// go test -run XXX -bench NearIndexBytes -benchtime 1x ./pipeline
func BenchmarkNearIndexBytes(b *testing.B) {
	const n = 100_000
	recs := make([]NearRecord, n)
	for i := range recs {
		recs[i] = sketchOf(randomShingles(rand.New(rand.NewPCG(uint64(i), 9)), 50))
		recs[i].Key = fmt.Sprintf("https://example.org/articles/%012d", i)
		recs[i].Page = NearPage(recs[i].Key)
	}
	p := NearParams{MaxDist: 23, Confirm: 0.8}
	var perRecord, spilled float64
	for b.Loop() {
		var x *MemoryNearIndex
		grown := testutil.HeapGrowth(func() {
			x = NewMemoryNearIndex()
			for i := range recs {
				if _, _, err := x.CheckAndAdd(context.Background(), &recs[i], p); err != nil {
					b.Fatal(err)
				}
			}
		})
		perRecord = float64(grown) / n
		spilled = float64(x.log.Size()) / n
		runtime.KeepAlive(x)
		if err := x.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(perRecord, "B/record")
	b.ReportMetric(spilled, "spill-B/record") // disk (page cache), not heap
}

// BenchmarkDedupeBytes reports the heap held by the dedupe stage per kept record
// (B/record: the exact-copy map and the near-duplicate index) after 100k generated
// articles; the articles themselves are garbage by the time the heap is read.
// go test -run XXX -bench DedupeBytes -benchtime 1x ./pipeline
func BenchmarkDedupeBytes(b *testing.B) {
	const n = 100_000
	var perRecord float64
	for b.Loop() {
		var s Stage
		grown := testutil.HeapGrowth(func() {
			var err error
			if s, err = DefaultRegistry.New("dedupe", nil, Env{}); err != nil {
				b.Fatal(err)
			}
			for i := range n {
				if v, err := s.Apply(context.Background(), benchArticle(i)); err != nil || !v.Keep {
					b.Fatalf("generated article %d: verdict %+v, err %v", i, v, err)
				}
			}
		})
		perRecord = float64(grown) / n
		runtime.KeepAlive(s)
		if c, ok := s.(interface{ Close() error }); ok {
			_ = c.Close()
		}
	}
	b.ReportMetric(perRecord, "B/record")
}
