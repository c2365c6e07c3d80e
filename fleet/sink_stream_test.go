package fleet_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/fleet"
	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/store"
)

func TestStreamSink(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	sink, err := output.OpenSpec(ctx, output.Spec{Path: srv.URL(0) + "?stream=recs", Format: fleet.StreamFormat})
	if err != nil {
		t.Fatal(err)
	}
	recs := []*article.Article{
		{SchemaVersion: 1, URL: "https://x/1", PageType: "article", Title: "One", ContentHash: "h1"},
		{SchemaVersion: 1, URL: "https://x/2", PageType: "article", Title: "Two <b>", ContentHash: "h2"},
		{SchemaVersion: 1, URL: "https://x/1", PageType: "article", Title: "One", ContentHash: "h1"}, // a retried write
	}
	for _, a := range recs {
		if err := sink.Write(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(ctx); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if err := sink.Write(ctx, recs[0]); !errors.Is(err, output.ErrClosed) {
		t.Fatalf("Write after Close = %v, want ErrClosed", err)
	}
	opt, _ := redis.ParseURL(srv.URL(0))
	c := redis.NewClient(opt)
	defer c.Close()
	msgs, err := c.XRange(ctx, "recs", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("stream has %d entries, want 2 (the repeated record appended once)", len(msgs))
	}
	var got article.Article
	if err := json.Unmarshal([]byte(msgs[1].Values["record"].(string)), &got); err != nil {
		t.Fatal(err)
	}
	if got.Title != "Two <b>" || got.URL != "https://x/2" || msgs[1].Values["url"] != "https://x/2" || msgs[1].Values["content_hash"] != "h2" {
		t.Fatalf("second entry = %v (record %+v)", msgs[1].Values, got)
	}
}

func TestStreamSinkErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		spec output.Spec
		want string
	}{
		{output.Spec{Path: "out/records", Format: fleet.StreamFormat}, "want a redis://"},
		{output.Spec{Path: "redis://127.0.0.1:1/0?maxlen=x", Format: fleet.StreamFormat}, `maxlen="x"`},
		{output.Spec{Path: "redis://127.0.0.1:1/0?dial_timeout=100ms&max_retries=-1", Format: fleet.StreamFormat}, "ping"},
		{output.Spec{Path: "redis://127.0.0.1:1/0", Format: fleet.StreamFormat, Rotate: output.Rotate{MaxRecords: 5}}, "does not rotate"},
	} {
		_, err := output.OpenSpec(ctx, tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("OpenSpec(%+v) = %v, want an error containing %q", tc.spec, err, tc.want)
		}
	}
}

// The stream sink buffers its entries: TakeStream hands them to a redis state's
// Commit on the same server and database (appended with their emissions, exactly
// once); Flush appends the ones nobody took; a non-redis state or a stream on
// another database takes nothing.
func TestStreamSinkCommit(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	st, err := store.OpenRedis(ctx, srv.URL(0), store.RedisOptions{Prefix: "sc"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	other, err := fleet.OpenStreamSink(ctx, srv.URL(1)+"?stream=recs")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	sink, err := fleet.OpenStreamSink(ctx, srv.URL(0)+"?stream=recs&maxlen=100")
	if err != nil {
		t.Fatal(err)
	}
	multi := output.NewMulti(sink, other)
	if _, err := st.BeginRun(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	recs := []*article.Article{
		{SchemaVersion: 1, URL: "https://x/1", PageType: "article", Title: "One", ContentHash: "h1"},
		{SchemaVersion: 1, URL: "https://x/2", PageType: "article", Title: "Two", ContentHash: "h2"},
	}
	var ems []store.Emission
	for _, a := range recs {
		if c, err := st.Reserve(ctx, "a", "w1", a.URL, a.ContentHash); err != nil || c != store.ChangeNew {
			t.Fatalf("Reserve(%s) = %q, %v", a.URL, c, err)
		}
		if err := multi.Write(ctx, a); err != nil {
			t.Fatal(err)
		}
		ems = append(ems, store.Emission{Site: "a", Key: a.URL, Hash: a.ContentHash, URL: a.URL})
	}
	if got := fleet.TakeStream(store.NewMemory(), multi); got != nil {
		t.Fatalf("TakeStream with a memory state = %v, want nothing taken", got)
	}
	entries := fleet.TakeStream(st, multi)
	if len(entries) != 2 || entries[0].URL != "https://x/1" || entries[1].Hash != "h2" || entries[0].MaxLen != 100 {
		t.Fatalf("TakeStream = %+v, want the 2 entries of the DB 0 sink", entries)
	}
	if again := fleet.TakeStream(st, multi); len(again) != 0 {
		t.Fatalf("second TakeStream = %v, want nothing", again)
	}
	if _, err := output.SyncAll(ctx, multi); err != nil { // flushes the DB 1 sink only
		t.Fatal(err)
	}
	c0 := st.Client()
	if n, _ := c0.XLen(ctx, "recs").Result(); n != 0 {
		t.Fatalf("stream in DB 0 has %d entries before the commit, want 0", n)
	}
	if err := st.Commit(ctx, store.Batch{Worker: "w1", Emissions: ems, Stream: entries}); err != nil {
		t.Fatal(err)
	}
	if err := multi.Close(ctx); err != nil {
		t.Fatal(err)
	}
	msgs, err := c0.XRange(ctx, "recs", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Values["url"] != "https://x/1" || msgs[1].Values["content_hash"] != "h2" {
		t.Fatalf("stream in DB 0 = %v, want x/1 and x/2 once each", msgs)
	}
	var got article.Article
	if err := json.Unmarshal([]byte(msgs[1].Values["record"].(string)), &got); err != nil || got.Title != "Two" {
		t.Fatalf("record of the second entry = %+v (%v)", got, err)
	}
	opt, _ := redis.ParseURL(srv.URL(1))
	c1 := redis.NewClient(opt)
	defer c1.Close()
	if n, _ := c1.XLen(ctx, "recs").Result(); n != 2 {
		t.Fatalf("stream in DB 1 (appended by Flush, at least once) has %d entries, want 2", n)
	}
}
