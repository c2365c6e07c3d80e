package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/healthcrawl/healthcrawl/schedule"
	"github.com/healthcrawl/healthcrawl/store"
	"github.com/spf13/cobra"
)

func newScheduleCmd(a *app) *cobra.Command {
	var (
		path, listen, state string
		sites               []string
	)
	cmd := &cobra.Command{
		Use:     "schedule --config FILE [--listen ADDR] [--state URL] [--site NAME]...",
		GroupID: groupCrawl,
		Short:   "Run the site targets on their cron schedules, with /metrics and /healthz",
		Long: `schedule is a long-running process: it runs each site target on its cron
schedule (sites[].schedule: 5 fields "min hour dom month dow", 6 fields with leading
seconds, or @daily / @every 6h), never two runs of the same site at once (a tick
that comes while the site is still running is skipped and counted), after a random
delay of up to schedule.jitter. Each run writes its own files: {site}, {run} and
{date} in output.path, every output.sinks[].path (and output.errors_path) are
replaced as by 'crawl run' ({site} made path-safe, so a site name cannot write
outside the output folder; {run} and {date} of the run in progress when an
interrupted run is resumed, so it continues its files), and a path with neither
{date} nor {run} gets "-{site}-{date}" before its extension. output.rotate applies
to every output, as in 'crawl run'.

A run that fails (an error, every seed host unreachable, 0 pages fetched, a sink
error) is counted healthcrawl_runs_total{result="failed"} and does not move
healthcrawl_last_success_timestamp_seconds; a run stopped by SIGTERM/SIGINT is
counted result="stopped".

Runs share the state store (state.url, default sqlite://.crawl/state.db), so each
run is incremental and a run interrupted by a crash resumes at the next tick.

/metrics (Prometheus; the counters move during a run, the metrics are listed in
the README) and /healthz (JSON; durations in seconds) are served on --listen
(schedule.listen).
With schedule.stats_path set, each run writes its stats JSON there (as 'crawl run
--stats'; {site}, {run} and {date} expanded as in output.path).
SIGTERM or SIGINT: no new runs; runs in progress stop taking new pages, and the
pages in flight may run for crawl.stop_grace before they are cancelled and
queued again (a second signal cancels them at once); outputs and state are
flushed; then exit 143 (SIGTERM) or 130 (SIGINT).`,
		Example: `  crawl schedule --config configs/my-sites.yaml
  crawl schedule --config configs/my-sites.yaml --listen 0.0.0.0:9464`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := a.loadCrawlConfig(path)
			if err != nil {
				return err
			}
			if err := checkSites(cfg, sites); err != nil {
				return err
			}
			if cmd.Flags().Changed("listen") {
				cfg.Schedule.Listen = listen
			}
			if cfg.Output.Path == "-" {
				return usageError("output.path \"-\": crawl schedule writes one file per run (use {site} and {date})")
			}
			for _, s := range cfg.Output.Sinks {
				if s.Path == "-" {
					return usageError("output.sinks path \"-\": crawl schedule writes one file per run (use {site} and {date})")
				}
			}
			st, err := a.openRunState(ctx, state, cfg)
			if err != nil {
				return err
			}
			closeState := func() error { return nil }
			if st != nil {
				defer st.Close()
				closeState = st.Close
			}
			sched, err := schedule.New(schedule.Options{
				Config: cfg, Sites: sites, Logger: a.logger,
				Run: crawlJob(cfg, st, a.logger),
				Vars: func(ctx context.Context, site string, start time.Time) (config.PathVars, error) {
					return runVars(ctx, st, cfg, []string{site}, start)
				},
			})
			if err != nil {
				return usageError("%w", err)
			}
			errc := make(chan error, 1)
			sctx, cancel := context.WithCancel(ctx)
			defer cancel()
			go func() {
				errc <- sched.Serve(sctx, cfg.Schedule.Listen, func(addr net.Addr) {
					a.logger.Info("serving /metrics and /healthz", "addr", addr.String())
				})
			}()
			runErr := make(chan error, 1)
			go func() { runErr <- sched.Run(sctx) }()
			var serveErr error
			select {
			case serveErr = <-errc: // the listener failed (or ctx ended): stop the scheduler too
				cancel()
				<-runErr
			case <-runErr:
				cancel()
				serveErr = <-errc
			}
			if serveErr != nil && ctx.Err() == nil {
				return failure(serveErr)
			}
			if err := closeState(); err != nil {
				return failure(fmt.Errorf("state store: %w", err))
			}
			a.logger.Info("stopped")
			return nil
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "", "config file (YAML)")
	cmd.Flags().StringVar(&listen, "listen", "", "address of /metrics and /healthz (default: schedule.listen of the config, "+config.Default().Schedule.Listen+")")
	cmd.Flags().StringVar(&state, "state", "", "state store URL; overrides state.url (memory, sqlite:///abs/path.db, sqlite://relative.db)")
	cmd.Flags().StringArrayVar(&sites, "site", nil, "schedule only this site target (repeatable)")
	_ = cmd.MarkFlagRequired("config")
	return withProfiling(cmd)
}

// crawlJob is the schedule.RunFunc of the command: one crawler run of one site,
// writing to the job's dated output file, with the shared state store (nil =
// nothing kept between runs), stopped by the signals of ctx's stopper; its stats
// JSON goes to schedule.stats_path when set.
func crawlJob(cfg config.Config, st store.Store, log *slog.Logger) schedule.RunFunc {
	return func(ctx context.Context, job schedule.Job) (schedule.Result, error) {
		c := cfg
		c.Output = jobOutput(cfg.Output, job)
		wid := workerID("", st)
		resuming, err := runInProgress(ctx, st, c, []string{job.Site})
		if err != nil {
			return schedule.Result{}, err
		}
		// Cut back to what the interrupted run committed: its records past that are
		// written again by this run.
		positions, err := committedPositions(ctx, st, wid, resuming)
		if err != nil {
			return schedule.Result{}, err
		}
		// Appended to: a run resumed at a later tick expands to the interrupted run's
		// paths (job.Vars) and continues its files.
		sink, err := openOutputs(ctx, c.Output, outputOptions{appendTo: true, positions: positions})
		if err != nil {
			return schedule.Result{}, err
		}
		var last crawler.ProgressSnapshot // the live counters of /metrics
		start := time.Now()
		stop := stopperFrom(ctx)
		onStart, untrack := stop.track()
		sum, runErr := crawler.RunJob(ctx, crawler.JobOptions{
			Config: c, Sites: []string{job.Site}, Sink: sink, Logger: log, Store: st,
			Worker: wid, OnStart: onStart, Hard: stop.hardStop(),
			OnProgress: func(p crawler.ProgressSnapshot) { last = p; job.Report(schedule.CrawlProgress(p)) },
		})
		untrack()
		closeErr := closeOutputs(ctx, sink, runErr)
		writeJobStats(ctx, cfg, job, log, sum, start, runOutcome("run", sum, runErr, closeErr))
		res := schedule.CrawlResult(sum, last)
		if runErr != nil {
			// Also on shutdown: the run is interrupted (it resumes at the next start).
			return res, runErr
		}
		return res, closeErr
	}
}

// jobOutput is every output of the config (output.path and output.sinks, with
// rotation) with its own file per run: expanded as the scheduler expanded
// job.Output (schedule.Expand, then config.ExpandPath, as crawl run's expandOutput).
func jobOutput(out config.Output, job schedule.Job) config.Output {
	o := schedule.ExpandOutput(out, jobVars(job))
	o.Path, o.ErrorsPath = job.Output, job.Errors
	return o
}

// jobVars are the values of the path placeholders of a scheduled run.
func jobVars(job schedule.Job) config.PathVars {
	v := job.Vars
	if v.Site == "" {
		v.Site = job.Site
	}
	if v.Start.IsZero() {
		v.Start = job.Start
	}
	return v
}

// writeJobStats writes the stats JSON of a scheduled run to schedule.stats_path
// expanded for the run (as output.path: each run its own file), when set.
func writeJobStats(ctx context.Context, cfg config.Config, job schedule.Job, log *slog.Logger, sum crawler.Summary, start time.Time, err error) {
	if cfg.Schedule.StatsPath == "" {
		return
	}
	ri := runInfo{command: "schedule", config: cfg.Name, start: start, end: time.Now(), err: err}
	ri.exitStatus, ri.signal = exitStatusOf(ctx, err)
	path := schedule.Expand(cfg.Schedule.StatsPath, jobVars(job))
	if serr := writeStats(path, newRunStats(sum, ri)); serr != nil {
		log.Error("stats file not written", "site", job.Site, "path", path, "err", serr)
	}
}
