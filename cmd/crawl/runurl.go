package main

import (
	"errors"
	"net/url"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/spf13/cobra"
)

// siteFlags are run's --url, --sitemap and --articles: one site target given on the
// command line, crawled without a config file (or with the settings of --config).
type siteFlags struct {
	urls, sitemaps, articles []string
}

func (f *siteFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.urls, "url", nil, "crawl this site without a config file: a start URL (repeatable: more start URLs of the same site)")
	cmd.Flags().StringArrayVar(&f.sitemaps, "sitemap", nil, "with --url: a sitemap of the site (repeatable; robots.txt Sitemap: lines are read anyway);\nalone: crawl the site of this sitemap")
	cmd.Flags().StringArrayVar(&f.articles, "articles", nil, "with --url or --sitemap: pages whose URL matches this RE2 are the articles (repeatable)\n(default: the pages the extractor finds to be articles)")
}

// given reports whether the command line names a site (--url or --sitemap).
func (f *siteFlags) given() bool { return len(f.urls)+len(f.sitemaps) > 0 }

// runConfig is the config of a run: the file of --config; or, with --url or
// --sitemap, one site target made of the flags, with every other setting from
// --config when given, else the defaults (config.Default() and CRAWL_* variables).
// The config's own site targets are not crawled then, and --site is refused.
func (a *app) runConfig(path string, sites []string, f *siteFlags) (config.Config, error) {
	if !f.given() {
		switch {
		case len(f.articles) > 0:
			return config.Config{}, usageError("--articles needs --url or --sitemap (in a config, set sites[].articles)")
		case path == "":
			return config.Config{}, usageError("run needs a site: --url URL (one site, no config file) or --config FILE\nRun 'crawl run --help' for usage")
		}
		return a.loadCrawlConfig(path)
	}
	if len(sites) > 0 {
		return config.Config{}, usageError("--site %q with --url: --url crawls its own site only (drop --site; or drop --url to crawl the config's sites)", sites[0])
	}
	site, err := f.site()
	if err != nil {
		return config.Config{}, err
	}
	cfg, err := a.loadConfig(path)
	if err != nil {
		return cfg, err
	}
	cfg.Sites = []config.Site{site}
	if err := validateConfig(&cfg); err != nil {
		return cfg, &exitError{code: exitUsage, err: &configError{path: "--url " + site.Name, err: err}}
	}
	return cfg, nil
}

// site is the site target of the flags, with the per-site defaults
// (config.SiteDefaults): its start URLs and sitemaps, its articles rules, named
// after the host of the first of them. A bad value is a usage error naming it.
func (f *siteFlags) site() (config.Site, error) {
	site := config.SiteDefaults()
	for _, l := range []struct {
		flag string
		in   []string
		out  *[]string
	}{{"--url", f.urls, &site.StartURLs}, {"--sitemap", f.sitemaps, &site.Sitemaps}} {
		for _, raw := range l.in {
			u, err := httpURL(raw)
			if err != nil {
				return site, usageError("%s %q: %v", l.flag, raw, err)
			}
			if site.Name == "" {
				site.Name = siteNameOf(u)
			}
			*l.out = append(*l.out, u.String())
		}
	}
	for _, re := range f.articles {
		if _, err := regexp.Compile(re); err != nil {
			var se *syntax.Error
			msg := err.Error()
			if errors.As(err, &se) {
				msg = se.Code.String()
			}
			return site, usageError("--articles %q: invalid regexp: %s", re, msg)
		}
	}
	site.Articles = append([]string(nil), f.articles...)
	return site, nil
}

// httpURL parses raw as an absolute http(s) URL with a host.
func httpURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("want an absolute http(s) URL such as https://www.example.org/")
	}
	return u, nil
}

// siteNameOf is the site target name of a site given by URL: its host (with the
// port when one is written), made path-safe (config.SafePathName, as {site} in
// output paths): www.example.org, 127.0.0.1_8080.
func siteNameOf(u *url.URL) string {
	name := strings.ToLower(u.Hostname())
	if p := u.Port(); p != "" {
		name += "_" + p
	}
	return config.SafePathName(name)
}

// validateConfig runs every check a loaded config gets (config.Validate and
// configChecks) on a config changed after loading.
func validateConfig(cfg *config.Config) error {
	problems := config.Problems(cfg.Validate())
	for _, check := range configChecks() {
		problems = append(problems, check(cfg)...)
	}
	return errors.Join(problems...)
}
