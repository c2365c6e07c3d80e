package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
)

// The render keys: defaults, and each bad value reported under its key path.
func TestRenderKeys(t *testing.T) {
	d := config.Default()
	if d.Crawl.RenderParallelism != 2 || d.Crawl.RenderTimeout != 20*time.Second || config.SiteDefaults().Render != config.RenderNever {
		t.Errorf("defaults: render_parallelism %d, render_timeout %s, render %q; want 2, 20s, never",
			d.Crawl.RenderParallelism, d.Crawl.RenderTimeout, config.SiteDefaults().Render)
	}
	cfg, err := config.LoadBytes([]byte(`
crawl:
  render_parallelism: 0
  render_timeout: 0s
sites:
  - name: spa
    start_urls: ["https://spa.example.org/"]
    render: sometimes
    render_wait_for: "div[["
    render_allow_hosts: ["cdn.example.org", "https://x.example.org/"]
  - name: ok
    start_urls: ["https://ok.example.org/"]
    render: AUTO
    render_wait_for: "article p"
    render_allow_hosts: ["cdn.example.org"]
`), config.LoadOptions{})
	if err == nil {
		t.Fatalf("LoadBytes accepted bad render keys: %+v", cfg)
	}
	for _, want := range []string{
		`crawl.render_parallelism: "0": must be ≥ 1`,
		`crawl.render_timeout: "0s": must be ≥ 1s`,
		`sites[0].render: "sometimes": must be never, always or auto`,
		`sites[0].render_wait_for: "div[[": not a CSS selector`,
		`sites[0].render_allow_hosts[1]: "https://x.example.org/": must be a host name`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "sites[1]") {
		t.Errorf("valid site reported:\n%v", err)
	}
	if got := (config.Site{Render: "AUTO"}).RenderMode(); got != config.RenderAuto {
		t.Errorf("RenderMode(AUTO) = %q", got)
	}
	if got := (config.Site{}).RenderMode(); got != config.RenderNever {
		t.Errorf("RenderMode(\"\") = %q", got)
	}
}
