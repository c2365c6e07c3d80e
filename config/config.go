// Package config holds healthcrawl's configuration: typed structs, one source of
// defaults (Default), loading with viper (defaults → file → CRAWL_* env → strict
// decode) and Validate, which reports every problem with its key path.
package config

import (
	"strings"
	"time"
)

// Config is the whole configuration file.
type Config struct {
	// Name of this crawl configuration (used as state key prefix).
	Name     string   `mapstructure:"name"`
	Crawl    Crawl    `mapstructure:"crawl"`
	Output   Output   `mapstructure:"output"`
	State    State    `mapstructure:"state"`
	Pipeline Pipeline `mapstructure:"pipeline"`
	Sites    []Site   `mapstructure:"sites"`
	Schedule Schedule `mapstructure:"schedule"`
}

// Crawl holds fetch settings shared by every site (a site may override some).
type Crawl struct {
	UserAgent    string        `mapstructure:"user_agent"`
	Parallelism  int           `mapstructure:"parallelism"`
	Delay        time.Duration `mapstructure:"delay"`
	Timeout      time.Duration `mapstructure:"timeout"`
	MaxBodyBytes int64         `mapstructure:"max_body_bytes"`
	Retries      int           `mapstructure:"retries"`
	ObeyRobots   bool          `mapstructure:"obey_robots"`
	// RenderParallelism is the number of browser tabs open at once for the pages of
	// sites with render: always or auto (one Chromium process for the run).
	RenderParallelism int `mapstructure:"render_parallelism"`
	// RenderTimeout bounds the rendering of one page (load, scripts, network idle).
	RenderTimeout time.Duration `mapstructure:"render_timeout"`
	// RenderBinary is the Chromium executable; empty = $HEALTHCRAWL_CHROMIUM, then
	// chromium, chromium-browser or google-chrome on PATH.
	RenderBinary string `mapstructure:"render_binary"`
	// Fetcher and Renderer name the registered fetchers (fetch.Register) of static
	// pages and of pages that need a browser: "http" and "chromium" by default.
	Fetcher  string `mapstructure:"fetcher"`
	Renderer string `mapstructure:"renderer"`
	// Network is what the crawler may connect to.
	Network Network `mapstructure:"network"`
	// MaxSitemapBytes bounds one sitemap, sitemap index or feed, uncompressed: it is
	// read up to this many bytes (the sitemaps protocol allows 50 MB).
	MaxSitemapBytes int64 `mapstructure:"max_sitemap_bytes"`
	// MaxLinksPerPage is the number of links read from one page, in document
	// order; the rest are counted over_limit (max_links_per_page). 0 = no limit.
	MaxLinksPerPage int `mapstructure:"max_links_per_page"`
	// StripParams are URL parameters dropped in canonicalisation, from the query and
	// from path parameters (";jsessionid=…"): names compared case-insensitively, a
	// trailing "*" matching any name with that prefix. Setting it replaces the
	// default list (DefaultStripParams); StripParamsExtra adds to it.
	StripParams []string `mapstructure:"strip_params"`
	// StripParamsExtra are more parameters to drop, on top of StripParams.
	StripParamsExtra []string `mapstructure:"strip_params_extra"`
	// StopGrace is how long requests and renders in flight may still run after a
	// stop is asked (the first SIGINT/SIGTERM): then they are cancelled and their
	// pages go back to the queue. 0 = cancelled at once.
	StopGrace time.Duration `mapstructure:"stop_grace"`
	// TrapRunLength is how many pages in a row of one URL shape (digits ignored:
	// /calendar?month=0-0, /list/0) the trap guard lets through before it calls the
	// run a crawler trap. Pagination (/page/N/, ?page=N with N one more than on the
	// page linking to it, or a rel=next link) does not count: a pagination chain is
	// followed to max_pages/max_depth. 0 = no limit.
	TrapRunLength int `mapstructure:"trap_run_length"`
}

// Network is the crawler's network policy (crawl.network). Loopback, private,
// link-local, unspecified and multicast addresses are refused — checked on the
// address connected to, after DNS and redirects — except the addresses of a site's
// own start URLs and sitemaps, the ranges in Allow, or all of them with
// AllowPrivate.
type Network struct {
	AllowPrivate bool     `mapstructure:"allow_private"`
	Allow        []string `mapstructure:"allow"` // addresses or CIDR ranges: "10.0.0.5", "10.1.0.0/16", "fd00::/8"
}

// DefaultStripParams are the session-id parameters dropped from every URL unless
// crawl.strip_params says otherwise: Java (jsessionid), PHP (phpsessid), ASP
// (aspsessionid…), ColdFusion (cfid, cftoken), osCommerce (oscsid), Zen Cart (zenid)
// and the generic names.
var DefaultStripParams = []string{
	"jsessionid", "phpsessid", "sid", "sessid", "sessionid", "session_id",
	"aspsessionid*", "cfid", "cftoken", "oscsid", "zenid",
}

// StripParamList is strip_params followed by strip_params_extra, lower-cased and
// trimmed, without empty entries and repeats.
func (c Crawl) StripParamList() []string {
	var out []string
	seen := map[string]bool{}
	for _, list := range [][]string{c.StripParams, c.StripParamsExtra} {
		for _, p := range list {
			p = strings.ToLower(strings.TrimSpace(p))
			if p == "" || seen[p] {
				continue
			}
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// Output says where and how records are written.
type Output struct {
	Path string `mapstructure:"path"`
	// Format of path; empty = named by path's extension (jsonl when it has none).
	Format     string `mapstructure:"format"`
	ErrorsPath string `mapstructure:"errors_path"`
	// Sinks are more outputs written at the same time as path/format, each with its
	// own path and format (empty format = from the path's extension).
	Sinks []Sink `mapstructure:"sinks"`
	// Rotate starts numbered files (out-00001.jsonl, …) when a limit is reached; it
	// applies to path and to every entry of sinks. Zero limits = no rotation.
	Rotate Rotate `mapstructure:"rotate"`
	// CSVRaw writes the cells of csv outputs as they are. By default (false) a cell
	// a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
	// carriage return) gets a leading "'"; other formats always carry the raw value.
	CSVRaw bool `mapstructure:"csv_raw"`
	// Overwrite replaces what the outputs and the errors file hold (crawl run
	// --overwrite; not a config key): without it a run appends, and never destroys
	// the records of an earlier run.
	Overwrite bool `mapstructure:"-"`
}

// Sink is one more output: a path ("-" = standard output; a directory for files) and
// a format.
type Sink struct {
	Path   string `mapstructure:"path"`
	Format string `mapstructure:"format"`
}

// Rotate limits the size of one output file; 0 = no limit.
type Rotate struct {
	MaxRecords int   `mapstructure:"max_records"`
	MaxBytes   int64 `mapstructure:"max_bytes"`
}

// State selects the crawl state store (frontier, visited set, per-URL metadata,
// emitted set): "memory" (or "") = in memory, nothing kept between runs;
// "sqlite:///abs/path.db" or "sqlite://relative.db" = one SQLite file, so runs
// resume after a crash and re-crawls are incremental; "redis://HOST:PORT/DB" = a
// Redis server shared by several worker processes (scale-out).
type State struct {
	URL string `mapstructure:"url"`
	// Lease is how long a URL taken from the frontier stays reserved for the worker
	// that took it; the lease is renewed while the page is worked on, and an expired
	// one (the worker died) puts the URL back in the queue.
	Lease time.Duration `mapstructure:"lease"`
	// Prefix is the key prefix of the crawl in a redis state; every worker of one
	// crawl uses the same. Empty = the config's name (see Config.StatePrefix).
	Prefix string `mapstructure:"prefix"`
	// FleetLimits: with a redis state, crawl.parallelism and the delays (crawl.delay,
	// sites[].delay, robots.txt Crawl-delay) hold per host for all the workers
	// together, through a limiter in Redis; false = each worker applies them alone.
	FleetLimits bool `mapstructure:"fleet_limits"`
}

// StatePrefix is state.prefix, or the config's name when it is empty.
func (c Config) StatePrefix() string {
	if p := strings.TrimSpace(c.State.Prefix); p != "" {
		return p
	}
	return c.Name
}

// Schedule configures `crawl schedule`.
type Schedule struct {
	Listen string `mapstructure:"listen"`
	// Jitter delays each scheduled run by a random duration in [0, jitter), so that
	// many sites on the same cron line do not all start in the same second.
	Jitter time.Duration `mapstructure:"jitter"`
	// StatsPath, when set, is where each scheduled run writes its stats JSON (as
	// crawl run --stats): {site}, {run} and {date} are expanded as in output.path,
	// and a path with neither {date} nor {run} gets "-{site}-{date}" before its
	// extension, so every run writes its own file.
	StatsPath string `mapstructure:"stats_path"`
	// Pprof serves the net/http/pprof handlers under /debug/pprof/ on Listen besides
	// /metrics and /healthz. Off by default: they expose the process's internals.
	Pprof bool `mapstructure:"pprof"`
}

// DefaultStateURL is the state store of `crawl run` and `crawl schedule` unless the
// config says otherwise.
const DefaultStateURL = "sqlite://.crawl/state.db"

// Pipeline lists the cleaning stages in order.
type Pipeline struct {
	Stages []StageConfig `mapstructure:"stages"`
}

// StageConfig is one pipeline stage: its registered name and its options.
type StageConfig struct {
	Name    string         `mapstructure:"name"`
	Options map[string]any `mapstructure:"options"`
}

// Site is one site target.
type Site struct {
	Name           string    `mapstructure:"name"`
	StartURLs      []string  `mapstructure:"start_urls"`
	Sitemaps       []string  `mapstructure:"sitemaps"`
	AllowedDomains []string  `mapstructure:"allowed_domains"`
	Follow         []string  `mapstructure:"follow"`
	Articles       []string  `mapstructure:"articles"`
	Exclude        []string  `mapstructure:"exclude"`
	MaxDepth       int       `mapstructure:"max_depth"`
	MaxPages       int       `mapstructure:"max_pages"`
	Selectors      Selectors `mapstructure:"selectors"`
	// Boilerplate extends the drop_boilerplate stage's phrase list for this site.
	Boilerplate []string `mapstructure:"boilerplate"`
	// ObeyRobots overrides crawl.obey_robots for this site when set.
	ObeyRobots *bool `mapstructure:"obey_robots"`
	// Delay overrides crawl.delay for this site when set.
	Delay *time.Duration `mapstructure:"delay"`
	// Schedule is a cron expression for `crawl schedule`.
	Schedule string `mapstructure:"schedule"`
	// Render says when a page is loaded in headless Chromium so its scripts run:
	// never (the default), always (every HTML page), or auto (when the static page
	// gives no article and looks client-rendered).
	Render string `mapstructure:"render"`
	// RenderWaitFor is a CSS selector: a rendered page is read once it matches;
	// empty = once the page's network is idle (no request for 500 ms).
	RenderWaitFor string `mapstructure:"render_wait_for"`
	// RenderAllowHosts are hosts a rendered page may load resources from besides
	// its own; requests to every other host (ads, trackers) are blocked.
	RenderAllowHosts []string `mapstructure:"render_allow_hosts"`
}

// Render modes of sites[].render.
const (
	RenderNever  = "never"
	RenderAlways = "always"
	RenderAuto   = "auto"
)

// RenderMode is sites[].render, with "" meaning never.
func (s Site) RenderMode() string {
	if s.Render == "" {
		return RenderNever
	}
	return strings.ToLower(s.Render)
}

// Selectors are optional per-site CSS selectors that override the generic heuristics.
type Selectors struct {
	Title       string `mapstructure:"title"`
	Content     string `mapstructure:"content"`
	Exclude     string `mapstructure:"exclude"`
	Related     string `mapstructure:"related"`
	Authors     string `mapstructure:"authors"`
	PublishedAt string `mapstructure:"published_at"`
	ModifiedAt  string `mapstructure:"modified_at"`
	ReviewedBy  string `mapstructure:"reviewed_by"`
	References  string `mapstructure:"references"`
}

// DefaultStages is the default pipeline, in order.
var DefaultStages = []string{
	"normalize", "drop_boilerplate", "dedupe_title", "repair_glued", "split_label_items",
	"detect_truncation", "language", "dedupe", "filter",
}

// Default returns the configuration with every default filled in. It is the one
// source of defaults: viper defaults and flag defaults are derived from it.
func Default() Config {
	stages := make([]StageConfig, len(DefaultStages))
	for i, n := range DefaultStages {
		stages[i] = StageConfig{Name: n}
	}
	return Config{
		Name: "healthcrawl",
		Crawl: Crawl{
			UserAgent:    "healthcrawl/0.1 (+https://github.com/healthcrawl/healthcrawl)",
			Parallelism:  4,
			Delay:        200 * time.Millisecond,
			Timeout:      20 * time.Second,
			MaxBodyBytes: 10 << 20,
			Retries:      3,
			ObeyRobots:   true,

			RenderParallelism: 2,
			Fetcher:           "http",
			Renderer:          "chromium",
			Network:           Network{Allow: []string{}},
			RenderTimeout:     20 * time.Second,

			MaxSitemapBytes:  50 << 20,
			MaxLinksPerPage:  10_000,
			StripParams:      append([]string(nil), DefaultStripParams...),
			StripParamsExtra: []string{},
			StopGrace:        5 * time.Second,
			TrapRunLength:    1000,
		},
		Output:   Output{Path: "out/records.jsonl"},
		Pipeline: Pipeline{Stages: stages},
		State:    State{URL: DefaultStateURL, Lease: 30 * time.Second, FleetLimits: true},
		Schedule: Schedule{Listen: "127.0.0.1:9464"},
	}
}

// SiteDefaults are the per-site defaults applied to each entry of sites[].
func SiteDefaults() Site {
	return Site{MaxDepth: 5, MaxPages: 10000, Render: RenderNever}
}
