package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/store"
)

// configState namespaces a memory or sqlite state for the config (store.WithPrefix
// with state.prefix, else the config's name), so that configs with different names
// sharing one state file never share runs or emitted sets. A config without a name
// (and without state.prefix) uses the bare site names, as before per-config state.
// A redis state is already under its key prefix: it is returned as it is.
func configState(st store.Store, cfg config.Config) store.Store {
	if st == nil || st.Engine() == "redis" {
		return st
	}
	return store.WithPrefix(st, strings.TrimSpace(cfg.StatePrefix()))
}

// begunStore is the run state of `crawl run` and `crawl schedule`: a new run is
// begun (BeginRun) before the outputs are opened, so {date} in their paths is the
// run's start as the state records it, and a resumed run expands to the same
// paths. The crawler's own BeginRun then gets that run as new, and until it does,
// Stats shows the site as it was before (the crawler reads the last finished run
// there).
type begunStore struct {
	store.Store
	mu      sync.Mutex
	pending map[string]begun
}

type begun struct {
	run    store.Run
	before store.Stats
}

// Unwrap implements store.Unwrapper.
func (b *begunStore) Unwrap() store.Store { return b.Store }

func newBegunStore(st store.Store) store.Store {
	return &begunStore{Store: st, pending: map[string]begun{}}
}

func asBegun(st store.Store) *begunStore {
	b, _ := st.(*begunStore)
	return b
}

// BeginRun returns the run begun by preBegin, once, as new.
func (b *begunStore) BeginRun(ctx context.Context, site string) (store.Run, error) {
	b.mu.Lock()
	p, ok := b.pending[site]
	delete(b.pending, site)
	b.mu.Unlock()
	if ok {
		return p.run, nil
	}
	return b.Store.BeginRun(ctx, site)
}

// Stats is the state before preBegin while the run it began is not taken yet.
func (b *begunStore) Stats(ctx context.Context, site string) (store.Stats, error) {
	b.mu.Lock()
	p, ok := b.pending[site]
	b.mu.Unlock()
	if ok {
		return p.before, nil
	}
	return b.Store.Stats(ctx, site)
}

// preBegin begins the run of site (or finds the one in progress).
func (b *begunStore) preBegin(ctx context.Context, site string) (store.Run, error) {
	before, err := b.Stats(ctx, site)
	if err != nil {
		return store.Run{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.pending[site]; ok {
		return p.run, nil
	}
	r, err := b.Store.BeginRun(ctx, site)
	if err != nil {
		return store.Run{}, err
	}
	if !r.Resumed {
		b.pending[site] = begun{run: r, before: before}
	}
	return r, nil
}

// runVars are the values of {site}, {run} and {date} for a run of the selected
// sites (names; empty = every site of cfg) starting now: {run} is the run in
// progress when resuming, else the next one (with several sites, the highest);
// {date} is the start of the run as the state records it (the earliest of the
// sites), now without a state; {site} is set when one site is selected. With a
// begunStore the runs are begun here (see begunStore).
func runVars(ctx context.Context, st store.Store, cfg config.Config, names []string, now time.Time) (config.PathVars, error) {
	var sel []string
	for _, s := range cfg.Sites {
		if len(names) == 0 || slices.Contains(names, s.Name) {
			sel = append(sel, s.Name)
		}
	}
	v := config.PathVars{Start: now.UTC()}
	if len(sel) == 1 {
		v.Site = sel[0]
	}
	if st == nil {
		v.Run = 1
		return v, nil
	}
	b := asBegun(st)
	var start time.Time
	for _, site := range sel {
		var run int64
		var began time.Time
		if b != nil {
			r, err := b.preBegin(ctx, site)
			if err != nil {
				return v, fmt.Errorf("state of site %s: %w", site, err)
			}
			run, began = r.ID, r.StartedAt
		} else {
			s, err := st.Stats(ctx, site)
			if err != nil {
				return v, fmt.Errorf("state of site %s: %w", site, err)
			}
			run = s.Run + 1
			if s.Running {
				run, began = s.Run, s.StartedAt
			}
		}
		v.Run = max(v.Run, run)
		if !began.IsZero() && (start.IsZero() || began.Before(start)) {
			start = began
		}
	}
	if !start.IsZero() {
		v.Start = start.UTC()
	}
	v.Run = max(v.Run, 1)
	return v, nil
}

// expandOutput expands the placeholders of cfg's output paths for a run of the
// selected sites. {site} in a path needs exactly one site: with several, it is a
// usage error.
func expandOutput(ctx context.Context, st store.Store, cfg *config.Config, names []string) error {
	paths := cfg.Output.Paths()
	if !slices.ContainsFunc(paths, func(p string) bool { return strings.Contains(p, "{") }) {
		return nil
	}
	v, err := runVars(ctx, st, *cfg, names, time.Now())
	if err != nil {
		return failure(err)
	}
	if v.Site == "" {
		for _, p := range paths {
			if strings.Contains(p, "{site}") {
				return usageError("output path %q: {site} needs one site target (select it with --site NAME)", p)
			}
		}
	}
	cfg.Output = cfg.Output.Expand(v)
	return nil
}

// ClaimLocalSeen implements store.InProcessSeen for an engine that does.
func (b *begunStore) ClaimLocalSeen(site string) (store.LocalSeen, bool) {
	if ip, ok := b.Store.(store.InProcessSeen); ok {
		return ip.ClaimLocalSeen(site)
	}
	return nil, false
}
