package config_test

import (
	"errors"
	"sort"
	"testing"

	"github.com/healthcrawl/healthcrawl/config"
)

// FuzzEnvOverrides: any values in two CRAWL_* variables load without panicking;
// every problem is a *FieldError with a key path and a cause; a string key that
// loads takes the variable's value exactly.
func FuzzEnvOverrides(f *testing.F) {
	keys := config.EnvKeys()
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	strKeys := map[string]func(config.Config) string{
		"name":                func(c config.Config) string { return c.Name },
		"crawl.user_agent":    func(c config.Config) string { return c.Crawl.UserAgent },
		"crawl.render_binary": func(c config.Config) string { return c.Crawl.RenderBinary },
		"output.path":         func(c config.Config) string { return c.Output.Path },
		"output.format":       func(c config.Config) string { return c.Output.Format },
		"output.errors_path":  func(c config.Config) string { return c.Output.ErrorsPath },
		"state.url":           func(c config.Config) string { return c.State.URL },
		"state.prefix":        func(c config.Config) string { return c.State.Prefix },
		"schedule.listen":     func(c config.Config) string { return c.Schedule.Listen },
	}
	for i, v := range []string{"2", "-1", "1e400", "9999999999999999999999", "750ms", "9999999999h", "true", "maybe", " ", "", "a,b", "\x00", "${HOME}", "{site}-{run}.jsonl", "memory", "redis://", "sqlite://"} {
		f.Add(uint8(i), v, uint8(i*7+3), v+"s")
	}
	f.Fuzz(func(t *testing.T, k1 uint8, v1 string, k2 uint8, v2 string) {
		key1, key2 := names[int(k1)%len(names)], names[int(k2)%len(names)]
		env := map[string]string{keys[key1]: v1, keys[key2]: v2}
		cfg, err := config.LoadBytes([]byte(goodSite), config.LoadOptions{Env: envMap(env)})
		for _, p := range config.Problems(err) {
			var fe *config.FieldError
			if !errors.As(p, &fe) || fe.Path == "" || fe.Err == nil {
				t.Fatalf("%s=%q %s=%q: problem without a key path: %v", keys[key1], v1, keys[key2], v2, p)
			}
		}
		if err != nil {
			return
		}
		// env holds v2 alone when both variables name the same key: so does this map
		for key, v := range map[string]string{key1: v1, key2: v2} {
			if get, ok := strKeys[key]; ok && get(cfg) != v {
				t.Fatalf("%s=%q loaded as %q", keys[key], v, get(cfg))
			}
		}
	})
}
