package crawler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/sample"
	"github.com/healthcrawl/healthcrawl/store"
)

const poisonSite = "sample-health" // the site of configs/demo.yaml

// poisonErrors reads the errors file of a run: URL → "category: reason (attempts)".
func poisonErrors(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var r ErrorRecord
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("%s: bad line %q: %v", path, line, err)
		}
		out[r.URL] = fmt.Sprintf("%s: %s (%d)", r.Category, r.Reason, r.Attempts)
	}
	return out
}

// articleCounts counts the records of the output at path by URL path.
func articleCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	count := map[string]int{}
	for _, a := range readRecords(t, path) {
		count[pathOf(t, a.URL)]++
	}
	return count
}

// wantEveryArticleOnceBut checks that the output holds every article of the sample
// site exactly once, except skip (absent).
func wantEveryArticleOnceBut(t *testing.T, count map[string]int, skip string) {
	t.Helper()
	want := map[string]int{}
	for _, p := range sample.ArticlePaths() {
		if p != skip {
			want[p] = 1
		}
	}
	if d := cmp.Diff(want, count); d != "" {
		t.Errorf("records by path (-want +got):\n%s", d)
	}
}

// A URL that was in flight each time the crawler died is fetched again while it was
// lost at most crawl.retries times; lost once more, the resumed run files it failed
// ("crashed the crawler N times") without fetching it and finishes the crawl with
// every other article. The deaths are simulated in process: the URL is leased under
// the crawler's worker name and never acknowledged, and the next process (Release
// on resume, here by the store directly or by the run) takes it back.
func TestPoisonPillFailedAfterRetries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		crashes int // leases lost before the run; the run's own Release is the last
		failed  bool
	}{
		{"lost retries times: fetched again", 2, false},
		{"lost retries+1 times: failed", 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits syncCounter
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.add(r.URL.Path)
				sample.Handler().ServeHTTP(w, r)
			}))
			defer srv.Close()
			dir := t.TempDir()
			cfg := sampleConfig(t, srv.URL)
			cfg.Crawl.Retries = 2
			cfg.Output.ErrorsPath = filepath.Join(dir, "errors.jsonl")
			ctx := context.Background()
			st, err := store.OpenSQLite(ctx, filepath.Join(dir, "state.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()

			pillPath := sample.ArticlePaths()[0]
			pill, err := Canonicalize(srv.URL + pillPath)
			if err != nil {
				t.Fatal(err)
			}
			// A run in progress with the pill queued, as the home page's links put it.
			if _, err := st.BeginRun(ctx, poisonSite); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Enqueue(ctx, poisonSite, Key(pill), encodeEntry(Entry{URL: pill, Kind: KindPage, Depth: 1, Parent: srv.URL + "/"})); err != nil {
				t.Fatal(err)
			}
			for crash := range tc.crashes {
				if crash > 0 {
					// The next process under the same worker name takes it back.
					if n, err := st.Release(ctx, poisonSite, DefaultWorker); err != nil || n != 1 {
						t.Fatalf("release %d = %d, %v", crash, n, err)
					}
				}
				got, err := st.Lease(ctx, poisonSite, DefaultWorker, 10, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || got[0].URL != pill || got[0].Lost != crash {
					t.Fatalf("lease before crash %d = %+v, want %s lost %d times", crash+1, got, pill, crash)
				}
				// … and the process dies with the pill in flight.
			}

			out := filepath.Join(dir, "out.jsonl")
			sum := crawlTo(t, ctx, cfg, st, out)
			if !sum.Resumed {
				t.Error("Summary.Resumed = false, want the interrupted run resumed")
			}
			reason := fmt.Sprintf("crashed the crawler %d times", tc.crashes)
			stats, err := st.Stats(ctx, poisonSite)
			if err != nil {
				t.Fatal(err)
			}
			if stats.Running || stats.Queued != 0 || stats.Leased != 0 {
				t.Errorf("state after the run = %+v, want the run finished with nothing queued or leased", stats)
			}
			errs := poisonErrors(t, cfg.Output.ErrorsPath)
			count := articleCounts(t, out)
			if tc.failed {
				if n := hits.get(pillPath); n != 0 {
					t.Errorf("the pill was requested %d times, want 0", n)
				}
				if got := sum.Reasons[CatFailed][reason]; got != 1 {
					t.Errorf("Summary.Reasons[failed][%q] = %d, want 1 (reasons %v)", reason, got, sum.Reasons)
				}
				if got, want := errs[pill], fmt.Sprintf("failed: %s (%d)", reason, tc.crashes); got != want {
					t.Errorf("errors file line of the pill = %q, want %q", got, want)
				}
				if stats.Failed != 1 {
					t.Errorf("state Failed = %d, want 1 (the pill, acknowledged Failed)", stats.Failed)
				}
				wantEveryArticleOnceBut(t, count, pillPath)
				return
			}
			if n := hits.get(pillPath); n != 1 {
				t.Errorf("the pill was requested %d times, want 1", n)
			}
			if got, ok := errs[pill]; ok {
				t.Errorf("the pill is in the errors file: %s", got)
			}
			if stats.Failed != 0 {
				t.Errorf("state Failed = %d, want 0", stats.Failed)
			}
			wantEveryArticleOnceBut(t, count, "")
		})
	}
}

// A page whose fetch kills the crawler (here: the test SIGKILLs the process when
// the page is requested, as an out-of-memory kill would) does not keep the crawl
// from finishing, and costs no other page: with crawl.retries 1 it is requested by
// the first process, with another page in flight (the victim), and by the second,
// both killed; the third run files it failed "crashed the crawler 2 times" without
// requesting it, the victim is fetched again once (by the second run or the third),
// and the output holds every other article exactly once. (The second run hands out the entries that were leased at
// the first crash one at a time, alone: only the pill's count goes up.)
func TestPoisonPillKillsCrawler(t *testing.T) {
	childOrSkip(t)
	pillPath, victimPath := sample.ArticlePaths()[0], sample.ArticlePaths()[1]
	var hits syncCounter
	// round is the process being run: 1 and 2 are killed, 0 is the last one. The
	// pill's requests hang (the process dies first) in rounds 1 and 2; in round 1
	// the victim's hang too, so that it is in flight when the process is killed.
	var round atomic.Int32
	requested := make(chan string, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.add(r.URL.Path)
		n := round.Load()
		if (r.URL.Path == pillPath && n > 0) || (r.URL.Path == victimPath && n == 1) {
			requested <- r.URL.Path
			<-r.Context().Done()
			return
		}
		sample.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := sampleConfig(t, srv.URL)
	cfg.Crawl.Retries = 1
	cfg.Crawl.Timeout = 5 * time.Minute // hanging requests are never given up: the process is killed
	dir := t.TempDir()
	statePath := filepath.Join(dir, "state.db")
	out := filepath.Join(dir, "out.jsonl")
	pill, err := Canonicalize(srv.URL + pillPath)
	if err != nil {
		t.Fatal(err)
	}

	for r := int32(1); r <= int32(cfg.Crawl.Retries+1); r++ {
		round.Store(r)
		c := startChild(t, "^TestPoisonPillKillsCrawler$", cfg, statePath, out)
		// Killed once the pages that hang in this round are requested.
		hanging := map[string]bool{pillPath: false}
		if r == 1 {
			hanging[victimPath] = false
		}
		deadline := time.After(60 * time.Second)
		for waiting := len(hanging); waiting > 0; {
			select {
			case p := <-requested:
				if !hanging[p] {
					hanging[p] = true
					waiting--
				}
			case err := <-c.exited:
				t.Fatalf("round %d: the child exited (%v) instead of being killed\n%s", r, err, c.stderr.String())
			case <-deadline:
				c.cmd.Process.Kill()
				<-c.exited
				t.Fatalf("round %d: requested after 60 s: %v\n%s", r, hanging, c.stderr.String())
			}
		}
		c.kill(t)
	}
	round.Store(0)
	if n := hits.get(pillPath); n != cfg.Crawl.Retries+1 {
		t.Fatalf("the pill was requested %d times by the killed processes, want %d", n, cfg.Crawl.Retries+1)
	}

	// The next process: the pill is not requested again (were it, it would be
	// served: the test fails instead of hanging), the crawl finishes.
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, statePath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg.Output.ErrorsPath = filepath.Join(dir, "errors.jsonl")
	sink := resumeSink(t, st, out)
	sum, err := RunJob(ctx, JobOptions{Config: cfg, Sink: sink, Store: st, Logger: testLogger(t)})
	if cerr := sink.Close(ctx); cerr != nil || err != nil {
		t.Fatalf("resumed run: %v, close: %v", err, cerr)
	}
	if n := hits.get(pillPath); n != cfg.Crawl.Retries+1 {
		t.Errorf("the pill was requested %d times in all, want %d (none by the last run)", n, cfg.Crawl.Retries+1)
	}
	reason := fmt.Sprintf("crashed the crawler %d times", cfg.Crawl.Retries+1)
	if !sum.Resumed || sum.Reasons[CatFailed][reason] != 1 {
		t.Errorf("summary resumed %v, failed reasons %v; want resumed and %q once", sum.Resumed, sum.Reasons[CatFailed], reason)
	}
	errs := poisonErrors(t, cfg.Output.ErrorsPath)
	var lines []string
	for u, e := range errs {
		lines = append(lines, u+" "+e)
	}
	sort.Strings(lines)
	if want := pill + " failed: " + reason + " (2)"; strings.Join(lines, "\n") != want {
		t.Errorf("errors file:\n%s\nwant:\n%s", strings.Join(lines, "\n"), want)
	}
	wantEveryArticleOnceBut(t, articleCounts(t, out), pillPath)
	if n := hits.get(victimPath); n != 2 {
		t.Errorf("the victim was requested %d times in all, want 2 (in flight at the first kill, then by the second run alone or by the last one)", n)
	}
	stats, err := st.Stats(ctx, poisonSite)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Running || stats.Queued != 0 || stats.Leased != 0 || stats.Failed != 1 {
		t.Errorf("state after the last run = %+v, want finished, nothing queued or leased, 1 failed", stats)
	}
}

// isolationFixture is a memory store with a run of site "s" begun, and a store
// frontier over it whose "nothing else in flight" answer the test sets.
type isolationFixture struct {
	t        *testing.T
	st       *store.Memory
	f        *storeFrontier
	idle     bool
	poisoned []string // "URL lost N" of the entries filed by the frontier
}

func newIsolationFixture(t *testing.T) *isolationFixture {
	x := &isolationFixture{t: t, st: store.NewMemory()}
	if _, err := x.st.BeginRun(context.Background(), "s"); err != nil {
		t.Fatal(err)
	}
	x.f = newStoreFrontier(x.st, "s", "w", time.Hour, 8)
	x.f.maxLost = 1
	x.f.alone = func() bool { return x.idle }
	x.f.poisoned = func(e Entry, ackErr error) {
		if ackErr != nil {
			t.Errorf("ack of %s: %v", e.URL, ackErr)
		}
		x.poisoned = append(x.poisoned, fmt.Sprintf("%s lost %d", e.URL, e.Lost))
	}
	return x
}

// enqueue queues urls as the crawler does.
func (x *isolationFixture) enqueue(urls ...string) {
	x.t.Helper()
	for _, u := range urls {
		if _, err := x.st.Enqueue(context.Background(), "s", Key(u), encodeEntry(Entry{URL: u, Kind: KindPage})); err != nil {
			x.t.Fatal(err)
		}
	}
}

// crash leases n entries under the frontier's worker name and releases them, as
// a process that dies holding them and its successor would: their Lost goes up.
func (x *isolationFixture) crash(n int) {
	x.t.Helper()
	ctx := context.Background()
	if _, err := x.st.Lease(ctx, "s", "w", n, time.Hour); err != nil {
		x.t.Fatal(err)
	}
	if _, err := x.st.Release(ctx, "s", "w"); err != nil {
		x.t.Fatal(err)
	}
}

// pop pops and returns "URL lost N", or "" when Pop answers nothing.
func (x *isolationFixture) pop() string {
	x.t.Helper()
	e, ok, err := x.f.Pop(context.Background())
	if err != nil {
		x.t.Fatal(err)
	}
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s lost %d", e.URL, e.Lost)
}

// queuedLeased is the store's count of queued and leased entries.
func (x *isolationFixture) queuedLeased() [2]int64 {
	x.t.Helper()
	st, err := x.st.Stats(context.Background(), "s")
	if err != nil {
		x.t.Fatal(err)
	}
	return [2]int64{st.Queued, st.Leased}
}

// A suspect (an entry lost once) is handed out only when nothing else is in
// flight, while this worker holds no other lease, and nothing else is handed out
// until it ends; fresh entries go on as usual; an entry lost more than maxLost
// times is filed, not handed out.
func TestStoreFrontierIsolatesSuspects(t *testing.T) {
	ctx := context.Background()
	t.Run("suspect first", func(t *testing.T) {
		x := newIsolationFixture(t)
		x.enqueue("https://x/s1")
		x.crash(1)
		x.enqueue("https://x/n1", "https://x/n2")
		x.idle = true
		if got := x.pop(); got != "https://x/s1 lost 1" {
			t.Fatalf("first pop = %q, want the suspect", got)
		}
		if got := x.queuedLeased(); got != [2]int64{2, 1} {
			t.Errorf("queued/leased while the suspect runs = %v, want [2 1]: the rest of the batch given back", got)
		}
		x.idle = false // the suspect is in flight
		if got := x.pop(); got != "" {
			t.Fatalf("pop while the suspect runs = %q, want nothing", got)
		}
		if err := x.f.Done(ctx, Entry{URL: "https://x/s1"}, false); err != nil {
			t.Fatal(err)
		}
		x.idle = true
		if got := x.pop(); got != "https://x/n1 lost 0" {
			t.Fatalf("pop after the suspect = %q, want n1", got)
		}
		x.idle = false // fresh entries run side by side
		if got := x.pop(); got != "https://x/n2 lost 0" {
			t.Fatalf("pop while n1 runs = %q, want n2", got)
		}
	})
	t.Run("suspect behind fresh entries", func(t *testing.T) {
		x := newIsolationFixture(t)
		x.enqueue("https://x/n3", "https://x/s2")
		if _, err := x.st.Lease(ctx, "s", "w", 2, time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := x.st.Nack(ctx, "s", "https://x/n3"); err != nil { // interrupted: not counted
			t.Fatal(err)
		}
		if _, err := x.st.Release(ctx, "s", "w"); err != nil { // s2 lost once
			t.Fatal(err)
		}
		x.enqueue("https://x/n4")
		x.idle = false // something else of the site is in flight
		var got []string
		for range 3 {
			got = append(got, x.pop())
		}
		if d := cmp.Diff([]string{"https://x/n3 lost 0", "https://x/n4 lost 0", ""}, got); d != "" {
			t.Fatalf("pops while busy (-want +got):\n%s", d)
		}
		if got := x.queuedLeased(); got != [2]int64{1, 2} {
			t.Errorf("queued/leased = %v, want [1 2]: the suspect given back, not held", got)
		}
		x.idle = true
		if got := x.pop(); got != "https://x/s2 lost 1" {
			t.Fatalf("pop once idle = %q, want the suspect", got)
		}
	})
	t.Run("poison pill", func(t *testing.T) {
		x := newIsolationFixture(t)
		x.enqueue("https://x/pill")
		x.crash(1)
		x.crash(1)
		x.enqueue("https://x/n5")
		x.idle = true
		if got := x.pop(); got != "https://x/n5 lost 0" {
			t.Fatalf("pop = %q, want n5 (the pill filed)", got)
		}
		if d := cmp.Diff([]string{"https://x/pill lost 2"}, x.poisoned); d != "" {
			t.Errorf("filed (-want +got):\n%s", d)
		}
		st, err := x.st.Stats(ctx, "s")
		if err != nil {
			t.Fatal(err)
		}
		if st.Failed != 1 || st.Leased != 1 || st.Queued != 0 {
			t.Errorf("stats = %+v, want the pill failed, n5 leased", st)
		}
	})
}
