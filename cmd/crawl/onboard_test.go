package main

import (
	"bytes"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/sample"
)

// The first hour of a new user, with the real binary (issue 16): crawl run --url
// on the bundled sample site, crawl init, crawl validate, crawl --version.

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// crawlBinary builds cmd/crawl once for the test process (version control
// information stamped as go build does for a user).
func crawlBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "crawl-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "crawl")
		// -buildvcs=auto over a GOFLAGS=-buildvcs=false (a go env setting of some
		// machines), so the binary names its commit; without it when git cannot
		// tell (not a checkout, a repository git refuses).
		out, err := exec.Command("go", "build", "-buildvcs=auto", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			out, err = exec.Command("go", "build", "-buildvcs=false", "-o", binPath, ".").CombinedOutput()
		}
		if err != nil {
			binErr = err
			binPath = string(out)
		}
	})
	if binErr != nil {
		t.Fatalf("go build: %v\n%s", binErr, binPath)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// runBin runs the binary in dir with a minimal environment plus env.
func runBin(t *testing.T, dir string, env []string, args ...string) ran {
	t.Helper()
	cmd := exec.Command(crawlBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("crawl %q: %v", args, err)
	}
	return ran{code: code, stdout: out.String(), stderr: errb.String()}
}

// articlePathsIn reads a JSON Lines output and returns the sorted URL paths of its
// records, checking that none is a listing page and that each names site.
func articlePathsIn(t *testing.T, file, site string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, rec := range records(t, string(data)) {
		u, err := url.Parse(rec.URL)
		if err != nil {
			t.Fatalf("record url %q: %v", rec.URL, err)
		}
		if slices.Contains(sample.ListingPaths(), u.Path) {
			t.Errorf("%s: a record for the listing page %s", file, u.Path)
		}
		if site != "" && rec.Site != site {
			t.Errorf("%s: record %s has site %q, want %q", file, u.Path, rec.Site, site)
		}
		if rec.PageType != "article" || rec.WordCount == 0 {
			t.Errorf("%s: record %s: page_type %q, %d words", file, u.Path, rec.PageType, rec.WordCount)
		}
		paths = append(paths, u.Path)
	}
	slices.Sort(paths)
	return paths
}

// `crawl run --url` on the sample site, with no config file and the documented
// defaults (robots.txt, 200ms delay, state in .crawl/state.db), writes one record
// per article page — the article URLs crawl demo writes — and none for listings;
// demo's summary goes to stderr like run's, stdout stays empty.
func TestRunURLSubprocess(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	dir := t.TempDir()
	r := runBin(t, dir, nil, "run", "--url", srv.URL+"/", "--out", "recs.jsonl")
	if r.code != exitOK {
		t.Fatalf("run --url: exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	if r.stdout != "" || !strings.Contains(r.stderr, "articles written") {
		t.Errorf("run --url: stdout %q; summary on stderr:\n%s", r.stdout, r.stderr)
	}
	u, _ := url.Parse(srv.URL)
	got := articlePathsIn(t, filepath.Join(dir, "recs.jsonl"), config.SafePathName(u.Host))
	if diff := cmp.Diff(sample.ArticlePaths(), got); diff != "" {
		t.Errorf("run --url record paths (-article pages +records):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(dir, ".crawl", "state.db")); err != nil {
		t.Errorf("no state at the default state.url: %v", err)
	}

	d := runBin(t, dir, nil, "demo", "--out", "demo.jsonl")
	if d.code != exitOK {
		t.Fatalf("demo: exit %d\nstderr:\n%s", d.code, d.stderr)
	}
	if d.stdout != "" || !strings.Contains(d.stderr, "articles written") {
		t.Errorf("demo: stdout %q, want nothing; stderr:\n%s", d.stdout, d.stderr)
	}
	if diff := cmp.Diff(articlePathsIn(t, filepath.Join(dir, "demo.jsonl"), "sample-health"), got); diff != "" {
		t.Errorf("run --url and demo wrote different articles (-demo +run --url):\n%s", diff)
	}
}

// `crawl init` on the sample site writes a config that names its sitemap and the
// article pattern, passes `crawl validate` (positional and -c) and crawls the
// site into one record per article; it never replaces a file without --force.
func TestInitSubprocess(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	dir := t.TempDir()
	r := runBin(t, dir, nil, "init", srv.URL+"/", "--out", "site.yaml")
	if r.code != exitOK {
		t.Fatalf("init: exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	cfgPath := filepath.Join(dir, "site.yaml")
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\n    start_urls: ['" + srv.URL + "/']\n",
		"\n    sitemaps:\n      - '" + srv.URL + "/sitemap.xml'\n",
		"\n    articles:\n      - '^https?://[^/]+/articles/[^/]+\\.html$'\n",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("init output lacks %q:\n%s", want, data)
		}
	}
	for _, args := range [][]string{{"validate", "site.yaml"}, {"validate", "-c", "site.yaml"}, {"validate", "--config", "site.yaml"}} {
		if v := runBin(t, dir, nil, args...); v.code != exitOK || v.stdout != "config OK: 1 site\n" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, v.code, v.stdout, v.stderr)
		}
	}
	c := runBin(t, dir, nil, "run", "-c", "site.yaml", "--out", "init.jsonl")
	if c.code != exitOK {
		t.Fatalf("run -c site.yaml: exit %d\nstderr:\n%s", c.code, c.stderr)
	}
	if diff := cmp.Diff(sample.ArticlePaths(), articlePathsIn(t, filepath.Join(dir, "init.jsonl"), "")); diff != "" {
		t.Errorf("init config record paths (-article pages +records):\n%s", diff)
	}

	again := runBin(t, dir, nil, "init", srv.URL+"/", "--out", "site.yaml")
	if again.code != exitUsage || !strings.Contains(again.stderr, `--out "site.yaml" exists`) {
		t.Errorf("init over an existing file: exit %d, stderr %q", again.code, again.stderr)
	}
	if now, _ := os.ReadFile(cfgPath); !bytes.Equal(now, data) {
		t.Errorf("init without --force changed the file")
	}
	writeFile(t, cfgPath, []byte("# mine\n"))
	if f := runBin(t, dir, nil, "init", srv.URL+"/", "--out", "site.yaml", "--force"); f.code != exitOK {
		t.Errorf("init --force: exit %d, stderr %q", f.code, f.stderr)
	}
	if now, _ := os.ReadFile(cfgPath); !bytes.Equal(now, data) {
		t.Errorf("init --force wrote another config than the first time:\n%s", now)
	}
}

// `crawl --version` and `crawl version` print the same one line: version, the
// commit the binary was built from (as git knows it), the Go release.
func TestVersionSubprocess(t *testing.T) {
	dir := t.TempDir()
	r := runBin(t, dir, nil, "--version")
	v := runBin(t, dir, nil, "version")
	if r.code != exitOK || v.code != exitOK || r.stdout != v.stdout {
		t.Fatalf("--version: exit %d %q; version: exit %d %q", r.code, r.stdout, v.code, v.stdout)
	}
	line := regexp.MustCompile(`^crawl version \S+, commit (unknown|[0-9a-f]{12}( \(modified\))?), go1\.\S+ \S+/\S+\n$`)
	if !line.MatchString(r.stdout) {
		t.Errorf("version line %q does not match %s", r.stdout, line)
	}
	// A binary built from a checkout names its commit (crawlBinary stamps it when git
	// can tell).
	if rev, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil && len(rev) >= 12 && !strings.Contains(r.stdout, "commit unknown") {
		if !strings.Contains(r.stdout, "commit "+string(rev[:12])) {
			t.Errorf("version line %q does not name the commit %s", r.stdout, rev[:12])
		}
	}
}
