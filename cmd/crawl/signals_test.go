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
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/healthcrawl/healthcrawl/internal/hangsite"
	"github.com/healthcrawl/healthcrawl/sample"
)

// The first signal cancels the command's context and says how many pages are in
// flight; the second cancels the hard stop; the exit status is 128 + the first
// signal's number.
func TestStopperSignals(t *testing.T) {
	for _, tc := range []struct {
		sig   os.Signal
		again string
		code  int
		name  string
	}{
		{os.Interrupt, "Ctrl-C again to stop now", exitSIGINT, "SIGINT"},
		{syscall.SIGTERM, "SIGTERM again to stop now", exitSIGTERM, "SIGTERM"},
	} {
		ctx, stop := newStopper(context.Background())
		var msgs []string
		stop.setNotice(func(m string) { msgs = append(msgs, m) })
		onStart, untrack := stop.track()
		onStart(func() crawler.ProgressSnapshot { return crawler.ProgressSnapshot{InFlight: 3} })
		onStart2, _ := stop.track()
		onStart2(func() crawler.ProgressSnapshot { return crawler.ProgressSnapshot{InFlight: 1} })
		if stopperFrom(ctx) != stop || stop.exitStatus() != 0 {
			t.Fatalf("%s: stopper not in the context, or an exit status before any signal", tc.name)
		}
		stop.handle(tc.sig)
		if ctx.Err() == nil || stop.hardStop().Err() != nil {
			t.Errorf("%s: after one signal: ctx %v, hard %v; want ctx cancelled, hard not", tc.name, ctx.Err(), stop.hardStop().Err())
		}
		untrack()
		stop.handle(tc.sig)
		if stop.hardStop().Err() == nil {
			t.Errorf("%s: hard stop not cancelled by the second signal", tc.name)
		}
		want := []string{
			"stopping: finishing 4 pages in flight (" + tc.again + ")",
			"stopping now: cancelling 1 page in flight (queued again); a third signal kills the process",
		}
		if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: messages %q, want %q", tc.name, msgs, want)
		}
		if stop.exitStatus() != tc.code || signalName(stop.signal()) != tc.name {
			t.Errorf("%s: exit %d (%s), want %d", tc.name, stop.exitStatus(), signalName(stop.signal()), tc.code)
		}
		stop.close()
	}
	var none *stopper
	if none.exitStatus() != 0 || none.hardStop() != nil || none.signal() != nil {
		t.Error("a nil stopper has a signal, an exit status or a hard stop")
	}
	onStart, untrack := none.track()
	if onStart != nil {
		t.Error("a nil stopper tracks jobs")
	}
	untrack()
}

// hangServer is the hangsite test site on loopback.
type hangServer struct {
	*hangsite.Site
	srv *httptest.Server
}

func newHangServer(t *testing.T) *hangServer {
	t.Helper()
	h := &hangServer{Site: hangsite.New(func(p string) string { return crawler.GenArticleHTML(p, "Article "+p, "", "", nil) })}
	h.srv = httptest.NewServer(h.Site)
	t.Cleanup(func() {
		h.Release()
		h.srv.Close()
	})
	return h
}

// config writes a config crawling the hang server into dir with a sqlite state.
func (h *hangServer) config(t *testing.T, dir, grace string) string {
	t.Helper()
	path := filepath.Join(dir, "stop.yaml")
	writeFile(t, path, []byte(fmt.Sprintf(`name: stoptest
crawl:
  parallelism: 2
  delay: 0s
  timeout: 1m
  retries: 0
  stop_grace: %s
state:
  url: sqlite://%s
output:
  path: %s
sites:
  - name: hang
    start_urls: [%q]
    articles: ['/articles/']
`, grace, filepath.Join(dir, "state.db"), filepath.Join(dir, "out.jsonl"), h.srv.URL+"/")))
	return path
}

// In-process: a stop signal during `crawl run` makes the exit status 130 and the
// stats say stopped, with the page in flight still queued.
func TestRunStoppedExitStatus(t *testing.T) {
	h := newHangServer(t)
	dir := t.TempDir()
	cfg := h.config(t, dir, "100ms")
	ctx, stop := newStopper(context.Background())
	defer stop.close()
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, []string{"run", "--config", cfg, "--stats", filepath.Join(dir, "stats.json")},
			stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: &syncWriter{w: &errb}}, func(string) (string, bool) { return "", false })
	}()
	select {
	case <-h.Entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the hanging page was not requested")
	}
	stop.handle(os.Interrupt)
	var code int
	select {
	case code = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop")
	}
	if code != exitSIGINT {
		t.Errorf("exit %d, want 130\n%s", code, errb.String())
	}
	if !regexp.MustCompile(`stopping: finishing \d+ pages? in flight \(Ctrl-C again to stop now\)`).MatchString(errb.String()) {
		t.Errorf("no stop message:\n%s", errb.String())
	}
	st := readStats(t, filepath.Join(dir, "stats.json"))
	if st.ExitStatus != exitSIGINT || st.Status != "stopped" || st.Signal != "SIGINT" || st.StillQueued < 1 || st.Errors != 0 ||
		!strings.Contains(st.Error, "stopped by SIGINT") {
		t.Errorf("stats: exit %d status %q signal %q still queued %d errors %d error %q; want 130 stopped SIGINT ≥ 1 0 'stopped by SIGINT'",
			st.ExitStatus, st.Status, st.Signal, st.StillQueued, st.Errors, st.Error)
	}
}

// buildCrawl builds the command into dir.
func buildCrawl(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "crawl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crawlProc is the built binary running with stderr collected.
type crawlProc struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{}
}

func startBinary(t *testing.T, bin string, args ...string) *crawlProc {
	t.Helper()
	p := &crawlProc{cmd: exec.Command(bin, args...), stderr: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Stderr = p.stderr
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitExit waits for the process to exit, failing the test after limit; it returns
// the exit status and how long it took.
func (p *crawlProc) waitExit(t *testing.T, limit time.Duration) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	select {
	case <-p.done:
	case <-time.After(limit):
		t.Fatalf("still running %s later\n%s", limit, tail(p.stderr.String(), 3000))
	}
	return p.cmd.ProcessState.ExitCode(), time.Since(start)
}

// checkResumable checks the output after a stopped run: every line is a whole
// record; then a second `crawl run` on the same state finishes the job and every
// article is in the output once.
func checkResumable(t *testing.T, bin, cfg string, h *hangServer, out string) {
	t.Helper()
	lines := jsonLines(t, out)
	for _, rec := range lines {
		if strings.HasSuffix(rec, hangsite.Articles[2]) {
			t.Errorf("the interrupted page was written by the stopped run")
		}
	}
	h.Release()
	p := startBinary(t, bin, "run", "--config", cfg)
	if code, _ := p.waitExit(t, 60*time.Second); code != exitOK {
		t.Fatalf("second run: exit %d\n%s", code, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "resuming") {
		t.Errorf("second run did not resume the stopped one:\n%s", p.stderr.String())
	}
	got := map[string]int{}
	for _, u := range jsonLines(t, out) {
		got[u]++
	}
	for _, path := range hangsite.Articles {
		if got[h.srv.URL+path] != 1 {
			t.Errorf("%s written %d times in all, want once (%v)", path, got[h.srv.URL+path], got)
		}
	}
}

// jsonLines parses every line of a JSON Lines output (a torn line fails the test)
// and returns the records' URLs.
func jsonLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var urls []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var rec struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec.URL == "" {
			t.Fatalf("output line is not a whole record (%v): %.200q", err, sc.Text())
		}
		urls = append(urls, rec.URL)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Fatalf("output ends mid-line: %q", tail(string(data), 200))
	}
	return urls
}

var stopMessage = regexp.MustCompile(`stopping: finishing \d+ pages? in flight \(Ctrl-C again to stop now\)`)

// The built binary, stuck on a page that hangs: one SIGINT stops it within
// crawl.stop_grace (1s) and a little, exit status 130, whole records, and a state
// the next run resumes without writing a record twice. Two SIGINTs (the second
// right after the message, with a grace of an hour) stop it at once, the same way.
func TestSIGINTSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildCrawl(t, t.TempDir())
	for _, tc := range []struct {
		name, grace string
		signals     int
	}{
		{"once", "1s", 1},
		{"twice", "1h", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHangServer(t)
			dir := t.TempDir()
			cfg := h.config(t, dir, tc.grace)
			p := startBinary(t, bin, "run", "--config", cfg, "--log-level", "debug")
			defer func() { t.Logf("first run:\n%s", p.stderr.String()) }()
			select {
			case <-h.Entered:
			case <-time.After(60 * time.Second):
				t.Fatalf("the hanging page was not requested\n%s", p.stderr.String())
			}
			if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			sent := time.Now()
			if tc.signals == 2 {
				deadline := time.Now().Add(30 * time.Second)
				for !stopMessage.MatchString(p.stderr.String()) {
					if time.Now().After(deadline) {
						t.Fatalf("no stop message after the first SIGINT:\n%s", p.stderr.String())
					}
					time.Sleep(5 * time.Millisecond)
				}
				if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
					t.Fatal(err)
				}
				sent = time.Now()
			}
			// A hang guard, not a speed assertion: the time is reported.
			code, _ := p.waitExit(t, 11*time.Second)
			took := time.Since(sent)
			t.Logf("exited %s after the last SIGINT (stop_grace %s, %d signal(s))", took.Round(time.Millisecond), tc.grace, tc.signals)
			if code != exitSIGINT {
				t.Errorf("exit %d, want 130\n%s", code, p.stderr.String())
			}
			if !stopMessage.MatchString(p.stderr.String()) {
				t.Errorf("no stop message on stderr:\n%s", p.stderr.String())
			}
			if tc.signals == 2 && !strings.Contains(p.stderr.String(), "stopping now: cancelling") {
				t.Errorf("no message for the second SIGINT:\n%s", p.stderr.String())
			}
			if !strings.Contains(p.stderr.String(), "still queued") {
				t.Errorf("the summary does not show the page still queued:\n%s", p.stderr.String())
			}
			checkResumable(t, bin, cfg, h, filepath.Join(dir, "out.jsonl"))
		})
	}
}

// With stderr to a file, a crawl of at least 20 s logs a progress line every
// --progress-every (2s here): at least elapsed/2 - 1 of them, each with the
// counters, as JSON with --log-format json.
func TestProgressLinesSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("a 20 s crawl of the built binary")
	}
	dir := t.TempDir()
	bin := buildCrawl(t, dir)
	site := crawler.BenchSite{Pages: 400, PerList: 50, Latency: 200 * time.Millisecond}
	srv := httptest.NewServer(site)
	defer srv.Close()
	cfg := filepath.Join(dir, "bench.yaml")
	writeFile(t, cfg, []byte(fmt.Sprintf(`name: progress
crawl:
  parallelism: 4
  delay: 0s
state:
  url: memory
output:
  path: %s
sites:
  - name: bench
    start_urls: [%q]
    articles: ['/article/[0-9]+$']
    max_depth: 100
`, filepath.Join(dir, "out.jsonl"), srv.URL+"/")))
	errf, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()
	cmd := exec.Command(bin, "run", "--config", cfg, "--progress-every", "2s", "--log-format", "json", "--stats", filepath.Join(dir, "stats.json"))
	cmd.Stderr = errf
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	if err := cmd.Run(); err != nil {
		t.Fatalf("crawl: %v", err)
	}
	st := readStats(t, filepath.Join(dir, "stats.json"))
	logged, err := os.ReadFile(filepath.Join(dir, "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	var progress []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(logged)), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("stderr line is not JSON: %q", l)
		}
		if rec["msg"] == "progress" {
			progress = append(progress, rec)
		}
	}
	want := int(st.ElapsedSeconds/2) - 1
	t.Logf("crawl of %.1f s (%d pages): %d progress lines", st.ElapsedSeconds, st.PagesFetched, len(progress))
	if st.ElapsedSeconds < 20 {
		t.Errorf("the crawl took %.1f s, want ≥ 20 s for this test", st.ElapsedSeconds)
	}
	if len(progress) < want {
		t.Errorf("%d progress lines in %.1f s every 2 s, want ≥ %d", len(progress), st.ElapsedSeconds, want)
	}
	last := 0.0
	for i, rec := range progress {
		el, _ := rec["elapsed_s"].(float64)
		if el <= last {
			t.Errorf("progress line %d: elapsed_s %v after %v", i, el, last)
		}
		last = el
		for _, k := range []string{"fetched", "queued", "in_flight", "pages_per_s", "pages_per_s_avg", "articles", "errors"} {
			if _, ok := rec[k].(float64); !ok {
				t.Errorf("progress line %d lacks %s: %v", i, k, rec)
			}
		}
	}
	if n := len(progress); n > 0 && progress[n-1]["fetched"].(float64) <= 0 {
		t.Errorf("last progress line fetched 0: %v", progress[n-1])
	}
	if st.ArticlesWritten != site.Pages {
		t.Errorf("%d articles, want %d", st.ArticlesWritten, site.Pages)
	}
}

// crawl schedule with schedule.stats_path writes each run's stats JSON at the
// expanded path; SIGTERM stops it with exit status 143.
func TestScheduleStatsPath(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "sched.yaml")
	writeFile(t, cfgPath, []byte(fmt.Sprintf(`name: sched
crawl: {delay: 0s, parallelism: 4}
output: {path: %q}
schedule: {stats_path: %q}
sites:
  - name: sample-health
    schedule: "* * * * * *"
    start_urls: [%q]
    articles: ['/articles/[a-z0-9-]+\.html$']
`, filepath.Join(dir, "out", "{site}", "{run}.jsonl"), filepath.Join(dir, "stats", "{site}-{run}.json"), srv.URL+"/")))
	ctx, stop := newStopper(context.Background())
	defer stop.close()
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, []string{"schedule", "--config", cfgPath, "--listen", "127.0.0.1:0", "--state", "sqlite://" + filepath.Join(dir, "state.db")},
			stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: &syncWriter{w: &errb}}, func(string) (string, bool) { return "", false })
	}()
	statsFile := filepath.Join(dir, "stats", "sample-health-1.json")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(statsFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			stop.handle(syscall.SIGTERM)
			t.Fatalf("no %s after 30 s\n%s", statsFile, errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop.handle(syscall.SIGTERM)
	select {
	case code := <-done:
		if code != exitSIGTERM {
			t.Errorf("schedule stopped by SIGTERM: exit %d, want 143\n%s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("schedule did not stop")
	}
	if !strings.Contains(errb.String(), "stopping: finishing ") {
		t.Errorf("no stop message:\n%s", errb.String())
	}
	st := readStats(t, statsFile)
	written := len(jsonLines(t, filepath.Join(dir, "out", "sample-health", "1.jsonl")))
	if st.Command != "schedule" || st.Config != "sched" || st.Status != "ok" || st.ExitStatus != 0 || st.ArticlesWritten == 0 ||
		st.ArticlesWritten != written || len(st.Sites) != 1 || st.Sites[0].Name != "sample-health" || st.Sites[0].ArticlesWritten != written {
		t.Errorf("stats: command %q config %q status %q exit %d articles %d (file %d) sites %+v",
			st.Command, st.Config, st.Status, st.ExitStatus, st.ArticlesWritten, written, st.Sites)
	}
}
