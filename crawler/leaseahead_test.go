package crawler

import (
	"context"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/store"
)

// A batch leased ahead that found the queue empty is not trusted once pushes made
// before it was asked are stored: the entry pushed is leased by the next Pop
// (it was answered "nothing now", and a worker told so waits for a page in flight
// to end, forever if that page hangs). Entries leased ahead and not handed out
// go back to the queue on giveBack.
func TestStoreFrontierLeaseAhead(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	if _, err := st.BeginRun(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	f := newStoreFrontier(st, "s", "w", time.Hour, 4)
	f.ahead = ctx
	push := func(urls ...string) {
		t.Helper()
		for _, u := range urls {
			if ok, err := f.MarkSeen(ctx, Key(u)); err != nil || !ok {
				t.Fatalf("MarkSeen %s = %v, %v", u, ok, err)
			}
			if err := f.Push(ctx, Entry{URL: u, Kind: KindPage}); err != nil {
				t.Fatal(err)
			}
		}
	}
	pop := func() string {
		t.Helper()
		e, ok, err := f.Pop(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return ""
		}
		return e.URL
	}
	push("https://x/1", "https://x/2", "https://x/3", "https://x/4")
	if got := pop(); got != "https://x/1" {
		t.Fatalf("pop 1 = %q", got)
	}
	push("https://x/5") // waits for the next store call
	// Half the batch handed out: the next one is leased ahead, while 5 still waits.
	if got := pop(); got != "https://x/2" {
		t.Fatalf("pop 2 = %q", got)
	}
	if f.pre == nil {
		t.Fatal("no batch leased ahead once half the batch was handed out")
	}
	<-f.pre.done // it found the queue empty: 5 is not stored yet
	for i, want := range []string{"https://x/3", "https://x/4", "https://x/5"} {
		if got := pop(); got != want {
			t.Fatalf("pop %d = %q, want %q", i+3, got, want)
		}
	}

	// giveBack: a batch leased ahead goes back to the queue with the buffer.
	push("https://x/6", "https://x/7", "https://x/8", "https://x/9", "https://x/10", "https://x/11", "https://x/12", "https://x/13")
	for i := range 3 {
		if got := pop(); got == "" {
			t.Fatalf("pop %d of the second batch: nothing", i+1)
		}
	}
	f.giveBack(ctx)
	stats, err := st.Stats(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	// 5 leased: 1–5 handed out (never acknowledged here), and 3 of the second batch.
	if stats.Queued != 5 || stats.Leased != 8 {
		t.Errorf("after giveBack: queued %d, leased %d; want 5 queued (the rest of the batch and the batch leased ahead), 8 leased (handed out)", stats.Queued, stats.Leased)
	}
}
