package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/store"
	"github.com/healthcrawl/healthcrawl/store/storetest"
)

func TestRedisConformance(t *testing.T) {
	srv := redistest.Start(t)
	var n atomic.Int64
	storetest.RunHarness(t, storetest.Harness{
		// Each store gets its own prefix on the one server: a fresh, empty state.
		Open: func(t *testing.T) store.Store {
			p := fmt.Sprintf("t%d", n.Add(1))
			s, err := store.Open(context.Background(), srv.URL(0)+"?prefix="+p)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			p := s.(*store.Redis).Prefix() // the same state, as another process opens it
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2, err := store.Open(context.Background(), srv.URL(0)+"?prefix="+p)
			if err != nil {
				t.Fatal(err)
			}
			return s2
		},
	})
}

func TestRedisWaitsForRestart(t *testing.T) {
	ctx := context.Background()
	srv := redistest.StartWith(t, redistest.Options{Persist: true})
	s, err := store.OpenRedis(ctx, srv.URL(0), store.RedisOptions{Prefix: "restart", Wait: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, "a", "k1", store.Entry{URL: "https://x/1", Data: []byte("d1")}); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	type result struct {
		es  []store.Entry
		err error
	}
	done := make(chan result, 1)
	before := s.RoundTrips()
	go func() {
		es, err := s.Lease(ctx, "a", "w", 5, time.Minute)
		done <- result{es, err}
	}()
	// The lease waits while the server is down …
	for s.RoundTrips() < before+2 {
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case r := <-done:
		t.Fatalf("Lease returned while the server was down: %v, %v", r.es, r.err)
	default:
	}
	// … and gets the entry once it is back, with its data (persisted by the AOF).
	if err := srv.StartAgain(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if d := cmp.Diff([]store.Entry{{URL: "https://x/1", Data: []byte("d1")}}, r.es); d != "" {
		t.Fatalf("lease after restart (-want +got):\n%s", d)
	}
	st, err := s.Stats(ctx, "a")
	if err != nil || st.Leased != 1 || st.Queued != 0 {
		t.Fatalf("stats after restart = %+v, %v; want 1 leased", st, err)
	}
}

func TestRedisGivesUpAfterWait(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	s, err := store.Open(ctx, srv.URL(0)+"?prefix=giveup&wait=300ms&dial_timeout=100ms&max_retries=-1")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv.Stop()
	start := time.Now()
	_, err = s.MarkSeen(ctx, "a", "k")
	if err == nil || !strings.Contains(err.Error(), "mark seen a: unreachable for") {
		t.Fatalf("MarkSeen with the server down = %v, want an unreachable error", err)
	}
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Fatalf("gave up after %s, before the wait of 300ms", el)
	}
	// The outage has lasted the wait: the next operation fails after one attempt.
	rs := s.(*store.Redis)
	before := rs.RoundTrips()
	if _, err := s.Enqueue(ctx, "a", "k", store.Entry{URL: "https://x/1"}); err == nil || !strings.Contains(err.Error(), "unreachable for") {
		t.Fatalf("Enqueue later in the outage = %v, want an unreachable error", err)
	}
	if n := rs.RoundTrips() - before; n != 1 {
		t.Fatalf("Enqueue later in the outage made %d attempts, want 1", n)
	}
	// A cancelled context ends the wait at once.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Seen(cctx, "a", "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Seen with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestRedisOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := store.Open(ctx, "redis://127.0.0.1:1/0?dial_timeout=100ms&max_retries=-1"); err == nil || !strings.Contains(err.Error(), "ping") {
		t.Errorf("Open of a closed port = %v, want a ping error", err)
	}
	if _, err := store.Open(ctx, "redis://127.0.0.1:1/0?wait=soon"); err == nil || !strings.Contains(err.Error(), `wait="soon"`) {
		t.Errorf("Open with wait=soon = %v", err)
	}
	if _, err := store.Open(ctx, "redis://127.0.0.1:1/0?bogus=1"); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("Open with bogus=1 = %v", err)
	}
	if err := store.Validate("redis://127.0.0.1:6379/0"); err != nil {
		t.Errorf("Validate(redis://…) = %v", err)
	}
}

func TestRedisStateURL(t *testing.T) {
	for _, tc := range []struct{ in, prefix, want string }{
		{"redis://h:6379/0", "crawl1", "redis://h:6379/0?prefix=crawl1"},
		{"redis://h:6379/0?prefix=mine", "crawl1", "redis://h:6379/0?prefix=mine"},
		{"rediss://u:p@h:6380/2?dial_timeout=1s", "c", "rediss://u:p@h:6380/2?dial_timeout=1s&prefix=c"},
		{"sqlite://x.db", "crawl1", "sqlite://x.db"},
		{"memory", "crawl1", "memory"},
	} {
		if got := store.RedisStateURL(tc.in, tc.prefix); got != tc.want {
			t.Errorf("RedisStateURL(%q, %q) = %q, want %q", tc.in, tc.prefix, got, tc.want)
		}
	}
}

func TestRedisLeasesByWorker(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	s, err := store.OpenRedis(ctx, srv.URL(0), store.RedisOptions{Prefix: "lbw"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 6 {
		u := fmt.Sprintf("https://x/%d", i)
		if _, err := s.Enqueue(ctx, "a", u, store.Entry{URL: u}); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []struct {
		w string
		n int
	}{{"w1", 3}, {"w2", 2}} {
		if _, err := s.Lease(ctx, "a", l.w, l.n, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Ack(ctx, "a", "https://x/0", store.Done); err != nil {
		t.Fatal(err)
	}
	got, err := s.LeasesByWorker(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]int64{"w1": 2, "w2": 2}, got); d != "" {
		t.Fatalf("leases by worker (-want +got):\n%s", d)
	}
}

func TestRedisPrefixesAreIndependent(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	a, err := store.Open(ctx, srv.URL(0)+"?prefix=one")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(ctx, srv.URL(0)+"?prefix=two")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := a.Enqueue(ctx, "s", "k", store.Entry{URL: "https://x/1"}); err != nil {
		t.Fatal(err)
	}
	if fresh, err := b.Enqueue(ctx, "s", "k", store.Entry{URL: "https://x/1"}); err != nil || !fresh {
		t.Fatalf("Enqueue under another prefix = %v, %v; want new", fresh, err)
	}
	keys, err := srv.Do(ctx, "EXISTS", "one:{s}:q", "two:{s}:q", "one:sites")
	if err != nil || keys != "3" {
		t.Fatalf("EXISTS of the prefixed keys = %q, %v; want 3", keys, err)
	}
}

// BenchmarkRedisPageCycle is BenchmarkPageCycle on the redis engine: the store work
// of one crawled article page (lease, read metadata, enqueue 5 links, emit, write
// metadata, ack), and the round trips it costs.
func BenchmarkRedisPageCycle(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	s, err := store.OpenRedis(ctx, srv.URL(0), store.RedisOptions{Prefix: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.BeginRun(ctx, "a"); err != nil {
		b.Fatal(err)
	}
	s.Enqueue(ctx, "a", "k0", store.Entry{URL: "https://x/0", Data: []byte(`{"depth":1}`)})
	rt0 := s.RoundTrips()
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
	b.ReportMetric(float64(s.RoundTrips()-rt0)/float64(b.N), "roundtrips/page")
}
