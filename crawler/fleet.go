package crawler

import (
	"context"
	"log/slog"
	"net/url"

	"github.com/healthcrawl/healthcrawl/config"
	"github.com/healthcrawl/healthcrawl/fleet"
	"github.com/healthcrawl/healthcrawl/store"
)

// Scale-out (several worker processes sharing a redis state): the frontier, the
// visited set and the emitted set are shared through the store; politeness is
// shared through a fleet.Limiter on the same server, from which the site's
// fetch.Politeness takes every request's turn (see siteRun.setup).

// newFleetLimiter returns the fleet-wide per-host limiter of a job: with a redis
// state and state.fleet_limits, else nil (each worker applies the limits alone).
func newFleetLimiter(cfg config.Config, st store.Store, log *slog.Logger) *fleet.Limiter {
	if st == nil || !cfg.State.FleetLimits {
		return nil
	}
	return fleet.ForStore(st, log)
}

// robotsOf is the robots.txt of u's host, fetched through the site's fetcher (so
// under the site's politeness, with the page requests' headers).
func (s *siteRun) robotsOf(ctx context.Context, u *url.URL) *robots {
	return s.job.robots.get(ctx, u, s.http)
}

// robotsVerdict is why robots.txt keeps u from being fetched: CatRobots and the
// rule, or CatExcluded when the network policy refused the host's address; "" when
// u may be fetched.
func (s *siteRun) robotsVerdict(ctx context.Context, u *url.URL) (cat, why string) {
	r := s.robotsOf(ctx, u)
	if ok, why := r.Allowed(u); !ok {
		if r.refused != "" {
			return CatExcluded, r.refused
		}
		return CatRobots, why
	}
	return "", ""
}
