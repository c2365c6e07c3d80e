package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/store"
)

func openRedis(t *testing.T, srv *redistest.Server, prefix string) *store.Redis {
	t.Helper()
	s, err := store.OpenRedis(context.Background(), srv.URL(0), store.RedisOptions{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustReserve(t *testing.T, s store.Store, worker, key string, want store.Change) {
	t.Helper()
	got, err := s.Reserve(context.Background(), "a", worker, key, "h-"+key)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("Reserve(%s, %s) = %q, want %q", worker, key, got, want)
	}
}

// A reservation lives for the worker's lease ttl: once expired another worker takes
// the key; the first commit wins, and the late worker's commit of the key reports
// the loss (not emitted, not appended) while committing the rest of its batch.
func TestRedisReservationLost(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	s := openRedis(t, srv, "lost")
	if _, err := s.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://x/1", "https://x/2"} {
		if _, err := s.Enqueue(ctx, "a", u, store.Entry{URL: u}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Lease(ctx, "a", "w1", 2, time.Millisecond); err != nil { // w1's ttl: 1 ms
		t.Fatal(err)
	}
	mustReserve(t, s, "w1", "https://x/1", store.ChangeNew)
	mustReserve(t, s, "w1", "https://x/2", store.ChangeNew)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := s.Reserve(ctx, "a", "w2", "https://x/1", "h-https://x/1")
		if err != nil {
			t.Fatal(err)
		}
		if c == store.ChangeNew {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("w1's reservation of x/1 never expired")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := s.Commit(ctx, store.Batch{Worker: "w2", Emissions: []store.Emission{{Site: "a", Key: "https://x/1", Hash: "h-https://x/1", URL: "https://x/1"}}}); err != nil {
		t.Fatal(err)
	}
	target := srv.Addr + "/0"
	if !s.CommitsStream(target) {
		t.Fatalf("CommitsStream(%s) = false", target)
	}
	entry := func(u string) store.StreamEntry {
		return store.StreamEntry{Target: target, Stream: "recs", URL: u, Hash: "h-" + u, Dedup: u + " h-" + u, Field: []string{"url", u}}
	}
	err := s.Commit(ctx, store.Batch{Worker: "w1",
		Emissions: []store.Emission{
			{Site: "a", Key: "https://x/1", Hash: "h-https://x/1", URL: "https://x/1"},
			{Site: "a", Key: "https://x/2", Hash: "h-https://x/2", URL: "https://x/2"},
		},
		Positions: map[string]string{"jsonl:/o/w1.jsonl": "0:99"},
		Stream:    []store.StreamEntry{entry("https://x/1"), entry("https://x/2")}})
	var lost *store.LostReservationsError
	if !errors.As(err, &lost) || !cmp.Equal(lost.Index, []int{0}) || !cmp.Equal(lost.Keys, []string{"https://x/1"}) {
		t.Fatalf("late commit of x/1 = %v, want a LostReservationsError for index 0 (x/1)", err)
	}
	if !strings.Contains(err.Error(), "https://x/1") {
		t.Errorf("error %q does not name the key", err)
	}
	// The rest of the batch is committed: x/2 emitted and appended, positions stored.
	st, err := s.Stats(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if st.Emitted != 2 || st.Done != 2 || st.Leased+st.Queued != 0 {
		t.Fatalf("stats after the commits = %+v, want 2 emitted, 2 done", st)
	}
	if p, _ := s.Positions(ctx, "w1"); p["jsonl:/o/w1.jsonl"] != "0:99" {
		t.Fatalf("Positions(w1) = %v", p)
	}
	msgs, err := s.Client().XRange(ctx, "recs", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Values["url"] != "https://x/2" {
		t.Fatalf("stream = %v, want only x/2 (x/1 lost, w2 appended nothing)", msgs)
	}
	if id, _ := s.Client().HGet(ctx, "recs:added", "https://x/2 h-https://x/2").Result(); id != msgs[0].ID {
		t.Fatalf("recs:added of x/2 = %q, want the entry ID %s", id, msgs[0].ID)
	}
}

// Extend renews the worker's reservations with its leases.
func TestRedisExtendRenewsReservations(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	s := openRedis(t, srv, "ext")
	if _, err := s.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lease(ctx, "a", "w1", 1, time.Second); err != nil {
		t.Fatal(err)
	}
	mustReserve(t, s, "w1", "https://x/1", store.ChangeNew)
	mustReserve(t, s, "w2", "https://x/2", store.ChangeNew)
	expiry := func(key string) int64 {
		t.Helper()
		v, err := s.Client().HGet(ctx, "ext:{a}:resv", key).Result()
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Split(v, "\t")
		n, _ := strconv.ParseInt(f[1], 10, 64)
		return n
	}
	before, other := expiry("https://x/1"), expiry("https://x/2")
	if err := s.Extend(ctx, "a", "w1", time.Hour); err != nil {
		t.Fatal(err)
	}
	if after := expiry("https://x/1"); after-before < (59 * time.Minute).Milliseconds() {
		t.Fatalf("w1's reservation expiry moved by %d ms after Extend(1h)", after-before)
	}
	if expiry("https://x/2") != other {
		t.Fatal("Extend of w1 renewed w2's reservation")
	}
}

// Commit appends the stream entries of the batch in the same script; a stream on
// another server or database is refused before anything is committed.
func TestRedisCommitStream(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	s := openRedis(t, srv, "cs")
	if _, err := s.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	mustReserve(t, s, "w1", "https://x/1", store.ChangeNew)
	em := store.Emission{Site: "a", Key: "https://x/1", Hash: "h-https://x/1"}
	other := store.StreamEntry{Target: srv.Addr + "/1", Stream: "recs", URL: "https://x/1", Hash: "h-https://x/1", Field: []string{"url", "https://x/1"}}
	if s.CommitsStream(other.Target) {
		t.Fatalf("CommitsStream(%s) = true for DB 1 of a state in DB 0", other.Target)
	}
	err := s.Commit(ctx, store.Batch{Worker: "w1", Emissions: []store.Emission{em}, Stream: []store.StreamEntry{other}})
	if !errors.Is(err, store.ErrStreamCommit) {
		t.Fatalf("Commit to a stream in DB 1 = %v, want ErrStreamCommit", err)
	}
	stray := other
	stray.Target, stray.Hash = srv.Addr+"/0", "h-other"
	if err := s.Commit(ctx, store.Batch{Worker: "w1", Emissions: []store.Emission{em}, Stream: []store.StreamEntry{stray}}); err == nil || !strings.Contains(err.Error(), "belongs to no emission") {
		t.Fatalf("Commit of a stream entry without its emission = %v", err)
	}
	if e, _ := s.Emitted(ctx, "a"); len(e) != 0 {
		t.Fatalf("Emitted after refused commits = %v", e)
	}
	good := other
	good.Target, good.MaxLen, good.Dedup = srv.Addr+"/0", 1000, "https://x/1 h-https://x/1"
	good.Field = []string{"url", "https://x/1", "content_hash", "h-https://x/1", "record", `{"url":"https://x/1"}`}
	if err := s.Commit(ctx, store.Batch{Worker: "w1", Emissions: []store.Emission{em}, Stream: []store.StreamEntry{good}}); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Client().XRange(ctx, "recs", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"url": "https://x/1", "content_hash": "h-https://x/1", "record": `{"url":"https://x/1"}`}
	if len(msgs) != 1 || !cmp.Equal(msgs[0].Values, want) {
		t.Fatalf("stream = %v, want one entry %v", msgs, want)
	}
}

// A reservation never outlives the leases of its worker: as soon as another worker
// can lease a dead worker's page again, it can reserve the page's key too (else it
// would drop the record as a duplicate and nobody would write it).
func TestRedisReservationEndsWithLeases(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	s := openRedis(t, srv, "hb")
	if _, err := s.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, "a", "https://x/1", store.Entry{URL: "https://x/1"}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Lease(ctx, "a", "w1", 1, time.Hour); err != nil || len(got) != 1 {
		t.Fatalf("Lease = %v, %v", got, err)
	}
	// The heartbeat shortens the leases; then w1 (in another process, which knows
	// no ttl of its own) reserves the key of its page and dies.
	if err := s.Extend(ctx, "a", "w1", 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	other := openRedis(t, srv, "hb")
	mustReserve(t, other, "w1", "https://x/1", store.ChangeNew)
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := s.Lease(ctx, "a", "w2", 1, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("w1's lease never expired")
		}
		time.Sleep(5 * time.Millisecond)
	}
	mustReserve(t, s, "w2", "https://x/1", store.ChangeNew)
}
