package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/healthcrawl/healthcrawl/config"
)

// crawl.strip_params defaults to the session-id list; setting it replaces the list
// (an empty list strips nothing); strip_params_extra adds to it.
func TestStripParamsKeys(t *testing.T) {
	load := func(yaml string) config.Config {
		t.Helper()
		cfg, err := config.LoadBytes([]byte(yaml+goodSite), config.LoadOptions{Env: noEnv})
		if err != nil {
			t.Fatalf("LoadBytes: %v", err)
		}
		return cfg
	}
	if got := load("").Crawl.StripParamList(); !cmp.Equal(got, config.DefaultStripParams) {
		t.Errorf("default list %v, want %v", got, config.DefaultStripParams)
	}
	got := load("crawl:\n  strip_params_extra: [Visit, ' replytocom ', sid]\n").Crawl.StripParamList()
	if want := append(append([]string(nil), config.DefaultStripParams...), "visit", "replytocom"); !cmp.Equal(got, want) {
		t.Errorf("extended list %v, want %v", got, want)
	}
	if got := load("crawl:\n  strip_params: [token, 'x_*']\n").Crawl.StripParamList(); !cmp.Equal(got, []string{"token", "x_*"}) {
		t.Errorf("replaced list %v", got)
	}
	if got := load("crawl:\n  strip_params: []\n").Crawl.StripParamList(); len(got) != 0 {
		t.Errorf("empty list %v, want none", got)
	}
	if got := load("crawl:\n  max_sitemap_bytes: 4096\n").Crawl.MaxSitemapBytes; got != 4096 {
		t.Errorf("max_sitemap_bytes %d", got)
	}
}

func TestStripParamsValidation(t *testing.T) {
	_, err := config.LoadBytes([]byte("crawl:\n  max_sitemap_bytes: 0\n  strip_params: [sid, 'a=b', '*', 'x*y']\n  strip_params_extra: ['', 'has space']\n"+goodSite), config.LoadOptions{Env: noEnv})
	paths := pathsOf(t, err)
	for _, p := range config.Problems(err) {
		if !strings.HasPrefix(p.Error(), "crawl.max_sitemap_bytes") && (!errors.Is(p, config.ErrInvalid) || !strings.Contains(p.Error(), "parameter name")) {
			t.Errorf("problem %v", p)
		}
	}
	want := []string{"crawl.max_sitemap_bytes", "crawl.strip_params[1]", "crawl.strip_params[2]", "crawl.strip_params[3]", "crawl.strip_params_extra[0]", "crawl.strip_params_extra[1]"}
	if d := cmp.Diff(want, paths); d != "" {
		t.Errorf("problems (-want +got):\n%s\n%v", d, err)
	}
}
