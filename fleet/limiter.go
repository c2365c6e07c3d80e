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
// minute). Zero Parallelism and Delay = no limit. A Limiter is the fetch package's
// SharedLimiter: fetch.Politeness takes its turns from it.
type Limit = fetch.Limit

// Limiter is the fleet-wide per-host limiter: one sorted set per host,
// PREFIX:host:{HOST}:slots, of slot tokens scored by their expiry (server clock,
// ms). Taking a slot drops the expired ones and adds a token when fewer than
// Parallelism are left, in one Lua script; releasing it rescores the token to
// expire after the delay. A worker killed with SIGKILL leaks its slots only for
// Limit.Hold.
type Limiter struct {
	rdb    *redis.Client
	prefix string
	log    *slog.Logger
	wait   time.Duration // how long to wait for an unreachable server

	nonce string
	n     atomic.Uint64
	round atomic.Int64
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
	return &Limiter{rdb: rdb, prefix: prefix, log: log, wait: wait, nonce: hex.EncodeToString(nb[:])}
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

// ARGV: token, parallelism, hold ms → 0 when the slot is taken, else ms to wait
// before trying again.
var scriptAcquire = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local par, hold = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= par then
	local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
	return math.max(tonumber(first[2]) - now, 1)
end
redis.call('ZADD', KEYS[1], now + hold, ARGV[1])
redis.call('PEXPIRE', KEYS[1], hold + 60000)
return 0
`)

// ARGV: token, delay ms: the slot frees itself delay ms from now.
var scriptRelease = redis.NewScript(`
local d = tonumber(ARGV[2])
if d <= 0 then return redis.call('ZREM', KEYS[1], ARGV[1]) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + d, ARGV[1])
redis.call('PEXPIRE', KEYS[1], d + 60000)
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
	tok := l.nonce + "-" + strconv.FormatUint(l.n.Add(1), 36)
	for {
		var waitMS int64
		err := l.do(ctx, "acquire "+host, func() error {
			var err error
			waitMS, err = scriptAcquire.Run(ctx, l.rdb, []string{key}, tok, par, hold.Milliseconds()).Int64()
			return err
		})
		if err != nil {
			return nil, err
		}
		if waitMS == 0 {
			break
		}
		// Jitter spreads the workers polling the same host.
		d := min(time.Duration(waitMS)*time.Millisecond, maxPoll)
		d = d/2 + rand.N(d/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("wait for a slot of %s: %w", host, ctx.Err())
		case <-t.C:
		}
	}
	var once atomic.Bool
	return func() {
		if !once.CompareAndSwap(false, true) {
			return
		}
		delay := lim.Delay
		if lim.RandomDelay > 0 {
			delay += rand.N(lim.RandomDelay)
		}
		// The caller may be ending (its ctx cancelled): the slot is released anyway,
		// and expires on its own if the server cannot be reached.
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := l.do(rctx, "release "+host, func() error {
			return scriptRelease.Run(rctx, l.rdb, []string{key}, tok, delay.Milliseconds()).Err()
		})
		if err != nil {
			l.log.Warn("fleet limiter: release slot", "host", host, "err", err)
		}
	}, nil
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
