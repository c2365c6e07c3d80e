package main

import (
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

// countOutputs reads every output and counts its records by URL.
func countOutputs(t *testing.T, dir string) map[string]map[string]int {
	t.Helper()
	got := map[string]map[string]int{}
	for _, o := range durableOutputs {
		c := map[string]int{}
		err := output.Read(context.Background(), o.format, filepath.Join(dir, o.path), func(a *article.Article) error {
			c[a.URL]++
			return nil
		})
		if err != nil {
			t.Errorf("read %s: %v", o.path, err)
		}
		got[o.path] = c
	}
	return got
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
	rng := rand.New(rand.NewPCG(13, uint64(time.Now().UnixNano())))
	kills := 0
	for i := 0; i < 20; i++ {
		cmd, stderr := startCrawl(t, "run", "--config", cfg, "--log-level", "warn")
		time.Sleep(time.Duration(30+rng.IntN(400)) * time.Millisecond)
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
		var dups []string
		for u, n := range c {
			if n != 1 {
				dups = append(dups, fmt.Sprintf("%s ×%d", u, n))
			}
		}
		sort.Strings(dups)
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
