package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/config"
)

func noEnv(string) (string, bool) { return "", false }

func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

const goodSite = `
sites:
  - name: blog
    start_urls: ["https://example.org/"]
`

func TestLoadDefaultsOnly(t *testing.T) {
	cfg, err := config.Load("", config.LoadOptions{Env: noEnv})
	if err != nil {
		t.Fatalf("Load(\"\"): %v", err)
	}
	if diff := cmp.Diff(config.Default(), cfg); diff != "" {
		t.Errorf("defaults differ (-want +got):\n%s", diff)
	}
}

func TestLoadFileOverridesAndSiteDefaults(t *testing.T) {
	yaml := `
name: mine
crawl:
  delay: 1s
  parallelism: 8
output:
  path: "-"
pipeline:
  stages:
    - name: normalize
    - name: filter
      options: {min_words: 50}
sites:
  - name: blog
    start_urls: ["https://example.org/"]
    max_depth: 2
    delay: 3s
    obey_robots: false
  - name: news
    sitemaps: ["https://news.example.org/sitemap.xml"]
`
	cfg, err := config.LoadBytes([]byte(yaml), config.LoadOptions{Env: noEnv})
	if err != nil {
		t.Fatalf("LoadBytes: %v", err)
	}
	want := config.Default()
	want.Name = "mine"
	want.Crawl.Delay = time.Second
	want.Crawl.Parallelism = 8
	want.Output.Path = "-"
	want.Pipeline.Stages = []config.StageConfig{{Name: "normalize"}, {Name: "filter", Options: map[string]any{"min_words": 50}}}
	blog := config.SiteDefaults()
	blog.Name, blog.StartURLs, blog.MaxDepth = "blog", []string{"https://example.org/"}, 2
	d, f := 3*time.Second, false
	blog.Delay, blog.ObeyRobots = &d, &f
	news := config.SiteDefaults()
	news.Name, news.Sitemaps = "news", []string{"https://news.example.org/sitemap.xml"}
	want.Sites = []config.Site{blog, news}
	opt := cmp.Transformer("emptyNil", func(m map[string]any) map[string]any {
		if len(m) == 0 {
			return nil
		}
		return m
	})
	if diff := cmp.Diff(want, cfg, opt); diff != "" {
		t.Errorf("config differs (-want +got):\n%s", diff)
	}
}

// Every scalar key can be overridden by CRAWL_<SECTION>_<KEY>, including keys the
// file does not mention (spf13/viper#761).
func TestEnvOverridesEveryKey(t *testing.T) {
	env := map[string]string{
		"CRAWL_NAME":                        "fromenv",
		"CRAWL_CRAWL_USER_AGENT":            "ua/1",
		"CRAWL_CRAWL_PARALLELISM":           "2",
		"CRAWL_CRAWL_DELAY":                 "750ms",
		"CRAWL_CRAWL_TIMEOUT":               "5s",
		"CRAWL_CRAWL_MAX_BODY_BYTES":        "4096",
		"CRAWL_CRAWL_RETRIES":               "0",
		"CRAWL_CRAWL_OBEY_ROBOTS":           "false",
		"CRAWL_CRAWL_RENDER_PARALLELISM":    "4",
		"CRAWL_CRAWL_RENDER_TIMEOUT":        "7s",
		"CRAWL_CRAWL_RENDER_BINARY":         "/opt/chromium/chrome",
		"CRAWL_CRAWL_FETCHER":               "http",
		"CRAWL_CRAWL_RENDERER":              "chromium",
		"CRAWL_CRAWL_NETWORK_ALLOW_PRIVATE": "true",
		"CRAWL_CRAWL_NETWORK_ALLOW":         "10.1.0.0/16",
		"CRAWL_CRAWL_MAX_SITEMAP_BYTES":     "2048",
		"CRAWL_CRAWL_MAX_LINKS_PER_PAGE":    "500",
		"CRAWL_CRAWL_STRIP_PARAMS":          "sid,token*",
		"CRAWL_CRAWL_STRIP_PARAMS_EXTRA":    "visit",
		"CRAWL_CRAWL_STOP_GRACE":            "2s",
		"CRAWL_SCHEDULE_STATS_PATH":         "out/{site}-{run}.stats.json",
		"CRAWL_OUTPUT_PATH":                 "-",
		"CRAWL_OUTPUT_FORMAT":               "text",
		"CRAWL_OUTPUT_ERRORS_PATH":          "out/errors.jsonl",
		"CRAWL_OUTPUT_ROTATE_MAX_RECORDS":   "1000",
		"CRAWL_OUTPUT_ROTATE_MAX_BYTES":     "1048576",
		"CRAWL_OUTPUT_CSV_RAW":              "true",
		"CRAWL_STATE_URL":                   "memory",
		"CRAWL_SCHEDULE_LISTEN":             "127.0.0.1:1",
		"CRAWL_STATE_LEASE":                 "10s",
		"CRAWL_SCHEDULE_JITTER":             "1m",
		"CRAWL_STATE_PREFIX":                "nightly",
		"CRAWL_STATE_FLEET_LIMITS":          "false",
		"CRAWL_SCHEDULE_PPROF":              "true",
		"CRAWL_CRAWL_TRAP_RUN_LENGTH":       "50",
	}
	if got, want := len(config.EnvKeys()), len(env); got != want {
		t.Fatalf("EnvKeys has %d keys, test covers %d: %v", got, want, config.EnvKeys())
	}
	for key, name := range config.EnvKeys() {
		if _, ok := env[name]; !ok {
			t.Errorf("key %s (%s) not covered", key, name)
		}
	}
	// The file sets delay; env wins over the file.
	cfg, err := config.LoadBytes([]byte("crawl:\n  delay: 3s\n"+goodSite), config.LoadOptions{Env: envMap(env)})
	if err != nil {
		t.Fatalf("LoadBytes: %v", err)
	}
	want := config.Default()
	want.Name = "fromenv"
	want.Crawl = config.Crawl{UserAgent: "ua/1", Parallelism: 2, Delay: 750 * time.Millisecond, Timeout: 5 * time.Second, MaxBodyBytes: 4096, Retries: 0, ObeyRobots: false,
		RenderParallelism: 4, RenderTimeout: 7 * time.Second, RenderBinary: "/opt/chromium/chrome", Fetcher: "http", Renderer: "chromium",
		Network:         config.Network{AllowPrivate: true, Allow: []string{"10.1.0.0/16"}},
		MaxSitemapBytes: 2048, MaxLinksPerPage: 500, StripParams: []string{"sid", "token*"}, StripParamsExtra: []string{"visit"},
		StopGrace: 2 * time.Second, TrapRunLength: 50}
	want.Output = config.Output{Path: "-", Format: "text", ErrorsPath: "out/errors.jsonl",
		Rotate: config.Rotate{MaxRecords: 1000, MaxBytes: 1 << 20}, CSVRaw: true}
	want.State.URL = "memory"
	want.Schedule.Listen = "127.0.0.1:1"
	want.State.Lease = 10 * time.Second
	want.Schedule.Jitter = time.Minute
	want.Schedule.StatsPath = "out/{site}-{run}.stats.json"
	want.State.Prefix = "nightly"
	want.State.FleetLimits = false
	want.Schedule.Pprof = true
	if diff := cmp.Diff(want, cfg, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "Sites" }, cmp.Ignore())); diff != "" {
		t.Errorf("env not applied (-want +got):\n%s", diff)
	}
}

func TestEnvBadValueReported(t *testing.T) {
	_, err := config.LoadBytes([]byte(goodSite), config.LoadOptions{Env: envMap(map[string]string{"CRAWL_CRAWL_TIMEOUT": "soon"})})
	probs := pathsOf(t, err)
	if diff := cmp.Diff([]string{"crawl.timeout"}, probs); diff != "" {
		t.Errorf("problems (-want +got):\n%s\n%v", diff, err)
	}
	if !errors.Is(err, config.ErrType) {
		t.Errorf("want ErrType, got %v", err)
	}
}

func pathsOf(t *testing.T, err error) []string {
	t.Helper()
	var out []string
	for _, p := range config.Problems(err) {
		var fe *config.FieldError
		if !errors.As(p, &fe) {
			t.Fatalf("problem %q is not a *FieldError", p)
		}
		out = append(out, fe.Path)
	}
	return out
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		wantPath string // several paths: separated by spaces
		wantIs   error
		wantMsg  string // exact rendering of the one problem
	}{
		{"misspelt site key", "sites:\n  - name: a\n    start_urls: [\"http://a.org/\"]\n    folow: [x]\n", "sites[0].folow", config.ErrUnknownKey, `sites[0].folow: unknown key`},
		{"misspelt section key", "crawl:\n  dealy: 1s\n", "crawl.dealy", config.ErrUnknownKey, `crawl.dealy: unknown key`},
		{"unknown section", "crawler: {}\n", "crawler", config.ErrUnknownKey, `crawler: unknown key`},
		{"misspelt selector", goodSite + "    selectors: {titel: h1}\n", "sites[0].selectors.titel", config.ErrUnknownKey, `sites[0].selectors.titel: unknown key`},
		{"misspelt stage key", "pipeline:\n  stages:\n    - nme: normalize\n", "pipeline.stages[0].name pipeline.stages[0].nme", config.ErrUnknownKey, ""},
		{"bad regexp", goodSite + "  - name: b\n    start_urls: [\"http://b.org/\"]\n    follow: [\"(\"]\n", "sites[1].follow[0]", config.ErrInvalidRegexp, `sites[1].follow[0]: "(": invalid regexp: missing closing )`},
		{"bad articles regexp", goodSite + "    articles: [\"a[\"]\n", "sites[0].articles[0]", config.ErrInvalidRegexp, ""},
		{"bad exclude regexp", goodSite + "    exclude: [\"*x\"]\n", "sites[0].exclude[0]", config.ErrInvalidRegexp, ""},
		{"bad start url", "sites:\n  - name: a\n    start_urls: [\"htp:/x\"]\n", "sites[0].start_urls[0]", config.ErrInvalidURL, `sites[0].start_urls[0]: "htp:/x": must be an absolute http(s) URL`},
		{"relative start url", "sites:\n  - name: a\n    start_urls: [\"/x\"]\n", "sites[0].start_urls[0]", config.ErrInvalidURL, ""},
		{"bad sitemap url", "sites:\n  - name: a\n    sitemaps: [\"ftp://a/s.xml\"]\n", "sites[0].sitemaps[0]", config.ErrInvalidURL, ""},
		{"no start", "sites:\n  - name: a\n", "sites[0].start_urls", config.ErrRequired, ""},
		{"no name", "sites:\n  - start_urls: [\"http://a.org/\"]\n", "sites[0].name", config.ErrRequired, ""},
		{"duplicate name", goodSite + "  - name: blog\n    start_urls: [\"http://b.org/\"]\n", "sites[1].name", config.ErrDuplicate, `sites[1].name: "blog": duplicate of sites[0].name`},
		{"bad domain", goodSite + "    allowed_domains: [\"https://a.org\"]\n", "sites[0].allowed_domains[0]", config.ErrInvalid, ""},
		{"negative delay", "crawl:\n  delay: -1s\n", "crawl.delay", config.ErrRange, `crawl.delay: "-1s": must be ≥ 0`},
		{"negative site delay", goodSite + "    delay: -2s\n", "sites[0].delay", config.ErrRange, `sites[0].delay: "-2s": must be ≥ 0`},
		{"bad duration", "crawl:\n  timeout: 5x\n", "crawl.timeout", config.ErrType, ""},
		{"zero parallelism", "crawl:\n  parallelism: 0\n", "crawl.parallelism", config.ErrRange, `crawl.parallelism: "0": must be ≥ 1`},
		{"string parallelism", "crawl:\n  parallelism: lots\n", "crawl.parallelism", config.ErrType, `crawl.parallelism: "lots": must be an integer`},
		{"zero timeout", "crawl:\n  timeout: 0s\n", "crawl.timeout", config.ErrRange, ""},
		{"zero max body", "crawl:\n  max_body_bytes: 0\n", "crawl.max_body_bytes", config.ErrRange, ""},
		{"negative retries", "crawl:\n  retries: -1\n", "crawl.retries", config.ErrRange, ""},
		{"bad robots", goodSite + "    obey_robots: maybe\n", "sites[0].obey_robots", config.ErrType, `sites[0].obey_robots: "maybe": must be true or false`},
		{"negative depth", goodSite + "    max_depth: -1\n", "sites[0].max_depth", config.ErrRange, ""},
		{"negative pages", goodSite + "    max_pages: -5\n", "sites[0].max_pages", config.ErrRange, ""},
		{"bad cron", goodSite + "    schedule: \"every day\"\n", "sites[0].schedule", config.ErrInvalid, ""},
		{"empty boilerplate", goodSite + "    boilerplate: [\"  \"]\n", "sites[0].boilerplate[0]", config.ErrInvalid, ""},
		{"empty output path", "output:\n  path: \"\"\n", "output.path", config.ErrRequired, ""},
		{"unknown state", "state:\n  url: \"postgres://x\"\n", "state.url", config.ErrInvalid, ""},
		{"sqlite without path", "state:\n  url: \"sqlite://\"\n", "state.url", config.ErrInvalid, ""},
		{"zero lease", "state:\n  lease: 0s\n", "state.lease", config.ErrRange, ""},
		{"negative jitter", "schedule:\n  jitter: -1s\n", "schedule.jitter", config.ErrRange, ""},
		{"bad seconds cron", goodSite + "    schedule: \"61 * * * * *\"\n", "sites[0].schedule", config.ErrInvalid, ""},
		{"bad listen", "schedule:\n  listen: \"nope\"\n", "schedule.listen", config.ErrInvalid, ""},
		{"stage without name", "pipeline:\n  stages:\n    - options: {a: 1}\n", "pipeline.stages[0].name", config.ErrRequired, ""},
		{"site not a map", "sites:\n  - blog\n", "sites[0]", config.ErrType, ""},
		{"section not a map", "crawl: 5\n", "crawl", config.ErrType, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.LoadBytes([]byte(tt.yaml), config.LoadOptions{Env: noEnv})
			if diff := cmp.Diff(strings.Fields(tt.wantPath), pathsOf(t, err)); diff != "" {
				t.Fatalf("problem paths (-want +got):\n%s\nerr: %v", diff, err)
			}
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(%v) = false for %v", tt.wantIs, err)
			}
			if tt.wantMsg != "" && err.Error() != tt.wantMsg {
				t.Errorf("message:\n got %s\nwant %s", err.Error(), tt.wantMsg)
			}
		})
	}
}

// The acceptance case: a misspelt key, a bad regexp and a bad URL in one
// file are all reported in one run.
func TestLoadReportsEverything(t *testing.T) {
	yaml := `
crawl:
  delay: -1s
sites:
  - name: a
    folow: ["/blog/"]
    start_urls: ["htp:/x"]
  - name: b
    start_urls: ["https://b.example.org/"]
    follow: ["("]
`
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, config.LoadOptions{Env: noEnv})
	want := []string{"crawl.delay", "sites[0].folow", "sites[0].start_urls[0]", "sites[1].follow[0]"}
	if diff := cmp.Diff(want, pathsOf(t, err)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	var fe *config.FileError
	if !errors.As(err, &fe) || fe.Path != path {
		t.Errorf("error does not name the file: %v", err)
	}
	// Known keys are still decoded.
	if len(cfg.Sites) != 2 || cfg.Sites[1].Name != "b" || cfg.Sites[0].MaxPages != config.SiteDefaults().MaxPages {
		t.Errorf("sites not decoded: %+v", cfg.Sites)
	}
}

func TestChecksRunAndSkipBadPaths(t *testing.T) {
	check := func(c *config.Config) []error {
		var errs []error
		for i, s := range c.Sites {
			if s.Selectors.Content == "<<" {
				errs = append(errs, &config.FieldError{Path: "sites[" + string(rune('0'+i)) + "].selectors.content", Value: "<<", Err: errors.New("bad selector")})
			}
		}
		return errs
	}
	_, err := config.LoadBytes([]byte(goodSite+"    selectors: {content: \"<<\"}\n"), config.LoadOptions{Env: noEnv, Checks: []config.Check{check}})
	if diff := cmp.Diff([]string{"sites[0].selectors.content"}, pathsOf(t, err)); diff != "" {
		t.Errorf("check problems (-want +got):\n%s", diff)
	}
}

func TestLoadMissingFileAndBadYAML(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), "nope.yaml"), config.LoadOptions{Env: noEnv})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: want ErrNotExist, got %v", err)
	}
	_, err = config.LoadBytes([]byte("sites: [\n"), config.LoadOptions{Env: noEnv})
	if err == nil || !strings.Contains(err.Error(), "parse YAML") {
		t.Errorf("bad YAML: got %v", err)
	}
}

func TestRules(t *testing.T) {
	s := config.Site{Name: "a", Follow: []string{`/blog/`}, Articles: []string{`/blog/[a-z-]+$`}, Exclude: []string{`\?replytocom=`}}
	r, err := s.Rules()
	if err != nil {
		t.Fatal(err)
	}
	if !config.Match(r.Articles, "https://a.org/blog/sleep-tips") || config.Match(r.Articles, "https://a.org/blog/page/2") {
		t.Errorf("articles rule matched wrongly")
	}
	if !config.Match(r.Exclude, "https://a.org/x?replytocom=3") || !config.Match(r.Follow, "https://a.org/blog/page/2") {
		t.Errorf("exclude/follow rule did not match")
	}
	if _, err := (config.Site{Name: "b", Exclude: []string{"("}}).Rules(); !errors.Is(err, config.ErrInvalidRegexp) {
		t.Errorf("bad pattern: got %v", err)
	}
}

func TestUnder(t *testing.T) {
	base := errors.New(`selectors.content: invalid selector "div[": expected ]`)
	fe := config.Under("sites[2]", base)
	if fe.Path != "sites[2].selectors.content" || fe.Error() != `sites[2].selectors.content: invalid selector "div[": expected ]` || !errors.Is(fe, base) {
		t.Errorf("Under = %q (path %q)", fe.Error(), fe.Path)
	}
	fe = config.Under("", errors.New(`pipeline.stages[0].name: "x": unknown stage`))
	if fe.Path != "pipeline.stages[0].name" {
		t.Errorf("path = %q", fe.Path)
	}
	fe = config.Under("pipeline", errors.New("something went wrong: badly"))
	if fe.Path != "pipeline" {
		t.Errorf("free text taken as a key: %q", fe.Path)
	}
}
