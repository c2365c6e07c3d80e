package store

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/internal/testutil"
)

// BenchmarkSQLiteBytesPerPage reports the Go heap bytes a SQLite store keeps per
// crawled page after a run of 100,000 pages, as a crawl uses it: each page
// visited (Enqueue), marked by the frontier (LocalSeen), leased, reserved and
// committed with its metadata, 64 a batch. SQLite's own page cache is outside the
// Go heap and not counted.
func BenchmarkSQLiteBytesPerPage(b *testing.B) {
	const n = 100000
	ctx := context.Background()
	var perPage float64
	for range b.N {
		s, err := OpenSQLite(ctx, filepath.Join(b.TempDir(), "state.db"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.BeginRun(ctx, "a"); err != nil {
			b.Fatal(err)
		}
		// The caches are loaded (empty) before the first measurement.
		if _, err := s.Reserve(ctx, "a", "w", "https://example.com/", "x"); err != nil {
			b.Fatal(err)
		}
		if _, err := s.GetMetas(ctx, "a", []string{"https://example.com/"}); err != nil {
			b.Fatal(err)
		}
		ls, ok := s.ClaimLocalSeen("a")
		if !ok {
			b.Fatal("local marks not claimable")
		}
		grown := testutil.HeapGrowth(func() {
			for i := range n {
				u := fmt.Sprintf("https://example.com/article/%d", i)
				ls.MarkSeen(u)
				if _, err := s.Enqueue(ctx, "a", u, Entry{URL: u, Data: []byte(`{"depth":1}`)}); err != nil {
					b.Fatal(err)
				}
				if i%64 != 63 && i != n-1 {
					continue
				}
				got, err := s.Lease(ctx, "a", "w", 64, time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				batch := Batch{Worker: "w"}
				for _, e := range got {
					h := fmt.Sprintf("%064x", i)
					if ch, err := s.Reserve(ctx, "a", "w", e.URL, h); err != nil || !ch.Emit() {
						b.Fatalf("Reserve %s = %v, %v", e.URL, ch, err)
					}
					batch.Emissions = append(batch.Emissions, Emission{Site: "a", Key: e.URL, Hash: h, URL: e.URL,
						Meta: &Meta{Status: 200, ContentHash: h, FetchedAt: time.Now()}})
				}
				if err := s.Commit(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.flush(ctx); err != nil {
				b.Fatal(err)
			}
		})
		perPage = float64(grown) / n
		if st, err := s.Stats(ctx, "a"); err != nil || st.Emitted != n || st.Done != n {
			b.Fatalf("stats: %+v, %v", st, err)
		}
		runtime.KeepAlive(ls)
		s.Close()
	}
	b.ReportMetric(perPage, "B/page")
}
