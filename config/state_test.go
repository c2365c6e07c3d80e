package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/healthcrawl/healthcrawl/config"
)

func TestStatePrefix(t *testing.T) {
	for _, tc := range []struct {
		yaml, want string
	}{
		{"name: nightly\n", "nightly"},
		{"name: nightly\nstate:\n  prefix: crawl-a\n", "crawl-a"},
		{"", "healthcrawl"},
	} {
		cfg, err := config.LoadBytes([]byte(tc.yaml+goodSite), config.LoadOptions{Env: noEnv})
		if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		if got := cfg.StatePrefix(); got != tc.want {
			t.Errorf("%q: StatePrefix() = %q, want %q", tc.yaml, got, tc.want)
		}
	}
	for _, tc := range []struct{ yaml, want string }{
		{"state:\n  prefix: \"a{b}\"\n", `state.prefix: "a{b}": the key prefix`},
		{"name: \"my crawl\"\nstate:\n  url: redis://127.0.0.1:6379/0\n", `name: "my crawl": the key prefix`},
	} {
		_, err := config.LoadBytes([]byte(tc.yaml+goodSite), config.LoadOptions{Env: noEnv})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, config.ErrInvalid) {
			t.Errorf("%q: error %v, want %s (ErrInvalid)", tc.yaml, err, tc.want)
		}
	}
	// A name with spaces is fine with another engine.
	if _, err := config.LoadBytes([]byte("name: \"my crawl\"\n"+goodSite), config.LoadOptions{Env: noEnv}); err != nil {
		t.Errorf("name with a space, sqlite state: %v", err)
	}
}
