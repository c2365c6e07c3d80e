package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
)

// site0 is a one-site config; each case adds or overrides keys.
const site0 = `
sites:
  - name: blog
    start_urls: ["https://blog.example.org/"]
`

// Every value that cannot work is reported through the validate path with its key
// path and the value quoted as written (not as it would decode: 1e23 is not
// reported as a wrapped-around int64, 30 is not 30ns).
func TestStrictValuesQuotedAsWritten(t *testing.T) {
	tests := []struct {
		name, yaml string
		path       string // key path of the one problem
		value      string // the value quoted back, as written
		is         error
		hint       string // more text the problem must contain
	}{
		// durations without a unit (int, float, quoted), in every duration key
		{"bare timeout", "crawl: {timeout: 30}\n" + site0, "crawl.timeout", "30", config.ErrType, "write 30s"},
		{"bare float delay", "crawl: {delay: 1.5}\n" + site0, "crawl.delay", "1.5", config.ErrType, "write 1.5s"},
		{"quoted bare delay", "crawl: {delay: \"250\"}\n" + site0, "crawl.delay", "250", config.ErrType, "write 250s"},
		{"bare render timeout", "crawl: {render_timeout: 60}\n" + site0, "crawl.render_timeout", "60", config.ErrType, "needs a unit"},
		{"bare lease", "state: {lease: 30}\n" + site0, "state.lease", "30", config.ErrType, "needs a unit"},
		{"bare jitter", "schedule: {jitter: 10}\n" + site0, "schedule.jitter", "10", config.ErrType, "needs a unit"},
		{"bare site delay", site0 + "    delay: 5\n", "sites[0].delay", "5", config.ErrType, "write 5s"},
		{"boolean duration", "crawl: {timeout: yes}\n" + site0, "crawl.timeout", "yes", config.ErrType, "a duration such as"},
		{"bad unit", "crawl: {timeout: 5x}\n" + site0, "crawl.timeout", "5x", config.ErrType, "a duration such as"},
		// durations out of range
		{"tiny timeout", "crawl: {timeout: 50ms}\n" + site0, "crawl.timeout", "50ms", config.ErrRange, "≥ 100ms"},
		{"huge timeout", "crawl: {timeout: 2h}\n" + site0, "crawl.timeout", "2h", config.ErrRange, "≤ 1h"},
		{"zero timeout", "crawl: {timeout: 0}\n" + site0, "crawl.timeout", "0", config.ErrRange, "≥ 100ms"},
		{"short lease", "state: {lease: 100ms}\n" + site0, "state.lease", "100ms", config.ErrRange, "≥ 1s"},
		{"long jitter", "schedule: {jitter: 48h}\n" + site0, "schedule.jitter", "48h", config.ErrRange, "≤ 24h"},
		{"negative site delay", site0 + "    delay: -2s\n", "sites[0].delay", "-2s", config.ErrRange, "≥ 0"},
		{"long render timeout", "crawl: {render_timeout: 1h}\n" + site0, "crawl.render_timeout", "1h", config.ErrRange, "≤ 10m"},
		// integers out of range, quoted as written
		{"parallelism 1e12", "crawl: {parallelism: 1e12}\n" + site0, "crawl.parallelism", "1e12", config.ErrRange, "≤ 1000"},
		{"parallelism 1e8", "crawl: {parallelism: 1e8}\n" + site0, "crawl.parallelism", "1e8", config.ErrRange, "≤ 1000"},
		{"parallelism 1001", "crawl: {parallelism: 1001}\n" + site0, "crawl.parallelism", "1001", config.ErrRange, "≤ 1000"},
		{"parallelism 0", "crawl: {parallelism: 0}\n" + site0, "crawl.parallelism", "0", config.ErrRange, "≥ 1"},
		{"parallelism fraction", "crawl: {parallelism: 2.5}\n" + site0, "crawl.parallelism", "2.5", config.ErrType, "whole number"},
		{"parallelism bool", "crawl: {parallelism: true}\n" + site0, "crawl.parallelism", "true", config.ErrType, "an integer"},
		{"parallelism env-style string", "crawl: {parallelism: \"99999999999999999999\"}\n" + site0, "crawl.parallelism", "99999999999999999999", config.ErrRange, "≤ 1000"},
		{"render parallelism", "crawl: {render_parallelism: 65}\n" + site0, "crawl.render_parallelism", "65", config.ErrRange, "≤ 64"},
		{"max body overflow", "crawl: {max_body_bytes: 99999999999999999999999}\n" + site0, "crawl.max_body_bytes", "99999999999999999999999", config.ErrRange, "≤ 1073741824 (1 GiB)"},
		{"max body 2 GiB", "crawl: {max_body_bytes: 2147483648}\n" + site0, "crawl.max_body_bytes", "2147483648", config.ErrRange, "1 GiB"},
		{"max body tiny", "crawl: {max_body_bytes: 100}\n" + site0, "crawl.max_body_bytes", "100", config.ErrRange, "≥ 1024 (1 KiB)"},
		{"max body negative overflow", "crawl: {max_body_bytes: -1e30}\n" + site0, "crawl.max_body_bytes", "-1e30", config.ErrRange, "≥ 1024"},
		{"retries 21", "crawl: {retries: 21}\n" + site0, "crawl.retries", "21", config.ErrRange, "≤ 20"},
		{"retries negative", "crawl: {retries: -1}\n" + site0, "crawl.retries", "-1", config.ErrRange, "≥ 0"},
		{"retries 1e3", "crawl: {retries: 1e3}\n" + site0, "crawl.retries", "1e3", config.ErrRange, "≤ 20"},
		{"max pages negative", site0 + "    max_pages: -5\n", "sites[0].max_pages", "-5", config.ErrRange, "0 (no limit) or ≥ 1"},
		{"max pages 1e10", site0 + "    max_pages: 1e10\n", "sites[0].max_pages", "1e10", config.ErrRange, "≤ 1000000000"},
		{"max depth", site0 + "    max_depth: 10001\n", "sites[0].max_depth", "10001", config.ErrRange, "≤ 10000"},
		{"rotate records", "output:\n  rotate: {max_records: -1}\n" + site0, "output.rotate.max_records", "-1", config.ErrRange, "0 (no limit)"},
		{"rotate bytes", "output:\n  rotate: {max_bytes: 100}\n" + site0, "output.rotate.max_bytes", "100", config.ErrRange, "0 (no limit) or ≥ 1024"},
		// allowed_domains
		{"domain with scheme", site0 + "    allowed_domains: [\"https://blog.example.org\"]\n", "sites[0].allowed_domains[0]", "https://blog.example.org", config.ErrInvalid, "host name"},
		{"bare wildcard", site0 + "    allowed_domains: [\"*\"]\n", "sites[0].allowed_domains[0]", "*", config.ErrInvalid, "host name"},
		{"empty label", site0 + "    allowed_domains: [\"blog..example.org\"]\n", "sites[0].allowed_domains[0]", "blog..example.org", config.ErrInvalid, "host name"},
		{"port 0", site0 + "    allowed_domains: [\"blog.example.org:0\"]\n", "sites[0].allowed_domains[0]", "blog.example.org:0", config.ErrInvalid, "port"},
		{"port too big", site0 + "    allowed_domains: [\"blog.example.org:99999\"]\n", "sites[0].allowed_domains[0]", "blog.example.org:99999", config.ErrInvalid, "port"},
		{"domains exclude the start URL", site0 + "    allowed_domains: [\"news.example.org\"]\n", "sites[0].allowed_domains", "news.example.org", config.ErrInvalid, `excludes start_urls[0] "https://blog.example.org/"`},
		{"port excludes the start URL", "sites:\n  - name: local\n    start_urls: [\"http://127.0.0.1:8766/\"]\n    allowed_domains: [\"127.0.0.1:8767\"]\n",
			"sites[0].allowed_domains", "127.0.0.1:8767", config.ErrInvalid, `add "127.0.0.1:8766"`},
		{"wildcard excludes the apex", site0 + "    allowed_domains: [\"*.blog.example.org\"]\n", "sites[0].allowed_domains", "*.blog.example.org", config.ErrInvalid, "excludes start_urls[0]"},
		{"domains exclude a sitemap", site0 + "    sitemaps: [\"https://cdn.example.net/sitemap.xml\"]\n    allowed_domains: [\"blog.example.org\"]\n",
			"sites[0].allowed_domains", "blog.example.org", config.ErrInvalid, `excludes sitemaps[0] "https://cdn.example.net/sitemap.xml"`},
		// {site} must not map two sites to one path
		{"site names collide in {site}", "output: {path: \"out/{site}.jsonl\"}\nsites:\n  - name: my blog\n    start_urls: [\"https://a.example.org/\"]\n  - name: my/blog\n    start_urls: [\"https://b.example.org/\"]\n",
			"sites[1].name", "my/blog", config.ErrDuplicate, `becomes "my_blog" for it and for sites[0].name "my blog"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.LoadBytes([]byte(tt.yaml), config.LoadOptions{Env: noEnv, RequireSites: true})
			probs := config.Problems(err)
			if len(probs) != 1 {
				t.Fatalf("want 1 problem, got %d: %v", len(probs), err)
			}
			msg := probs[0].Error()
			if want := tt.path + ": " + strconv.Quote(tt.value) + ": "; !strings.HasPrefix(msg, want) {
				t.Errorf("problem %q does not start with %q", msg, want)
			}
			if !strings.Contains(msg, tt.hint) {
				t.Errorf("problem %q lacks %q", msg, tt.hint)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v) = false: %q", tt.is, msg)
			}
		})
	}
}

// Good spellings of the same keys decode to the values meant, and a bare 0 is a
// duration (0 in any unit).
func TestStrictValuesAccepted(t *testing.T) {
	cfg, err := config.LoadBytes([]byte(`
crawl:
  parallelism: 1e3
  delay: 0
  timeout: 1m30s
  max_body_bytes: 0x100000
  retries: 20
  render_parallelism: "64"
state: {lease: 1s}
schedule: {jitter: 24h}
output:
  rotate: {max_records: 0, max_bytes: 1_048_576}
sites:
  - name: local
    start_urls: ["http://127.0.0.1:8766/", "https://www.example.org/a"]
    sitemaps: ["https://news.example.org:8443/sitemap.xml"]
    allowed_domains: ["127.0.0.1:8766", "[::1]:8766", "example.org", "*.example.org:8443"]
    max_pages: 0
    max_depth: 10000
    delay: 0.0
`), config.LoadOptions{Env: noEnv, RequireSites: true})
	if err != nil {
		t.Fatalf("LoadBytes: %v", err)
	}
	c, s := cfg.Crawl, cfg.Sites[0]
	if c.Parallelism != 1000 || c.Delay != 0 || c.Timeout != 90*time.Second || c.MaxBodyBytes != 1<<20 || c.Retries != 20 || c.RenderParallelism != 64 {
		t.Errorf("crawl = %+v", c)
	}
	if cfg.State.Lease != time.Second || cfg.Schedule.Jitter != 24*time.Hour || cfg.Output.Rotate.MaxBytes != 1<<20 {
		t.Errorf("lease %s, jitter %s, rotate %+v", cfg.State.Lease, cfg.Schedule.Jitter, cfg.Output.Rotate)
	}
	if s.MaxPages != 0 || s.MaxDepth != 10000 || s.Delay == nil || *s.Delay != 0 {
		t.Errorf("site = %+v (delay %v)", s, s.Delay)
	}
}

// Environment overrides are checked as written too, named with their variable; a
// bad file value an override replaces is not used, so not reported.
func TestStrictEnvValues(t *testing.T) {
	env := envMap(map[string]string{
		"CRAWL_CRAWL_TIMEOUT":        "30",
		"CRAWL_CRAWL_PARALLELISM":    "1e12",
		"CRAWL_CRAWL_MAX_BODY_BYTES": "99999999999999999999999",
		"CRAWL_STATE_LEASE":          "5s",
	})
	_, err := config.LoadBytes([]byte("state: {lease: 5}\n"+site0), config.LoadOptions{Env: env})
	want := []string{
		`crawl.max_body_bytes: "99999999999999999999999": must be ≤ 1073741824 (1 GiB) (from CRAWL_CRAWL_MAX_BODY_BYTES)`,
		`crawl.parallelism: "1e12": must be ≤ 1000 (from CRAWL_CRAWL_PARALLELISM)`,
		`crawl.timeout: "30": a duration needs a unit: write 30s (or 30ms, 30m) (from CRAWL_CRAWL_TIMEOUT)`,
	}
	var got []string
	for _, p := range config.Problems(err) {
		got = append(got, p.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A config without site targets is a problem for the commands that crawl, not for
// the others.
func TestRequireSites(t *testing.T) {
	for _, yml := range []string{"", "name: x\n", "sites: []\n"} {
		_, err := config.LoadBytes([]byte(yml), config.LoadOptions{Env: noEnv, RequireSites: true})
		if !errors.Is(err, config.ErrRequired) || !strings.HasPrefix(err.Error(), "sites: required") {
			t.Errorf("%q: got %v, want sites: required", yml, err)
		}
		if _, err := config.LoadBytes([]byte(yml), config.LoadOptions{Env: noEnv}); err != nil {
			t.Errorf("%q without RequireSites: %v", yml, err)
		}
	}
}

// Every int and duration key has a bound, every bound names a key, and the defaults
// are inside their bounds.
func TestEveryNumericKeyHasABound(t *testing.T) {
	var numeric []string
	for _, kp := range keyPathsOf("", "[]", reflect.TypeFor[config.Config]()) {
		if k := kp.typ.Kind(); k == reflect.Int || k == reflect.Int64 {
			numeric = append(numeric, kp.key)
		}
	}
	if len(numeric) < 14 {
		t.Fatalf("only %d numeric keys found: %v", len(numeric), numeric)
	}
	for _, k := range numeric {
		if _, ok := config.Bounds[k]; !ok {
			t.Errorf("numeric key %s has no entry in config.Bounds", k)
		}
	}
	if len(config.Bounds) != len(numeric) {
		t.Errorf("config.Bounds has %d keys, the config %d numeric keys: %v", len(config.Bounds), len(numeric), config.BoundKeys())
	}
	d := config.Default()
	d.Sites = []config.Site{config.SiteDefaults()}
	d.Sites[0].Name, d.Sites[0].StartURLs = "a", []string{"https://a.example.org/"}
	if err := d.Validate(); err != nil {
		t.Errorf("defaults outside their bounds: %v", err)
	}
}

// README's config reference lists every numeric key with its allowed range.
func TestReadmeListsBounds(t *testing.T) {
	rows := readmeConfigTable(t)
	for _, k := range config.BoundKeys() {
		row, ok := rows[k]
		if !ok {
			t.Errorf("README has no config reference row for %s", k)
			continue
		}
		if want := config.Bounds[k].Describe(); !strings.Contains(row.allowed, want) {
			t.Errorf("README.md line %d: the allowed range of %s is %q, want %q", row.line, k, row.allowed, want)
		}
	}
}

// The config file is read with a size cap: an endless file (/dev/zero) or one past
// the cap is refused after reading the cap, naming the file; one at the cap is read.
func TestConfigSizeCap(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err == nil {
		_, err := config.Load("/dev/zero", config.LoadOptions{Env: noEnv})
		if !errors.Is(err, config.ErrTooLarge) || !strings.Contains(err.Error(), "/dev/zero") {
			t.Errorf("/dev/zero: got %v, want ErrTooLarge naming it", err)
		}
	}
	dir := t.TempDir()
	pad := func(n int) []byte {
		b := []byte("# " + strings.Repeat("x", n-3) + "\n")
		return b[:n]
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, pad(config.MaxFileBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(big, config.LoadOptions{Env: noEnv}); !errors.Is(err, config.ErrTooLarge) {
		t.Errorf("file of cap+1 bytes: got %v, want ErrTooLarge", err)
	}
	at := filepath.Join(dir, "at.yaml")
	body := append([]byte("name: capped\n"), pad(config.MaxFileBytes-len("name: capped\n"))...)
	if err := os.WriteFile(at, body, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(at, config.LoadOptions{Env: noEnv})
	if err != nil || cfg.Name != "capped" {
		t.Errorf("file of exactly the cap: name %q, %v", cfg.Name, err)
	}
}
