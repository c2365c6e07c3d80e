package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/healthcrawl/healthcrawl/sample"
	"github.com/healthcrawl/healthcrawl/schedule"
	"github.com/healthcrawl/healthcrawl/store"
)

// namedConfigFile is the demo config for base under another name:, in dir.
func namedConfigFile(t *testing.T, dir, base, name string) string {
	t.Helper()
	b, err := os.ReadFile(demoConfigFile(t, base))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("\nname: demo\n"), []byte("\nname: "+name+"\n"), 1)
	path := filepath.Join(dir, name+".yaml")
	writeFile(t, path, b)
	return path
}

// Two configs with different names in one directory share one state file but
// never runs nor emitted sets: b's first run finds every article new although a
// crawled the same site; stats and reset see only the config's own sites.
func TestPerConfigState(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	dir := t.TempDir()
	a, b := namedConfigFile(t, dir, srv.URL, "a"), namedConfigFile(t, dir, srv.URL, "b")
	db := filepath.Join(dir, ".crawl", "state.db")
	state := "sqlite://" + db
	n := len(sample.ArticlePaths())

	for _, cfg := range []string{a, b} {
		r := runCrawl(t, "", nil, "run", "--config", cfg, "--state", state, "--out", "-")
		if r.code != exitOK {
			t.Fatalf("run %s: exit %d\n%s", cfg, r.code, r.stderr)
		}
		recs := records(t, r.stdout)
		if len(recs) != n {
			t.Fatalf("first run of %s: %d records, want %d", filepath.Base(cfg), len(recs), n)
		}
		for _, rec := range recs {
			if rec.Change != "new" {
				t.Fatalf("first run of %s: %s is %q, want new", filepath.Base(cfg), rec.URL, rec.Change)
			}
		}
	}
	// a again: nothing new, and the summary says why in one line.
	r := runCrawl(t, "", nil, "run", "--config", a, "--state", state, "--out", "-")
	if r.code != exitOK || r.stdout != "" {
		t.Fatalf("second run of a: exit %d, %d bytes\n%s", r.code, len(r.stdout), r.stderr)
	}
	if want := "0 new or changed articles since run 1 ("; !strings.Contains(r.stderr, want) ||
		!strings.Contains(r.stderr, "): "+itoa(n)+" unchanged; --full re-emits every article\n") {
		t.Errorf("second run of a: no one-line reason in the summary:\n%s", r.stderr)
	}

	stats := func(cfg string) []string {
		r := runCrawl(t, "", nil, "state", "stats", "--config", cfg, "--state", state)
		if r.code != exitOK {
			t.Fatalf("state stats %s: exit %d\n%s", cfg, r.code, r.stderr)
		}
		if strings.Count(r.stdout, "\n") != 2 {
			t.Errorf("state stats of %s lists other sites:\n%s", cfg, r.stdout)
		}
		return rowOf(r.stdout, "sample-health")
	}
	// SITE RUN STATE QUEUED LEASED DONE FAILED SEEN EMITTED …
	if f := stats(a); len(f) < 9 || f[1] != "2" || f[2] != "finished" || f[8] != itoa(n) {
		t.Errorf("stats of a = %q, want run 2 finished, %d emitted", f, n)
	}
	if f := stats(b); len(f) < 9 || f[1] != "1" || f[2] != "finished" || f[8] != itoa(n) {
		t.Errorf("stats of b = %q, want run 1 finished, %d emitted", f, n)
	}
	// Without a config the store shows every config's sites under their prefix.
	r = runCrawl(t, "", nil, "state", "stats", "--state", state)
	if rowOf(r.stdout, "a/sample-health") == nil || rowOf(r.stdout, "b/sample-health") == nil {
		t.Errorf("state stats without a config:\n%s", r.stdout)
	}

	// Resetting b leaves a alone.
	r = runCrawl(t, "", nil, "state", "reset", "--config", b, "--state", state, "--yes")
	if r.code != exitOK || strings.TrimSpace(r.stdout) != "reset sample-health" {
		t.Fatalf("reset b: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if f := stats(b); len(f) < 3 || f[1] != "0" || f[2] != "never" {
		t.Errorf("stats of b after its reset = %q", f)
	}
	if f := stats(a); len(f) < 9 || f[1] != "2" || f[8] != itoa(n) {
		t.Errorf("stats of a after b's reset = %q", f)
	}
}

// crawl state reset asks on a terminal, refuses without one unless --yes.
func TestStateResetConfirmation(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "state.db")
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+db)
	if err != nil {
		t.Fatal(err)
	}
	for _, site := range []string{"x", "y"} {
		if _, err := st.BeginRun(ctx, site); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	state := "sqlite://" + db
	runs := func() int64 {
		st, err := store.Open(ctx, state)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		s, err := st.Stats(ctx, "x")
		if err != nil {
			t.Fatal(err)
		}
		return s.Run
	}
	question := "reset state of sites x, y in " + db + "? [y/N] "

	// No terminal, no --yes: exit 2, nothing deleted.
	r := runCrawl(t, "y\n", nil, "state", "reset", "--state", state)
	if r.code != exitUsage || !strings.Contains(r.stderr, "not a terminal") || !strings.Contains(r.stderr, "--yes") || runs() != 1 {
		t.Fatalf("reset without a terminal: exit %d, run %d\n%s", r.code, runs(), r.stderr)
	}

	old := isTerminal
	isTerminal = func(io.Reader) bool { return true }
	t.Cleanup(func() { isTerminal = old })
	r = runCrawl(t, "n\n", nil, "state", "reset", "--state", state)
	if r.code != exitPartial || !strings.Contains(r.stderr, question) || !strings.Contains(r.stderr, "nothing was deleted") || runs() != 1 {
		t.Fatalf("reset declined: exit %d, run %d\n%s", r.code, runs(), r.stderr)
	}
	r = runCrawl(t, "y\n", nil, "state", "reset", "--state", state)
	if r.code != exitOK || !strings.Contains(r.stderr, question) || r.stdout != "reset x\nreset y\n" || runs() != 0 {
		t.Fatalf("reset confirmed: exit %d, run %d\n%s%s", r.code, runs(), r.stdout, r.stderr)
	}
	if r := runCrawl(t, "", nil, "state", "reset", "--help"); !strings.Contains(r.stdout, "--yes") || !strings.Contains(r.stdout, "[y/N]") {
		t.Errorf("state reset --help:\n%s", r.stdout)
	}
}

// {run} and {date} in output.path and output.errors_path: each run writes its own
// file; a resumed run expands to the interrupted run's paths (its number and the
// start the state recorded) and appends to them.
func TestRunExpandsRunAndDate(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	dir := t.TempDir()
	cfg := namedConfigFile(t, dir, srv.URL, "news")
	db := filepath.Join(dir, "state.db")
	state := "sqlite://" + db
	out := filepath.Join(dir, "out", "{site}-run{run}-{date}.jsonl")
	n := len(sample.ArticlePaths())
	env := map[string]string{"CRAWL_OUTPUT_ERRORS_PATH": filepath.Join(dir, "out", "errors-{run}.jsonl")}

	r := runCrawl(t, "", env, "run", "--config", cfg, "--state", state, "--out", out)
	if r.code != exitOK {
		t.Fatalf("run 1: exit %d\n%s", r.code, r.stderr)
	}
	ctx := context.Background()
	started := func(want int64) string {
		t.Helper()
		st, err := store.Open(ctx, state)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		s, err := store.WithPrefix(st, "news").Stats(ctx, "sample-health")
		if err != nil || s.Run != want {
			t.Fatalf("stats = %+v, %v; want run %d", s, err, want)
		}
		return s.StartedAt.UTC().Format(config.DateLayout)
	}
	file1 := filepath.Join(dir, "out", "sample-health-run1-"+started(1)+".jsonl")
	if data, err := os.ReadFile(file1); err != nil || bytes.Count(data, []byte("\n")) != n {
		t.Fatalf("run 1 output %s: %d lines, %v; want %d", file1, bytes.Count(data, []byte("\n")), err, n)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "errors-1.jsonl")); err != nil {
		t.Errorf("errors file of run 1: %v", err)
	}

	// An interrupted run 2: begun in the state, one line written to its file.
	st, err := store.Open(ctx, state)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := store.WithPrefix(st, "news").BeginRun(ctx, "sample-health")
	st.Close()
	if err != nil || r2.ID != 2 {
		t.Fatalf("BeginRun = %+v, %v", r2, err)
	}
	file2 := filepath.Join(dir, "out", "sample-health-run2-"+r2.StartedAt.UTC().Format(config.DateLayout)+".jsonl")
	earlier := `{"schema_version":1,"page_type":"article","url":"written-before-the-kill","word_count":0}` + "\n"
	writeFile(t, file2, []byte(earlier))
	r = runCrawl(t, "", env, "run", "--config", cfg, "--state", state, "--out", out)
	if r.code != exitOK {
		t.Fatalf("resumed run 2: exit %d\n%s", r.code, r.stderr)
	}
	data, err := os.ReadFile(file2)
	if err != nil || !bytes.HasPrefix(data, []byte(earlier)) {
		t.Fatalf("resumed run did not append to %s (%v): %.80q", file2, err, data)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "out", "sample-health-run*.jsonl")); len(files) != 2 {
		t.Errorf("output files after the resumed run: %v, want run 1 and run 2", files)
	}

	// {site} needs one site: the demo config has one, so a second one makes it ambiguous.
	b, _ := os.ReadFile(cfg)
	b = append(b, []byte("  - name: other\n    start_urls: [\""+srv.URL+"/\"]\n")...)
	two := filepath.Join(dir, "two.yaml")
	writeFile(t, two, b)
	r = runCrawl(t, "", nil, "run", "--config", two, "--state", state, "--out", out)
	if r.code != exitUsage || !strings.Contains(r.stderr, "{site} needs one site target") {
		t.Errorf("{site} with two sites: exit %d\n%s", r.code, r.stderr)
	}
}

// The errors file is appended to by each run; --overwrite truncates it.
func TestErrorsFileAppendsUnlessOverwrite(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	dir := t.TempDir()
	cfg := demoConfigFile(t, srv.URL)
	errs := filepath.Join(dir, "errors.jsonl")
	writeFile(t, errs, []byte(`{"url":"from-an-earlier-run"}`+"\n"))
	env := map[string]string{"CRAWL_OUTPUT_ERRORS_PATH": errs}
	r := runCrawl(t, "", env, "run", "--config", cfg, "--state", "memory", "--out", filepath.Join(dir, "a.jsonl"))
	if r.code != exitOK {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	if data, _ := os.ReadFile(errs); !bytes.HasPrefix(data, []byte(`{"url":"from-an-earlier-run"}`)) {
		t.Fatalf("a run truncated the errors file: %q", data)
	}
	r = runCrawl(t, "", env, "run", "--config", cfg, "--state", "memory", "--out", filepath.Join(dir, "b.jsonl"), "--overwrite")
	if data, _ := os.ReadFile(errs); r.code != exitOK || bytes.Contains(data, []byte("from-an-earlier-run")) {
		t.Fatalf("--overwrite kept the errors file's earlier lines (exit %d): %q", r.code, data)
	}
	if r := runCrawl(t, "", nil, "run", "--help"); !strings.Contains(r.stdout, "--overwrite") || !strings.Contains(r.stdout, "--full") || !strings.Contains(r.stdout, "{run}") {
		t.Errorf("run --help lacks --overwrite, --full or {run}:\n%s", r.stdout)
	}
}

// A site whose only host refuses connections: exit 1, the cause in the summary.
func TestRunUnreachableSiteFails(t *testing.T) {
	base := refusedURL(t)
	cfg := demoConfigFile(t, base)
	r := runCrawl(t, "", map[string]string{"CRAWL_CRAWL_RETRIES": "0"}, "run", "--config", cfg, "--state", "memory", "--out", "-")
	want := "site sample-health: 0 pages fetched: robots.txt of " + base + " unreachable: connection refused"
	if r.code != exitPartial || !strings.Contains(r.stderr, "FAILED: "+want) || !strings.Contains(r.stderr, "crawl: run: "+want) {
		t.Fatalf("exit %d, want 1 naming %q\n%s", r.code, want, r.stderr)
	}
}

// The schedule's run function returns the unreachable-site error, so the scheduler
// counts the run failed.
func TestCrawlJobUnreachableIsAnError(t *testing.T) {
	base := refusedURL(t)
	cfg := config.Default()
	cfg.Crawl.Retries = 0
	cfg.Sites = []config.Site{{Name: "down", StartURLs: []string{base + "/"}}}
	dir := t.TempDir()
	_, err := crawlJob(cfg, nil, slog.New(slog.DiscardHandler))(context.Background(), schedule.Job{Site: "down", Output: filepath.Join(dir, "out.jsonl")})
	if !errors.Is(err, crawler.ErrNothingFetched) || !strings.Contains(err.Error(), "robots.txt of "+base+" unreachable: connection refused") {
		t.Fatalf("crawlJob error = %v, want 0 pages fetched naming the refused host", err)
	}
}

// refusedURL is the base URL of a loopback port nothing listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String()
}
