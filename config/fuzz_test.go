package config_test

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/configs"
)

// FuzzLoadBytes: any input loads without panicking, and every reported problem of a
// parsable document is a *FieldError with a key path.
func FuzzLoadBytes(f *testing.F) {
	f.Add(configs.Example())
	f.Add([]byte("sites:\n  - name: a\n    folow: [x]\n    start_urls: [\"htp:/x\"]\n    follow: [\"(\"]\n"))
	f.Add([]byte("crawl: 5\nsites: {a: 1}\npipeline: {stages: [3, {name: x, options: [1]}]}\n"))
	f.Add([]byte("sites:\n  - - nested\n  - null\n  - {delay: [1], max_depth: {a: b}}\n"))
	f.Add([]byte(": : :\n\t- ["))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := config.LoadBytes(data, config.LoadOptions{Env: noEnv})
		if err == nil {
			return
		}
		for _, p := range config.Problems(err) {
			var fe *config.FieldError
			if !errors.As(p, &fe) {
				return // a YAML syntax error: one plain error
			}
			if fe.Err == nil {
				t.Errorf("FieldError without cause: %#v", fe)
			}
		}
	})
}

// FuzzEnvOverride: any value of any CRAWL_* variable loads without panicking; each
// problem it causes is a *FieldError on that key, naming the value; a value that
// loads gives a config that validates.
func FuzzEnvOverride(f *testing.F) {
	env := config.EnvKeys()
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, v := range []string{"30", "1e12", "99999999999999999999999", "-1s", "0", "2.5", "0x10", "1_000", "true", "", "NaN", "-Inf", "1e-300", "9223372036854775808"} {
		f.Add(uint8(i), v)
	}
	f.Fuzz(func(t *testing.T, i uint8, val string) {
		key := keys[int(i)%len(keys)]
		cfg, err := config.LoadBytes([]byte(goodSite), config.LoadOptions{Env: envMap(map[string]string{env[key]: val})})
		if err == nil {
			if verr := cfg.Validate(); verr != nil {
				t.Fatalf("%s=%q loaded, but the config does not validate: %v", env[key], val, verr)
			}
			return
		}
		for _, p := range config.Problems(err) {
			var fe *config.FieldError
			if !errors.As(p, &fe) || (fe.Path != key && !strings.HasPrefix(fe.Path, key+"[")) { // a list key names its element
				t.Fatalf("%s=%q: problem %q is not on key %s", env[key], val, p, key)
			}
		}
	})
}
