package store

import (
	"context"
	"strings"
	"time"
)

// WithPrefix namespaces st for one crawl configuration, so that several configs
// (different `name:`) can share one state file without sharing runs, frontiers,
// visited or emitted sets: every site argument is stored as PREFIX/SITE, and the
// workers' committed sink positions (Committer.Positions, Batch.Worker) as
// PREFIX/WORKER. Sites lists only the sites of the prefix, by their bare names, and
// Stats.Site is the bare name. "/" and "%" in the prefix are escaped (%2F, %25), so
// the first "/" of a stored name always ends the prefix and two prefixes never
// overlap.
//
// A prefix of "" returns st itself
// (state written before per-config namespacing stays readable by a config without
// a name). The redis engine has its own key prefix (state.prefix): do not wrap it.
func WithPrefix(st Store, prefix string) Store {
	if prefix == "" || st == nil {
		return st
	}
	return &prefixed{st: st, pre: escapePrefix(prefix) + "/"}
}

// Unwrapper is a decorator over a Store (WithPrefix, the run state of the command).
type Unwrapper interface{ Unwrap() Store }

// Unwrap returns the engine under every decorator (st itself when it is one):
// callers type-assert on it for engine features (the redis engine's limiter and
// stream commits).
func Unwrap(st Store) Store {
	for {
		u, ok := st.(Unwrapper)
		if !ok {
			return st
		}
		st = u.Unwrap()
	}
}

// Unwrap implements Unwrapper.
func (p *prefixed) Unwrap() Store { return p.st }

func escapePrefix(p string) string {
	return strings.NewReplacer("%", "%25", "/", "%2F").Replace(p)
}

type prefixed struct {
	st  Store
	pre string
}

func (p *prefixed) ns(site string) string { return p.pre + site }

func (p *prefixed) BeginRun(ctx context.Context, site string) (Run, error) {
	return p.st.BeginRun(ctx, p.ns(site))
}

func (p *prefixed) FinishRun(ctx context.Context, site string) error {
	return p.st.FinishRun(ctx, p.ns(site))
}

func (p *prefixed) MarkSeen(ctx context.Context, site, key string) (bool, error) {
	return p.st.MarkSeen(ctx, p.ns(site), key)
}

func (p *prefixed) Seen(ctx context.Context, site, key string) (bool, error) {
	return p.st.Seen(ctx, p.ns(site), key)
}

func (p *prefixed) Enqueue(ctx context.Context, site, key string, e Entry) (bool, error) {
	return p.st.Enqueue(ctx, p.ns(site), key, e)
}

func (p *prefixed) Push(ctx context.Context, site string, entries ...Entry) error {
	return p.st.Push(ctx, p.ns(site), entries...)
}

func (p *prefixed) Lease(ctx context.Context, site, worker string, n int, ttl time.Duration) ([]Entry, error) {
	return p.st.Lease(ctx, p.ns(site), worker, n, ttl)
}

func (p *prefixed) Extend(ctx context.Context, site, worker string, ttl time.Duration) error {
	return p.st.Extend(ctx, p.ns(site), worker, ttl)
}

func (p *prefixed) Ack(ctx context.Context, site, url string, o Outcome) error {
	return p.st.Ack(ctx, p.ns(site), url, o)
}

func (p *prefixed) Nack(ctx context.Context, site, url string) error {
	return p.st.Nack(ctx, p.ns(site), url)
}

func (p *prefixed) Release(ctx context.Context, site, worker string) (int, error) {
	return p.st.Release(ctx, p.ns(site), worker)
}

func (p *prefixed) GetMeta(ctx context.Context, site, url string) (Meta, bool, error) {
	return p.st.GetMeta(ctx, p.ns(site), url)
}

func (p *prefixed) PutMeta(ctx context.Context, site, url string, m Meta) error {
	return p.st.PutMeta(ctx, p.ns(site), url, m)
}

func (p *prefixed) EmitOnce(ctx context.Context, site, url, hash string) (Change, error) {
	return p.st.EmitOnce(ctx, p.ns(site), url, hash)
}

func (p *prefixed) Gone(ctx context.Context, site, url string) (bool, error) {
	return p.st.Gone(ctx, p.ns(site), url)
}

func (p *prefixed) Emitted(ctx context.Context, site string) ([]string, error) {
	return p.st.Emitted(ctx, p.ns(site))
}

func (p *prefixed) EachEmitted(ctx context.Context, site string, fn func(string) error) error {
	return p.st.EachEmitted(ctx, p.ns(site), fn)
}

func (p *prefixed) Reserve(ctx context.Context, site, worker, key, hash string) (Change, error) {
	return p.st.Reserve(ctx, p.ns(site), worker, key, hash)
}

func (p *prefixed) Unreserve(ctx context.Context, site, worker, key string) error {
	return p.st.Unreserve(ctx, p.ns(site), worker, key)
}

// Commit prefixes the sites of the emissions and the worker of the positions.
func (p *prefixed) Commit(ctx context.Context, b Batch) error {
	nb := b
	nb.Worker, nb.Emissions = p.ns(b.Worker), make([]Emission, len(b.Emissions))
	for i, em := range b.Emissions {
		em.Site = p.ns(em.Site)
		nb.Emissions[i] = em
	}
	return p.st.Commit(ctx, nb)
}

func (p *prefixed) Positions(ctx context.Context, worker string) (map[string]string, error) {
	return p.st.Positions(ctx, p.ns(worker))
}

func (p *prefixed) Stats(ctx context.Context, site string) (Stats, error) {
	s, err := p.st.Stats(ctx, p.ns(site))
	s.Site = site
	return s, err
}

// Sites lists the sites of the prefix only, without the prefix.
func (p *prefixed) Sites(ctx context.Context) ([]string, error) {
	all, err := p.st.Sites(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range all {
		if rest, ok := strings.CutPrefix(s, p.pre); ok {
			out = append(out, rest)
		}
	}
	return out, nil
}

func (p *prefixed) Reset(ctx context.Context, site string) error {
	return p.st.Reset(ctx, p.ns(site))
}

func (p *prefixed) Engine() string { return p.st.Engine() }

func (p *prefixed) Close() error { return p.st.Close() }
