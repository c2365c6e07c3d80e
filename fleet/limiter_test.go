package fleet_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/healthcrawl/healthcrawl/fetch"
	"github.com/healthcrawl/healthcrawl/fleet"
	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/store"
)

// workers returns n limiters with their own connections, as n worker processes.
func workers(t *testing.T, srv *redistest.Server, n int) []*fleet.Limiter {
	t.Helper()
	var out []*fleet.Limiter
	for range n {
		opt, err := redis.ParseURL(srv.URL(0))
		if err != nil {
			t.Fatal(err)
		}
		c := redis.NewClient(opt)
		t.Cleanup(func() { c.Close() })
		out = append(out, fleet.NewLimiter(c, "lim", 10*time.Second, nil))
	}
	return out
}

// Three workers fetching one host with parallelism 2 never have more than 2
// requests in flight at the server, together.
func TestParallelismAcrossWorkers(t *testing.T) {
	srv := redistest.Start(t)
	var inFlight, maxInFlight, served atomic.Int64
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(15 * time.Millisecond)
		inFlight.Add(-1)
		served.Add(1)
		io.WriteString(w, "ok")
	}))
	defer site.Close()
	var wg sync.WaitGroup
	for _, l := range workers(t, srv, 3) {
		polite := fetch.NewPoliteness(fleet.Limit{Parallelism: 2, Hold: 10 * time.Second}, l)
		client := &http.Client{Transport: polite.Transport(http.DefaultTransport)}
		for range 4 { // 4 fetchers per worker
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 5 {
					resp, err := client.Get(site.URL)
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
	}
	wg.Wait()
	if served.Load() != 60 {
		t.Fatalf("served %d requests, want 60", served.Load())
	}
	if m := maxInFlight.Load(); m != 2 {
		t.Fatalf("max requests in flight across 3 workers = %d, want 2 (the fleet-wide parallelism)", m)
	}
}

// With parallelism 1 and a delay, a request starts at least the delay after the
// previous one ended, whichever worker sent it.
func TestDelayAcrossWorkers(t *testing.T) {
	srv := redistest.Start(t)
	const delay = 60 * time.Millisecond
	ctx := context.Background()
	var mu sync.Mutex
	var spans [][2]time.Time
	var wg sync.WaitGroup
	for _, l := range workers(t, srv, 3) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				release, err := l.Acquire(ctx, "example.test", fleet.Limit{Parallelism: 1, Delay: delay, Hold: 10 * time.Second})
				if err != nil {
					t.Error(err)
					return
				}
				start := time.Now()
				time.Sleep(2 * time.Millisecond)
				end := time.Now()
				release()
				mu.Lock()
				spans = append(spans, [2]time.Time{start, end})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(spans) != 9 {
		t.Fatalf("%d requests, want 9", len(spans))
	}
	sortSpans(spans)
	for i := 1; i < len(spans); i++ {
		// 2 ms of slack: the server clock counts whole milliseconds.
		if gap := spans[i][0].Sub(spans[i-1][1]); gap < delay-2*time.Millisecond {
			t.Errorf("request %d started %s after request %d ended, want ≥ %s", i, gap, i-1, delay)
		}
	}
}

func sortSpans(s [][2]time.Time) {
	slices.SortFunc(s, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
}

// A worker that dies holding a slot blocks the host only for Limit.Hold.
func TestDeadWorkerSlotExpires(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	ws := workers(t, srv, 2)
	lim := fleet.Limit{Parallelism: 1, Hold: 300 * time.Millisecond}
	if _, err := ws[0].Acquire(ctx, "h", lim); err != nil { // never released: the worker "died"
		t.Fatal(err)
	}
	start := time.Now()
	release, err := ws[1].Acquire(ctx, "h", lim)
	if err != nil {
		t.Fatal(err)
	}
	release()
	release() // idempotent
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Fatalf("second worker got the slot after %s, while the dead worker's slot was held for 300ms", waited)
	}
	// A cancelled wait returns the context's error.
	if _, err := ws[0].Acquire(ctx, "h", lim); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := ws[1].Acquire(cctx, "h", lim); err == nil {
		t.Fatal("Acquire of a held slot with an expiring context = nil error")
	}
}

func TestNoLimitNoRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	l := workers(t, srv, 1)[0]
	release, err := l.Acquire(context.Background(), "h", fleet.Limit{})
	if err != nil {
		t.Fatal(err)
	}
	release()
	if n := l.RoundTrips(); n != 0 {
		t.Fatalf("round trips without a limit = %d, want 0", n)
	}
}

func TestForStore(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	st, err := store.Open(ctx, srv.URL(0)+"?prefix=fs")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if fleet.ForStore(st, nil) == nil {
		t.Fatal("ForStore(redis) = nil")
	}
	if fleet.ForStore(store.NewMemory(), nil) != nil {
		t.Fatal("ForStore(memory) != nil")
	}
}
