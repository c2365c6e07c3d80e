package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/store"
	"github.com/spf13/cobra"
)

// outputFlags are --out and --format, shared by run, extract and demo. Their defaults
// come from config.Default(); a flag given on the command line wins over the config.
type outputFlags struct {
	out, format string
}

func (o *outputFlags) register(cmd *cobra.Command, defaultOut, outHelp string) {
	cmd.Flags().StringVarP(&o.out, "out", "o", defaultOut, outHelp)
	cmd.Flags().StringVar(&o.format, "format", config.Default().Output.Format,
		"record format: "+strings.Join(output.Formats(), ", ")+"\n(default: named by the extension of --out or output.path: .jsonl, .json, .csv, .parquet, .db, .md, .txt…;\njsonl when it has none; an extension no format has is an error)")
}

// apply overrides cfg.Output with the flags the user gave. --out without --format
// writes the format its extension (or redis:// scheme) names, else the config's
// format (output.ResolveFormat, the rule for output.path wherever it is set).
func (o *outputFlags) apply(cmd *cobra.Command, cfg *config.Config) error {
	outSet, formatSet := cmd.Flags().Changed("out"), cmd.Flags().Changed("format")
	if outSet {
		cfg.Output.Path = o.out
		named, err := output.FormatOfPath(o.out)
		if err != nil && !formatSet {
			return usageError("--out %q: %v (or give --format)", o.out, err)
		}
		if named != "" && !formatSet {
			cfg.Output.Format = named
		}
	}
	if formatSet {
		cfg.Output.Format = o.format
	}
	f, err := output.ResolveFormat(cfg.Output.Path, cfg.Output.Format)
	switch {
	case err != nil && formatSet && !outSet && errors.Is(err, output.ErrFormatMismatch):
		return usageError("--format %q: %v (give --out too)", o.format, err)
	case err != nil && formatSet:
		return usageError("--format %q: %v", o.format, err)
	case err != nil:
		return usageError("output %q: %v", cfg.Output.Path, err)
	}
	cfg.Output.Format = f
	return nil
}

// openSink opens cfg.Output (openOutputs), "-" being the command's stdout. With
// appendTo (a resumed run), the outputs keep what the interrupted run wrote
// (output.Spec.Append), so that together they hold every article once.
func (a *app) openSink(ctx context.Context, cfg config.Config, appendTo bool) (output.Sink, error) {
	return openOutputs(ctx, cfg.Output, outputOptions{stdout: a.out, appendTo: appendTo})
}

// workerID is --worker-id, else HOST-PID for a state shared by several processes
// (redis: two workers must never share a name by accident), else the crawler's
// default (a restarted process takes its own leases back).
func workerID(flag string, st store.Store) string {
	if flag != "" {
		return flag
	}
	if st != nil && st.Engine() == "redis" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "worker"
		}
		return fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return crawler.DefaultWorker
}

func newRunCmd(a *app) *cobra.Command {
	var (
		path            string
		sites           []string
		of              outputFlags
		state           string
		worker          string
		overwrite, full bool
		one             siteFlags
		pf              progressFlags
	)
	cmd := &cobra.Command{
		Use:     "run (--url URL | --config FILE) [--site NAME]... [--out PATH] [--format jsonl]",
		GroupID: groupCrawl,
		Short:   "Crawl one site (--url) or the site targets of a config, one record per article",
		Long: `One site, no config file: run --url https://site/ crawls that site with the
documented defaults: robots.txt obeyed, 200ms between two requests to a host (4 at
a time), only the start URL's host on its port (allowed_domains empty), max_depth
5, max_pages 10000, state in .crawl/state.db, records to out/records.jsonl (or --out).
The site target is named after the host, path-safe (www.example.org,
127.0.0.1_8080). Every page the extractor finds to be an article (page_type
article) gives one record; listings (home, category, pagination pages) and other
pages give none. --articles REGEX makes the pages whose URL matches it the articles
instead. --url may be repeated (more start URLs of the same site); --sitemap adds a
sitemap (the Sitemap: lines of robots.txt are read anyway), or alone crawls the site
of that sitemap. With --config as well, the file gives every other setting (crawl,
output, state, pipeline) and its own site targets are not crawled; --site and --url
do not go together. crawl init URL writes a config to start from.

run crawls every site target of the config (or only those named with --site),
extracts the article pages, cleans them through the pipeline and writes one record
per article to --out (default: output.path of the config), in the format its
extension names (.jsonl, .json, .csv, .parquet, .db, .md, .txt; --format or
output.format otherwise). Records are written in
batches: each batch is written and fsynced to every output before the state marks
its pages done (write, then commit). A summary goes to stderr.

The crawl state (state.url, default sqlite://.crawl/state.db; --state overrides it)
makes runs resumable and incremental: a run killed midway (or stopped by a full
disk) is continued by the next one, which cuts each output back to its last commit
and writes the rest, so every article is in each output once; and a run
after a finished one sends conditional requests and writes only new and changed
articles ("change": "new" | "changed"), reporting pages now 404/410 as gone.
--state memory keeps nothing between runs. See 'crawl state'.

Pages that need a browser: a site with render: auto loads in headless Chromium the
pages whose static HTML gives no article and looks client-rendered; render: always
loads every page (crawl.render_parallelism tabs, crawl.render_timeout per page). It
needs Chromium (Debian: apt-get install -y chromium), looked for only then.

Scale-out: workers started with the same config and --state redis://HOST:PORT/DB
(on one machine or several) share the frontier, the visited set and the emitted
set under the key prefix state.prefix (default: the config's name), and the
per-host limits (parallelism, delay) hold for all of them together. Each worker
takes URLs under a lease (state.lease) and writes every article it emits to its own
--out; an article is written once across the fleet. A killed worker's URLs go back
to the queue when its lease expires; a worker restarted with the same --worker-id
takes them back at once. If Redis cannot be reached, workers wait and retry with
backoff (up to ?wait=, default 5m, in the URL).

Per-config state: with a memory or sqlite state, the runs, frontier and emitted
set of a config are kept under its name (state.prefix, else name:), so two configs
with different names can share one state file; a config without a name uses the
bare site names.

Output files are never truncated by a new run: they are appended to, or named per
run with placeholders in output.path, output.sinks[].path and output.errors_path:
  {run}   the run number in the state (the run in progress when resuming, else the
          next one; with several sites, the highest; 1 without a state)
  {date}  when the run began, UTC, as 2006-01-02T150405Z (a resumed run gets the
          interrupted run's date, so it continues the same files)
  {site}  the site target, when one is selected (--site, or a one-site config),
          made path-safe: letters, digits, - and _ kept, a dot only after one of
          them, anything else (/, \, spaces, control characters) becomes _
--overwrite replaces what the outputs and the errors file hold. --full re-emits
every current article, unchanged ones included (no conditional requests, sitemap
lastmod ignored). A run that writes nothing new says why in one line ("0 new or
changed articles since run 3 (2026-12-04): 27 unchanged; --full re-emits every
article").

Exit status: 0 all good; 1 some pages failed (every other record is still
written), a sink error, or a site fetched no page at all (its seed hosts'
robots.txt timing out, refusing connections or answering 5xx: the summary and an
ERROR line name the cause); 2 bad usage or bad config; 130 stopped by SIGINT,
143 by SIGTERM.

Progress: on a terminal a live line on stderr (elapsed time, pages done and
queued, pages/s over the last 10 s and on average, articles written, errors), the
log lines printed above it; otherwise a "progress" log line every
--progress-every (default 30s). --stats FILE writes the summary as JSON when the
run ends (also when stopped); with --log-format json the summary is a JSON log
record instead of the table.

Stopping: the first SIGINT (Ctrl-C) or SIGTERM stops taking new pages and
prints "stopping: finishing N pages in flight (Ctrl-C again to stop now)"; the
pages in flight may run for crawl.stop_grace (default 5s), then their requests
are cancelled and they are queued again for the next run. A second signal
cancels them at once. Either way the records written are committed, the outputs
closed whole and the state left consistent: the next run resumes.`,
		Example: `  crawl run --url https://www.example.org/ --out out/example.jsonl
  crawl run --url https://www.example.org/ --sitemap https://www.example.org/post-sitemap.xml --articles '/blog/[^/]+/$'
  crawl run --config configs/my-sites.yaml
  crawl run --config configs/my-sites.yaml --site blog --out - | jq .title
  crawl run --config configs/my-sites.yaml --site blog --out 'out/{site}-{run}-{date}.jsonl'
  crawl run --config configs/my-sites.yaml --full --overwrite   # rewrite every article from scratch
  crawl run --config configs/my-sites.yaml --stats out/stats.json --log-format json 2>>crawl.log
  crawl run --config configs/my-sites.yaml --state redis://10.0.0.5:6379/0 --worker-id a1 --out out/a1.jsonl`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := pf.check(); err != nil {
				return err
			}
			cfg, err := a.runConfig(path, sites, &one)
			if err != nil {
				return err
			}
			if err := of.apply(cmd, &cfg); err != nil {
				return err
			}
			cfg.Output.Overwrite = overwrite
			if err := checkSites(cfg, sites); err != nil {
				return err
			}
			st, err := a.openRunState(ctx, state, cfg)
			if err != nil {
				return err
			}
			if st != nil {
				defer st.Close()
			}
			resuming, err := runInProgress(ctx, st, cfg, sites)
			if err != nil {
				return failure(err)
			}
			if err := expandOutput(ctx, st, &cfg, sites); err != nil {
				return err
			}
			wid := workerID(worker, st)
			positions, err := committedPositions(ctx, st, wid, resuming)
			if err != nil {
				return failure(err)
			}
			if resuming {
				a.logger.Info("resuming an interrupted run: truncating the outputs to their last commit and appending", "out", cfg.Output.Path)
			}
			sink, err := openOutputs(ctx, cfg.Output, outputOptions{stdout: a.out, appendTo: resuming, positions: positions})
			if err != nil {
				return err
			}
			ri := runInfo{command: "run", config: cfg.Name, start: time.Now()}
			onStart, untrack := stopperFrom(ctx).track()
			sum, runErr := crawler.RunJob(ctx, crawler.JobOptions{
				Config: cfg, Sites: sites, Sink: sink, Logger: a.logger, OnProgress: a.progress(pf.every),
				Store: st, Worker: wid, Full: full, OnStart: onStart, Hard: stopperFrom(ctx).hardStop(),
			})
			untrack()
			closeErr := closeOutputs(ctx, sink, runErr)
			return a.finishRun(ctx, a.err, sum, ri, pf.stats, runOutcome("run", sum, runErr, closeErr))
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "", "config file (YAML); with --url, its settings without its sites")
	one.register(cmd)
	cmd.Flags().StringArrayVar(&sites, "site", nil, "crawl only this site target (repeatable)")
	of.register(cmd, "", "output file, - = standard output (default: output.path of the config)")
	cmd.Flags().StringVar(&state, "state", "", "crawl state store: memory, sqlite:///abs/path.db, sqlite://relative.db or redis://HOST:PORT/DB (default: state.url of the config)")
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "replace what the outputs and the errors file hold (default: append; a run never destroys\nthe records of an earlier run unless asked)")
	cmd.Flags().BoolVar(&full, "full", false, "re-emit every current article, unchanged ones included (no conditional requests,\nsitemap lastmod ignored)")
	pf.register(cmd)
	cmd.Flags().StringVar(&worker, "worker-id", "", "name of this worker's leases in the state (default: HOST-PID with a redis state, else local);\na worker restarted under the same name takes its in-flight URLs back at once")
	return withProfiling(cmd)
}

// runOutcome is the error of a finished crawl: the run's own, the outputs', or
// errPartial when some pages failed.
func runOutcome(what string, sum crawler.Summary, runErr, closeErr error) error {
	switch {
	case runErr != nil:
		return failure(fmt.Errorf("%s: %w", what, runErr))
	case closeErr != nil:
		return failure(closeErr)
	case sum.Errors > 0:
		return errPartial
	}
	return nil
}

// runInProgress reports whether st holds a run in progress (interrupted, or started
// by another worker) for one of the selected sites (all when none are named).
func runInProgress(ctx context.Context, st store.Store, cfg config.Config, names []string) (bool, error) {
	if st == nil {
		return false, nil
	}
	for _, site := range cfg.Sites {
		if len(names) > 0 && !slices.Contains(names, site.Name) {
			continue
		}
		stats, err := st.Stats(ctx, site.Name)
		if err != nil {
			return false, fmt.Errorf("state of site %s: %w", site.Name, err)
		}
		if stats.Running {
			return true, nil
		}
	}
	return false, nil
}

// closeOutputs closes the outputs after a run. A run that stopped on an error other
// than an interruption (a failed write or commit) may have written records it did
// not commit: the outputs are aborted instead, so whole-file formats keep their
// spool for the resumed run (which cuts it back to the commit) rather than build a
// final file holding records the state does not know.
func closeOutputs(ctx context.Context, sink output.Sink, runErr error) error {
	if runErr != nil && !errors.Is(runErr, context.Canceled) && !errors.Is(runErr, context.DeadlineExceeded) {
		output.Abort(context.WithoutCancel(ctx), sink)
		return nil
	}
	return sink.Close(context.WithoutCancel(ctx))
}
