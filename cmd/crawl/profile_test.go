package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/healthcrawl/healthcrawl/sample"
)

// readProfile parses a profile file written by --cpuprofile or --memprofile and
// returns it with its sample types ("cpu/nanoseconds", "alloc_space/bytes", …).
func readProfile(t *testing.T, path string) (*profile.Profile, []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("profile not written: %v", err)
	}
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		t.Fatalf("%s: %d bytes, not gzip", path, len(data))
	}
	p, err := profile.ParseData(data)
	if err != nil {
		t.Fatalf("%s: not a pprof profile: %v", path, err)
	}
	var types []string
	for _, st := range p.SampleType {
		types = append(types, st.Type+"/"+st.Unit)
	}
	return p, types
}

func hasType(types []string, want string) bool {
	for _, ty := range types {
		if ty == want {
			return true
		}
	}
	return false
}

// crawl run --cpuprofile --memprofile: the crawl is unchanged (every article
// written) and both files are pprof profiles of their kind; the heap profile holds
// samples (written after a GC, at the end).
func TestRunProfiles(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	r := runCrawl(t, "", nil, "run", "--config", demoConfigFile(t, srv.URL), "--site", "sample-health", "--out", "-",
		"--state", "memory", "--cpuprofile", cpu, "--memprofile", mem)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if n := len(records(t, r.stdout)); n != len(sample.ArticlePaths()) {
		t.Errorf("%d records with profiling on, want %d", n, len(sample.ArticlePaths()))
	}
	if _, types := readProfile(t, cpu); !hasType(types, "cpu/nanoseconds") {
		t.Errorf("--cpuprofile: sample types %v, want cpu/nanoseconds", types)
	}
	p, types := readProfile(t, mem)
	if !hasType(types, "alloc_space/bytes") || !hasType(types, "inuse_space/bytes") {
		t.Errorf("--memprofile: sample types %v, want alloc_space and inuse_space", types)
	}
	if len(p.Sample) == 0 {
		t.Errorf("--memprofile: no samples")
	}
}

// A path that cannot be created fails the command before it crawls (exit 1,
// the flag named), not after.
func TestRunProfileBadPath(t *testing.T) {
	for _, flag := range []string{"--cpuprofile", "--memprofile"} {
		bad := filepath.Join(t.TempDir(), "no", "such", "dir", "x.pprof")
		r := runCrawl(t, "", nil, "run", "--url", "http://127.0.0.1:1/", "--state", "memory", "--out", "-", flag, bad)
		if r.code != 1 || !strings.Contains(r.stderr, flag) || !strings.Contains(r.stderr, "no such file") {
			t.Errorf("%s %s: exit %d, stderr:\n%s\nwant exit 1 naming the flag and the cause", flag, bad, r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "articles written") {
			t.Errorf("%s: the crawl ran despite the bad profile path:\n%s", flag, r.stderr)
		}
	}
}

// A crawl stopped by SIGINT still writes whole profiles: the CPU profile is
// stopped as the command returns (a truncated gzip stream would not parse).
func TestRunStoppedProfiles(t *testing.T) {
	h := newHangServer(t)
	dir := t.TempDir()
	cfg := h.config(t, dir, "100ms")
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	ctx, stop := newStopper(context.Background())
	defer stop.close()
	errb := &syncWriter{w: &bytes.Buffer{}}
	done := startInProcess(ctx, errb, "run", "--config", cfg, "--cpuprofile", cpu, "--memprofile", mem)
	select {
	case <-h.Entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the hanging page was not requested")
	}
	stopAndCheckProfiles(t, stop, os.Interrupt, done, exitSIGINT, errb, cpu, mem)
}

// startInProcess runs the command line in the background with ctx (holding a
// stopper), stderr to errw; the channel gets its exit status.
func startInProcess(ctx context.Context, errw *syncWriter, args ...string) <-chan int {
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, args, stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: errw}, func(string) (string, bool) { return "", false })
	}()
	return done
}

// stopAndCheckProfiles sends sig to the command started by startInProcess, checks
// its exit status is want, and that both profiles were written whole.
func stopAndCheckProfiles(t *testing.T, stop *stopper, sig os.Signal, done <-chan int, want int, errb *syncWriter, cpu, mem string) {
	t.Helper()
	stop.handle(sig)
	select {
	case code := <-done:
		if code != want {
			errb.mu.Lock()
			t.Errorf("exit %d, want %d\n%s", code, want, errb.w.String())
			errb.mu.Unlock()
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the command did not stop")
	}
	if _, types := readProfile(t, cpu); !hasType(types, "cpu/nanoseconds") {
		t.Errorf("--cpuprofile after %v: sample types %v", sig, types)
	}
	if _, types := readProfile(t, mem); !hasType(types, "inuse_space/bytes") {
		t.Errorf("--memprofile after %v: sample types %v", sig, types)
	}
}

// crawl schedule takes the same flags: stopped by SIGTERM, it writes both
// profiles; with schedule.pprof on, its listen address serves /debug/pprof/.
func TestScheduleProfiles(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "sched.yaml")
	writeFile(t, cfgPath, []byte(fmt.Sprintf(`name: sched
output: {path: %q}
schedule: {pprof: true}
sites:
  - name: later
    schedule: "@yearly"
    start_urls: ["http://127.0.0.1:1/"]
`, filepath.Join(dir, "out", "{site}-{run}.jsonl"))))
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	ctx, stop := newStopper(context.Background())
	defer stop.close()
	errb := &syncWriter{w: &bytes.Buffer{}}
	done := startInProcess(ctx, errb, "schedule", "--config", cfgPath, "--listen", "127.0.0.1:0", "--state", "memory",
		"--cpuprofile", cpu, "--memprofile", mem)
	addrRe := regexp.MustCompile(`serving /metrics and /healthz.*addr=(127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(30 * time.Second); addr == ""; time.Sleep(10 * time.Millisecond) {
		errb.mu.Lock()
		if m := addrRe.FindStringSubmatch(errb.w.String()); m != nil {
			addr = m[1]
		}
		errb.mu.Unlock()
		if addr == "" && time.Now().After(deadline) {
			stop.handle(syscall.SIGTERM)
			t.Fatal("schedule did not start serving")
		}
	}
	if code, body := getURL(t, "http://"+addr+"/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "goroutine profile:") {
		t.Errorf("/debug/pprof/goroutine with schedule.pprof: %d %.200q", code, body)
	}
	stopAndCheckProfiles(t, stop, syscall.SIGTERM, done, exitSIGTERM, errb, cpu, mem)
	if !strings.Contains(errb.w.String(), "serving /debug/pprof/") {
		t.Errorf("no warning that /debug/pprof/ is served:\n%s", errb.w.String())
	}
}

func getURL(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}
