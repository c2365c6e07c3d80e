package crawler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNothingFetched is wrapped by the error RunJob returns when a site of an
// uninterrupted run fetched no page (see Summary.Failures).
var ErrNothingFetched = errors.New("0 pages fetched")

// prevRun is the last finished run before this one, for the one-line reason of a
// run that emits nothing new.
type prevRun struct {
	mu  sync.Mutex
	run int64
	at  time.Time
}

// notePrevRun records the site's last finished run (from the store's Stats, before
// BeginRun), keeping the highest of the job's sites.
func (s *siteRun) notePrevRun(ctx context.Context) {
	st, err := s.st.Stats(ctx, s.site.Name)
	if err != nil || st.Run == 0 {
		return
	}
	run, at := st.Run, st.FinishedAt
	if st.Running { // resumed: the finished one is the run before (its date is gone)
		run, at = st.Run-1, time.Time{}
	}
	if at.IsZero() && !st.Running {
		at = st.StartedAt
	}
	p := &s.job.prev
	p.mu.Lock()
	defer p.mu.Unlock()
	if run > p.run {
		p.run, p.at = run, at
	}
}

// NothingNew is the one-line reason of a run that wrote no record although it
// crawled ("0 new or changed articles since run 3 (2026-12-04): 27 unchanged;
// --full re-emits every article"); "" when it wrote records, failed, or is not
// incremental.
func (s Summary) NothingNew() string {
	if s.Articles > 0 || s.New+s.Changed > 0 || len(s.Failures) > 0 || s.Pending > 0 {
		return ""
	}
	if s.Unchanged == 0 && s.Gone == 0 && s.PrevRun == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("0 new or changed articles")
	if s.PrevRun > 0 {
		fmt.Fprintf(&b, " since run %d", s.PrevRun)
		if !s.PrevRunAt.IsZero() {
			fmt.Fprintf(&b, " (%s)", s.PrevRunAt.UTC().Format(time.DateOnly))
		}
	}
	fmt.Fprintf(&b, ": %d unchanged", s.Unchanged)
	if s.Gone > 0 {
		fmt.Fprintf(&b, ", %d gone", s.Gone)
	}
	if s.Errors > 0 {
		fmt.Fprintf(&b, ", %d failed", s.Errors)
	}
	if s.Unchanged > 0 {
		b.WriteString("; --full re-emits every article")
	}
	return b.String()
}

// deadSites lists the sites that fetched no page, with the cause, logs each at
// ERROR and returns them joined as an error (nil when every site fetched). A site
// whose seed hosts' robots.txt were all unreachable always counts; otherwise a
// resumed run may have had nothing left to fetch.
func (j *job) deadSites(runs []*siteRun) ([]string, error) {
	var msgs []string
	var errs []error
	for _, s := range runs {
		if s.fetched.Load() > 0 {
			continue
		}
		cause := s.seedsUnreachable()
		if cause == "" && j.resumed.Load() {
			continue
		}
		if first := j.acct.firstOutcome(s.site.Name); cause == "" && first != "" {
			cause = " (first URL " + first + ")"
		}
		err := fmt.Errorf("site %s: %w%s", s.site.Name, ErrNothingFetched, cause)
		j.log.Error(err.Error(), "site", s.site.Name)
		msgs = append(msgs, err.Error())
		errs = append(errs, err)
	}
	return msgs, errors.Join(errs...)
}

// seedsUnreachable is ": robots.txt of https://host unreachable: why" (one per seed
// host, joined by "; ") when the robots.txt of every seed host was unreachable,
// else "".
func (s *siteRun) seedsUnreachable() string {
	if !s.obey {
		return ""
	}
	var parts []string
	seen := map[string]bool{}
	for _, raw := range append(append([]string{}, s.site.StartURLs...), s.site.Sitemaps...) {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			continue
		}
		origin := u.Scheme + "://" + u.Host
		if seen[origin] {
			continue
		}
		seen[origin] = true
		why := s.job.robots.unreachable(origin)
		if why == "" {
			return ""
		}
		parts = append(parts, fmt.Sprintf("robots.txt of %s unreachable: %s", origin, why))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

// unreachable is why the robots.txt of origin could not be read, "" when it was
// read or never asked for. Call once the fetches are over.
func (c *robotsCache) unreachable(origin string) string {
	c.mu.Lock()
	slot, ok := c.hosts[origin]
	c.mu.Unlock()
	if !ok {
		return ""
	}
	// The fetches are over (the sites' goroutines have returned): slot.r is set.
	r := slot.r
	if r == nil {
		return ""
	}
	return r.unreachable
}

// robotsCause names why a robots.txt fetch failed in a few words: "connection
// refused", "timed out after 2s", "status 503", else the error.
func robotsCause(err error, timeout time.Duration) string {
	var ne net.Error
	switch {
	case err == nil:
		return "unknown error"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.As(err, &ne) && ne.Timeout():
		if timeout > 0 {
			return "timed out after " + timeout.String()
		}
		return "timed out"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "DNS: " + dns.Err
	}
	return err.Error()
}
