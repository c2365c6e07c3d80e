package config_test

import (
	"errors"
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
