package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/dustin/go-humanize/english"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/configs"
	"github.com/healthcrawl/healthcrawl/crawler"
	"github.com/healthcrawl/healthcrawl/sample"
	"github.com/spf13/cobra"
)

// demoOut is where `crawl demo` writes by default.
const demoOut = "out/demo.jsonl"

func newDemoCmd(a *app) *cobra.Command {
	var of outputFlags
	var (
		overwrite bool
		render    string
		pf        progressFlags
	)
	cmd := &cobra.Command{
		Use:     "demo [--out PATH]",
		GroupID: groupCrawl,
		Short:   "Crawl the bundled sample health site and write out/demo.jsonl",
		Long: `demo serves the bundled sample health site on 127.0.0.1 (a random free port),
crawls it with configs/demo.yaml (its start URL filled in at run time), writes one
record per article page to out/demo.jsonl (or --out) and prints a summary on stderr
(like run; standard output carries records only, with --out -): pages fetched,
articles written, pages dropped with their reasons, errors, elapsed time.
It needs no network and no files: the site and the config are built in.
--render auto loads the site's two pages built by script in headless Chromium
(Debian package chromium), so their articles are written too (29 records).
An existing output is appended to (each demo run serves the site on a new port, so
its records have other URLs); --overwrite starts it afresh.`,
		Example: `  crawl demo
  crawl demo --overwrite
  crawl demo --render auto     # also the two pages built by script (needs chromium)
  crawl demo --out - | jq -r .title`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDemo(cmd, &of, &pf, overwrite, render)
		},
	}
	of.register(cmd, demoOut, "output file, - = standard output")
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "replace what the output holds instead of appending to it")
	pf.register(cmd)
	cmd.Flags().StringVar(&render, "render", config.RenderNever, "never, auto or always: load the pages built by script (/app/) in headless Chromium (needs the chromium package)")
	return cmd
}

func (a *app) runDemo(cmd *cobra.Command, of *outputFlags, pf *progressFlags, overwrite bool, render string) error {
	switch render {
	case config.RenderNever, config.RenderAuto, config.RenderAlways:
	default:
		return usageError("--render %q: must be never, auto or always", render)
	}
	if err := pf.check(); err != nil {
		return err
	}
	ctx := cmd.Context()
	tmpl := configs.Demo()
	if len(tmpl) == 0 {
		return failure(errors.New("demo: configs/demo.yaml is not bundled in this build"))
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return failure(fmt.Errorf("demo: listen on 127.0.0.1: %w", err))
	}
	srv := &http.Server{Handler: sample.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-served
	}()
	base := "http://" + ln.Addr().String()
	a.logger.Debug("sample site up", "url", base)

	cfg, err := a.loadConfigBytes("configs/demo.yaml", bytes.ReplaceAll(tmpl, []byte("{{BASE}}"), []byte(base)))
	if err != nil {
		return err
	}
	cfg.Output.Path = demoOut
	for i := range cfg.Sites {
		cfg.Sites[i].Render = render
	}
	if err := of.apply(cmd, &cfg); err != nil {
		return err
	}
	cfg.Output.Overwrite = overwrite
	earlier := int64(0)
	if fi, err := os.Stat(cfg.Output.Path); err == nil && !overwrite && cfg.Output.Path != "-" {
		earlier = fi.Size()
	}
	sink, err := a.openSink(ctx, cfg, false)
	if err != nil {
		return err
	}
	ri := runInfo{command: "demo", config: cfg.Name, start: time.Now()}
	onStart, untrack := stopperFrom(ctx).track()
	sum, runErr := crawler.RunJob(ctx, crawler.JobOptions{
		Config: cfg, Sink: sink, Logger: a.logger, OnProgress: a.progress(pf.every),
		OnStart: onStart, Hard: stopperFrom(ctx).hardStop(),
	})
	untrack()
	closeErr := sink.Close(context.WithoutCancel(ctx))

	w := a.err // the summary, like run's: standard output carries data only
	if earlier > 0 {
		fmt.Fprintf(w, "Sample site %s crawled; %s appended to %s, after the %s earlier runs left there (--overwrite starts it afresh)\n",
			base, english.Plural(sum.Articles, "record", "records"), cfg.Output.Path, humanize.Bytes(uint64(earlier)))
	} else {
		fmt.Fprintf(w, "Sample site %s crawled; records in %s\n", base, cfg.Output.Path)
	}
	return a.finishRun(ctx, w, sum, ri, pf.stats, runOutcome("demo", sum, runErr, closeErr))
}
