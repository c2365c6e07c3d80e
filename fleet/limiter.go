// Package fleet holds what several crawl workers sharing one Redis server agree on
// beyond the state store: the politeness of each host across the whole fleet.
package fleet

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/healthcrawl/healthcrawl/fetch"
	"github.com/healthcrawl/healthcrawl/store"
)

// Limit is the politeness of one host (fetch.Limit), here for the whole fleet: at
// most Parallelism requests to the host are in flight across every worker, and each
// slot stays taken for Delay (plus up to RandomDelay) after its request ended; Hold
// is how long a slot stays taken when its worker dies before releasing it (0 = one
// minute; plus the delays and up to ReuseWindow). Zero Parallelism and Delay = no limit. A Limiter is the fetch package's
// SharedLimiter: fetch.Politeness takes its turns from it.
type Limit = fetch.Limit

// Limiter is the fleet-wide per-host limiter: one sorted set per host,
// PREFIX:host:{HOST}:slots, of slot tokens scored by their expiry (server clock,
// ms). Taking a slot drops the expired ones and adds a token when fewer than
// Parallelism are left, in one Lua script; giving it back rescores the token to
// expire after the delay. A worker killed with SIGKILL leaks its slots only until
// they expire (Limit.Hold plus the delay, plus at most ReuseWindow).
//
// A slot taken at the server is leased for ReuseWindow longer than one request
// needs, and the worker keeps it for its next requests to the same host: a
// released slot is parked in the process, and the next Acquire for the host takes
// it without asking the server once its delay has passed, as long as the rest of
// its lease covers a whole request (its Hold and delay). So a worker fetching a
// host steadily asks the server about once per slot per ReuseWindow instead of
// twice per request. A slot parked and not taken again within IdleReturn after its
// delay, or whose lease is too short for another request, is given back to the
// server — with the worker's next take when one comes first, else on its own. A
// worker that finds a host full marks itself waiting for it (PREFIX:host:{HOST}:wait);
// a slot taken while another worker waits is given back at once when its request
// ends (no reuse), so workers share a busy host as they do without reuse. The
// fleet-wide guarantees are unchanged: a slot stays on the server, leased, while a
// request of its worker runs and for its delay after, so at most Parallelism
// requests run at once and the delay holds across workers.
type Limiter struct {
	rdb    *redis.Client
	prefix string
	log    *slog.Logger
	wait   time.Duration // how long to wait for an unreachable server

	nonce string
	n     atomic.Uint64
	round atomic.Int64

	mu      sync.Mutex
	parked  map[string][]*slot       // by slots key: released slots kept for reuse
	wake    map[string]chan struct{} // by slots key: closed when a slot is parked
	returns []*slot                  // slots to give back with the next call
	timer   *time.Timer              // gives back idle parked slots
	timerAt time.Time
}

// ReuseWindow is how much longer than a request needs a slot is leased at the
// server, and so how long its worker may keep using it for further requests to
// the host without asking the server again. IdleReturn is how long after its
// delay a parked slot waits for a request of its worker before it is given back.
const (
	ReuseWindow = time.Second
	IdleReturn  = 20 * time.Millisecond
	waitMark    = 250 * time.Millisecond // a worker finding a host full is waiting for this long
)

// slot is a slot this process holds at the server.
type slot struct {
	key, tok  string
	par       int           // the host's parallelism when it was taken
	need      time.Duration // lease a request needs: Hold plus delays
	leaseEnd  time.Time     // local clock, no later than the server's expiry
	freeAt    time.Time     // parked: its delay ends
	contended bool          // another worker was waiting for the host when it was taken
}

// NewLimiter returns the limiter of the crawl with key prefix on rdb. wait is how
// long a call waits for an unreachable server before failing (0 = five minutes);
// log may be nil.
func NewLimiter(rdb *redis.Client, prefix string, wait time.Duration, log *slog.Logger) *Limiter {
	if log == nil {
		log = discard()
	}
	if wait <= 0 {
		wait = store.DefaultRedisWait
	}
	var nb [6]byte
	_, _ = crand.Read(nb[:])
	return &Limiter{rdb: rdb, prefix: prefix, log: log, wait: wait, nonce: hex.EncodeToString(nb[:]),
		parked: map[string][]*slot{}, wake: map[string]chan struct{}{}}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// ForStore returns the limiter sharing the connection and prefix of a redis state
// store, or nil for the other engines (one process: local limits suffice).
func ForStore(st store.Store, log *slog.Logger) *Limiter {
	r, ok := store.Unwrap(st).(*store.Redis)
	if !ok {
		return nil
	}
	return NewLimiter(r.Client(), r.Prefix(), r.Wait(), log)
}

// RoundTrips returns the number of requests sent to the server.
func (l *Limiter) RoundTrips() int64 { return l.round.Load() }

// luaReturns gives back the slots of KEYS[first…] (ARGV from argFirst: token, ms
// until the slot is free; ≤ 0 = free now). It needs now (server ms).
const luaReturns = `
local function giveBack(first, argFirst, now)
	for i = first, #KEYS do
		local a = argFirst + 2 * (i - first)
		local d = tonumber(ARGV[a + 1])
		if d <= 0 then
			redis.call('ZREM', KEYS[i], ARGV[a])
		else
			redis.call('ZADD', KEYS[i], 'XX', now + d, ARGV[a])
			redis.call('PEXPIRE', KEYS[i], d + 60000)
		end
	end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

// KEYS: the host's slots, the host's waiting workers, then slots given back. ARGV:
// token, parallelism, lease ms, worker nonce, wait mark ms, then the returns →
// {0, other workers waiting} when the slot is taken, else {ms to wait before
// trying again, 0}.
var scriptAcquire = redis.NewScript(luaReturns + `
giveBack(3, 6, now)
local par, lease, mark = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= par then
	redis.call('ZADD', KEYS[2], now + mark, ARGV[4])
	redis.call('PEXPIRE', KEYS[2], mark + 1000)
	local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
	return {math.max(tonumber(first[2]) - now, 1), 0}
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease + 60000)
redis.call('ZREM', KEYS[2], ARGV[4])
return {0, redis.call('ZCARD', KEYS[2])}
`)

// KEYS: slots given back; ARGV: token, ms until free, for each.
var scriptReturn = redis.NewScript(luaReturns + `
giveBack(1, 1, now)
return 1
`)

// maxPoll caps the wait between two attempts at a full host: a slot released by
// another worker is seen within this time.
const maxPoll = 50 * time.Millisecond

// Acquire blocks until a request to host may start under lim, and returns the
// function to call when the request has ended (idempotent). With no limit it
// returns at once without asking the server.
func (l *Limiter) Acquire(ctx context.Context, host string, lim Limit) (release func(), err error) {
	if lim.Parallelism <= 0 && lim.Delay <= 0 {
		return func() {}, nil
	}
	par := lim.Parallelism
	if par <= 0 {
		par = 1 << 20
	}
	hold := lim.Hold
	if hold <= 0 {
		hold = time.Minute
	}
	hold += lim.Delay + lim.RandomDelay
	key := l.prefix + ":host:{" + host + "}:slots"
	waitKey := l.prefix + ":host:{" + host + "}:wait"
	tok := l.nonce + "-" + strconv.FormatUint(l.n.Add(1), 36)
	var nextPoll time.Time // when the server may be asked again
	for {
		s, wake, wait := l.reuse(key, par, hold)
		if s != nil {
			if wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					l.park(s)
					return nil, fmt.Errorf("wait for a slot of %s: %w", host, ctx.Err())
				case <-t.C:
				}
			}
			return l.releaser(s, lim), nil
		}
		if now := time.Now(); now.Before(nextPoll) {
			// Woken by a slot of this process parked and taken by another
			// caller first: wait for the next one, or the next poll.
			if err := sleep(ctx, nextPoll.Sub(now), wake); err != nil {
				return nil, fmt.Errorf("wait for a slot of %s: %w", host, err)
			}
			continue
		}
		var res []int64
		var sent time.Time
		err := l.do(ctx, "acquire "+host, func() error {
			rets := l.takeReturns()
			keys := []string{key, waitKey}
			args := []any{tok, par, (hold + ReuseWindow).Milliseconds(), l.nonce, waitMark.Milliseconds()}
			sent = time.Now()
			for _, r := range rets {
				keys = append(keys, r.key)
				args = append(args, r.tok, msUntil(r.freeAt, sent))
			}
			var err error
			res, err = scriptAcquire.Run(ctx, l.rdb, keys, args...).Int64Slice()
			if err == nil && len(res) != 2 {
				err = fmt.Errorf("acquire script returned %d values, want 2", len(res))
			}
			if err != nil {
				l.requeue(rets)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if res[0] == 0 {
			s := &slot{key: key, tok: tok, par: par, need: hold, leaseEnd: sent.Add(hold + ReuseWindow), contended: res[1] > 0}
			return l.releaser(s, lim), nil
		}
		// Jitter spreads the workers polling the same host; a slot of this
		// process parked meanwhile ends the wait.
		d := min(time.Duration(res[0])*time.Millisecond, maxPoll)
		d = d/2 + rand.N(d/2+1)
		nextPoll = time.Now().Add(d)
		if err := sleep(ctx, d, wake); err != nil {
			return nil, fmt.Errorf("wait for a slot of %s: %w", host, err)
		}
	}
}

// sleep waits for d, or until wake is closed; it returns ctx's error when ctx ends first.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	case <-wake:
	}
	return nil
}

func msUntil(t, now time.Time) int64 {
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return (d + time.Millisecond - 1).Milliseconds()
}

// reuse takes a parked slot of key whose lease still covers a request needing
// hold: free now (wait 0) or the one whose delay ends first (wait > 0; the caller
// waits, the slot is its own). Parked slots of key whose lease is too short, or
// taken under a higher parallelism than par (the host's limit went down: a
// robots.txt Crawl-delay), are moved to the returns: the server counts again. With no slot, it returns the channel closed when one is
// parked.
func (l *Limiter) reuse(key string, par int, hold time.Duration) (*slot, <-chan struct{}, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	ps := l.parked[key]
	best := -1
	kept := ps[:0]
	for _, s := range ps {
		start := now
		if s.freeAt.After(now) {
			start = s.freeAt
		}
		if s.par > par || s.leaseEnd.Sub(start) < max(hold, s.need) {
			l.returns = append(l.returns, s)
			continue
		}
		kept = append(kept, s)
	}
	for i, s := range kept {
		if best < 0 || s.freeAt.Before(kept[best].freeAt) {
			best = i
		}
	}
	if len(l.returns) > 0 {
		l.armLocked(now)
	}
	if best < 0 {
		delete(l.parked, key)
		ch, ok := l.wake[key]
		if !ok {
			ch = make(chan struct{})
			l.wake[key] = ch
		}
		return nil, ch, 0
	}
	s := kept[best]
	kept = append(kept[:best], kept[best+1:]...)
	if len(kept) == 0 {
		delete(l.parked, key)
	} else {
		l.parked[key] = kept
	}
	s.need = max(hold, s.need)
	return s, nil, max(s.freeAt.Sub(now), 0)
}

// releaser is the release function of s: the slot is parked for the next request
// to its host, or given back now when another worker was waiting for the host.
func (l *Limiter) releaser(s *slot, lim Limit) func() {
	var once atomic.Bool
	return func() {
		if !once.CompareAndSwap(false, true) {
			return
		}
		delay := lim.Delay
		if lim.RandomDelay > 0 {
			delay += rand.N(lim.RandomDelay)
		}
		s.freeAt = time.Now().Add(delay)
		if !s.contended {
			l.park(s)
			return
		}
		// The caller may be ending (its ctx cancelled): the slot is given back
		// anyway, and expires on its own if the server cannot be reached.
		l.giveBack([]*slot{s})
	}
}

// park keeps s for the next request to its host and wakes the Acquire calls
// waiting for one.
func (l *Limiter) park(s *slot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.parked[s.key] = append(l.parked[s.key], s)
	if ch, ok := l.wake[s.key]; ok {
		close(ch)
		delete(l.wake, s.key)
	}
	l.armLocked(time.Now())
}

// armLocked sets the timer that gives back idle parked slots and the returns to
// the earliest time one is due. l.mu is held.
func (l *Limiter) armLocked(now time.Time) {
	due := time.Time{}
	if len(l.returns) > 0 {
		due = now.Add(IdleReturn)
	}
	for _, ps := range l.parked {
		for _, s := range ps {
			if t := s.freeAt.Add(IdleReturn); due.IsZero() || t.Before(due) {
				due = t
			}
		}
	}
	if due.IsZero() || (l.timer != nil && !l.timerAt.After(due) && l.timerAt.After(now)) {
		return
	}
	if l.timer != nil {
		l.timer.Stop()
	}
	l.timerAt = due
	l.timer = time.AfterFunc(max(due.Sub(now), 0), l.idle)
}

// idle gives back the parked slots idle for IdleReturn after their delay, and the
// returns no take has carried.
func (l *Limiter) idle() {
	now := time.Now()
	l.mu.Lock()
	rets := l.returns
	l.returns = nil
	for key, ps := range l.parked {
		kept := ps[:0]
		for _, s := range ps {
			if now.Before(s.freeAt.Add(IdleReturn)) {
				kept = append(kept, s)
			} else {
				rets = append(rets, s)
			}
		}
		if len(kept) == 0 {
			delete(l.parked, key)
		} else {
			l.parked[key] = kept
		}
	}
	l.timer = nil
	l.armLocked(now)
	l.mu.Unlock()
	l.giveBack(rets)
}

// Flush gives back every slot parked or waiting to be given back (at the end of a
// run: other workers need not wait for them to go idle). l may be nil.
func (l *Limiter) Flush() {
	if l == nil {
		return
	}
	l.mu.Lock()
	rets := l.returns
	l.returns = nil
	for key, ps := range l.parked {
		rets = append(rets, ps...)
		delete(l.parked, key)
	}
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.mu.Unlock()
	l.giveBack(rets)
}

// takeReturns takes the slots waiting to be given back, for the next call.
func (l *Limiter) takeReturns() []*slot {
	l.mu.Lock()
	defer l.mu.Unlock()
	rets := l.returns
	l.returns = nil
	return rets
}

// requeue puts back returns a failed call did not give back.
func (l *Limiter) requeue(rets []*slot) {
	if len(rets) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.returns = append(l.returns, rets...)
	l.armLocked(time.Now())
}

// giveBack gives rets back to the server in one call; a slot the server cannot
// take back expires on its own.
func (l *Limiter) giveBack(rets []*slot) {
	if len(rets) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := l.do(ctx, "release slots", func() error {
		now := time.Now()
		keys := make([]string, len(rets))
		args := make([]any, 0, 2*len(rets))
		for i, r := range rets {
			keys[i] = r.key
			args = append(args, r.tok, msUntil(r.freeAt, now))
		}
		return scriptReturn.Run(ctx, l.rdb, keys, args...).Err()
	})
	if err != nil {
		l.log.Warn("fleet limiter: release slots", "slots", len(rets), "err", err)
	}
}

// do runs f, retrying with backoff while the server cannot be reached.
func (l *Limiter) do(ctx context.Context, what string, f func() error) error {
	if err := retry(ctx, l.log, l.wait, &l.round, "fleet limiter: "+what, f); err != nil {
		return fmt.Errorf("fleet limiter: %s: %w", what, err)
	}
	return nil
}

// retry runs f, retrying with exponential backoff (100 ms … 5 s) while the server
// cannot be reached (store.Retryable), for up to wait or until ctx ends. count, if
// not nil, counts the attempts.
func retry(ctx context.Context, log *slog.Logger, wait time.Duration, count *atomic.Int64, what string, f func() error) error {
	start := time.Now()
	backoff := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if count != nil {
			count.Add(1)
		}
		err := f()
		if err == nil || !store.Retryable(err) {
			if err == nil && attempt > 0 {
				log.Info("redis reachable again", "op", what, "waited", time.Since(start).Round(time.Millisecond))
			}
			return err
		}
		if attempt == 0 {
			log.Warn("redis unreachable, retrying", "op", what, "err", err)
		}
		if time.Since(start) >= wait {
			return fmt.Errorf("unreachable for %s: %w", time.Since(start).Round(time.Second), err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(ctx.Err(), err)
		case <-t.C:
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}
