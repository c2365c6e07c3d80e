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

// A worker fetching one host steadily reuses its slots: far fewer than one round
// trip per request, and never more than the parallelism in flight.
func TestSlotReuseRoundTrips(t *testing.T) {
	srv := redistest.Start(t)
	l := workers(t, srv, 1)[0]
	ctx := context.Background()
	lim := fleet.Limit{Parallelism: 2, Hold: 10 * time.Second}
	var inFlight, maxInFlight atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				release, err := l.Acquire(ctx, "h", lim)
				if err != nil {
					t.Error(err)
					return
				}
				n := inFlight.Add(1)
				for m := maxInFlight.Load(); n > m && !maxInFlight.CompareAndSwap(m, n); m = maxInFlight.Load() {
				}
				time.Sleep(100 * time.Microsecond)
				inFlight.Add(-1)
				release()
			}
		}()
	}
	wg.Wait()
	if m := maxInFlight.Load(); m != 2 {
		t.Fatalf("max requests in flight = %d, want 2", m)
	}
	// Each server slot is taken once (2 slots), plus the polls of the fetchers
	// that found both taken before a slot was parked.
	if n := l.RoundTrips(); n > 20 {
		t.Fatalf("%d round trips for 200 requests, want ≤ 20 (slots reused)", n)
	}
	t.Logf("%d round trips for 200 requests", l.RoundTrips())
}

// A parked slot is given back when idle: another worker gets it without waiting
// for its lease to expire; Flush gives back at once.
func TestParkedSlotGivenBack(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	ws := workers(t, srv, 2)
	lim := fleet.Limit{Parallelism: 1, Hold: time.Hour}
	release, err := ws[0].Acquire(ctx, "h", lim)
	if err != nil {
		t.Fatal(err)
	}
	release() // parked, leased for an hour at the server
	start := time.Now()
	r2, err := ws[1].Acquire(ctx, "h", lim)
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("second worker waited %s for a slot parked idle (given back after %s)", waited, fleet.IdleReturn)
	}
	r2()
	ws[1].Flush()
	n, err := srv.Do(ctx, "ZCARD", "lim:host:{h}:slots")
	if err != nil || n != "0" {
		t.Fatalf("slots at the server after Flush = %q, %v; want 0", n, err)
	}
}

// While another worker waits for a host, a slot is given back as soon as its
// request ends instead of being kept for the worker's next request.
func TestContendedSlotNotKept(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	ws := workers(t, srv, 3)
	opt, err := redis.ParseURL(srv.URL(0))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	lim := fleet.Limit{Parallelism: 1, Hold: time.Hour}
	release, err := ws[0].Acquire(ctx, "h", lim)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan func(), 2)
	for _, w := range ws[1:] {
		go func() {
			r, err := w.Acquire(ctx, "h", lim) // waits: the host is full
			if err != nil {
				t.Error(err)
				r = func() {}
			}
			got <- r
		}()
	}
	time.Sleep(150 * time.Millisecond) // both have polled: marked waiting
	release()                          // parked (nobody waited when it was taken), given back when idle
	first := <-got                     // taken while the other worker waits
	held, err := c.ZRange(ctx, "lim:host:{h}:slots", 0, -1).Result()
	if err != nil || len(held) != 1 {
		t.Fatalf("slots held = %v, %v; want 1", held, err)
	}
	first()
	after, err := c.ZRange(ctx, "lim:host:{h}:slots", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(after, held[0]) {
		t.Fatalf("slot %s still held at the server after its release while another worker waited", held[0])
	}
	(<-got)()
}

// Slots kept under a higher parallelism are not reused once the host's limit went
// down (a robots.txt Crawl-delay read after the first requests): the new limit
// holds at once.
func TestReuseHonoursLowerParallelism(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	l := workers(t, srv, 1)[0]
	wide := fleet.Limit{Parallelism: 2, Hold: 10 * time.Second}
	r1, err := l.Acquire(ctx, "h", wide)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := l.Acquire(ctx, "h", wide)
	if err != nil {
		t.Fatal(err)
	}
	r1()
	r2() // both parked
	narrow := fleet.Limit{Parallelism: 1, Hold: 10 * time.Second}
	r3, err := l.Acquire(ctx, "h", narrow)
	if err != nil {
		t.Fatal(err)
	}
	defer r3()
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if r4, err := l.Acquire(cctx, "h", narrow); err == nil {
		r4()
		t.Fatal("a second request started under parallelism 1: a slot kept under parallelism 2 was reused")
	}
}
