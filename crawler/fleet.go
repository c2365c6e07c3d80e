package crawler

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/fleet"
	"github.com/healthcrawl/healthcrawl/store"
)

// Scale-out (several worker processes sharing a redis state): the frontier, the
// visited set and the emitted set are shared through the store; politeness is
// shared through a fleet.Limiter on the same server, which every request of the
// collector passes (see siteRun.setup).

// newFleetLimiter returns the fleet-wide per-host limiter of a job: with a redis
// state and state.fleet_limits, else nil (each worker applies the limits alone).
func newFleetLimiter(cfg config.Config, st store.Store, log *slog.Logger) *fleet.Limiter {
	if st == nil || !cfg.State.FleetLimits {
		return nil
	}
	return fleet.ForStore(st, log)
}

// hostLimits are the fleet-wide limits of a site's hosts, mirroring its colly
// LimitRules: hosts with a robots.txt Crawl-delay at parallelism 1 and that delay,
// every other host at crawl.parallelism and the site's delay.
type hostLimits struct {
	def    fleet.Limit
	byHost map[string]fleet.Limit
}

func newHostLimits(par int, delay, timeout time.Duration) *hostLimits {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &hostLimits{
		def:    fleet.Limit{Parallelism: par, Delay: delay, RandomDelay: delay / 2, Hold: timeout + 5*time.Second},
		byHost: map[string]fleet.Limit{},
	}
}

// crawlDelay sets the limit of host from its robots.txt Crawl-delay.
func (h *hostLimits) crawlDelay(host string, d time.Duration) {
	l := h.def
	l.Parallelism, l.Delay, l.RandomDelay = 1, max(h.def.Delay, d), max(h.def.Delay, d)/4
	h.byHost[host] = l
}

// get is the limit of host (set up before the crawl starts; read-only after).
func (h *hostLimits) get(host string) fleet.Limit {
	if l, ok := h.byHost[host]; ok {
		return l
	}
	return h.def
}

// hostTurn takes the turn of a request to host that does not go through the
// collector (robots.txt, a rendered page) under the site's per-host limits, and
// returns the function to call when the request has ended. With a redis state it
// is the host's slot in the fleet limiter (which counts the delay from the
// release); else release waits the host's delay (robots.txt Crawl-delay included),
// as colly's LimitRule does after each request, so the next request to the host
// starts no sooner. It does not take a job request slot: robots.txt is also read
// from inside a request (a redirect to a new host).
func (s *siteRun) hostTurn(ctx context.Context, host string) (release func(), err error) {
	lim := s.limits.get(host)
	if f := s.job.fleet; f != nil {
		release, err := f.Acquire(ctx, host, lim)
		if err != nil {
			return nil, fmt.Errorf("fleet limiter %s: %w", host, err)
		}
		return release, nil
	}
	return func() { sleepCtx(ctx, lim.Delay) }, nil
}

// robotsOf is the robots.txt of u's host, read in the host's turn (hostTurn).
func (s *siteRun) robotsOf(ctx context.Context, u *url.URL) *robots {
	return s.job.robots.get(ctx, u, s.hostTurn)
}
