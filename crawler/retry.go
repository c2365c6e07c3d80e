package crawler

import (
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseRetryAfter reads a Retry-After header value: delay-seconds or an HTTP date
// (relative to now). It returns the wait capped at maxWait (maxWait ≤ 0: no cap),
// and ok=false for an empty or unparsable value. A date in the past gives 0.
func ParseRetryAfter(v string, now time.Time, maxWait time.Duration) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(math.MaxInt64/time.Second) {
			secs = int64(math.MaxInt64 / time.Second) // no overflow below
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
		if d < 0 {
			d = 0
		}
	} else {
		return 0, false
	}
	if maxWait > 0 && d > maxWait {
		d = maxWait
	}
	return d, true
}

// retryPolicy is the one retry wait of the crawler's HTTP requests (page fetches
// and robots.txt alike): exponential backoff with jitter (backoff), a server's
// Retry-After honoured, each capped (JobOptions.RetryBase, MaxBackoff,
// MaxRetryAfter).
//
// The Redis reconnect loops (store.Redis.do, fleet.Limiter's retry) follow another
// policy on purpose: they wait out an outage of the state server for up to a total
// wait period (100 ms doubling to 5 s, no Retry-After, no jitter needed: one
// process's calls to one server), counting from the start of the outage; an HTTP
// fetch retries a bounded number of times against a server that may say when to
// come back.
type retryPolicy struct {
	base, maxBackoff, maxRetryAfter time.Duration
}

// wait is the wait before retry number attempt (1 = first retry), given the
// response's Retry-After header value ("" = none).
func (p retryPolicy) wait(attempt int, retryAfterHeader string) time.Duration {
	ra, _ := ParseRetryAfter(retryAfterHeader, time.Now(), p.maxRetryAfter)
	return backoff(p.base, p.maxBackoff, attempt, ra)
}

// backoff is the wait before retry number attempt (1 = first retry): base·2^(attempt-1)
// plus up to 50 % jitter, capped at maxWait; a longer Retry-After wins (it is already
// capped by ParseRetryAfter).
func backoff(base, maxWait time.Duration, attempt int, retryAfter time.Duration) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := base
	for i := 1; i < attempt && d < maxWait; i++ {
		d *= 2
	}
	if d > 0 {
		d += time.Duration(rand.Int64N(int64(d)/2 + 1))
	}
	if maxWait > 0 && d > maxWait {
		d = maxWait
	}
	if retryAfter > d {
		d = retryAfter
	}
	return d
}

// retryableStatus reports whether an HTTP status is worth retrying: 429 and 5xx
// (except 501 Not Implemented and 505 HTTP Version Not Supported, which will not change).
func retryableStatus(code int) bool {
	if code == http.StatusTooManyRequests {
		return true
	}
	return code >= 500 && code <= 599 && code != http.StatusNotImplemented && code != http.StatusHTTPVersionNotSupported
}

// sleepCtx waits d or until ctx is done; it reports whether the full wait elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
