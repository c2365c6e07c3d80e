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
