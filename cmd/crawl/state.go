package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/store"
	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
)

// stateFlags are --config, --state and --site, shared by the state subcommands.
type stateFlags struct {
	config, state string
	sites         []string
	where         string // the store opened by openState: its file, or its URL without password
}

func (f *stateFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.config, "config", "c", "", "config file (YAML); its state.url is the default store")
	cmd.Flags().StringVar(&f.state, "state", "", "state store URL (memory, sqlite:///abs/path.db, sqlite://relative.db, redis://HOST:PORT/DB); overrides state.url")
	cmd.Flags().StringArrayVar(&f.sites, "site", nil, "only this site (repeatable; default: every site with state)")
}

// stateURL is --state, else state.url of the config ("" = memory); a redis URL
// without ?prefix= gets the config's key prefix (state.prefix, default its name).
func stateURL(flag string, cfg config.Config) string {
	u := strings.TrimSpace(flag)
	if u == "" {
		u = strings.TrimSpace(cfg.State.URL)
	}
	return store.RedisStateURL(u, cfg.StatePrefix())
}

// redactURL hides the password of a state URL in logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

// openStore opens the state store of u. A redis store gets a's logger for its
// connection warnings (an unreachable server is waited for, with a warning per
// outage), and its errors name the URL without its password.
func (a *app) openStore(ctx context.Context, u string) (store.Store, error) {
	if pu, err := url.Parse(u); err == nil && (pu.Scheme == "redis" || pu.Scheme == "rediss") {
		st, err := store.OpenRedis(ctx, u, store.RedisOptions{Logger: a.logger})
		if err != nil {
			return nil, fmt.Errorf("state store %s: %w", pu.Redacted(), err)
		}
		return st, nil
	}
	return store.Open(ctx, u)
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
		return nil, nil, usageError("--state %q: %v", redactURL(u), err)
	}
	if p, ok := store.LocalPath(u); ok {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return nil, nil, failure(fmt.Errorf("no crawl state at %s (state store %s)", p, u))
		}
	}
	st, err := a.openStore(ctx, u)
	if err != nil {
		return nil, nil, failure(err)
	}
	f.where = redactURL(u)
	if p, ok := store.LocalPath(u); ok {
		f.where = p
	}
	if f.config != "" {
		// The config's own sites only (see configState): what crawl run uses.
		st = configState(st, cfg)
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
sqlite://.crawl/state.db; --state overrides it). With --config it sees only that
config's sites, as 'crawl run' does: their state is kept under the config's name
(state.prefix, else name:), so configs sharing a state file stay apart. Without
--config it shows the store as it is, a named config's sites as NAME/SITE. With a
redis state shared by several workers, the figures are those of the whole fleet
(keys under state.prefix, default the config's name).

  stats   per site: run number and whether it is in progress, URLs queued, leased,
          done and failed in the current run, URLs seen, records emitted (all runs),
          URLs with stored metadata (ETag, Last-Modified, content hash); with redis,
          also the workers holding leases right now.
  reset   deletes every piece of state of the sites: the next run starts from
          scratch and emits every article again as new. Asks first on a terminal;
          --yes is required without one.`,
		Example: `  crawl state stats --config configs/my-sites.yaml
  crawl state reset --config configs/my-sites.yaml --site blog --yes
  crawl state stats --state sqlite:///var/lib/healthcrawl/state.db
  crawl state stats --config configs/my-sites.yaml --state redis://10.0.0.5:6379/0`,
	}
	cmd.AddCommand(newStateStatsCmd(a), newStateResetCmd(a))
	return cmd
}

func newStateStatsCmd(a *app) *cobra.Command {
	var f stateFlags
	cmd := &cobra.Command{
		Use:   "stats [--site NAME]... [--config FILE] [--state URL]",
		Short: "Show the crawl state of each site",
		Example: `  crawl state stats --config configs/my-sites.yaml
  crawl state stats --config configs/my-sites.yaml --site blog
  crawl state stats --state sqlite:///var/lib/healthcrawl/state.db   # every config's sites in that file`,
		Args: noArgs,
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
			if err := tw.Flush(); err != nil {
				return err
			}
			return a.printWorkers(ctx, cmd.OutOrStdout(), st, sites)
		},
	}
	f.register(cmd)
	return cmd
}

// printWorkers lists, for a redis state shared by a fleet, the workers holding
// leases on each site right now.
func (a *app) printWorkers(ctx context.Context, w io.Writer, st store.Store, sites []string) error {
	r, ok := store.Unwrap(st).(*store.Redis)
	if !ok {
		return nil
	}
	for _, site := range sites {
		by, err := r.LeasesByWorker(ctx, site)
		if err != nil {
			return failure(err)
		}
		if len(by) == 0 {
			continue
		}
		names := make([]string, 0, len(by))
		for n := range by {
			names = append(names, n)
		}
		sort.Strings(names)
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = fmt.Sprintf("%s %d", n, by[n])
		}
		fmt.Fprintf(w, "%s: leased by %s\n", site, strings.Join(parts, ", "))
	}
	return nil
}

func newStateResetCmd(a *app) *cobra.Command {
	var (
		f   stateFlags
		yes bool
	)
	cmd := &cobra.Command{
		Use:   "reset [--site NAME]... [--config FILE] [--state URL] [--yes]",
		Short: "Delete the crawl state of sites (all sites of the config, or with state, by default)",
		Long: `reset deletes every piece of state of the sites: frontier, visited set, page
metadata and emitted set. The next run starts from scratch and emits every article
again as new. With --config it touches only that config's sites (the state of
other configs sharing the file is kept: see "Per-config state" in the README);
without --config, the sites as they are named in the store.

On a terminal it asks first ("reset state of sites x, y in FILE? [y/N]"); --yes
skips the question. Without a terminal (a script, cron, CI) --yes is required:
without it nothing is deleted and the exit status is 2.`,
		Example: `  crawl state reset --config configs/my-sites.yaml --site blog --yes
  crawl state reset --config configs/my-sites.yaml --yes     # every site of the config, no question
  crawl state reset --state sqlite:///var/lib/healthcrawl/state.db --site old-blog --yes`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, sites, err := a.openState(ctx, &f)
			if err != nil {
				return err
			}
			defer st.Close()
			if len(sites) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "no state to reset in %s\n", f.where)
				return nil
			}
			if !yes {
				if err := a.confirm(fmt.Sprintf("reset state of sites %s in %s? [y/N] ", strings.Join(sites, ", "), f.where)); err != nil {
					return err
				}
			}
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
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "reset without asking (required without a terminal)")
	return cmd
}

// isTerminal reports whether r is a terminal (a variable: tests stand in for one).
var isTerminal = func(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// confirm asks question on stderr and reads the answer from stdin: nil for y or
// yes, a failure when declined, a usage error when stdin is not a terminal.
func (a *app) confirm(question string) error {
	if !isTerminal(a.in) {
		return usageError("%snot confirmed: standard input is not a terminal; pass --yes to reset without asking", question)
	}
	fmt.Fprint(a.err, question)
	answer, err := bufio.NewReader(a.in).ReadString('\n')
	if err != nil && answer == "" {
		return failure(errors.New("reset cancelled: no answer; nothing was deleted"))
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return failure(errors.New("reset cancelled: nothing was deleted"))
}

// openRunState opens the state store of a crawl: --state, else state.url of the
// config (default sqlite://.crawl/state.db). memory (or "") gives nil: the crawler
// keeps its frontier in memory and nothing is remembered between runs.
func (a *app) openRunState(ctx context.Context, flag string, cfg config.Config) (store.Store, error) {
	u := stateURL(flag, cfg)
	if u == "" || u == "memory" || u == "memory://" {
		return nil, nil
	}
	if err := store.Validate(u); err != nil {
		return nil, usageError("state store %q: %v", redactURL(u), err)
	}
	st, err := a.openStore(ctx, u)
	if err != nil {
		return nil, failure(err)
	}
	a.logger.Debug("state store", "url", redactURL(u), "engine", st.Engine())
	if st.Engine() == "redis" {
		return st, nil // already under state.prefix; the fleet limiter needs *store.Redis
	}
	return newBegunStore(configState(st, cfg)), nil
}
