package store

import (
	"context"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/internal/redistest"
)

// A call retried after its reply was lost (same token) gets the answer of its first
// attempt: the same leased entries, the same emit verdict.
func TestRedisTokensMakeRetriesIdempotent(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	s, err := OpenRedis(ctx, srv.URL(0), RedisOptions{Prefix: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://x/1", "https://x/2", "https://x/3"} {
		if _, err := s.Enqueue(ctx, "a", u, Entry{URL: u, Data: []byte("d")}); err != nil {
			t.Fatal(err)
		}
	}
	lease := func(tok string) []any {
		t.Helper()
		res, err := s.run(ctx, "lease", scriptLease, "a", "w", 2, time.Minute.Milliseconds(), tok)
		if err != nil {
			t.Fatal(err)
		}
		return res.([]any)
	}
	first := lease("t1")
	again := lease("t1")
	// url, data, lost per entry.
	if len(first) != 6 || len(again) != 6 || first[0] != again[0] || first[3] != again[3] {
		t.Fatalf("retried lease = %v, first = %v; want the same two entries", again, first)
	}
	if next := lease("t2"); len(next) != 3 || next[0] != "https://x/3" {
		t.Fatalf("next lease = %v, want x/3", next)
	}
	emit := func(tok string) string {
		t.Helper()
		res, err := s.run(ctx, "emit once", scriptEmit, "a", "https://x/1", "h", tok)
		if err != nil {
			t.Fatal(err)
		}
		return res.(string)
	}
	if c := emit("e1"); c != "new" {
		t.Fatalf("first emit = %q", c)
	}
	if c := emit("e1"); c != "new" {
		t.Fatalf("retried emit = %q, want new again", c)
	}
	if c := emit("e2"); c != "duplicate" {
		t.Fatalf("other emit = %q, want duplicate", c)
	}
}

// A Commit retried after its reply was lost (the same script with the same token)
// does nothing twice: no second stream entry, no emission reported lost.
func TestRedisCommitRetryIsIdempotent(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	s, err := OpenRedis(ctx, srv.URL(0), RedisOptions{Prefix: "ctok"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reserve(ctx, "a", "w", "https://x/1", "h"); err != nil {
		t.Fatal(err)
	}
	b := Batch{Worker: "w", Emissions: []Emission{{Site: "a", Key: "https://x/1", Hash: "h"}},
		Stream: []StreamEntry{{Target: s.target(), Stream: "recs", URL: "https://x/1", Hash: "h", Dedup: "d", Field: []string{"url", "https://x/1"}}}}
	keys, argv, err := s.commitArgs(b)
	if err != nil {
		t.Fatal(err)
	}
	for attempt := range 2 {
		res, err := scriptCommit.Run(ctx, s.rdb, keys, argv...).Result()
		if err != nil {
			t.Fatal(err)
		}
		if lost, _ := res.([]any); len(lost) != 0 {
			t.Fatalf("attempt %d: lost %v, want none", attempt+1, lost)
		}
	}
	if n, err := s.rdb.XLen(ctx, "recs").Result(); err != nil || n != 1 {
		t.Fatalf("stream length after a retried commit = %d (%v), want 1", n, err)
	}
	// A commit of the same key with another token is a loss, not a retry.
	if err := s.Commit(ctx, b); err == nil {
		t.Fatal("second commit of x/1 with a new token = nil, want a LostReservationsError")
	}
}
