package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/sample"
	"github.com/healthcrawl/healthcrawl/store"
)

// `crawl run` with a state file: the second run of an unchanged site writes nothing
// and says so; `crawl state stats` shows the site; `crawl state reset` forgets it.
func TestRunWithStateAndStateCommand(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	cfg := demoConfigFile(t, srv.URL)
	dir := t.TempDir()
	state := "sqlite://" + filepath.Join(dir, "state.db")

	r := runCrawl(t, "", nil, "run", "--config", cfg, "--state", state, "--out", "-")
	if r.code != exitOK {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	recs := records(t, r.stdout)
	if len(recs) != len(sample.ArticlePaths()) {
		t.Fatalf("first run: %d records, want %d", len(recs), len(sample.ArticlePaths()))
	}
	for _, rec := range recs {
		if rec.Change != "new" {
			t.Fatalf("first run: record %s change %q, want new", rec.URL, rec.Change)
		}
	}
	r = runCrawl(t, "", nil, "run", "--config", cfg, "--state", state, "--out", "-")
	if r.code != exitOK || r.stdout != "" {
		t.Fatalf("second run: exit %d, %d bytes of records; want 0 and none\n%s", r.code, len(r.stdout), r.stderr)
	}
	n := len(sample.ArticlePaths())
	if want := "0 / 0 / " + itoa(n) + " / 0"; !strings.Contains(r.stderr, want) {
		t.Errorf("second run summary lacks new/changed/unchanged/gone %q:\n%s", want, r.stderr)
	}

	r = runCrawl(t, "", nil, "state", "stats", "--config", cfg, "--state", state)
	if r.code != exitOK {
		t.Fatalf("state stats: exit %d\n%s", r.code, r.stderr)
	}
	fields := rowOf(r.stdout, "sample-health")
	// SITE RUN STATE(finished) QUEUED LEASED DONE FAILED SEEN EMITTED PAGES STARTED
	if len(fields) < 11 || fields[1] != "2" || fields[2] != "finished" || fields[3] != "0" || fields[4] != "0" || fields[8] != itoa(n) {
		t.Errorf("state stats row = %q\n%s", fields, r.stdout)
	}

	r = runCrawl(t, "", nil, "state", "reset", "--config", cfg, "--state", state, "--site", "sample-health", "--yes")
	if r.code != exitOK || !strings.Contains(r.stdout, "reset sample-health") {
		t.Fatalf("state reset: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCrawl(t, "", nil, "state", "stats", "--config", cfg, "--state", state, "--site", "sample-health")
	if f := rowOf(r.stdout, "sample-health"); len(f) < 3 || f[1] != "0" || f[2] != "never" {
		t.Errorf("stats after reset = %q", f)
	}
	// After the reset every article is new again.
	r = runCrawl(t, "", nil, "run", "--config", cfg, "--state", state, "--out", "-")
	if got := len(records(t, r.stdout)); got != n {
		t.Errorf("run after reset: %d records, want %d", got, n)
	}

	if r := runCrawl(t, "", nil, "state", "stats", "--state", "sqlite://"+filepath.Join(dir, "none.db")); r.code != exitPartial || !strings.Contains(r.stderr, "no crawl state") {
		t.Errorf("stats of a missing file: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCrawl(t, "", nil, "run", "--config", cfg, "--state", "postgres://x", "--out", "-"); r.code != exitUsage {
		t.Errorf("run --state postgres://: exit %d, want 2\n%s", r.code, r.stderr)
	}
}

// `crawl schedule` runs a site on a seconds-level cron into dated files and exits 0
// when its context is cancelled (SIGTERM in main).
func TestScheduleCommand(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	dir := t.TempDir()
	cfgPath := demoConfigFile(t, srv.URL)
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("  - name: sample-health\n"), []byte("  - name: sample-health\n    schedule: \"* * * * * *\"\n"), 1)
	b = bytes.Replace(b, []byte("path: out/demo.jsonl"), []byte("path: "+filepath.Join(dir, "out", "{site}", "{date}.jsonl")), 1)
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, []string{"schedule", "--config", cfgPath, "--listen", "127.0.0.1:0", "--state", "sqlite://" + filepath.Join(dir, "state.db")},
			stdio{in: strings.NewReader(""), out: &out, err: &syncWriter{w: &errb}}, func(string) (string, bool) { return "", false })
	}()
	deadline := time.Now().Add(30 * time.Second)
	var files []string
	for {
		files, _ = filepath.Glob(filepath.Join(dir, "out", "sample-health", "*.jsonl"))
		if len(files) > 0 {
			if data, _ := os.ReadFile(files[0]); bytes.Count(data, []byte("\n")) == len(sample.ArticlePaths()) {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no complete dated output after 30 s: %v", files)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("schedule exit %d after cancel, want 0\n%s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("schedule did not stop after cancel")
	}
}

func rowOf(table, first string) []string {
	for _, line := range strings.Split(table, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == first {
			return f
		}
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// syncWriter serialises writes (the scheduler logs from several goroutines).
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// A run that resumes an interrupted one appends to its output instead of truncating
// it, so the output of both together holds every article once.
func TestResumedRunAppendsToOutput(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	cfg := demoConfigFile(t, srv.URL)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "state.db")
	out := filepath.Join(dir, "records.jsonl")

	// The interrupted run: begun in the state (never finished), one line written.
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	// The demo config is named "demo": its state is under that prefix.
	if _, err := store.WithPrefix(st, "demo").BeginRun(ctx, "sample-health"); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	earlier := `{"schema_version":1,"page_type":"article","url":"written-before-the-kill","word_count":0}` + "\n"
	if err := os.WriteFile(out, []byte(earlier), 0o644); err != nil {
		t.Fatal(err)
	}

	r := runCrawl(t, "", nil, "run", "--config", cfg, "--state", "sqlite://"+dbPath, "--out", out)
	if r.code != exitOK {
		t.Fatalf("resumed run: exit %d\n%s", r.code, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(earlier)) {
		t.Fatalf("the resumed run truncated its output; it starts with %.80q", data)
	}
	if got, want := bytes.Count(data, []byte("\n")), 1+len(sample.ArticlePaths()); got != want {
		t.Errorf("%d lines, want %d (the earlier one and every article)", got, want)
	}

	// A new run after a finished one keeps the output: nothing changed, nothing added.
	r = runCrawl(t, "", nil, "run", "--config", cfg, "--state", "sqlite://"+dbPath, "--out", out)
	if again, _ := os.ReadFile(out); r.code != exitOK || !bytes.Equal(again, data) {
		t.Errorf("unchanged re-run: exit %d, output changed from %d to %d bytes", r.code, len(data), len(again))
	}
	if !strings.Contains(r.stderr, "0 new or changed articles since run") {
		t.Errorf("unchanged re-run does not say why it wrote nothing:\n%s", r.stderr)
	}
	// --overwrite --full starts it afresh with every current article.
	r = runCrawl(t, "", nil, "run", "--config", cfg, "--state", "sqlite://"+dbPath, "--out", out, "--overwrite", "--full")
	fresh, _ := os.ReadFile(out)
	if r.code != exitOK || bytes.Contains(fresh, []byte("written-before-the-kill")) || bytes.Count(fresh, []byte("\n")) != len(sample.ArticlePaths()) {
		t.Errorf("--overwrite --full: exit %d, earlier line kept %v, %d lines (want %d)", r.code, bytes.Contains(fresh, []byte("written-before-the-kill")), bytes.Count(fresh, []byte("\n")), len(sample.ArticlePaths()))
	}
}
