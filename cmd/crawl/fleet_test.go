package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/sample"
	"github.com/healthcrawl/healthcrawl/store"
)

// Fleet tests: several `crawl run` worker processes (this test binary re-executed
// as the command) share one frontier in a throwaway redis-server.

const fleetChildEnv = "HC_FLEET_CHILD_ARGS"

// TestFleetWorkerChild is the worker process of the fleet tests: it runs the crawl
// command with the arguments in HC_FLEET_CHILD_ARGS and exits with its status.
func TestFleetWorkerChild(t *testing.T) {
	raw := os.Getenv(fleetChildEnv)
	if raw == "" {
		t.Skip("worker process of the fleet tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, "fleet child args:", err)
		os.Exit(3)
	}
	redis.SetLogger(quietRedis{})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, args, stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.LookupEnv)
	stop()
	os.Exit(code)
}

type fleetRun struct {
	t     *testing.T
	dir   string
	cfg   string
	state string
	site  crawler.BenchSite
	procs map[string]*fleetWorker
}

type fleetWorker struct {
	name   string
	out    string
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newFleet serves a generated site of pages articles on loopback and writes the
// config of the workers (lease 2s, per-host limits of the fleet off).
func newFleet(t *testing.T, srv *redistest.Server, pages int, latency time.Duration) *fleetRun {
	t.Helper()
	site := crawler.BenchSite{Pages: pages, PerList: 50, Latency: latency}
	hs := httptest.NewServer(site)
	t.Cleanup(hs.Close)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "fleet.yaml")
	yaml := fmt.Sprintf(`name: fleettest
crawl:
  parallelism: 4
  delay: 0s
  timeout: 10s
state:
  lease: 2s
  fleet_limits: false
sites:
  - name: bench
    start_urls: [%q]
    articles: ['/article/[0-9]+$']
    max_depth: 100
    max_pages: 100000
`, hs.URL+"/")
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return &fleetRun{t: t, dir: dir, cfg: cfg, state: srv.URL(0) + "?wait=60s", site: site, procs: map[string]*fleetWorker{}}
}

// start starts worker name writing to its own JSON Lines file.
func (f *fleetRun) start(name string) *fleetWorker {
	f.t.Helper()
	w := &fleetWorker{name: name, out: filepath.Join(f.dir, name+".jsonl"), stderr: &lockedBuffer{}, done: make(chan error, 1)}
	args, _ := json.Marshal([]string{"run", "--config", f.cfg, "--state", f.state, "--worker-id", name, "--out", w.out, "--log-level", "info"})
	w.cmd = exec.Command(os.Args[0], "-test.run=^TestFleetWorkerChild$")
	w.cmd.Env = append(os.Environ(), fleetChildEnv+"="+string(args))
	w.cmd.Stderr = w.stderr
	if err := w.cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	go func() { w.done <- w.cmd.Wait() }()
	f.procs[name] = w
	f.t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
		}
	})
	return w
}

// records counts the whole lines written so far by every worker.
func (f *fleetRun) records() int {
	n := 0
	for _, w := range f.procs {
		b, _ := os.ReadFile(w.out)
		n += bytes.Count(b, []byte("\n"))
	}
	return n
}

// waitRecords waits until the workers wrote at least n records.
func (f *fleetRun) waitRecords(n int) {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for f.records() < n {
		if time.Now().After(deadline) {
			f.t.Fatalf("%d records after 30 s, want %d\n%s", f.records(), n, f.logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (f *fleetRun) logs() string {
	var b strings.Builder
	for _, w := range f.procs {
		fmt.Fprintf(&b, "--- worker %s:\n%s\n", w.name, tail(w.stderr.String(), 3000))
	}
	return b.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// wait waits for worker w to exit and returns its exit code.
func (f *fleetRun) wait(w *fleetWorker) int {
	f.t.Helper()
	select {
	case <-w.done:
	case <-time.After(40 * time.Second):
		_ = w.cmd.Process.Kill()
		f.t.Fatalf("worker %s still running after 40 s\n%s", w.name, f.logs())
	}
	return w.cmd.ProcessState.ExitCode()
}

// checkOutputs reads every worker's output: each article of the site must be
// there exactly once; and the state must hold no queued or leased URL. maxLost
// allows for the documented limit of a worker killed with SIGKILL: a record
// whose emitted verdict was committed but not yet written when the process died
// is lost (never duplicated) — at most one per crawl.parallelism slot of the dead
// worker, and each such URL must be in the emitted set (so the crawler did emit
// every article; only the kill lost it).
func (f *fleetRun) checkOutputs(ctx context.Context, maxLost int) map[string]int {
	f.t.Helper()
	count := map[string]int{}
	per := map[string]int{}
	for _, w := range f.procs {
		fh, err := os.Open(w.out)
		if err != nil {
			f.t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var rec struct {
				URL string `json:"url"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				f.t.Fatalf("%s: bad line: %v", w.out, err)
			}
			count[rec.URL]++
			per[w.name]++
		}
		fh.Close()
	}
	dups := 0
	for u, n := range count {
		if n != 1 {
			dups++
			if dups < 5 {
				f.t.Errorf("%s written %d times", u, n)
			}
		}
	}
	st, err := store.Open(ctx, store.RedisStateURL(f.state, "fleettest"))
	if err != nil {
		f.t.Fatal(err)
	}
	defer st.Close()
	if lost := f.site.Pages - len(count); lost < 0 || lost > maxLost {
		f.t.Errorf("%d distinct articles written, want %d (at most %d lost to the kill; per worker: %v)\n%s", len(count), f.site.Pages, maxLost, per, f.logs())
	} else if lost > 0 {
		emitted, err := st.Emitted(ctx, "bench")
		if err != nil {
			f.t.Fatal(err)
		}
		in := map[string]bool{}
		for _, u := range emitted {
			in[u] = true
		}
		for u := range count {
			if !in[u] {
				f.t.Errorf("%s written but not in the emitted set", u)
			}
		}
		f.t.Logf("%d record(s) lost in the window between the emitted verdict and the write of the killed worker (documented limit)", lost)
	}
	s, err := st.Stats(ctx, "bench")
	if err != nil {
		f.t.Fatal(err)
	}
	if s.Queued != 0 || s.Leased != 0 || s.Running {
		f.t.Errorf("state after the crawl: %+v, want nothing queued or leased and the run finished", s)
	}
	if s.Emitted != int64(f.site.Pages) {
		f.t.Errorf("emitted set has %d URLs, want %d", s.Emitted, f.site.Pages)
	}
	f.t.Logf("records per worker: %v; state: queued %d leased %d done %d failed %d", per, s.Queued, s.Leased, s.Done, s.Failed)
	if os.Getenv("HC_FLEET_LOGS") != "" {
		f.t.Log(f.logs())
	}
	return per
}

// Three workers share a site of 2,000 articles; one is killed with SIGKILL in the
// middle of the crawl. The two others take over its leased URLs when its lease
// expires: no article is written twice, every article is written once except the
// few the kill caught between their emitted verdict and their write (the
// documented limit, at most one per parallelism slot), and no URL is left queued
// or leased.
func TestFleetWorkerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	srv := redistest.Start(t)
	ctx := context.Background()
	f := newFleet(t, srv, 2000, 15*time.Millisecond)
	a, b, c := f.start("w1"), f.start("w2"), f.start("w3")
	f.waitRecords(400)
	if err := b.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-b.done
	if ws, ok := b.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("w2 was not killed by SIGKILL: it finished before\n%s", f.logs())
	}
	killedAt := f.records()
	// The dead worker still holds leases (`crawl state stats` lists the workers
	// holding leases): the others take them over when they expire.
	mid := runCrawl(t, "", nil, "state", "stats", "--config", f.cfg, "--state", srv.URL(0))
	if mid.code != 0 || !regexp.MustCompile(`(?m)^bench: leased by .*\bw2 [1-9]`).MatchString(mid.stdout) {
		t.Errorf("state stats after the kill (exit %d) does not show w2 holding leases:\n%s%s", mid.code, mid.stdout, mid.stderr)
	}
	for _, w := range []*fleetWorker{a, c} {
		if code := f.wait(w); code != 0 {
			t.Errorf("worker %s exited %d\n%s", w.name, code, f.logs())
		}
	}
	per := f.checkOutputs(ctx, 4) // crawl.parallelism of the killed worker
	// Across the fleet: nothing queued or leased, every page done, the run finished.
	end := runCrawl(t, "", nil, "state", "stats", "--config", f.cfg, "--state", srv.URL(0))
	if end.code != 0 || !regexp.MustCompile(`(?m)^bench\s+1\s+finished\s+0\s+0\s+2042\s+0\s+`).MatchString(end.stdout) || strings.Contains(end.stdout, "leased by") {
		t.Errorf("state stats at the end (exit %d), want bench run 1 finished, 0 queued, 0 leased, 2042 done, 0 failed:\n%s%s", end.code, end.stdout, end.stderr)
	}
	if per["w2"] == 0 || per["w2"] >= f.site.Pages {
		t.Errorf("killed worker wrote %d records, want some but not all", per["w2"])
	}
	if killedAt >= f.site.Pages {
		t.Errorf("the crawl was over (%d records) when w2 was killed", killedAt)
	}
}

// Redis is restarted in the middle of the crawl (its data kept by the append-only
// file): the workers wait for it, reconnect with backoff and finish the crawl
// without losing or duplicating an article.
func TestFleetRedisRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	srv := redistest.StartWith(t, redistest.Options{Persist: true})
	ctx := context.Background()
	f := newFleet(t, srv, 2000, 15*time.Millisecond)
	a, b := f.start("w1"), f.start("w2")
	f.waitRecords(400)
	srv.Stop()
	down := f.records()
	time.Sleep(1500 * time.Millisecond) // down for a while: longer than a backoff step
	if err := srv.StartAgain(); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*fleetWorker{a, b} {
		if code := f.wait(w); code != 0 {
			t.Errorf("worker %s exited %d\n%s", w.name, code, f.logs())
		}
	}
	f.checkOutputs(ctx, 0)
	if down >= f.site.Pages {
		t.Errorf("the crawl was over (%d records) when Redis was stopped", down)
	}
	for _, w := range []*fleetWorker{a, b} {
		if !strings.Contains(w.stderr.String(), "redis unreachable, retrying") || !strings.Contains(w.stderr.String(), "redis reachable again") {
			t.Errorf("worker %s did not log the outage and the reconnection\n%s", w.name, tail(w.stderr.String(), 3000))
		}
	}
}

// `crawl run --state redis://… --out redis://…?stream=KEY` appends every article to
// a Redis Stream; a second run of the unchanged site appends nothing.
func TestRunToRedisStream(t *testing.T) {
	srv := redistest.Start(t)
	site := httptest.NewServer(sample.Handler())
	defer site.Close()
	cfg := demoConfigFile(t, site.URL)
	out := srv.URL(1) + "?stream=recs"
	for run, want := range []int{len(sample.ArticlePaths()), 0} {
		r := runCrawl(t, "", nil, "run", "--config", cfg, "--state", srv.URL(0), "--out", out, "--worker-id", "solo")
		if r.code != exitOK {
			t.Fatalf("run %d: exit %d\n%s", run+1, r.code, r.stderr)
		}
		opt, _ := redis.ParseURL(srv.URL(1))
		c := redis.NewClient(opt)
		n, err := c.XLen(context.Background(), "recs").Result()
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		if total := len(sample.ArticlePaths()); n != int64(total) {
			t.Fatalf("run %d: stream has %d entries, want %d (%d new)\n%s", run+1, n, total, want, r.stderr)
		}
	}
}

// Redis gone for longer than the worker waits (?wait=): the worker stops with
// exit status 1 and an error naming the unreachable server, not as a finished crawl.
// (?wait=500ms, and no go-redis retries of its own, keep the test short.)
func TestFleetRedisGone(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	srv := redistest.Start(t)
	f := newFleet(t, srv, 2000, 15*time.Millisecond)
	f.state = srv.URL(0) + "?wait=500ms&max_retries=-1&dial_timeout=100ms"
	w := f.start("w1")
	f.waitRecords(100)
	srv.Stop()
	if code := f.wait(w); code != exitPartial {
		t.Fatalf("worker exited %d with Redis gone, want %d\n%s", code, exitPartial, f.logs())
	}
	if errs := w.stderr.String(); !strings.Contains(errs, "unreachable for") || !strings.Contains(errs, srv.Addr) {
		t.Errorf("worker's error does not say Redis at %s is unreachable:\n%s", srv.Addr, tail(errs, 3000))
	}
	if f.records() >= f.site.Pages {
		t.Errorf("the crawl was complete (%d records) although Redis was gone", f.records())
	}
	if os.Getenv("HC_FLEET_LOGS") != "" {
		t.Log(f.logs())
	}
}

// Redis restarted without persistence in the middle of the crawl forgets the run:
// the worker does not pass the partial crawl off as complete, it exits with status 1
// saying the run is gone from the state store.
func TestFleetRedisLostState(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	srv := redistest.Start(t) // no persistence
	f := newFleet(t, srv, 300, 15*time.Millisecond)
	w := f.start("w1")
	f.waitRecords(50)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if code := f.wait(w); code != exitPartial {
		t.Fatalf("worker exited %d after Redis lost the state, want %d\n%s", code, exitPartial, f.logs())
	}
	if errs := w.stderr.String(); !strings.Contains(errs, "run 1 is gone from the state store") {
		t.Errorf("worker's error does not say the run is gone:\n%s", tail(errs, 3000))
	}
}
