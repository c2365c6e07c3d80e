package fetch

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Limit is the politeness of one host: requests in flight at once, and the pause
// after each one before its slot is free again (Delay plus a random part up to
// RandomDelay).
type Limit struct {
	Parallelism int
	Delay       time.Duration
	RandomDelay time.Duration
	// Hold is how long a shared slot stays taken when its worker dies before
	// releasing it (the request timeout plus the delay is a good value).
	Hold time.Duration
}

// SharedLimiter takes per-host turns shared with other processes (the fleet
// limiter of a Redis state). It counts the delay from the release itself.
type SharedLimiter interface {
	Acquire(ctx context.Context, host string, lim Limit) (release func(), err error)
}

// Politeness is the one definition of how hard a site's hosts are hit: a default
// Limit, per-host overrides (a robots.txt Crawl-delay), and where the turns are
// taken — in this process, or fleet-wide through a SharedLimiter. Every request
// takes a turn: each HTTP round trip (Transport, redirects included) and each
// rendered page (Wrap). It is safe for concurrent use.
type Politeness struct {
	def    Limit
	shared SharedLimiter

	mu     sync.Mutex
	byHost map[string]Limit
	gates  map[string]*gate
}

// NewPoliteness returns the politeness of a site: def for every host, turns taken
// through shared when it is not nil.
func NewPoliteness(def Limit, shared SharedLimiter) *Politeness {
	def.Parallelism = max(def.Parallelism, 1)
	return &Politeness{def: def, shared: shared, byHost: map[string]Limit{}, gates: map[string]*gate{}}
}

// CrawlDelay sets host's limit from its robots.txt Crawl-delay: one request at a
// time, and at least d between them.
func (p *Politeness) CrawlDelay(host string, d time.Duration) {
	l := p.def
	l.Parallelism, l.Delay, l.RandomDelay = 1, max(p.def.Delay, d), max(p.def.Delay, d)/4
	p.mu.Lock()
	p.byHost[hostKey(host)] = l
	p.mu.Unlock()
}

// LimitOf is the limit of host.
func (p *Politeness) LimitOf(host string) Limit {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.byHost[hostKey(host)]; ok {
		return l
	}
	return p.def
}

// Turn waits until a request to host may start and returns the function to call
// when it has ended (idempotent): the host's slot is free again after its delay.
func (p *Politeness) Turn(ctx context.Context, host string) (release func(), err error) {
	lim := p.LimitOf(host)
	if p.shared != nil {
		release, err := p.shared.Acquire(ctx, hostKey(host), lim)
		if err != nil {
			return nil, fmt.Errorf("host limiter %s: %w", host, err)
		}
		return release, nil
	}
	p.mu.Lock()
	g, ok := p.gates[hostKey(host)]
	if !ok {
		g = &gate{}
		p.gates[hostKey(host)] = g
	}
	p.mu.Unlock()
	if err := g.acquire(ctx, lim.Parallelism); err != nil {
		return nil, fmt.Errorf("waiting for a turn at %s: %w", host, err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			pause := lim.Delay
			if lim.RandomDelay > 0 {
				pause += rand.N(lim.RandomDelay)
			}
			if pause <= 0 {
				g.release()
				return
			}
			time.AfterFunc(pause, g.release) // the slot stays taken during the pause
		})
	}, nil
}

// Wrap is f with a turn taken for each Fetch (a rendered page: one turn for the
// page and the requests it makes to its own host).
func (p *Politeness) Wrap(f Fetcher) Fetcher { return &politeFetcher{p: p, next: f} }

type politeFetcher struct {
	p    *Politeness
	next Fetcher
}

func (f *politeFetcher) Fetch(ctx context.Context, r Request) (*Response, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", r.URL, err)
	}
	host := u.Host
	release, err := f.p.Turn(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", r.URL, err)
	}
	defer release()
	// Requests made for the page while it holds the turn (robots.txt of its
	// resources) share it.
	st := &state{req: &r, parent: stateFrom(ctx)}
	defer st.hold(hostKey(host))()
	return f.next.Fetch(context.WithValue(ctx, stateKey{}, st), r)
}

// Transport is next with a turn taken for each round trip, released when the
// response body is closed (or at once when the round trip fails).
func (p *Politeness) Transport(next http.RoundTripper) http.RoundTripper {
	return &politeTransport{p: p, next: next}
}

type politeTransport struct {
	p    *Politeness
	next http.RoundTripper
}

func (t *politeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	host := hostKey(req.URL.Host)
	st := stateFrom(req.Context())
	if st.holds(host) {
		return t.next.RoundTrip(req) // made from inside a fetch that holds the host's turn
	}
	turn, err := t.p.Turn(req.Context(), host)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	release := turn
	if st != nil {
		unhold := st.hold(host)
		release = sync.OnceFunc(func() { unhold(); turn() })
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releaseBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

type releaseBody struct {
	io.ReadCloser
	release func()
}

func (b *releaseBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

func hostKey(host string) string { return strings.TrimSuffix(strings.ToLower(host), ".") }

// gate is one host's slots in this process, handed to waiters in arrival order.
type gate struct {
	mu      sync.Mutex
	par     int // the host's parallelism, as of the latest acquire
	active  int
	waiters []chan struct{}
}

func (g *gate) acquire(ctx context.Context, par int) error {
	g.mu.Lock()
	g.par = par
	if g.active < par && len(g.waiters) == 0 {
		g.active++
		g.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	g.waiters = append(g.waiters, ch)
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		for i, w := range g.waiters {
			if w == ch {
				g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
				g.mu.Unlock()
				return context.Cause(ctx)
			}
		}
		g.mu.Unlock()
		g.release() // the slot was handed over as ctx ended: give it back
		return context.Cause(ctx)
	}
}

// release frees a slot and hands free slots to the waiters in order. (A host whose
// limit went down — a Crawl-delay read after its first requests — drains to the
// new parallelism as its slots are released.)
func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active--
	for len(g.waiters) > 0 && g.active < g.par {
		ch := g.waiters[0]
		g.waiters = g.waiters[1:]
		g.active++
		close(ch)
	}
}
