package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/healthcrawl/healthcrawl/output"
)

// durableOutputs are the outputs of the kill tests, as output.Read reads them.
var durableOutputs = []struct{ path, format string }{
	{"out/records.jsonl", "jsonl"},
	{"out/records.jsonl.gz", "jsonl"},
	{"out/records.db", "sqlite"},
	{"out/files", "files"},
	{"out/records.parquet", "parquet"},
}

// writeDurableConfig writes a config crawling base with every output kind.
func writeDurableConfig(t *testing.T, dir, base string) string {
	t.Helper()
	var sinks strings.Builder
	for _, o := range durableOutputs[1:] {
		fmt.Fprintf(&sinks, "    - {path: %q, format: %s}\n", filepath.Join(dir, o.path), o.format)
	}
	yaml := fmt.Sprintf(`name: durable
crawl:
  parallelism: 4
  delay: 0s
  timeout: 10s
  # The test kills up to 20 runs at random: a page in flight at 4 kills in a row
  # (a loaded machine, where a resume takes longer than the kill delay) must not be
  # taken for a page that crashes the crawler (poison pill: lost more than retries times).
  retries: 20
state:
  url: sqlite://%s
output:
  path: %q
  sinks:
%ssites:
  - name: bench
    start_urls: [%q]
    articles: ['/article/[0-9]+$']
    max_depth: 100
    max_pages: 100000
`, filepath.Join(dir, "state.db"), filepath.Join(dir, durableOutputs[0].path), sinks.String(), base+"/")
	cfg := filepath.Join(dir, "durable.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startCrawl starts `crawl run` in a child process.
func startCrawl(t *testing.T, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFleetWorkerChild$")
	cmd.Env = append(os.Environ(), fleetChildEnv+"="+string(raw))
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, stderr
}

// killRuns starts `crawl run --config cfg` n times and SIGKILLs each after a random
// 30 ms + [0, spread); it returns how many were killed mid-crawl (the others had
// finished: a run that fails before the kill fails the test).
func killRuns(t *testing.T, cfg string, n int, spread time.Duration) int {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), uint64(time.Now().UnixNano())))
	kills := 0
	for i := range n {
		cmd, stderr := startCrawl(t, "run", "--config", cfg, "--log-level", "warn")
		time.Sleep(30*time.Millisecond + time.Duration(rng.Int64N(int64(spread))))
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			kills++
		} else if err != nil {
			t.Fatalf("run %d exited before the kill with %v\n%s", i, err, tail(stderr.String(), 3000))
		}
	}
	return kills
}

// countOutputs reads every output and counts its records by URL.
func countOutputs(t *testing.T, dir string) map[string]map[string]int {
	t.Helper()
	paths := map[string]string{}
	for _, o := range durableOutputs {
		paths[filepath.Join(dir, o.path)] = o.format
	}
	got := map[string]map[string]int{}
	for p, c := range countOutputsAt(t, paths) {
		rel, _ := filepath.Rel(dir, p)
		got[rel] = c
	}
	return got
}

// repeated lists the URLs counted more than once, sorted.
func repeated(c map[string]int) []string {
	var dups []string
	for u, n := range c {
		if n != 1 {
			dups = append(dups, fmt.Sprintf("%s ×%d", u, n))
		}
	}
	sort.Strings(dups)
	return dups
}

// leftovers lists the temporary files under dir/out.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(filepath.Join(dir, "out"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// A crawl with every output kind (jsonl, jsonl.gz, sqlite, files, parquet) and a
// SQLite state, SIGKILLed at 20 random moments and resumed each time: in the end
// every output holds every article exactly once, the outputs agree, and no
// temporary file is left.
func TestKillResumeEveryOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 21 crawl processes")
	}
	site := crawler.BenchSite{Pages: 120, PerList: 20, Latency: 3 * time.Millisecond}
	hs := httptest.NewServer(site)
	defer hs.Close()
	dir := t.TempDir()
	cfg := writeDurableConfig(t, dir, hs.URL)
	kills := killRuns(t, cfg, 20, 400*time.Millisecond)
	cmd, stderr := startCrawl(t, "run", "--config", cfg, "--log-level", "warn")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final run: %v\n%s", err, tail(stderr.String(), 3000))
	}
	if kills < 10 {
		t.Errorf("only %d of 20 runs were killed mid-crawl: the site is too quick for this test", kills)
	}
	want := site.Pages
	got := countOutputs(t, dir)
	ref := got[durableOutputs[0].path]
	for _, o := range durableOutputs {
		c := got[o.path]
		dups := repeated(c)
		if len(c) != want || len(dups) > 0 {
			t.Errorf("%s: %d distinct articles (want %d), duplicated: %v", o.path, len(c), want, dups)
		}
		for u := range ref {
			if c[u] == 0 {
				t.Errorf("%s lacks %s, which %s holds", o.path, u, durableOutputs[0].path)
				break
			}
		}
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("temporary files left: %v", l)
	}
	t.Logf("%d of 20 runs killed mid-crawl", kills)
}

// mountTmpfs mounts a tmpfs of size bytes on a new directory, or skips the test
// where the machine does not allow it (not root, no mount namespace).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("cannot mount a size-limited tmpfs here (%v): the injected-ENOSPC test in package crawler covers the sink boundary", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// A real full disk: the outputs live on a 96 KiB tmpfs, which fills up mid-crawl.
// The run exits non-zero naming the error; after the space is grown the resumed run
// writes exactly the missing records; every output parses line by line, with every
// article once.
func TestDiskFullTmpfs(t *testing.T) {
	site := crawler.BenchSite{Pages: 60, PerList: 20}
	hs := httptest.NewServer(site)
	defer hs.Close()
	disk := mountTmpfs(t, 96<<10)
	dir := t.TempDir()
	out := filepath.Join(disk, "records.jsonl")
	gz := filepath.Join(disk, "records.jsonl.gz")
	// A whole-file output on a disk with room: the failed run must not finalise it
	// with records the state never committed.
	pq := filepath.Join(dir, "records.parquet")
	yaml := fmt.Sprintf(`name: diskfull
crawl: {parallelism: 2, delay: 0s, timeout: 10s}
state: {url: "sqlite://%s"}
output:
  path: %q
  sinks:
    - {path: %q}
    - {path: %q}
sites:
  - name: bench
    start_urls: [%q]
    articles: ['/article/[0-9]+$']
`, filepath.Join(dir, "state.db"), out, gz, pq, hs.URL+"/")
	cfg := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCrawl(t, "", nil, "run", "--config", cfg, "--log-level", "error")
	if r.code == 0 || !strings.Contains(r.stderr, "no space left on device") {
		t.Fatalf("run on a full disk: exit %d, want non-zero naming ENOSPC; stderr:\n%s", r.code, tail(r.stderr, 3000))
	}
	if b, err := os.ReadFile(out); err != nil || bytes.Count(b, []byte("\n")) >= site.Pages {
		t.Fatalf("the full disk took %d lines of %d records (err %v): want the disk to fill before the end", bytes.Count(b, []byte("\n")), site.Pages, err)
	}
	if err := syscall.Mount("tmpfs", disk, "tmpfs", syscall.MS_REMOUNT, "size=16m"); err != nil {
		t.Fatalf("grow the tmpfs: %v", err)
	}
	r = runCrawl(t, "", nil, "run", "--config", cfg, "--log-level", "error")
	if r.code != 0 {
		t.Fatalf("resumed run: exit %d\n%s", r.code, tail(r.stderr, 3000))
	}
	after := countOutputsAt(t, map[string]string{out: "jsonl", gz: "jsonl", pq: "parquet"})
	for p, c := range after {
		dups := repeated(c)
		if len(c) != site.Pages || len(dups) > 0 {
			t.Errorf("%s after the resume: %d distinct articles (want %d), duplicated %v", p, len(c), site.Pages, dups)
		}
	}
}

// countOutputsAt reads each path in its format and counts records by URL; a torn or
// invalid line fails the test.
func countOutputsAt(t *testing.T, paths map[string]string) map[string]map[string]int {
	t.Helper()
	got := map[string]map[string]int{}
	for p, format := range paths {
		c := map[string]int{}
		if err := output.Read(context.Background(), format, p, func(a *article.Article) error { c[a.URL]++; return nil }); err != nil {
			t.Errorf("read %s: %v", p, err)
		}
		got[p] = c
	}
	return got
}

// Rotated outputs (numbered parts of 15 records: jsonl.gz and parquet) through 10
// SIGKILLs and resumes: the parts together hold every article exactly once, and
// no temporary or spool file is left.
func TestKillResumeRotated(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 11 crawl processes")
	}
	site := crawler.BenchSite{Pages: 80, PerList: 20, Latency: 15 * time.Millisecond}
	hs := httptest.NewServer(site)
	defer hs.Close()
	dir := t.TempDir()
	yaml := fmt.Sprintf(`name: rotated
crawl: {parallelism: 4, delay: 0s, timeout: 10s, retries: 20} # retries: see writeDurableConfig
state: {url: "sqlite://%s"}
output:
  path: %q
  sinks:
    - {path: %q}
  rotate: {max_records: 15}
sites:
  - name: bench
    start_urls: [%q]
    articles: ['/article/[0-9]+$']
`, filepath.Join(dir, "state.db"), filepath.Join(dir, "out", "r.jsonl.gz"), filepath.Join(dir, "out", "r.parquet"), hs.URL+"/")
	cfg := filepath.Join(dir, "r.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	kills := killRuns(t, cfg, 10, 300*time.Millisecond)
	if kills < 5 {
		t.Errorf("only %d of 10 runs were killed mid-crawl", kills)
	}
	cmd, stderr := startCrawl(t, "run", "--config", cfg, "--log-level", "warn")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final run: %v\n%s", err, tail(stderr.String(), 3000))
	}
	for _, pat := range []struct{ glob, format string }{{"r-*.jsonl.gz", "jsonl"}, {"r-*.parquet", "parquet"}} {
		parts, _ := filepath.Glob(filepath.Join(dir, "out", pat.glob))
		files := map[string]string{}
		for _, p := range parts {
			files[p] = pat.format
		}
		c := map[string]int{}
		for _, per := range countOutputsAt(t, files) {
			for u, n := range per {
				c[u] += n
			}
		}
		dups := repeated(c)
		if len(c) != site.Pages || len(dups) > 0 {
			t.Errorf("%s (%d parts): %d distinct articles (want %d), duplicated %v", pat.glob, len(parts), len(c), site.Pages, dups)
		}
	}
	var hidden []string
	entries, _ := os.ReadDir(filepath.Join(dir, "out"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			hidden = append(hidden, e.Name())
		}
	}
	if len(hidden) > 0 {
		t.Errorf("left in the output directory: %v", hidden)
	}
}
