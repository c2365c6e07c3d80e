package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/store"
)

// eachEngine runs f on a fresh store of every engine (redis when redis-server is
// installed), and on memory under WithPrefix.
func eachEngine(t *testing.T, f func(t *testing.T, s store.Store)) {
	ctx := context.Background()
	open := map[string]func(t *testing.T) store.Store{
		"memory": func(t *testing.T) store.Store { return store.NewMemory() },
		"prefixed": func(t *testing.T) store.Store {
			return store.WithPrefix(store.NewMemory(), "cfg")
		},
		"sqlite": func(t *testing.T) store.Store {
			s, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "state.db"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
	if redistest.Binary() != "" {
		srv := redistest.Start(t)
		n := 0
		open["redis"] = func(t *testing.T) store.Store {
			n++
			s, err := store.OpenRedis(ctx, srv.URL(0), store.RedisOptions{Prefix: fmt.Sprintf("batch%d", n)})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	for _, name := range []string{"memory", "prefixed", "sqlite", "redis"} {
		o, ok := open[name]
		if !ok {
			continue
		}
		t.Run(name, func(t *testing.T) {
			s := o(t)
			defer s.Close()
			if _, err := s.BeginRun(ctx, "a"); err != nil {
				t.Fatal(err)
			}
			f(t, s)
		})
	}
}

// roundTrips is the redis store's round trips so far (0 for the other engines).
func roundTrips(s store.Store) int64 {
	if r, ok := s.(*store.Redis); ok {
		return r.RoundTrips()
	}
	return 0
}

func TestApply(t *testing.T) {
	eachEngine(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		e1 := store.Entry{URL: "https://x/1", Data: []byte(`{"d":1}`)}
		e2 := store.Entry{URL: "https://x/2", Data: []byte(`{"d":2}`)}
		rt := roundTrips(s)
		queued, err := s.Apply(ctx, "a", store.Ops{Enqueue: []store.EnqueueOp{{Key: "k1", Entry: e1}, {Key: "k1", Entry: e1}}})
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(queued, []bool{true, false}) {
			t.Fatalf("queued = %v, want [true false] (the key twice)", queued)
		}
		if _, ok := s.(*store.Redis); ok && roundTrips(s)-rt != 1 {
			t.Errorf("apply took %d round trips, want 1", roundTrips(s)-rt)
		}
		got, err := s.Lease(ctx, "a", "w", 5, time.Minute)
		if err != nil || len(got) != 1 || got[0].URL != e1.URL || string(got[0].Data) != `{"d":1}` {
			t.Fatalf("lease = %+v, %v; want %s alone", got, err, e1.URL)
		}
		// The page's link, its metadata and its ack in one step.
		m := store.Meta{Status: 200, ETag: `"e1"`, ContentHash: "h1", FetchedAt: time.Unix(1700000000, 0), Links: []string{e2.URL}}
		rt = roundTrips(s)
		queued, err = s.Apply(ctx, "a", store.Ops{
			Enqueue: []store.EnqueueOp{{Key: "k2", Entry: e2}, {Key: "k1", Entry: e1}},
			Meta:    []store.MetaOp{{URL: e1.URL, Meta: m}},
			Ack:     []store.AckOp{{URL: e1.URL, Outcome: store.Done}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(queued, []bool{true, false}) {
			t.Fatalf("queued = %v, want [true false]", queued)
		}
		if _, ok := s.(*store.Redis); ok && roundTrips(s)-rt != 1 {
			t.Errorf("apply took %d round trips, want 1", roundTrips(s)-rt)
		}
		gm, ok, err := s.GetMeta(ctx, "a", e1.URL)
		if err != nil || !ok || gm.ETag != `"e1"` || gm.ContentHash != "h1" || gm.Status != 200 || !cmp.Equal(gm.Links, m.Links) || !gm.FetchedAt.Equal(m.FetchedAt) {
			t.Fatalf("meta of %s = %+v, %v, %v; want %+v", e1.URL, gm, ok, err, m)
		}
		st, err := s.Stats(ctx, "a")
		if err != nil || st.Done != 1 || st.Queued != 1 || st.Leased != 0 || st.Seen != 2 {
			t.Fatalf("stats = %+v, %v; want done 1, queued 1, leased 0, seen 2", st, err)
		}
		got, err = s.Lease(ctx, "a", "w", 5, time.Minute)
		if err != nil || len(got) != 1 || got[0].URL != e2.URL {
			t.Fatalf("lease = %+v, %v; want %s", got, err, e2.URL)
		}
		// A nack gives the entry back without counting it lost.
		if _, err := s.Apply(ctx, "a", store.Ops{Nack: []string{e2.URL}}); err != nil {
			t.Fatal(err)
		}
		got, err = s.Lease(ctx, "a", "w", 5, time.Minute)
		if err != nil || len(got) != 1 || got[0].URL != e2.URL || got[0].Lost != 0 {
			t.Fatalf("lease after nack = %+v, %v; want %s with Lost 0", got, err, e2.URL)
		}
		if _, err := s.Apply(ctx, "a", store.Ops{Ack: []store.AckOp{{URL: e2.URL, Outcome: store.Failed}}}); err != nil {
			t.Fatal(err)
		}
		st, err = s.Stats(ctx, "a")
		if err != nil || st.Done != 1 || st.Failed != 1 || st.Queued+st.Leased != 0 {
			t.Fatalf("stats = %+v, %v; want done 1, failed 1, nothing queued or leased", st, err)
		}
		if q, err := s.Apply(ctx, "a", store.Ops{}); err != nil || len(q) != 0 {
			t.Fatalf("empty apply = %v, %v", q, err)
		}
	})
}

func TestGetMetas(t *testing.T) {
	eachEngine(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		m1 := store.Meta{Status: 200, ETag: `"1"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT", SitemapLastMod: "2026-01-01", ContentHash: "h1", FetchedAt: time.Unix(1700000000, 0), Links: []string{"https://x/2"}}
		m2 := store.Meta{Status: 304, ContentHash: "h2"}
		if err := s.PutMeta(ctx, "a", "https://x/1", m1); err != nil {
			t.Fatal(err)
		}
		if err := s.PutMeta(ctx, "a", "https://x/2", m2); err != nil {
			t.Fatal(err)
		}
		rt := roundTrips(s)
		got, err := s.GetMetas(ctx, "a", []string{"https://x/1", "https://x/none", "https://x/2"})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.(*store.Redis); ok && roundTrips(s)-rt != 1 {
			t.Errorf("get metas took %d round trips, want 1", roundTrips(s)-rt)
		}
		if len(got) != 2 {
			t.Fatalf("got metadata of %d URLs, want 2: %+v", len(got), got)
		}
		g1 := got["https://x/1"]
		if g1.ETag != m1.ETag || g1.LastModified != m1.LastModified || g1.SitemapLastMod != m1.SitemapLastMod || g1.ContentHash != "h1" || !g1.FetchedAt.Equal(m1.FetchedAt) || !cmp.Equal(g1.Links, m1.Links) {
			t.Errorf("meta 1 = %+v, want %+v", g1, m1)
		}
		if g2 := got["https://x/2"]; g2.Status != 304 || g2.ContentHash != "h2" {
			t.Errorf("meta 2 = %+v, want %+v", g2, m2)
		}
		if got, err := s.GetMetas(ctx, "a", nil); err != nil || len(got) != 0 {
			t.Errorf("get metas of none = %v, %v", got, err)
		}
		// More URLs than one query asks (SQLite reads 32 at a time), some without
		// metadata: GetMetas answers what GetMeta answers for each.
		var urls []string
		for i := range 75 {
			u := fmt.Sprintf("https://x/many/%d", i)
			urls = append(urls, u)
			if i%3 != 0 {
				if err := s.PutMeta(ctx, "a", u, store.Meta{Status: 200, ETag: fmt.Sprintf(`"e%d"`, i), ContentHash: fmt.Sprintf("c%d", i), Links: []string{u + "/l"}}); err != nil {
					t.Fatal(err)
				}
			}
		}
		many, err := s.GetMetas(ctx, "a", urls)
		if err != nil {
			t.Fatal(err)
		}
		if len(many) != 50 {
			t.Fatalf("got metadata of %d of 75 URLs, want 50", len(many))
		}
		for _, u := range urls {
			one, ok, err := s.GetMeta(ctx, "a", u)
			if err != nil {
				t.Fatal(err)
			}
			got, gotOK := many[u]
			if ok != gotOK || got.ETag != one.ETag || got.ContentHash != one.ContentHash || !cmp.Equal(got.Links, one.Links) {
				t.Errorf("%s: GetMetas %+v (%v), GetMeta %+v (%v)", u, got, gotOK, one, ok)
			}
		}
	})
}

func TestReserveMany(t *testing.T) {
	eachEngine(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		rt := roundTrips(s)
		got, err := s.ReserveMany(ctx, "w", []store.Reservation{{Site: "a", Key: "ka", Hash: "h1"}, {Site: "a", Key: "kb", Hash: "h2"}, {Site: "a", Key: "ka", Hash: "h1"}})
		if err != nil {
			t.Fatal(err)
		}
		want := []store.Change{store.ChangeNew, store.ChangeNew, store.ChangeDuplicate}
		if !cmp.Equal(got, want) {
			t.Fatalf("verdicts = %v, want %v", got, want)
		}
		if _, ok := s.(*store.Redis); ok && roundTrips(s)-rt != 1 {
			t.Errorf("reserve many took %d round trips, want 1", roundTrips(s)-rt)
		}
		// Another worker finds them reserved.
		if got, err := s.ReserveMany(ctx, "w2", []store.Reservation{{Site: "a", Key: "kb", Hash: "h2"}}); err != nil || got[0] != store.ChangeDuplicate {
			t.Fatalf("reserve of a reserved key by another worker = %v, %v; want duplicate", got, err)
		}
		if err := s.Commit(ctx, store.Batch{Worker: "w", Emissions: []store.Emission{{Site: "a", Key: "ka", Hash: "h1"}, {Site: "a", Key: "kb", Hash: "h2"}}}); err != nil {
			t.Fatal(err)
		}
		if emitted, err := s.Emitted(ctx, "a"); err != nil || !cmp.Equal(emitted, []string{"ka", "kb"}) {
			t.Fatalf("emitted = %v, %v; want [ka kb]", emitted, err)
		}
		if err := s.FinishRun(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BeginRun(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		got, err = s.ReserveMany(ctx, "w", []store.Reservation{{Site: "a", Key: "ka", Hash: "h1"}, {Site: "a", Key: "kb", Hash: "h3"}, {Site: "b", Key: "kc", Hash: "h4"}})
		if err != nil {
			t.Fatal(err)
		}
		want = []store.Change{store.ChangeUnchanged, store.ChangeChanged, store.ChangeNew}
		if !cmp.Equal(got, want) {
			t.Fatalf("verdicts in the next run = %v, want %v", got, want)
		}
	})
}
