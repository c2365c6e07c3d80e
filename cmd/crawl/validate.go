package main

import (
	"fmt"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/spf13/cobra"
)

func newValidateCmd(a *app) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:     "validate --config FILE",
		GroupID: groupConfig,
		Short:   "Check a config file and report every problem with its key path",
		Long: `validate loads a config the way run does (defaults, the file, CRAWL_* environment
variables) and reports every problem at once, one per line, each with its key path:
unknown (misspelt) keys, values of the wrong type, bad URLs, regexps and selectors,
unknown pipeline stages or options, numbers outside their range and durations
without a unit (each quoted as written), allowed_domains that exclude a site's own
start URLs or sitemaps, an output path whose extension names no format, a config
without site targets, a file over 4 MiB. Exit status 2 when there is any problem.`,
		Example: `  crawl validate --config configs/example.yaml
  CRAWL_CRAWL_DELAY=1s crawl validate --config my.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(path, config.LoadOptions{Env: a.env, Checks: configChecks(), RequireSites: true})
			if err != nil {
				probs := config.Problems(err)
				for _, p := range probs {
					fmt.Fprintln(a.out, p)
				}
				fmt.Fprintf(a.err, "config %s: %d problem(s)\n", path, len(probs))
				return &exitError{code: exitUsage, silent: true, err: err}
			}
			fmt.Fprintf(a.out, "config OK: %d sites\n", len(cfg.Sites))
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "config", "", "config file (YAML)")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}
