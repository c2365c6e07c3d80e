package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/configs"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/spf13/cobra"
)

// One file with a misspelt key, a bad regexp and a bad URL: all three reported by
// key path in one run, exit status 2.
func TestValidateReportsEveryProblem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	writeFile(t, path, []byte(`
sites:
  - name: blog
    start_urls: ["htp:/x"]
    folow: ["/blog/"]
  - name: news
    start_urls: ["https://news.example.org/"]
    follow: ["("]
    selectors:
      content: "div["
pipeline:
  stages:
    - name: normalise
`))
	r := runCrawl(t, "", nil, "validate", "--config", path)
	if r.code != exitUsage {
		t.Errorf("exit %d, want 2", r.code)
	}
	want := []string{
		`pipeline.stages[0].name: "normalise": unknown stage`,
		`sites[0].folow: unknown key`,
		`sites[0].start_urls[0]: "htp:/x": must be an absolute http(s) URL`,
		`sites[1].follow[0]: "(": invalid regexp: missing closing )`,
		`sites[1].selectors.content: invalid selector "div["`,
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), r.stdout)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}

	good := filepath.Join(t.TempDir(), "good.yaml")
	writeFile(t, good, []byte("sites:\n  - name: blog\n    start_urls: [\"https://example.org/\"]\n"))
	if r := runCrawl(t, "", nil, "validate", "--config", good); r.code != exitOK || r.stdout != "config OK: 1 site\n" {
		t.Errorf("good config: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	// Environment overrides are validated too.
	r = runCrawl(t, "", map[string]string{"CRAWL_OUTPUT_FORMAT": "xml", "CRAWL_CRAWL_DELAY": "-1s"}, "validate", "--config", good)
	if r.code != exitUsage || !strings.Contains(r.stdout, `crawl.delay: "-1s": must be ≥ 0`) || !strings.Contains(r.stdout, `output.format: "xml": unknown output format`) {
		t.Errorf("env problems: exit %d stdout %q", r.code, r.stdout)
	}
}

// Every bundled config passes every check (the demo's {{BASE}} filled in).
func TestBundledConfigsPassAllChecks(t *testing.T) {
	names, _ := fs.Glob(configs.Files(), "*.yaml")
	if len(names) == 0 {
		t.Fatal("no bundled configs")
	}
	for _, name := range names {
		data, _ := fs.ReadFile(configs.Files(), name)
		data = bytes.ReplaceAll(data, []byte("{{BASE}}"), []byte("http://127.0.0.1:8080"))
		path := filepath.Join(t.TempDir(), name)
		writeFile(t, path, data)
		if r := runCrawl(t, "", nil, "validate", "--config", path); r.code != exitOK {
			t.Errorf("%s: exit %d\n%s", name, r.code, r.stdout)
		}
	}
}

// `crawl schema` prints a valid JSON Schema that accepts the records extract writes.
func TestSchemaCommand(t *testing.T) {
	r := runCrawl(t, "", nil, "schema")
	if r.code != exitOK || r.stdout != string(article.JSONSchema()) {
		t.Fatalf("exit %d, output differs from article.JSONSchema()", r.code)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("crawl schema output does not compile: %v", err)
	}
	page := filepath.Join(t.TempDir(), "p.html")
	writeFile(t, page, []byte(articleHTML("Sun Safety")))
	out := runCrawl(t, "", nil, "extract", page)
	rec, err := jsonschema.UnmarshalJSON(strings.NewReader(out.stdout))
	if err != nil {
		t.Fatalf("extract output: %v (%q)", err, out.stdout)
	}
	if err := sch.Validate(rec); err != nil {
		t.Errorf("record rejected by the printed schema: %v", err)
	}
	var bad map[string]any
	_ = json.Unmarshal([]byte(out.stdout), &bad)
	bad["page_type"] = "blog"
	if err := sch.Validate(bad); err == nil {
		t.Errorf("schema accepted page_type blog")
	}
}

func TestStagesCommand(t *testing.T) {
	r := runCrawl(t, "", nil, "stages")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "\nnormalize\n") || !strings.Contains(r.stdout, "\nfilter\n") {
		t.Errorf("stages output lacks stages:\n%s", r.stdout)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	good := filepath.Join(t.TempDir(), "good.yaml")
	writeFile(t, good, []byte("sites:\n  - name: blog\n    start_urls: [\"https://example.org/\"]\n"))
	for _, args := range [][]string{
		{"nosuchcommand"},
		{"validate"},
		{"validate", "--config", good, "extra"},
		{"run"},
		{"run", "--config", good, "--site", "nope"},
		{"run", "--config", filepath.Join(t.TempDir(), "missing.yaml")},
		{"extract", "--bogus-flag", "x"},
		{"--log-level", "loud", "schema"},
		{"--log-format", "xml", "schema"},
	} {
		r := runCrawl(t, "", nil, args...)
		if r.code != exitUsage {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "crawl: ") {
			t.Errorf("%q: no error message on stderr: %q", args, r.stderr)
		}
	}
	r := runCrawl(t, "", nil, "--help")
	for _, want := range []string{"Crawling and extracting:", "Configuration and the record:", "Examples:", "extract", "validate", "schema", "demo", "run"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

// The real binary's exit statuses: 0, 1 and 2 (one subprocess test; the others run
// in-process).
func TestExitStatusSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "crawl")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	page := filepath.Join(dir, "p.html")
	writeFile(t, page, []byte(articleHTML("Hand Washing")))
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, []byte("sites:\n  - name: x\n    folow: []\n"))
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"extract", page}, 0},
		{[]string{"extract", page, filepath.Join(dir, "missing.html")}, 1},
		{[]string{"validate", "--config", bad}, 2},
		{[]string{"frobnicate"}, 2},
	} {
		cmd := exec.Command(bin, tc.args...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if code != tc.want {
			t.Errorf("%q: exit %d, want %d", tc.args, code, tc.want)
		}
		if tc.want == 0 && !strings.Contains(stdout.String(), `"source":"`+page+`"`) {
			t.Errorf("%q: stdout %q", tc.args, stdout.String())
		}
	}
}

// A plain error from a command's RunE is a run-time failure (exit 1), not a usage error.
func TestPlainRunErrorIsFailure(t *testing.T) {
	var out, errb bytes.Buffer
	a := &app{stdio: stdio{in: strings.NewReader(""), out: &out, err: &errb}, env: func(string) (string, bool) { return "", false }}
	root := newRootCmd(a)
	boom := &cobra.Command{Use: "boom", RunE: func(*cobra.Command, []string) error { return os.ErrPermission }}
	root.AddCommand(boom)
	wrapRunE(root)
	root.SetArgs([]string{"boom"})
	root.SetOut(&out)
	root.SetErr(&errb)
	if code := exitCode(root.Execute()); code != exitPartial {
		t.Errorf("exit %d, want 1", code)
	}
}

// `crawl bench crawl` crawls a generated loopback site three ways and prints the
// table with every page fetched and every article written by the full crawl.
// In-process site here; TestBenchCrawlSiteProcess serves it from a child process
// of the built binary (the default).
func TestBenchCrawlCommand(t *testing.T) {
	r := runCrawl(t, "", nil, "bench", "crawl", "--pages", "40", "--rounds", "1", "--site-process=false")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	checkBenchCrawlTable(t, r.stdout, "served in this process")
}

func TestBenchCrawlSiteProcess(t *testing.T) {
	r := runBin(t, t.TempDir(), nil, "bench", "crawl", "--pages", "40", "--rounds", "1", "--latency", "1ms")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	checkBenchCrawlTable(t, r.stdout, "served by another process")
}

// checkBenchCrawlTable checks that the full crawl wrote the site's 40 articles and
// the table says where the site was served.
func checkBenchCrawlTable(t *testing.T, out, where string) {
	t.Helper()
	var full []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "healthcrawl (extract+pipeline)") {
			full = strings.Fields(strings.TrimPrefix(line, "healthcrawl (extract+pipeline)"))
		}
	}
	if len(full) < 2 || full[1] != "40" || !strings.Contains(out, "best full / best bare") || !strings.Contains(out, where) {
		t.Errorf("full crawl row %q, want 40 articles, a best-round ratio and %q; output:\n%s", full, where, out)
	}
}
