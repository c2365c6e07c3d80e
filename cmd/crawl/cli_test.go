package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validate takes the config as its argument or with -c/--config, like run; twice
// (different files), two arguments or none are usage errors. The counts in its
// lines are in the right number.
func TestValidateConfigArgument(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	writeFile(t, good, []byte("sites:\n  - name: a\n    start_urls: [\"https://a.example.org/\"]\n  - name: b\n    start_urls: [\"https://b.example.org/\"]\n"))
	one := filepath.Join(dir, "one.yaml")
	writeFile(t, one, []byte("sites:\n  - name: a\n    start_urls: [\"https://a.example.org/\"]\n"))
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, []byte("sites:\n  - name: a\n    start_urls: [\"htp:/x\"]\n"))
	for _, tc := range []struct {
		args       []string
		code       int
		out, inErr string
	}{
		{[]string{"validate", good}, exitOK, "config OK: 2 sites\n", ""},
		{[]string{"validate", "-c", good}, exitOK, "config OK: 2 sites\n", ""},
		{[]string{"validate", "--config", one}, exitOK, "config OK: 1 site\n", ""},
		{[]string{"validate", "--config", one, one}, exitOK, "config OK: 1 site\n", ""},
		{[]string{"validate", bad}, exitUsage, `sites[0].start_urls[0]: "htp:/x": must be an absolute http(s) URL` + "\n", "config " + bad + ": 1 problem\n"},
		{[]string{"validate", "-c", good, one}, exitUsage, "", `config file given twice: --config "` + good + `" and "` + one + `"`},
		{[]string{"validate", good, one}, exitUsage, "", "takes one config file"},
		{[]string{"validate"}, exitUsage, "", "crawl validate needs a config file: crawl validate FILE, or --config FILE"},
	} {
		r := runCrawl(t, "", nil, tc.args...)
		if r.code != tc.code || r.stdout != tc.out || !strings.Contains(r.stderr, tc.inErr) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d, %q, %q", tc.args, r.code, r.stdout, r.stderr, tc.code, tc.out, tc.inErr)
		}
	}
	// Problems in a config a command loads: counted in the right number too.
	r := runCrawl(t, "", nil, "run", "-c", bad)
	if r.code != exitUsage || !strings.Contains(r.stderr, "config "+bad+": 1 problem:\n") {
		t.Errorf("run -c bad: exit %d, stderr %q", r.code, r.stderr)
	}
}

// --out with an extension that names no format is a usage error naming the value
// on run, demo and extract (nothing written); schedule takes its output from the
// config, where output.path is named; --format makes the same path fine.
func TestOutUnknownExtension(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	writeFile(t, cfg, []byte("state: {url: memory}\nsites:\n  - name: a\n    start_urls: [\"http://127.0.0.1:1/\"]\n"))
	page := filepath.Join(dir, "p.html")
	writeFile(t, page, []byte(articleHTML("Hand Washing")))
	xlsx := filepath.Join(dir, "x.xlsx")
	for _, args := range [][]string{
		{"run", "-c", cfg, "--out", xlsx},
		{"run", "--url", "http://127.0.0.1:1/", "--out", xlsx},
		{"demo", "--out", xlsx},
		{"extract", page, "--out", xlsx},
	} {
		r := runCrawl(t, "", nil, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, `--out "`+xlsx+`": extension .xlsx names no output format`) {
			t.Errorf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
		if _, err := os.Stat(xlsx); err == nil {
			t.Fatalf("%q wrote %s", args, xlsx)
		}
	}
	sched := filepath.Join(dir, "s.yaml")
	writeFile(t, sched, []byte("output: {path: "+xlsx+"}\nsites:\n  - name: a\n    start_urls: [\"http://127.0.0.1:1/\"]\n    schedule: \"0 3 * * *\"\n"))
	r := runCrawl(t, "", nil, "schedule", "-c", sched)
	if r.code != exitUsage || !strings.Contains(r.stderr, `output.path: "`+xlsx+`": extension .xlsx names no output format`) {
		t.Errorf("schedule: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runCrawl(t, "", nil, "extract", page, "--out", xlsx, "--format", "jsonl")
	if r.code != exitOK {
		t.Fatalf("extract --format jsonl: exit %d, stderr %q", r.code, r.stderr)
	}
	if data, err := os.ReadFile(xlsx); err != nil || len(records(t, string(data))) != 1 {
		t.Errorf("extract --out x.xlsx --format jsonl: %v, %q", err, data)
	}
}

// In-process, --version and version print the same line (the test binary has no
// commit); the line reads version, commit, Go release.
func TestVersionCommand(t *testing.T) {
	a := runCrawl(t, "", nil, "--version")
	b := runCrawl(t, "", nil, "version")
	if a.code != exitOK || b.code != exitOK || a.stdout != b.stdout || !strings.HasPrefix(a.stdout, "crawl version ") {
		t.Errorf("--version %q (exit %d); version %q (exit %d)", a.stdout, a.code, b.stdout, b.code)
	}
	for _, tc := range []struct {
		v    buildVersion
		want string
	}{
		{buildVersion{Version: "v1.2.0", Commit: "0123456789abcdef0123", Go: "go1.26.1"}, "crawl version v1.2.0, commit 0123456789ab, go1.26.1 "},
		{buildVersion{Version: "(devel)", Commit: "abc", Modified: true, Go: "go1.26.1"}, "crawl version (devel), commit abc (modified), go1.26.1 "},
		{buildVersion{Version: "(devel)", Go: "go1.26.1"}, "crawl version (devel), commit unknown, go1.26.1 "},
	} {
		if got := tc.v.String(); !strings.HasPrefix(got, tc.want) || strings.Contains(got, "\n") {
			t.Errorf("%+v: %q, want prefix %q", tc.v, got, tc.want)
		}
	}
}
