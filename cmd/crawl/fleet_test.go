package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/healthcrawl/healthcrawl/internal/redistest"
	"github.com/healthcrawl/healthcrawl/output"
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
// config of the workers (lease 5s, renewed every 1.7 s: a worker stalled past it on
// a loaded 2-core box would have its pages taken over and write one record twice,
// the documented limit; per-host limits of the fleet off). With stream, every
// worker also appends its records to the Redis Stream "recs" in the state's
// database (output.sinks).
func newFleet(t *testing.T, srv *redistest.Server, pages int, latency time.Duration, stream ...bool) *fleetRun {
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
  lease: 5s
  fleet_limits: false
sites:
  - name: bench
    start_urls: [%q]
    articles: ['/article/[0-9]+$']
    max_depth: 100
    max_pages: 100000
`, hs.URL+"/")
	if len(stream) > 0 && stream[0] {
		yaml += fmt.Sprintf("output:\n  sinks:\n    - path: %q\n      format: redis-stream\n", srv.URL(0)+"?stream=recs")
	}
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return &fleetRun{t: t, dir: dir, cfg: cfg, state: srv.URL(0) + "?wait=60s", site: site, procs: map[string]*fleetWorker{}}
}

// setLease changes state.lease in the workers' config.
func (f *fleetRun) setLease(t *testing.T, ttl string) {
	t.Helper()
	b, err := os.ReadFile(f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.cfg, bytes.Replace(b, []byte("lease: 5s"), []byte("lease: "+ttl), 1), 0o644); err != nil {
		t.Fatal(err)
	}
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

// committed returns the committed content of worker w's output: the whole file,
// or, for a worker killed and never restarted (dead), the file up to the position
// its last commit stored in the state — the tail past it was written but never
// committed (the product's guarantee for a worker that never comes back: its
// other URLs are re-done by the fleet, so that tail repeats records the others
// wrote; restarting the worker under the same --worker-id truncates it away).
func (f *fleetRun) committed(ctx context.Context, st store.Store, w *fleetWorker, dead bool) []byte {
	f.t.Helper()
	b, err := os.ReadFile(w.out)
	if err != nil && !os.IsNotExist(err) {
		f.t.Fatal(err)
	}
	if !dead {
		return b
	}
	pos, err := st.Positions(ctx, w.name)
	if err != nil {
		f.t.Fatal(err)
	}
	key := output.SpecKey(output.Spec{Path: w.out})
	raw, ok := pos[key]
	if !ok {
		f.t.Errorf("no committed position of %s (key %s) for the dead worker %s (positions %v)", w.out, key, w.name, pos)
		return nil
	}
	p, err := output.ParsePosition(raw)
	if err != nil {
		f.t.Fatal(err)
	}
	if p.Part != 0 || p.Offset > int64(len(b)) {
		f.t.Fatalf("committed position of %s = %s, beyond the file (%d bytes)", w.out, raw, len(b))
	}
	f.t.Logf("dead worker %s: %d committed bytes of %d written", w.name, p.Offset, len(b))
	return b[:p.Offset]
}

// checkOutputs reads the committed content of every worker's output (dead: the
// workers killed and not restarted): each line must be a whole record and each
// article of the site must be there exactly once across the fleet — none lost,
// none twice; the state must hold no queued or leased URL, the run finished and
// every article in the emitted set.
func (f *fleetRun) checkOutputs(ctx context.Context, dead ...string) map[string]int {
	f.t.Helper()
	st, err := store.Open(ctx, store.RedisStateURL(f.state, "fleettest"))
	if err != nil {
		f.t.Fatal(err)
	}
	defer st.Close()
	count := map[string]int{}
	per := map[string]int{}
	for _, w := range f.procs {
		b := f.committed(ctx, st, w, slices.Contains(dead, w.name))
		if len(b) > 0 && b[len(b)-1] != '\n' {
			f.t.Errorf("%s: committed content ends in a torn line: %q", w.out, tail(string(b), 200))
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
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
	}
	dups := 0
	for u, n := range count {
		if n != 1 {
			dups++
			if dups <= 5 {
				f.t.Errorf("%s written %d times", u, n)
			}
		}
	}
	if dups > 0 {
		f.t.Errorf("%d articles written more than once (per worker: %v)", dups, per)
	}
	if len(count) != f.site.Pages {
		f.t.Errorf("%d distinct articles written, want %d: %d lost (per worker: %v)\n%s", len(count), f.site.Pages, f.site.Pages-len(count), per, f.logs())
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

// checkStream checks that the stream "recs" holds every article exactly once.
func (f *fleetRun) checkStream(ctx context.Context, srv *redistest.Server) {
	f.t.Helper()
	opt, _ := redis.ParseURL(srv.URL(0))
	c := redis.NewClient(opt)
	defer c.Close()
	msgs, err := c.XRange(ctx, "recs", "-", "+").Result()
	if err != nil {
		f.t.Fatal(err)
	}
	count := map[string]int{}
	for _, m := range msgs {
		u, _ := m.Values["url"].(string)
		count[u]++
	}
	dups := 0
	for u, n := range count {
		if n != 1 {
			if dups++; dups <= 5 {
				f.t.Errorf("stream: %s appended %d times", u, n)
			}
		}
	}
	if len(count) != f.site.Pages {
		f.t.Errorf("stream: %d distinct articles in %d entries, want %d, each once", len(count), len(msgs), f.site.Pages)
	}
}

// Three workers share a site of 600 articles; one is SIGKILLed at a random moment
// of the crawl, in each of 6 rounds (a fresh Redis each). In even rounds it is
// started again at once under the same --worker-id: it truncates its output back
// to its committed position and takes its work back. In odd rounds it never comes
// back: the others take its URLs over when its leases (and reservations) expire,
// and its output counts up to its committed position only. Either way every
// article is in the outputs exactly once, and in the Redis Stream they all append
// to (write, then commit), every line is
// whole, and nothing is left queued or leased.
func TestFleetWorkerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d", seed)
	for round := range 6 {
		restart := round%2 == 0
		t.Run(fmt.Sprintf("round%d_restart=%v", round, restart), func(t *testing.T) {
			srv := redistest.Start(t)
			ctx := context.Background()
			f := newFleet(t, srv, 600, 15*time.Millisecond, true)
			a, b, c := f.start("w1"), f.start("w2"), f.start("w3")
			f.waitRecords(30 + rng.IntN(300))
			if err := b.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-b.done
			if ws, ok := b.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("w2 was not killed by SIGKILL: it finished before\n%s", f.logs())
			}
			killedAt := f.records()
			if round == 1 {
				// The dead worker still holds leases (`crawl state stats` lists the
				// workers holding leases): the others take them over when they expire.
				mid := runCrawl(t, "", nil, "state", "stats", "--config", f.cfg, "--state", srv.URL(0))
				if mid.code != 0 || !regexp.MustCompile(`(?m)^bench: leased by .*\bw2 [1-9]`).MatchString(mid.stdout) {
					t.Errorf("state stats after the kill (exit %d) does not show w2 holding leases:\n%s%s", mid.code, mid.stdout, mid.stderr)
				}
			}
			workers := []*fleetWorker{a, c}
			var dead []string
			if restart {
				workers = append(workers, f.start("w2"))
			} else {
				dead = append(dead, "w2")
			}
			for _, w := range workers {
				if code := f.wait(w); code != 0 {
					t.Errorf("worker %s exited %d\n%s", w.name, code, f.logs())
				}
			}
			per := f.checkOutputs(ctx, dead...)
			f.checkStream(ctx, srv)
			// Across the fleet: nothing queued or leased, nothing failed, the run finished.
			end := runCrawl(t, "", nil, "state", "stats", "--config", f.cfg, "--state", srv.URL(0))
			if end.code != 0 || !regexp.MustCompile(`(?m)^bench\s+1\s+finished\s+0\s+0\s+[0-9]+\s+0\s+`).MatchString(end.stdout) || strings.Contains(end.stdout, "leased by") {
				t.Errorf("state stats at the end (exit %d), want bench run 1 finished, 0 queued, 0 leased, 0 failed:\n%s%s", end.code, end.stdout, end.stderr)
			}
			if restart && per["w2"] == 0 {
				t.Errorf("w2, killed and restarted, has no record in its output")
			}
			if killedAt >= f.site.Pages {
				t.Errorf("the crawl was over (%d records) when w2 was killed", killedAt)
			}
		})
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
	// An outage shorter than the lease ttl: the workers keep their leases and
	// reservations, so every article is written exactly once. (An outage longer than
	// the ttl lets another worker take a page over; the first commit wins and the
	// other copy, with the same record_id, is counted as written twice — see the
	// store's ReservationLost test and the README's delivery guarantees.)
	f.setLease(t, "6s")
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
	f.checkOutputs(ctx)
	if down >= f.site.Pages {
		t.Errorf("the crawl was over (%d records) when Redis was stopped", down)
	}
	// A worker notices the outage when one of its operations fails (go-redis's own
	// retries may absorb a short outage for an operation that was waiting): at least
	// one of them must have logged it and the reconnection.
	logged := false
	for _, w := range []*fleetWorker{a, b} {
		if strings.Contains(w.stderr.String(), "redis unreachable, retrying") && strings.Contains(w.stderr.String(), "redis reachable again") {
			logged = true
		}
	}
	if !logged {
		t.Errorf("no worker logged the outage and the reconnection\n%s", f.logs())
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
