package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"
)

// stdio are the command's standard streams (os.Std* in main, buffers in tests).
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// app is the state shared by every command: streams, environment, logger.
type app struct {
	stdio
	env    func(string) (string, bool)
	logger *slog.Logger

	logLevel, logFormat string
}

// extraCommands are subcommands defined in their own files, outside the core set
// (bench.go, clean.go).
var extraCommands = []func() *cobra.Command{newBenchCmd, newCleanCmd, newReportCmd}

// Command groups shown by --help.
const (
	groupCrawl  = "crawl"
	groupConfig = "config"
)

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "crawl",
		Short: "Crawl health-article sites into clean JSON Lines records",
		Long: `crawl fetches the pages of one site (crawl run --url) or of the site targets in a
YAML config (Colly), extracts each article (goquery), cleans it through an ordered
pipeline of stages, and writes one record per article as JSON Lines.

Exit status: 0 all good; 1 some inputs or pages failed (every other record is still
written), an output could not be written, or a site fetched no page at all (its
seed hosts unreachable); 2 bad usage or bad config; 130 stopped by SIGINT
(Ctrl-C), 143 stopped by SIGTERM.

Memory: unless GOGC is set, the Go collector runs at GOGC=50 and lets a large heap
grow at most about 24 MiB above what is live (GOGC 34 at 70 MiB live, 25 from 96);
GOMEMLIMIT (e.g. GOMEMLIMIT=100MiB) caps the heap on a machine short of memory.`,
		Example: `  crawl demo                                  # crawl the bundled sample site into out/demo.jsonl
  crawl run --url https://www.example.org/    # crawl one site with the defaults, no config file
  crawl init https://www.example.org/         # write a starter config for it: healthcrawl.yaml
  crawl run --config configs/my-sites.yaml    # crawl every site target
  crawl extract saved/page.html               # one record from a saved page
  crawl validate --config configs/my-sites.yaml`,
		SilenceErrors:     true,
		SilenceUsage:      true,
		DisableAutoGenTag: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return a.setupLogger() },
	}
	root.PersistentFlags().StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.PersistentFlags().StringVar(&a.logFormat, "log-format", "text", "log format on stderr: text or json")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: fmt.Errorf("%w\nRun '%s --help' for usage", err, cmd.CommandPath())}
	})
	root.AddGroup(
		&cobra.Group{ID: groupCrawl, Title: "Crawling and extracting:"},
		&cobra.Group{ID: groupConfig, Title: "Configuration and the record:"},
	)
	root.AddCommand(newRunCmd(a), newExtractCmd(a), newDemoCmd(a), newScheduleCmd(a), newStateCmd(a))
	root.AddCommand(newValidateCmd(a), newSchemaCmd(a), newStagesCmd(a), newInitCmd(a), newVersionCmd(a))
	setVersion(root)
	for _, mk := range extraCommands {
		root.AddCommand(mk())
	}
	root.SetHelpCommandGroupID(groupConfig)
	root.SetCompletionCommandGroupID(groupConfig)
	wrapRunE(root)
	return root
}

// wrapRunE makes every command's plain RunE error a run-time failure (exit status
// 1); errors that carry their own status (usageError, errPartial) keep it. Errors
// cobra returns before RunE (unknown command, bad flags or arguments) stay usage
// errors (exit status 2).
func wrapRunE(cmd *cobra.Command) {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			err := run(c, args)
			var ee *exitError
			if err != nil && !errors.As(err, &ee) {
				return failure(err)
			}
			return err
		}
	}
	for _, sub := range cmd.Commands() {
		wrapRunE(sub)
	}
}

// setupLogger builds the slog logger on stderr from --log-level and --log-format.
func (a *app) setupLogger() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return usageError("--log-level %q: want debug, info, warn or error", a.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(a.logFormat) {
	case "text":
		a.logger = slog.New(slog.NewTextHandler(a.err, opts))
	case "json":
		a.logger = slog.New(slog.NewJSONHandler(a.err, opts))
	default:
		return usageError("--log-format %q: want text or json", a.logFormat)
	}
	return nil
}

// execute runs the command line and returns the exit status. It is the single exit
// path: main passes the status to os.Exit, tests compare it.
func execute(ctx context.Context, args []string, io stdio, env func(string) (string, bool)) int {
	con := newConsole(io.err) // stderr shared by the log and the live progress line (progress.go)
	io.err = con
	stopperFrom(ctx).setNotice(con.notice)
	a := &app{stdio: io, env: env, logger: slog.New(slog.NewTextHandler(io.err, nil))}
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(io.in)
	root.SetOut(io.out)
	root.SetErr(io.err)
	err := root.ExecuteContext(ctx)
	code := exitCode(err)
	var ee *exitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.silent:
	case errors.As(err, &ee):
		fmt.Fprintf(io.err, "crawl: %v\n", err)
	default: // cobra's own usage errors (unknown command, wrong argument count)
		fmt.Fprintf(io.err, "crawl: %v\nRun 'crawl --help' for usage\n", err)
	}
	if c := stopperFrom(ctx).exitStatus(); c != 0 {
		return c // stopped by a signal: 130 or 143
	}
	return code
}

// requireArgs is cobra.MinimumNArgs with a usage exit status.
func requireArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usageError("%s needs at least %d argument(s)\nRun '%s --help' for usage", cmd.CommandPath(), n, cmd.CommandPath())
		}
		return nil
	}
}

// noArgs rejects positional arguments with a usage exit status.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}
