package crawler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/store"
)

// A run whose seed host's robots.txt cannot be read — it hangs past crawl.timeout,
// the port refuses connections, or it answers 503 — fetched no page: RunJob returns
// an error wrapping ErrNothingFetched that names the host and the cause, and the
// summary lists it.
func TestRunFailsWhenSeedRobotsUnreachable(t *testing.T) {
	page := func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><head><title>A</title></head><body><article><h1>A</h1><p>Text.</p></article></body></html>`)
	}
	hang := make(chan struct{})
	defer close(hang)
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			select { // until the client gives up (crawl.timeout) or the test ends
			case <-r.Context().Done():
			case <-hang:
			}
			return
		}
		page(w, r)
	}))
	defer hanging.Close()
	unavailable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		page(w, r)
	}))
	defer unavailable.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there any more: connection refused

	for _, tc := range []struct{ name, base, cause string }{
		{"timeout", hanging.URL, "timed out after 300ms"},
		{"refused", refused, "connection refused"},
		{"503", unavailable.URL, "status 503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := smallConfig(config.Site{Name: "down", StartURLs: []string{tc.base + "/a"}})
			cfg.Crawl.Timeout = 300 * time.Millisecond
			cfg.Crawl.Retries = 0
			sink := &recordingSink{}
			sum, err := RunJob(context.Background(), JobOptions{Config: cfg, Sink: sink, Logger: testLogger(t), RetryBase: time.Millisecond})
			want := "site down: 0 pages fetched: robots.txt of " + tc.base + " unreachable: " + tc.cause
			if !errors.Is(err, ErrNothingFetched) || err.Error() != want {
				t.Fatalf("RunJob error = %v, want %q", err, want)
			}
			if len(sum.Failures) != 1 || sum.Failures[0] != want {
				t.Errorf("Summary.Failures = %q, want [%q]", sum.Failures, want)
			}
			if sum.Fetched != 0 || len(sink.all()) != 0 {
				t.Errorf("fetched %d, %d records; want 0, 0", sum.Fetched, len(sink.all()))
			}
		})
	}
}

// One seed host reachable is enough: a site with two seed hosts, one refusing,
// still crawls the other and the run succeeds.
func TestRunOneSeedHostReachable(t *testing.T) {
	srv, _ := tinySite()
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()
	cfg := smallConfig(config.Site{Name: "half", StartURLs: []string{srv.URL + "/", refused + "/"},
		AllowedDomains: []string{"127.0.0.1"}})
	cfg.Crawl.Retries = 0
	sum, err := RunJob(context.Background(), JobOptions{Config: cfg, Sink: &recordingSink{}, Logger: testLogger(t), RetryBase: time.Millisecond})
	if err != nil || len(sum.Failures) != 0 || sum.Fetched == 0 {
		t.Fatalf("RunJob = %v, failures %q, fetched %d; want success", err, sum.Failures, sum.Fetched)
	}
}

// A second run over an unchanged site writes nothing and says why in one line,
// naming the previous run and its date.
func TestNothingNewLine(t *testing.T) {
	srv := httptest.NewServer(BenchSite{Pages: 6, PerList: 3})
	defer srv.Close()
	// A memory store: the sqlite engine's deferred emission sets a.Change after the
	// record may be written (the cause of the TestIncrementalRecrawl flake, fixed
	// with write-then-commit), which -race reports.
	st := store.NewMemory()
	defer st.Close()
	cfg := smallConfig(config.Site{Name: "tiny", StartURLs: []string{srv.URL + "/"}})
	runOnce := func() Summary {
		t.Helper()
		sum, err := RunJob(context.Background(), JobOptions{Config: cfg, Sink: &recordingSink{}, Logger: testLogger(t), Store: st, RetryBase: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	first := runOnce()
	if first.Articles == 0 || first.PrevRun != 0 || first.NothingNew() != "" {
		t.Fatalf("first run: %d articles, prev run %d, line %q", first.Articles, first.PrevRun, first.NothingNew())
	}
	second := runOnce()
	day := time.Now().UTC().Format(time.DateOnly)
	want := fmt.Sprintf("0 new or changed articles since run 1 (%s): %d unchanged; --full re-emits every article", day, second.Unchanged)
	if second.Articles != 0 || second.Unchanged != first.Articles || second.NothingNew() != want {
		t.Fatalf("second run: %d articles, %d unchanged (first wrote %d), line %q; want %q",
			second.Articles, second.Unchanged, first.Articles, second.NothingNew(), want)
	}
}

func TestNothingNewCases(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		s    Summary
		want string
	}{
		{Summary{Articles: 2, New: 2, PrevRun: 3}, ""},
		{Summary{}, ""}, // not incremental, nothing known
		{Summary{PrevRun: 3, PrevRunAt: at, Unchanged: 27}, "0 new or changed articles since run 3 (2026-12-04): 27 unchanged; --full re-emits every article"},
		{Summary{PrevRun: 2, Gone: 1, Errors: 2}, "0 new or changed articles since run 2: 0 unchanged, 1 gone, 2 failed"},
		{Summary{PrevRun: 3, Unchanged: 5, Failures: []string{"site x: 0 pages fetched"}}, ""},
	} {
		if got := tc.s.NothingNew(); got != tc.want {
			t.Errorf("%+v: NothingNew = %q, want %q", tc.s, got, tc.want)
		}
	}
}
