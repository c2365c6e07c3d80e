package crawler

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/internal/hangsite"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/store"
)

// hangSite is the hangsite test site on loopback.
type hangSite struct {
	*hangsite.Site
	srv *httptest.Server
}

func newHangSite(t *testing.T) *hangSite {
	h := &hangSite{Site: hangsite.New(func(p string) string { return GenArticleHTML(p, "Article "+p, "", "", nil) })}
	h.srv = httptest.NewServer(h.Site)
	t.Cleanup(func() {
		h.Release()
		h.srv.Close()
	})
	return h
}

func (h *hangSite) config(grace time.Duration) config.Config {
	cfg := smallConfig(config.Site{Name: "hang", StartURLs: []string{h.srv.URL + "/"}, Articles: []string{`/articles/`}})
	cfg.Crawl.Timeout = time.Minute // only a cancellation ends the hanging request
	cfg.Crawl.Retries = 0
	cfg.Crawl.StopGrace = grace
	return cfg
}

// waitFor fails the test when ch is not closed within d (a hang guard, not a speed
// assertion).
func waitFor(t *testing.T, ch <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(d):
		t.Fatalf("%s: not after %s", what, d)
	}
}

type jobResult struct {
	sum Summary
	err error
}

// stopWhenHanging runs the job until the hanging page is the only one in flight,
// nothing else queued and both articles written, then calls stop; it returns the job's result and the
// snapshot taken before the stop.
func stopWhenHanging(t *testing.T, h *hangSite, opts JobOptions, ctx context.Context, stop func()) (jobResult, ProgressSnapshot) {
	t.Helper()
	var mu sync.Mutex
	var current func() ProgressSnapshot
	opts.OnStart = func(cur func() ProgressSnapshot) {
		mu.Lock()
		current = cur
		mu.Unlock()
	}
	done := make(chan jobResult, 1)
	go func() {
		sum, err := RunJob(ctx, opts)
		done <- jobResult{sum, err}
	}()
	waitFor(t, h.Entered, 30*time.Second, "the hanging page requested")
	var snap ProgressSnapshot
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		cur := current
		mu.Unlock()
		if cur != nil {
			if snap = cur(); snap.Articles == 2 && snap.Queued == 0 && snap.InFlight == 1 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other pages not done after 30 s: %+v", snap)
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	select {
	case r := <-done:
		return r, snap
	case <-time.After(30 * time.Second):
		t.Fatal("RunJob did not return 30 s after the stop")
	}
	return jobResult{}, snap
}

// A stop lets the request in flight run for crawl.stop_grace, then cancels it: the
// page goes back to the queue (pending), is not failed, and the run's other
// records are written.
func TestStopGraceCancelsInFlight(t *testing.T) {
	h := newHangSite(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := &recordingSink{}
	r, snap := stopWhenHanging(t, h, JobOptions{Config: h.config(200 * time.Millisecond), Sink: sink, Logger: testLogger(t)}, ctx, cancel)
	if snap.InFlight < 1 {
		t.Errorf("snapshot before the stop: InFlight %d, want ≥ 1 (the hanging page)", snap.InFlight)
	}
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("RunJob error %v, want context.Canceled", r.err)
	}
	waitFor(t, h.Cancelled, 10*time.Second, "the hanging request cancelled at the server")
	s := r.sum
	if s.Errors != 0 || s.Categories[CatFailed] != 0 {
		t.Errorf("Errors %d, failed %v: the interrupted page must not count as failed", s.Errors, s.Reasons[CatFailed])
	}
	if s.Pending != 1 {
		t.Errorf("Pending %d, want 1 (the interrupted page queued again)", s.Pending)
	}
	if s.Articles != 2 || len(sink.all()) != 2 {
		t.Errorf("Articles %d, sink %d: want 2", s.Articles, len(sink.all()))
	}
	if len(s.Sites) != 1 {
		t.Fatalf("Sites %+v, want one", s.Sites)
	}
	site := s.Sites[0]
	if site.Name != "hang" || site.Articles != 2 || site.Pending != 1 || site.Fetched != s.Fetched || site.Errors != 0 {
		t.Errorf("site summary %+v, want hang: 2 articles, 1 pending, fetched %d, 0 errors", site, s.Fetched)
	}
	if site.Categories[CatNotArticle] != s.Categories[CatNotArticle] || site.Categories[CatNotArticle] == 0 {
		t.Errorf("site categories %v, job %v: want the listing filed not_article in both", site.Categories, s.Categories)
	}
}

// JobOptions.Hard cancels what is in flight at once, whatever the grace.
func TestHardStopCancelsAtOnce(t *testing.T) {
	h := newHangSite(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hard, stopNow := context.WithCancel(context.Background())
	defer stopNow()
	opts := JobOptions{Config: h.config(time.Hour), Sink: &recordingSink{}, Logger: testLogger(t), Hard: hard}
	r, _ := stopWhenHanging(t, h, opts, ctx, func() {
		cancel()
		// With an hour of grace the hanging page is still in flight a moment later.
		select {
		case <-h.Cancelled:
			t.Error("the hanging request was cancelled before the hard stop (grace 1h)")
		case <-time.After(300 * time.Millisecond):
		}
		stopNow()
	})
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("RunJob error %v, want context.Canceled", r.err)
	}
	waitFor(t, h.Cancelled, 10*time.Second, "the hanging request cancelled at the server")
	if r.sum.Errors != 0 || r.sum.Pending != 1 || r.sum.Articles != 2 {
		t.Errorf("errors %d, pending %d, articles %d: want 0, 1, 2", r.sum.Errors, r.sum.Pending, r.sum.Articles)
	}
}

// With a persistent state, the page cancelled by the stop is fetched by the next
// run, which resumes the stopped one: every article is written once in all.
func TestStopThenResume(t *testing.T) {
	h := newHangSite(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := h.config(100 * time.Millisecond)
	out1 := filepath.Join(dir, "run1.jsonl")
	sink, err := output.Open(context.Background(), "jsonl", out1)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := stopWhenHanging(t, h, JobOptions{Config: cfg, Sink: sink, Store: st, Logger: testLogger(t)}, ctx, cancel)
	if err := sink.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(r.err, context.Canceled) || r.sum.Pending != 1 || r.sum.Errors != 0 {
		t.Fatalf("stopped run: err %v, pending %d, errors %d; want canceled, 1, 0", r.err, r.sum.Pending, r.sum.Errors)
	}
	stats, err := st.Stats(context.Background(), "hang")
	if err != nil {
		t.Fatal(err)
	}
	if !stats.Running || stats.Queued != 1 || stats.Failed != 0 {
		t.Errorf("state after the stop: %+v; want the run in progress, 1 queued, 0 failed", stats)
	}

	h.Release()
	sum := crawlTo(t, context.Background(), cfg, st, filepath.Join(dir, "run2.jsonl"))
	if !sum.Resumed || sum.Articles != 1 || sum.Errors != 0 || sum.Pending != 0 {
		t.Errorf("resumed run: resumed %v, articles %d, errors %d, pending %d; want true, 1, 0, 0", sum.Resumed, sum.Articles, sum.Errors, sum.Pending)
	}
	got := map[string]int{}
	for _, p := range []string{out1, filepath.Join(dir, "run2.jsonl")} {
		if err := output.Read(context.Background(), "jsonl", p, func(a *article.Article) error {
			got[a.URL]++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range hangsite.Articles {
		if got[h.srv.URL+p] != 1 {
			t.Errorf("%s written %d times in all, want 1 (%v)", p, got[h.srv.URL+p], got)
		}
	}
}
