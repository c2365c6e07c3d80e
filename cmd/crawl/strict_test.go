package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/sample"
	"github.com/healthcrawl/healthcrawl/schedule"
	"github.com/healthcrawl/healthcrawl/store"
)

// demoConfigBytes is configs/demo.yaml for the sample site at base.
func demoConfigBytes(t *testing.T, base string) []byte {
	t.Helper()
	b, err := os.ReadFile(demoConfigFile(t, base))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const oneSite = "sites:\n  - name: blog\n    start_urls: [\"http://127.0.0.1:8766/\"]\n"

// crawl validate rejects each value of the issue that cannot work, one line naming
// the key path and quoting the value as written, exit status 2. The output checks
// (format by extension) live in this package, so they are tested here.
func TestValidateRejectsValuesThatCannotWork(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		env        map[string]string
		want       string // a line of stdout
	}{
		{"bare timeout", "crawl: {timeout: 30}\n" + oneSite, nil, `crawl.timeout: "30": a duration needs a unit: write 30s (or 30ms, 30m)`},
		{"parallelism 1e12", "crawl: {parallelism: 1e12}\n" + oneSite, nil, `crawl.parallelism: "1e12": must be ≤ 1000`},
		{"parallelism 1e8", "crawl: {parallelism: 1e8}\n" + oneSite, nil, `crawl.parallelism: "1e8": must be ≤ 1000`},
		{"body overflow", "crawl: {max_body_bytes: 99999999999999999999999}\n" + oneSite, nil, `crawl.max_body_bytes: "99999999999999999999999": must be ≤ 1073741824 (1 GiB)`},
		{"domains with a port exclude the start URL", "sites:\n  - name: blog\n    start_urls: [\"http://127.0.0.1:8766/\"]\n    allowed_domains: [\"127.0.0.1:8767\"]\n", nil,
			`sites[0].allowed_domains: "127.0.0.1:8767": excludes start_urls[0] "http://127.0.0.1:8766/", which the crawler would never fetch (add "127.0.0.1:8766")`},
		{"no sites", "name: empty\n", nil, `sites: required: the config has no site targets to crawl`},
		{"unknown extension", "output: {path: out/x.xlsx}\n" + oneSite, nil, `output.path: "out/x.xlsx": extension .xlsx names no output format (known: .csv (csv), .json (json), .gz .jsonl .ndjson (jsonl), .markdown .md (markdown), .parquet (parquet), .db .sqlite .sqlite3 (sqlite), .txt (text); or set the format)`},
		{"gzip of csv", "output: {path: out/x.csv.gz}\n" + oneSite, nil, `output.path: "out/x.csv.gz": extension .csv.gz names no output format (only jsonl is written gzipped: .jsonl.gz)`},
		{"sink extension", "output:\n  sinks: [{path: out/y.xlsx}]\n" + oneSite, nil, `output.sinks[0].path: "out/y.xlsx": extension .xlsx names no output format`},
		{"format against extension", "output: {path: out/x.parquet, format: jsonl}\n" + oneSite, nil,
			`output.format: "jsonl": does not match the path's extension: "out/x.parquet" names parquet; leave the format out, or make them agree`},
		{"env path against file format", "output: {format: csv}\n" + oneSite, map[string]string{"CRAWL_OUTPUT_PATH": "out/x.parquet"},
			`output.format: "csv": does not match the path's extension: "out/x.parquet" names parquet`},
		{"env extension", oneSite, map[string]string{"CRAWL_OUTPUT_PATH": "out/x.xlsx"}, `output.path: "out/x.xlsx": extension .xlsx names no output format`},
		{"env bare duration", oneSite, map[string]string{"CRAWL_STATE_LEASE": "30"}, `state.lease: "30": a duration needs a unit: write 30s (or 30ms, 30m) (from CRAWL_STATE_LEASE)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			writeFile(t, path, []byte(tc.yaml))
			r := runCrawl(t, "", tc.env, "validate", "--config", path)
			if r.code != exitUsage {
				t.Errorf("exit %d, want 2", r.code)
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], tc.want) {
				t.Errorf("stdout:\n%s\nwant one line starting with:\n%s", r.stdout, tc.want)
			}
		})
	}
}

// --config /dev/zero is refused at the size cap with a clear error, exit status 2;
// run refuses the same values as validate (every command that loads the config).
func TestConfigSizeCapAndRunRefuses(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err == nil {
		for _, cmd := range []string{"validate", "run", "schedule"} {
			r := runCrawl(t, "", nil, cmd, "--config", "/dev/zero")
			if r.code != exitUsage || !strings.Contains(r.stdout+r.stderr, "/dev/zero: config file too large: more than 4 MiB") {
				t.Errorf("%s --config /dev/zero: exit %d\nstdout %s\nstderr %s", cmd, r.code, r.stdout, r.stderr)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, path, []byte("crawl: {timeout: 30}\n"+oneSite))
	r := runCrawl(t, "", nil, "run", "--config", path, "--state", "memory")
	if r.code != exitUsage || !strings.Contains(r.stderr, `crawl.timeout: "30": a duration needs a unit`) {
		t.Errorf("run with timeout: 30: exit %d\n%s", r.code, r.stderr)
	}
	empty := filepath.Join(t.TempDir(), "e.yaml")
	writeFile(t, empty, []byte("name: empty\n"))
	r = runCrawl(t, "", nil, "run", "--config", empty, "--state", "memory")
	if r.code != exitUsage || !strings.Contains(r.stderr, "sites: required") {
		t.Errorf("run without sites: exit %d\n%s", r.code, r.stderr)
	}
}

// output.path names the format by its extension wherever it is set: in the file, in
// CRAWL_OUTPUT_PATH and with --out; a flag --format against the path's extension is
// a usage error.
func TestOutputFormatFromExtensionEverywhere(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	dir := t.TempDir()
	base := demoConfigBytes(t, srv.URL)
	n := len(sample.ArticlePaths())
	count := func(path, format string) int {
		t.Helper()
		got := 0
		if err := output.Read(context.Background(), format, path, func(*article.Article) error { got++; return nil }); err != nil {
			t.Fatalf("read %s as %s: %v", path, format, err)
		}
		return got
	}

	fromFile := filepath.Join(dir, "file.parquet")
	cfg := filepath.Join(dir, "file.yaml")
	writeFile(t, cfg, bytes.Replace(base, []byte("path: out/demo.jsonl"), []byte("path: "+strconv.Quote(fromFile)), 1))
	if r := runCrawl(t, "", nil, "run", "--config", cfg, "--state", "memory"); r.code != exitOK {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	if got := count(fromFile, "parquet"); got != n {
		t.Errorf("output.path %s: %d parquet records, want %d", fromFile, got, n)
	}

	fromEnv := filepath.Join(dir, "env.json")
	plain := filepath.Join(dir, "plain.yaml")
	writeFile(t, plain, base)
	if r := runCrawl(t, "", map[string]string{"CRAWL_OUTPUT_PATH": fromEnv}, "run", "--config", plain, "--state", "memory"); r.code != exitOK {
		t.Fatalf("run with CRAWL_OUTPUT_PATH: exit %d\n%s", r.code, r.stderr)
	}
	if got := count(fromEnv, "json"); got != n {
		t.Errorf("CRAWL_OUTPUT_PATH %s: %d json records, want %d", fromEnv, got, n)
	}

	fromFlag := filepath.Join(dir, "flag.csv")
	if r := runCrawl(t, "", nil, "run", "--config", cfg, "--state", "memory", "--out", fromFlag); r.code != exitOK {
		t.Fatalf("run --out: exit %d\n%s", r.code, r.stderr)
	}
	f, err := os.Open(fromFlag)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != n+1 || rows[0][0] != "schema_version" {
		t.Errorf("--out %s: %d CSV rows (%v), want a header and %d", fromFlag, len(rows), err, n)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", filepath.Join(dir, "x.xlsx")}, "extension .xlsx names no output format"},
		{[]string{"--format", "csv"}, `--format "csv": does not match the path's extension`},
		{[]string{"--out", filepath.Join(dir, "y.parquet"), "--format", "jsonl"}, `--format "jsonl": does not match the path's extension`},
	} {
		args := append([]string{"run", "--config", plain, "--state", "memory"}, tc.args...)
		if r := runCrawl(t, "", nil, args...); r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s", tc.args, r.code, tc.want, r.stderr)
		}
	}
}

// {site}, {run} and {date} expand the same in crawl run and crawl schedule (for the
// same run in the state), with the site name made path-safe: a name with "../"
// writes inside the output folder in both.
func TestPlaceholdersRunScheduleParity(t *testing.T) {
	dir := t.TempDir()
	const name = "../../evil site"
	cfg := config.Default()
	site := config.SiteDefaults()
	site.Name, site.StartURLs, site.Schedule = name, []string{"http://127.0.0.1:8766/"}, "@daily"
	cfg.Sites = []config.Site{site}
	cfg.Output.Path = filepath.Join(dir, "out", "{site}", "{run}-{date}.jsonl")
	cfg.Output.ErrorsPath = filepath.Join(dir, "out", "{site}", "errors-{date}.jsonl")
	cfg.Output.Sinks = []config.Sink{{Path: filepath.Join(dir, "out", "{site}", "{date}.parquet")}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st := newBegunStore(store.NewMemory())

	run := cfg
	if err := expandOutput(ctx, st, &run, nil); err != nil {
		t.Fatal(err)
	}
	var job schedule.Job
	sched, err := schedule.New(schedule.Options{
		Config: cfg,
		Run: func(_ context.Context, j schedule.Job) (schedule.Result, error) {
			job = j
			return schedule.Result{}, nil
		},
		Vars: func(ctx context.Context, site string, start time.Time) (config.PathVars, error) {
			return runVars(ctx, st, cfg, []string{site}, start)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	sched.RunNow(ctx, name)
	if diff := cmp.Diff(run.Output, jobOutput(cfg.Output, job)); diff != "" {
		t.Errorf("run and schedule expand differently (-run +schedule):\n%s", diff)
	}
	date := job.Vars.Start.UTC().Format(config.DateLayout)
	want := filepath.Join(dir, "out", "______evil_site", "1-"+date+".jsonl")
	if run.Output.Path != want {
		t.Errorf("output path %q, want %q", run.Output.Path, want)
	}
	for _, p := range run.Output.Paths() {
		if rel, err := filepath.Rel(filepath.Join(dir, "out"), p); err != nil || strings.HasPrefix(rel, "..") || filepath.Dir(rel) != "______evil_site" {
			t.Errorf("%s is not in out/___evil_site (rel %q)", p, rel)
		}
	}
}

// A real crawl run with a hostile site name writes its records inside the output
// folder, under the path-safe name.
func TestRunSiteNameStaysInOutputFolder(t *testing.T) {
	srv := httptest.NewServer(sample.Handler())
	defer srv.Close()
	dir := t.TempDir()
	base := demoConfigBytes(t, srv.URL)
	b := bytes.Replace(base, []byte("path: out/demo.jsonl"), []byte("path: "+strconv.Quote(filepath.Join(dir, "out", "{site}", "{date}.jsonl"))), 1)
	b = bytes.Replace(b, []byte("- name: sample-health"), []byte(`- name: "../escaped"`), 1)
	cfg := filepath.Join(dir, "c.yaml")
	writeFile(t, cfg, b)
	if r := runCrawl(t, "", nil, "run", "--config", cfg, "--state", "memory"); r.code != exitOK {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "out", "___escaped", "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("files in out/___escaped: %v, want one", files)
	}
	if data, err := os.ReadFile(files[0]); err != nil || bytes.Count(data, []byte("\n")) != len(sample.ArticlePaths()) {
		t.Errorf("%s: %d records, %v", files[0], bytes.Count(data, []byte("\n")), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "escaped")); !os.IsNotExist(err) {
		t.Errorf("a folder outside out/ was created: %v", err)
	}
}
