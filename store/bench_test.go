package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/store"
)

// BenchmarkPageCycle is the store work of one crawled article page: lease it, read
// its metadata, enqueue 5 links (1 new), emit the record, write metadata, ack.
func BenchmarkPageCycle(b *testing.B) {
	for _, engine := range []string{"memory", "sqlite"} {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			u := "memory"
			if engine == "sqlite" {
				u = "sqlite://" + filepath.Join(b.TempDir(), "state.db")
			}
			s, err := store.Open(ctx, u)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if _, err := s.BeginRun(ctx, "a"); err != nil {
				b.Fatal(err)
			}
			s.Enqueue(ctx, "a", "k0", store.Entry{URL: "https://x/0", Data: []byte(`{"depth":1}`)})
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				es, err := s.Lease(ctx, "a", "w", 1, time.Minute)
				if err != nil || len(es) != 1 {
					b.Fatalf("lease %d: %v %v", i, es, err)
				}
				e := es[0]
				if _, _, err := s.GetMeta(ctx, "a", e.URL); err != nil {
					b.Fatal(err)
				}
				for j := 0; j < 5; j++ {
					n := i + 1
					if j > 0 {
						n = i - j
					}
					nu := fmt.Sprintf("https://x/%d", n)
					if _, err := s.Enqueue(ctx, "a", "k"+nu, store.Entry{URL: nu, Data: []byte(`{"depth":2}`)}); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := s.EmitOnce(ctx, "a", e.URL, "hash"); err != nil {
					b.Fatal(err)
				}
				if err := s.PutMeta(ctx, "a", e.URL, store.Meta{Status: 200, ETag: `"x"`, FetchedAt: time.Now(), Links: []string{"https://x/1", "https://x/2"}}); err != nil {
					b.Fatal(err)
				}
				if err := s.Ack(ctx, "a", e.URL, store.Done); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
