package main

import (
	"fmt"

	"github.com/dustin/go-humanize/english"
	"github.com/healthcrawl/healthcrawl/config"
	"github.com/spf13/cobra"
)

func newValidateCmd(a *app) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:     "validate (FILE | --config FILE)",
		GroupID: groupConfig,
		Short:   "Check a config file and report every problem with its key path",
		Long: `validate loads a config the way run does (defaults, the file, CRAWL_* environment
variables) and reports every problem at once, one per line, each with its key path:
unknown (misspelt) keys, values of the wrong type, bad URLs, regexps and selectors,
unknown pipeline stages or options, numbers outside their range and durations
without a unit (each quoted as written), allowed_domains that exclude a site's own
start URLs or sitemaps, an output path whose extension names no format, a config
without site targets, a file over 4 MiB. Exit status 2 when there is any problem.
The file is given as the argument or with --config (-c), as run takes it.`,
		Example: `  crawl validate configs/example.yaml
  crawl validate -c my.yaml
  CRAWL_CRAWL_DELAY=1s crawl validate --config my.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := configArg(cmd, path, args)
			if err != nil {
				return err
			}
			cfg, err := config.Load(path, config.LoadOptions{Env: a.env, Checks: configChecks(), RequireSites: true})
			if err != nil {
				probs := config.Problems(err)
				for _, p := range probs {
					fmt.Fprintln(a.out, p)
				}
				fmt.Fprintf(a.err, "config %s: %s\n", path, english.Plural(len(probs), "problem", "problems"))
				return &exitError{code: exitUsage, silent: true, err: err}
			}
			fmt.Fprintf(a.out, "config OK: %s\n", english.Plural(len(cfg.Sites), "site", "sites"))
			return nil
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "", "config file (YAML); or give it as the argument")
	return cmd
}

// configArg is the config file of a command that takes it as --config FILE or as
// its one argument (not both, unless they name the same file).
func configArg(cmd *cobra.Command, flag string, args []string) (string, error) {
	switch {
	case len(args) > 1:
		return "", usageError("%s takes one config file, got %q\nRun '%s --help' for usage", cmd.CommandPath(), args, cmd.CommandPath())
	case len(args) == 1 && flag != "" && args[0] != flag:
		return "", usageError("config file given twice: --config %q and %q (give one)", flag, args[0])
	case len(args) == 1:
		return args[0], nil
	case flag == "":
		return "", usageError("%s needs a config file: %s FILE, or --config FILE\nRun '%s --help' for usage", cmd.CommandPath(), cmd.CommandPath(), cmd.CommandPath())
	}
	return flag, nil
}
