package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/schedule"
)

// fakeRuns records the runs of a fake job: how many, the outputs, and the most runs
// of one site seen at the same time.
type fakeRuns struct {
	mu      sync.Mutex
	active  map[string]int
	maxConc map[string]int
	done    map[string]int
	outputs map[string]bool
	dur     map[string]time.Duration
}

func (f *fakeRuns) run(ctx context.Context, job schedule.Job) (schedule.Result, error) {
	f.mu.Lock()
	f.active[job.Site]++
	f.maxConc[job.Site] = max(f.maxConc[job.Site], f.active[job.Site])
	f.outputs[job.Output] = true
	d := f.dur[job.Site]
	f.mu.Unlock()
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	f.mu.Lock()
	f.active[job.Site]--
	f.done[job.Site]++
	f.mu.Unlock()
	return schedule.Result{Fetched: 10, Articles: 3, Errors: map[string]int{"timeout": 1}, Changes: map[string]int{"new": 3}}, nil
}

func (f *fakeRuns) count(site string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.done[site]
}

// A seconds-level cron runs two sites twice each, never overlapping a site with
// itself (a tick during a run is skipped and counted), and /metrics shows the counts.
func TestSchedulerRunsSitesWithoutOverlap(t *testing.T) {
	cfg := config.Default()
	cfg.Output.Path = "/tmp/out/{site}/{date}.jsonl"
	cfg.Sites = []config.Site{
		{Name: "slow", Schedule: "* * * * * *"}, // every second, runs 1.5 s
		{Name: "fast", Schedule: "* * * * * *"},
		{Name: "manual"}, // no schedule: never run
	}
	f := &fakeRuns{active: map[string]int{}, maxConc: map[string]int{}, done: map[string]int{}, outputs: map[string]bool{},
		dur: map[string]time.Duration{"slow": 1500 * time.Millisecond, "fast": 50 * time.Millisecond}}
	s, err := schedule.New(schedule.Options{Config: cfg, Run: f.run})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- s.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for f.count("slow") < 2 || f.count("fast") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("runs after 20 s: slow %d, fast %d", f.count("slow"), f.count("fast"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	for _, site := range []string{"slow", "fast"} {
		if f.maxConc[site] != 1 {
			t.Errorf("site %s had %d runs at once", site, f.maxConc[site])
		}
		if f.active[site] != 0 {
			t.Errorf("site %s still running after Run returned", site)
		}
	}
	if f.done["manual"] != 0 {
		t.Errorf("unscheduled site ran %d times", f.done["manual"])
	}
	if n := f.done["slow"] + f.done["fast"]; len(f.outputs) != n {
		t.Errorf("%d distinct output paths for %d runs: %v", len(f.outputs), n, f.outputs)
	}

	body := get(t, srv.URL+"/metrics")
	for _, site := range []string{"slow", "fast"} {
		n := f.done[site]
		if got := metric(t, body, `healthcrawl_runs_total{result="ok",site="`+site+`"}`); got != float64(n) {
			t.Errorf("runs_total %s = %v, want %d", site, got, n)
		}
		if got := metric(t, body, `healthcrawl_pages_fetched_total{site="`+site+`"}`); got != float64(10*n) {
			t.Errorf("pages_fetched_total %s = %v, want %d", site, got, 10*n)
		}
		if got := metric(t, body, `healthcrawl_articles_emitted_total{site="`+site+`"}`); got != float64(3*n) {
			t.Errorf("articles_emitted_total %s = %v, want %d", site, got, 3*n)
		}
		if got := metric(t, body, `healthcrawl_errors_total{kind="timeout",site="`+site+`"}`); got != float64(n) {
			t.Errorf("errors_total %s = %v, want %d", site, got, n)
		}
		if got := metric(t, body, `healthcrawl_run_duration_seconds_count{site="`+site+`"}`); got != float64(n) {
			t.Errorf("run_duration_seconds_count %s = %v, want %d", site, got, n)
		}
		if got := metric(t, body, `healthcrawl_last_success_timestamp_seconds{site="`+site+`"}`); got < float64(time.Now().Add(-time.Minute).Unix()) {
			t.Errorf("last_success %s = %v", site, got)
		}
	}
	// The slow site is busy through at least one tick.
	if got := metric(t, body, `healthcrawl_runs_skipped_total{site="slow"}`); got < 1 {
		t.Errorf("runs_skipped_total slow = %v, want ≥ 1", got)
	}
	if h := get(t, srv.URL+"/healthz"); !regexp.MustCompile(`"status":"ok"`).MatchString(h) || !regexp.MustCompile(`"slow":\{"schedule":"\* \* \* \* \* \*"`).MatchString(h) {
		t.Errorf("/healthz = %s", h)
	}
}

func TestNewErrors(t *testing.T) {
	run := func(context.Context, schedule.Job) (schedule.Result, error) { return schedule.Result{}, nil }
	cfg := config.Default()
	cfg.Sites = []config.Site{{Name: "a"}}
	if _, err := schedule.New(schedule.Options{Config: cfg, Run: run}); err == nil {
		t.Error("no scheduled site: want an error")
	}
	cfg.Sites = []config.Site{{Name: "a", Schedule: "0 3 * * *"}, {Name: "b", Schedule: "bogus"}}
	if _, err := schedule.New(schedule.Options{Config: cfg, Run: run}); err == nil {
		t.Error("bad cron: want an error")
	}
	s, err := schedule.New(schedule.Options{Config: cfg, Run: run, Sites: []string{"a"}})
	if err != nil || len(s.Sites()) != 1 {
		t.Errorf("--site a: %v %v", s, err)
	}
	if _, err := schedule.New(schedule.Options{Config: cfg, Run: run, Sites: []string{"zzz"}}); err == nil {
		t.Error("unknown site: want an error")
	}
}

func TestExpandPath(t *testing.T) {
	at := time.Date(2026, 11, 24, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct{ in, want string }{
		{"out/{site}/{date}.jsonl", "out/blog/2026-11-24T030405Z.jsonl"},
		{"out/{site}.jsonl", "out/blog-2026-11-24T030405Z.jsonl"},
		{"out/records.jsonl", "out/records-blog-2026-11-24T030405Z.jsonl"},
		{"-", "-"},
		{"", ""},
	} {
		if got := schedule.ExpandPath(tc.in, "blog", at); got != tc.want {
			t.Errorf("ExpandPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return string(b)
}

// metric reads one sample from a Prometheus text exposition; -1 when absent.
func metric(t *testing.T, body, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		t.Errorf("series %s not in /metrics", series)
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// With a jitter longer than the test, a tick waits instead of running, and the wait
// ends with the context: no run starts and Run returns at once.
func TestJitterDelaysAndCancels(t *testing.T) {
	cfg := config.Default()
	cfg.Sites = []config.Site{{Name: "a", Schedule: "* * * * * *"}}
	cfg.Schedule.Jitter = time.Hour
	runs := 0
	var mu sync.Mutex
	s, err := schedule.New(schedule.Options{Config: cfg, Run: func(context.Context, schedule.Job) (schedule.Result, error) {
		mu.Lock()
		runs++
		mu.Unlock()
		return schedule.Result{}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	time.Sleep(2500 * time.Millisecond) // at least two ticks
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return while a tick waited for its jitter")
	}
	mu.Lock()
	defer mu.Unlock()
	if runs != 0 {
		t.Errorf("%d runs started within an hour of jitter", runs)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	body := get(t, srv.URL+"/metrics")
	if got := metric(t, body, `healthcrawl_runs_skipped_total{site="a"}`); got < 1 {
		t.Errorf("ticks during the jitter wait were not counted as skipped: %v", got)
	}
}

// A run returning an error (unreachable hosts, 0 pages, a sink error) is counted
// failed and keeps last_success unset; a run ended by the cancellation of its
// context (SIGTERM) is counted stopped, not failed. The Vars hook gives {run} and
// the {date} of the run in progress.
func TestRunResultsFailedStoppedAndVars(t *testing.T) {
	cfg := config.Default()
	cfg.Output.Path = "out/{site}-{run}-{date}.jsonl"
	cfg.Output.ErrorsPath = "out/errors-{run}.jsonl"
	cfg.Sites = []config.Site{{Name: "a", Schedule: "@daily"}}
	began := time.Date(2026, 12, 4, 1, 2, 3, 0, time.UTC)
	var jobs []schedule.Job
	runErr := errors.New("site a: 0 pages fetched: robots.txt of http://127.0.0.1:1 unreachable: connection refused")
	s, err := schedule.New(schedule.Options{Config: cfg,
		Run: func(ctx context.Context, job schedule.Job) (schedule.Result, error) {
			jobs = append(jobs, job)
			if ctx.Err() != nil {
				return schedule.Result{}, fmt.Errorf("crawl interrupted: %w", ctx.Err())
			}
			return schedule.Result{}, runErr
		},
		Vars: func(ctx context.Context, site string, start time.Time) (config.PathVars, error) {
			return config.PathVars{Run: 4, Start: began}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.RunNow(context.Background(), "a")
	s.RunNow(context.Background(), "a")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.RunNow(ctx, "a")

	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	body := get(t, srv.URL+"/metrics")
	if got := metric(t, body, `healthcrawl_runs_total{result="failed",site="a"}`); got != 2 {
		t.Errorf("runs_total failed = %v, want 2", got)
	}
	if got := metric(t, body, `healthcrawl_runs_total{result="stopped",site="a"}`); got != 1 {
		t.Errorf("runs_total stopped = %v, want 1", got)
	}
	if regexp.MustCompile(`healthcrawl_runs_total\{result="ok"`).MatchString(body) {
		t.Errorf("a run was counted ok:\n%s", body)
	}
	if got := metric(t, body, `healthcrawl_errors_total{kind="run",site="a"}`); got != 2 {
		t.Errorf("errors_total run = %v, want 2 (the stopped run is not an error)", got)
	}
	if h := get(t, srv.URL+"/healthz"); !strings.Contains(h, `"error":"stopped: crawl interrupted`) || strings.Contains(h, "last_success") {
		t.Errorf("/healthz after a stopped run = %s", h)
	}
	if len(jobs) != 3 || jobs[0].Output != "out/a-4-2026-12-04T010203Z.jsonl" || jobs[0].Errors != "out/errors-4.jsonl" {
		t.Fatalf("jobs = %+v", jobs)
	}
}

func TestExpandRun(t *testing.T) {
	at := time.Date(2026, 11, 24, 3, 4, 5, 0, time.UTC)
	v := config.PathVars{Site: "blog", Run: 3, Start: at}
	for _, tc := range []struct{ in, want string }{
		{"out/{site}-{run}.jsonl", "out/blog-3.jsonl"}, // {run} makes it per run: no suffix
		{"out/records.jsonl", "out/records-blog-2026-11-24T030405Z.jsonl"},
	} {
		if got := schedule.Expand(tc.in, v); got != tc.want {
			t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
