package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/store"
	"github.com/spf13/cobra"
)

// stateFlags are --config, --state and --site, shared by the state subcommands.
type stateFlags struct {
	config, state string
	sites         []string
}

func (f *stateFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.config, "config", "c", "", "config file (YAML); its state.url is the default store")
	cmd.Flags().StringVar(&f.state, "state", "", "state store URL (memory, sqlite:///abs/path.db, sqlite://relative.db); overrides state.url")
	cmd.Flags().StringArrayVar(&f.sites, "site", nil, "only this site (repeatable; default: every site with state)")
}

// stateURL is --state, else state.url of the config ("" = memory).
func stateURL(flag string, cfg config.Config) string {
	if flag != "" {
		return flag
	}
	return cfg.State.URL
}

// openState loads the config (when given) and opens its state store.
func (a *app) openState(ctx context.Context, f *stateFlags) (store.Store, []string, error) {
	cfg := config.Default()
	if f.config != "" {
		var err error
		if cfg, err = a.loadConfig(f.config); err != nil {
			return nil, nil, err
		}
		if err := checkSites(cfg, f.sites); err != nil {
			return nil, nil, err
		}
	}
	u := stateURL(f.state, cfg)
	if err := store.Validate(u); err != nil {
		return nil, nil, usageError("--state %q: %v", u, err)
	}
	if p, ok := store.LocalPath(u); ok {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return nil, nil, failure(fmt.Errorf("no crawl state at %s (state store %s)", p, u))
		}
	}
	st, err := store.Open(ctx, u)
	if err != nil {
		return nil, nil, failure(err)
	}
	sites := f.sites
	if len(sites) == 0 {
		if sites, err = st.Sites(ctx); err != nil {
			st.Close()
			return nil, nil, failure(err)
		}
		if f.config != "" {
			// Sites of the config without state yet are listed too.
			have := map[string]bool{}
			for _, s := range sites {
				have[s] = true
			}
			for _, s := range cfg.Sites {
				if !have[s.Name] {
					sites = append(sites, s.Name)
				}
			}
		}
	}
	return st, sites, nil
}

func newStateCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "state stats|reset [--site NAME]... [--config FILE] [--state URL]",
		GroupID: groupCrawl,
		Short:   "Look into or clear the crawl state (frontier, visited set, emitted records)",
		Long: `state works on the crawl state store of a config (state.url, default
sqlite://.crawl/state.db; --state overrides it).

  stats   per site: run number and whether it is in progress, URLs queued, leased,
          done and failed in the current run, URLs seen, records emitted (all runs),
          URLs with stored metadata (ETag, Last-Modified, content hash).
  reset   deletes every piece of state of the sites: the next run starts from
          scratch and emits every article again as new.`,
		Example: `  crawl state stats --config configs/my-sites.yaml
  crawl state reset --config configs/my-sites.yaml --site blog
  crawl state stats --state sqlite:///var/lib/healthcrawl/state.db`,
	}
	cmd.AddCommand(newStateStatsCmd(a), newStateResetCmd(a))
	return cmd
}

func newStateStatsCmd(a *app) *cobra.Command {
	var f stateFlags
	cmd := &cobra.Command{
		Use:   "stats [--site NAME]... [--config FILE] [--state URL]",
		Short: "Show the crawl state of each site",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, sites, err := a.openState(ctx, &f)
			if err != nil {
				return err
			}
			defer st.Close()
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SITE\tRUN\tSTATE\tQUEUED\tLEASED\tDONE\tFAILED\tSEEN\tEMITTED\tPAGES\tSTARTED")
			for _, site := range sites {
				s, err := st.Stats(ctx, site)
				if err != nil {
					return failure(err)
				}
				state := "never run"
				switch {
				case s.Running:
					state = "in progress"
				case s.Run > 0:
					state = "finished"
				}
				started := "-"
				if !s.StartedAt.IsZero() {
					started = s.StartedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n",
					site, s.Run, state, s.Queued, s.Leased, s.Done, s.Failed, s.Seen, s.Emitted, s.Pages, started)
			}
			return tw.Flush()
		},
	}
	f.register(cmd)
	return cmd
}

func newStateResetCmd(a *app) *cobra.Command {
	var f stateFlags
	cmd := &cobra.Command{
		Use:   "reset [--site NAME]... [--config FILE] [--state URL]",
		Short: "Delete the crawl state of sites (all sites with state by default)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, sites, err := a.openState(ctx, &f)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, site := range sites {
				if err := st.Reset(ctx, site); err != nil {
					return failure(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "reset %s\n", site)
			}
			if err := st.Close(); err != nil {
				return failure(err)
			}
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

// openRunState opens the state store of a crawl: --state, else state.url of the
// config (default sqlite://.crawl/state.db). memory (or "") gives nil: the crawler
// keeps its frontier in memory and nothing is remembered between runs.
func (a *app) openRunState(ctx context.Context, flag string, cfg config.Config) (store.Store, error) {
	u := strings.TrimSpace(flag)
	if u == "" {
		u = strings.TrimSpace(cfg.State.URL)
	}
	if u == "" || u == "memory" || u == "memory://" {
		return nil, nil
	}
	if err := store.Validate(u); err != nil {
		return nil, usageError("state store %q: %v", u, err)
	}
	st, err := store.Open(ctx, u)
	if err != nil {
		return nil, failure(err)
	}
	a.logger.Debug("state store", "url", u, "engine", st.Engine())
	return st, nil
}
