package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dustin/go-humanize/english"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/spf13/cobra"
)

// initOut is where `crawl init` writes by default.
const initOut = "healthcrawl.yaml"

// initRequestTimeout caps crawl.timeout for init's requests (robots.txt, the start
// page and the few pages it reads).
const initRequestTimeout = 15 * time.Second

// initMaxSitemaps bounds the robots.txt sitemaps listed in the config init writes.
const initMaxSitemaps = 20

func newInitCmd(a *app) *cobra.Command {
	var (
		out     string
		force   bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:     "init URL [--out FILE] [--force]",
		GroupID: groupConfig,
		Short:   "Write a commented starter config for the site at URL",
		Long: `init reads a site the way a crawl does (the crawl's fetcher and User-Agent, robots.txt
obeyed, the polite delay) and writes a commented starter config for it to
healthcrawl.yaml (or --out; - = standard output), which crawl validate accepts:
  - the start URL;
  - sitemaps: the Sitemap: lines of the site's robots.txt, when it can be read and
    has some (else a commented-out line to fill in);
  - articles: a URL pattern guessed from the start page: its links are grouped by
    shape (the first path segment as written, the rest as slugs, digits as
    digits: /articles/[^/]+\.html, /2024/[0-9]+/[^/]+/), up to 3 pages of each of
    the 4 most common shapes are read, and a shape whose pages read are all
    articles (by the extractor's page type) becomes a pattern. When none does, the
    key is left commented with the reason: the crawl then extracts every page the
    extractor finds to be an article, which is what crawl run --url does;
  - the main crawl, output and state settings with their defaults, commented.
It reads robots.txt and at most 13 pages (the start page, 3 of each of 4 link
shapes), each request bounded by crawl.timeout (at most 15s), the whole by --timeout. An existing file is never replaced unless --force.`,
		Example: `  crawl init https://www.example.org/                  # writes healthcrawl.yaml
  crawl init https://www.example.org/ --out configs/example-org.yaml
  crawl init https://www.example.org/ --out -          # print it
  crawl init https://www.example.org/ && crawl validate healthcrawl.yaml && crawl run -c healthcrawl.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("%s needs one URL, got %d arguments\nRun '%s --help' for usage", cmd.CommandPath(), len(args), cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runInit(cmd.Context(), args[0], out, force, timeout)
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", initOut, "config file to write, - = standard output")
	cmd.Flags().BoolVar(&force, "force", false, "replace the file if it exists")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "give up reading the site after this long")
	return cmd
}

func (a *app) runInit(ctx context.Context, raw, out string, force bool, timeout time.Duration) error {
	u, err := httpURL(raw)
	if err != nil {
		return usageError("init %q: %v", raw, err)
	}
	if timeout <= 0 {
		return usageError("--timeout %s: must be more than 0", timeout)
	}
	if out != "-" && !force {
		if _, err := os.Stat(out); err == nil {
			return usageError("--out %q exists: --force replaces it, or name another file", out)
		}
	}
	cfg, err := a.loadConfig("") // the defaults and CRAWL_* variables (e.g. crawl.network for an intranet site)
	if err != nil {
		return err
	}
	if cfg.Crawl.Timeout <= 0 || cfg.Crawl.Timeout > initRequestTimeout {
		cfg.Crawl.Timeout = initRequestTimeout
	}
	cfg.Crawl.Retries = min(cfg.Crawl.Retries, 1)
	site := config.SiteDefaults()
	site.Name = siteNameOf(u)
	site.StartURLs = []string{u.String()}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	pf := crawler.NewPageFetcher(ctx, cfg, site, a.logger)
	defer pf.Close()
	sitemaps, robotsErr := pf.RobotsSitemaps(ctx, u.String())
	start, err := pf.Probe(ctx, u.String())
	if err != nil {
		return failure(fmt.Errorf("init: read the start page %s: %w", u, err))
	}
	guess := guessArticles(ctx, pf, start)

	data := initConfig(initSite{name: site.Name, start: u.String(), sitemaps: sitemaps, robotsErr: robotsErr, guess: guess})
	if _, err := a.loadConfigBytes("the config init writes", data); err != nil {
		return failure(fmt.Errorf("init: the config written for %s does not validate (a bug: please report it): %w", u, err))
	}
	if err := writeNew(a, out, data, force); err != nil {
		return err
	}

	where := out
	if out == "-" {
		where = "standard output"
	}
	fmt.Fprintf(a.err, "wrote a config for %s to %s: %s from robots.txt; articles: %s\n", u, where,
		english.Plural(len(sitemaps), "sitemap", ""), guess.summary())
	if out != "-" {
		fmt.Fprintf(a.err, "next: crawl validate %s && crawl run -c %s\n", out, out)
	}
	return nil
}

// writeNew writes data to path ("-" = standard output), never replacing a file
// unless force.
func writeNew(a *app, path string, data []byte, force bool) error {
	if path == "-" {
		_, err := a.out.Write(data)
		return err
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return failure(fmt.Errorf("init: %w", err))
		}
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return usageError("--out %q exists: --force replaces it, or name another file", path)
	}
	if err != nil {
		return failure(fmt.Errorf("init: %w", err))
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return failure(fmt.Errorf("init: write %s: %w", path, err))
	}
	if err := f.Close(); err != nil {
		return failure(fmt.Errorf("init: write %s: %w", path, err))
	}
	return nil
}

// summary is the guess in a few words, for the line init prints.
func (g articleGuess) summary() string {
	if len(g.chosen) == 0 {
		return "no pattern guessed (the extractor decides page by page)"
	}
	var pats []string
	for _, c := range g.chosen {
		pats = append(pats, c.pattern)
	}
	return strings.Join(pats, ", ")
}

// initSite is what init learned of a site.
type initSite struct {
	name, start string
	sitemaps    []string
	robotsErr   error
	guess       articleGuess
}

// initConfig is the starter config of a site: YAML with a comment on every key.
func initConfig(s initSite) []byte {
	def := config.Default()
	sd := config.SiteDefaults()
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("# healthcrawl config for %s, written by `crawl init`.", s.start)
	line("#   check it:  crawl validate FILE")
	line("#   crawl it:  crawl run -c FILE")
	line("# Keys left out keep their defaults; every key, its default and what it does:")
	line("# configs/example.yaml and the README's Configuration section.")
	line("")
	line("# Names the crawl: the key prefix of its state.")
	line("name: %s", yamlQuote(s.name))
	line("")
	line("crawl:")
	line("  # Sent with every request, and matched against robots.txt groups.")
	line("  user_agent: %s", yamlQuote(def.Crawl.UserAgent))
	line("  # Requests in flight, job-wide and per host.")
	line("  parallelism: %d", def.Crawl.Parallelism)
	line("  # Wait after each request to a host, plus up to half of it at random; a robots.txt")
	line("  # Crawl-delay raises it for that host.")
	line("  delay: %s", def.Crawl.Delay)
	line("  # Honour robots.txt.")
	line("  obey_robots: %t", def.Crawl.ObeyRobots)
	line("")
	line("output:")
	line("  # One record per article; {site} is the site's name, \"-\" is standard output. The")
	line("  # extension names the format: .jsonl, .json, .csv, .parquet, .db, .md, .txt.")
	line("  path: %s", yamlQuote("out/{site}.jsonl"))
	line("")
	line("state:")
	line("  # What was crawled: a stopped run resumes, the next run writes only new and changed")
	line("  # articles (crawl run --full rewrites them all). memory = nothing kept between runs.")
	line("  url: %s", yamlQuote(def.State.URL))
	line("")
	line("sites:")
	line("  - name: %s", yamlQuote(s.name))
	line("    # Where the crawl starts (its links are followed).")
	line("    start_urls: [%s]", yamlQuote(s.start))
	writeSitemaps(line, s)
	writeArticles(line, s.guess)
	line("    # Pages whose links are followed (RE2, unanchored, against the absolute URL);")
	line("    # left out = every page. A URL matching neither follow nor articles is then not fetched.")
	line("    # follow: ['^https?://[^/]+/$', '/category/[^/]+/']")
	line("    # Pages never fetched, e.g. comment replies and tag pages.")
	line("    # exclude: ['\\?replytocom=', '/tag/']")
	line("    # Link hops from a start URL or sitemap, and pages fetched, at most.")
	line("    max_depth: %d", sd.MaxDepth)
	line("    max_pages: %d", sd.MaxPages)
	return []byte(b.String())
}

func writeSitemaps(line func(string, ...any), s initSite) {
	var ok []string
	for _, sm := range s.sitemaps {
		if _, err := httpURL(sm); err == nil && !strings.ContainsAny(sm, "\r\n") {
			ok = append(ok, sm)
		}
	}
	example := strings.TrimSuffix(s.start, "/")
	if u, err := httpURL(s.start); err == nil {
		example = u.Scheme + "://" + u.Host
	}
	example += "/sitemap.xml"
	switch {
	case len(ok) > 0:
		line("    # The Sitemap: lines of robots.txt (a crawl reads them anyway; listed to be seen).")
		line("    sitemaps:")
		for i, sm := range ok {
			if i == initMaxSitemaps {
				line("    # … and %s more in robots.txt", english.Plural(len(ok)-i, "sitemap", ""))
				break
			}
			line("      - %s", yamlQuote(sm))
		}
	case s.robotsErr != nil:
		line("    # Sitemaps, sitemap indexes or feeds: robots.txt could not be read (%s);", oneLine(s.robotsErr.Error()))
		line("    # list the site's sitemap here if it has one.")
		line("    # sitemaps: [%s]", yamlQuote(example))
	default:
		line("    # Sitemaps, sitemap indexes or feeds: robots.txt names none; list the site's")
		line("    # sitemap here if it has one.")
		line("    # sitemaps: [%s]", yamlQuote(example))
	}
}

func writeArticles(line func(string, ...any), g articleGuess) {
	if len(g.chosen) == 0 {
		line("    # Pages extracted as articles (RE2, unanchored, against the absolute URL). No pattern")
		line("    # guessed: %s.", oneLine(g.why))
		line("    # Left out, every page the extractor finds to be an article gives a record (listings")
		line("    # do not); set it to name the articles by URL, e.g.:")
		line("    # articles: ['^https?://[^/]+/articles/[^/]+/$']")
		return
	}
	line("    # Pages extracted as articles (RE2, unanchored, against the absolute URL); other pages")
	line("    # give no record. Guessed from the links of the start page:")
	for _, c := range g.chosen {
		line("    #   %s", c.pattern)
		line("    #     %s of this shape, e.g. %s;", english.Plural(len(c.links), "link", ""), oneLine(c.links[0]))
		line("    #     all %s read were articles.", english.Plural(c.read, "page", ""))
	}
	line("    # Left out, the extractor decides page by page (page_type article).")
	line("    articles:")
	for _, c := range g.chosen {
		line("      - %s", yamlQuote(c.pattern))
	}
}

// yamlQuote is s as a single-quoted YAML scalar (a ' is doubled; line breaks, which
// a single-quoted scalar cannot hold, become spaces).
func yamlQuote(s string) string {
	return "'" + strings.ReplaceAll(oneLine(s), "'", "''") + "'"
}

// oneLine is s with its line breaks and other control characters as spaces, so
// that it stays inside one YAML comment or scalar.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
}
