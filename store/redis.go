package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

func init() {
	open := func(ctx context.Context, u *url.URL) (Store, error) {
		return OpenRedis(ctx, u.String(), RedisOptions{})
	}
	Register("redis", open)
	Register("rediss", open)
}

// DefaultRedisPrefix is the key prefix of a redis state URL without ?prefix= and
// without RedisOptions.Prefix.
const DefaultRedisPrefix = "healthcrawl"

// DefaultRedisWait is how long an operation waits for an unreachable Redis server
// before it fails.
const DefaultRedisWait = 5 * time.Minute

// RedisOptions complete a redis:// state URL. Query parameters of the URL win over
// these fields: ?prefix=NAME (key prefix of the crawl) and ?wait=DURATION (how long
// an operation waits for an unreachable server; 0 = DefaultRedisWait). Every other
// parameter is a go-redis option (dial_timeout, read_timeout, pool_size, …).
type RedisOptions struct {
	Prefix string
	Wait   time.Duration
	Logger *slog.Logger // nil = discard
}

// Redis is the Store in a Redis server, shared by every worker of a crawl fleet.
//
// Keys: PREFIX:sites (a set of site names) and, per site, PREFIX:{SITE}:NAME for
// NAME in run (hash: id, running, started, finished), q (queued URLs scored by a
// sequence number, seq), leases (leased URLs scored by expiry, server clock, ms),
// owner (URL → worker), data (URL → entry data), lost (URL → Entry.Lost, absent
// = 0), done, failed, seen (sets), meta
// (URL → JSON), mhash (URL → content hash), emat (URL → emitted_at ns), emitted
// (URL → run, change, token, hash), ltok (worker → its last lease), pos (URL →
// its queue position, kept when it is queued again) and resv (key → the worker
// reserving it, see redis_commit.go); per worker, PREFIX:positions:{WORKER} (sink
// key → committed position). Every step that touches several keys is one Lua
// script (EVALSHA), so it is atomic.
//
// When the server cannot be reached (restart, network cut), each operation retries
// with exponential backoff (100 ms … 5 s) for up to the wait period, logging a
// warning, then fails. Lease and EmitOnce carry a token, so an attempt whose reply
// was lost is answered again as the first time: neither leases nor records are
// lost when a connection breaks between the server's write and its reply.
type Redis struct {
	rdb    *redis.Client
	prefix string
	wait   time.Duration
	log    *slog.Logger
	addr   string

	nonce string        // random per store instance
	calls atomic.Uint64 // for tokens

	ttlMu sync.Mutex
	ttls  map[string]time.Duration // worker → ttl of its reservations (last Lease/Extend)

	keyMu     sync.Mutex
	keys      map[string][]string // site → KEYS of the scripts
	round     atomic.Int64        // commands sent (pipelines and scripts count 1)
	down      atomic.Bool         // an outage is going on (logged once)
	downSince atomic.Int64        // unix ns of the first failure of the outage; 0 = none

	closeOnce sync.Once
	closeErr  error
}

// OpenRedis connects to the Redis server of rawURL (redis://[user:pass@]HOST:PORT/DB
// or rediss:// for TLS) and pings it once.
func OpenRedis(ctx context.Context, rawURL string, opts RedisOptions) (*Redis, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis %s: %w", redactURL(rawURL), err)
	}
	q := u.Query()
	prefix := opts.Prefix
	if p := q.Get("prefix"); p != "" {
		prefix = p
	}
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	wait := opts.Wait
	if w := q.Get("wait"); w != "" {
		d, err := time.ParseDuration(w)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("redis %s: wait=%q: want a duration ≥ 0", redactURL(rawURL), w)
		}
		wait = d
	}
	if wait == 0 {
		wait = DefaultRedisWait
	}
	q.Del("prefix")
	q.Del("wait")
	u.RawQuery = q.Encode()
	ro, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("redis %s: %w", redactURL(rawURL), err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var nb [6]byte
	_, _ = rand.Read(nb[:])
	s := &Redis{rdb: redis.NewClient(ro), prefix: prefix, wait: wait, log: log, addr: ro.Addr,
		nonce: hex.EncodeToString(nb[:]), keys: map[string][]string{}}
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		s.rdb.Close()
		return nil, fmt.Errorf("redis %s: ping: %w", ro.Addr, err)
	}
	return s, nil
}

// redactURL hides the password of a URL for error messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// RedisStateURL returns stateURL with ?prefix=prefix added when it is a redis URL
// without a prefix of its own; other URLs are returned unchanged.
func RedisStateURL(stateURL, prefix string) string {
	u, err := url.Parse(strings.TrimSpace(stateURL))
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || prefix == "" {
		return stateURL
	}
	q := u.Query()
	if q.Get("prefix") != "" {
		return stateURL
	}
	q.Set("prefix", prefix)
	u.RawQuery = q.Encode()
	return u.String()
}

// Engine implements Store.
func (s *Redis) Engine() string { return "redis" }

// Client returns the go-redis client (shared with the fleet limiter).
func (s *Redis) Client() *redis.Client { return s.rdb }

// Prefix returns the key prefix of the crawl.
func (s *Redis) Prefix() string { return s.prefix }

// Addr returns host:port of the server.
func (s *Redis) Addr() string { return s.addr }

// Wait returns how long an operation waits for an unreachable server.
func (s *Redis) Wait() time.Duration { return s.wait }

// SetLogger sets the logger of connection warnings (nil = discard). Call before use.
func (s *Redis) SetLogger(l *slog.Logger) {
	if l != nil {
		s.log = l
	}
}

// RoundTrips returns the number of requests this store sent to the server
// (a script call or a command is one; retries count again).
func (s *Redis) RoundTrips() int64 { return s.round.Load() }

// Close implements Store.
func (s *Redis) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.rdb.Close() })
	return s.closeErr
}

// siteKeys returns the KEYS of the scripts for site.
func (s *Redis) siteKeys(site string) []string {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if k, ok := s.keys[site]; ok {
		return k
	}
	base := s.prefix + ":{" + site + "}:"
	k := make([]string, 0, len(redisKeyNames)+1)
	for _, n := range redisKeyNames {
		k = append(k, base+n)
	}
	k = append(k, s.prefix+":sites")
	s.keys[site] = k
	return k
}

func (s *Redis) key(site, name string) string { return s.prefix + ":{" + site + "}:" + name }

func (s *Redis) token() string {
	return s.nonce + "-" + strconv.FormatUint(s.calls.Add(1), 36)
}

// Retryable reports whether err is a failure to reach the server (or a server that
// is loading its data) rather than an answer: such operations may be tried again.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, redis.ErrClosed) {
		return false
	}
	if errors.Is(err, redis.Nil) {
		return false
	}
	var re redis.Error
	if errors.As(err, &re) {
		msg := re.Error()
		for _, p := range []string{"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN"} {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	return true
}

// do runs f, retrying with backoff while the server cannot be reached, for up to
// the wait period (counted from the start of the outage) or until ctx ends. An
// outage is logged once when it begins (and at every tenth attempt of an operation
// still waiting), and once when it ends.
func (s *Redis) do(ctx context.Context, what string, f func() error) error {
	start := time.Now() // go-redis retries too before an attempt fails: count from here
	backoff := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		s.round.Add(1)
		err := f()
		if err == nil {
			if s.downSince.Load() != 0 {
				s.downSince.Store(0)
			}
			if attempt > 0 && s.down.CompareAndSwap(true, false) {
				s.log.Info("redis reachable again", "addr", s.addr, "op", what, "waited", time.Since(start).Round(time.Millisecond))
			}
			return nil
		}
		if !Retryable(err) {
			return fmt.Errorf("redis %s: %s: %w", s.addr, what, err)
		}
		// The wait counts from the start of the outage: once it has lasted the wait
		// period, every operation fails at once instead of waiting again.
		s.downSince.CompareAndSwap(0, start.UnixNano())
		if ds := s.downSince.Load(); ds != 0 && ds < start.UnixNano() {
			start = time.Unix(0, ds)
		}
		if time.Since(start) >= s.wait {
			return fmt.Errorf("redis %s: %s: unreachable for %s: %w", s.addr, what, time.Since(start).Round(time.Second), err)
		}
		if s.down.CompareAndSwap(false, true) || (attempt > 0 && attempt%10 == 0) {
			s.log.Warn("redis unreachable, retrying", "addr", s.addr, "op", what, "attempt", attempt+1, "waited", time.Since(start).Round(time.Millisecond), "wait_max", s.wait, "err", err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("redis %s: %s: %w (server unreachable: %v)", s.addr, what, ctx.Err(), err)
		case <-t.C:
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// run runs a script for site with ARGV = site, args….
func (s *Redis) run(ctx context.Context, what string, sc *redis.Script, site string, args ...any) (any, error) {
	keys := s.siteKeys(site)
	argv := append([]any{site}, args...)
	var res any
	err := s.do(ctx, what+" "+site, func() error {
		var err error
		res, err = sc.Run(ctx, s.rdb, keys, argv...).Result()
		return err
	})
	return res, err
}

func fromNSString(v any) time.Time {
	str, _ := v.(string)
	n, err := strconv.ParseInt(str, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

// BeginRun implements Store.
func (s *Redis) BeginRun(ctx context.Context, site string) (Run, error) {
	res, err := s.run(ctx, "begin run", scriptBegin, site)
	if err != nil {
		return Run{}, err
	}
	a, ok := res.([]any)
	if !ok || len(a) != 3 {
		return Run{}, fmt.Errorf("redis %s: begin run %s: unexpected reply %v", s.addr, site, res)
	}
	return Run{ID: asInt(a[0]), Resumed: asInt(a[1]) == 1, StartedAt: fromNSString(a[2])}, nil
}

// FinishRun implements Store.
func (s *Redis) FinishRun(ctx context.Context, site string) error {
	_, err := s.run(ctx, "finish run", scriptFinish, site)
	return err
}

// MarkSeen implements Store.
func (s *Redis) MarkSeen(ctx context.Context, site, key string) (bool, error) {
	res, err := s.run(ctx, "mark seen", scriptMarkSeen, site, key)
	return asInt(res) == 1, err
}

// Seen implements Store.
func (s *Redis) Seen(ctx context.Context, site, key string) (bool, error) {
	var ok bool
	err := s.do(ctx, "seen "+site, func() error {
		var err error
		ok, err = s.rdb.SIsMember(ctx, s.key(site, "seen"), key).Result()
		return err
	})
	return ok, err
}

// Enqueue implements Store.
func (s *Redis) Enqueue(ctx context.Context, site, key string, e Entry) (bool, error) {
	res, err := s.run(ctx, "enqueue", scriptEnqueue, site, key, e.URL, e.Data)
	return asInt(res) == 1, err
}

// Push implements Store.
func (s *Redis) Push(ctx context.Context, site string, entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(entries))
	for _, e := range entries {
		args = append(args, e.URL, e.Data)
	}
	_, err := s.run(ctx, "push", scriptPush, site, args...)
	return err
}

// Lease implements Store.
func (s *Redis) Lease(ctx context.Context, site, worker string, n int, ttl time.Duration) ([]Entry, error) {
	s.setTTL(worker, ttl)
	if n <= 0 {
		return nil, nil
	}
	res, err := s.run(ctx, "lease", scriptLease, site, worker, n, max(ttl.Milliseconds(), 1), s.token())
	if err != nil {
		return nil, err
	}
	a, _ := res.([]any)
	if len(a)%3 != 0 {
		return nil, fmt.Errorf("redis %s: lease %s: unexpected reply of %d values (want url, data, lost triples)", s.addr, site, len(a))
	}
	out := make([]Entry, 0, len(a)/3)
	for i := 0; i+2 < len(a); i += 3 {
		u, _ := a[i].(string)
		d, _ := a[i+1].(string)
		e := Entry{URL: u, Lost: int(asInt(a[i+2]))}
		if d != "" {
			e.Data = []byte(d)
		}
		out = append(out, e)
	}
	return out, nil
}

// Extend implements Store.
func (s *Redis) Extend(ctx context.Context, site, worker string, ttl time.Duration) error {
	s.setTTL(worker, ttl)
	_, err := s.run(ctx, "extend leases", scriptExtend, site, worker, max(ttl.Milliseconds(), 1))
	return err
}

// Ack implements Store.
func (s *Redis) Ack(ctx context.Context, site, u string, o Outcome) error {
	code := "d"
	if o == Failed {
		code = "f"
	}
	_, err := s.run(ctx, "ack", scriptAck, site, u, code)
	return err
}

// Nack implements Store.
func (s *Redis) Nack(ctx context.Context, site, u string) error {
	_, err := s.run(ctx, "nack", scriptNack, site, u)
	return err
}

// Release implements Store.
func (s *Redis) Release(ctx context.Context, site, worker string) (int, error) {
	res, err := s.run(ctx, "release leases", scriptRelease, site, worker)
	return int(asInt(res)), err
}

// redisMeta is the JSON of Meta in the meta hash (content hash and emitted_at live
// in their own hashes, written by EmitOnce without decoding this).
type redisMeta struct {
	Status         int      `json:"s,omitempty"`
	ETag           string   `json:"e,omitempty"`
	LastModified   string   `json:"m,omitempty"`
	SitemapLastMod string   `json:"l,omitempty"`
	FetchedAt      int64    `json:"f,omitempty"` // unix ns
	Links          []string `json:"k,omitempty"`
}

// GetMeta implements Store.
func (s *Redis) GetMeta(ctx context.Context, site, u string) (Meta, bool, error) {
	res, err := s.run(ctx, "get meta", scriptGetMeta, site, u)
	if err != nil {
		return Meta{}, false, err
	}
	a, _ := res.([]any)
	if len(a) != 3 {
		return Meta{}, false, fmt.Errorf("redis %s: get meta %s: unexpected reply %v", s.addr, u, res)
	}
	return s.decodeMeta(u, a)
}

// decodeMeta decodes the reply {meta json, content hash, emitted_at ns} of url.
func (s *Redis) decodeMeta(u string, a []any) (Meta, bool, error) {
	raw, ok := a[0].(string)
	if !ok {
		return Meta{}, false, nil
	}
	var rm redisMeta
	if err := json.Unmarshal([]byte(raw), &rm); err != nil {
		return Meta{}, false, fmt.Errorf("redis %s: meta of %s: %w", s.addr, u, err)
	}
	m := Meta{Status: rm.Status, ETag: rm.ETag, LastModified: rm.LastModified, SitemapLastMod: rm.SitemapLastMod, Links: rm.Links}
	if rm.FetchedAt != 0 {
		m.FetchedAt = time.Unix(0, rm.FetchedAt)
	}
	m.ContentHash, _ = a[1].(string)
	m.EmittedAt = fromNSString(a[2])
	return m, true, nil
}

// maxMetasPerCall bounds the URLs of one GetMetas script call.
const maxMetasPerCall = 512

// GetMetas implements Store: one script call per 512 URLs.
func (s *Redis) GetMetas(ctx context.Context, site string, urls []string) (map[string]Meta, error) {
	out := make(map[string]Meta, len(urls))
	for len(urls) > 0 {
		part := urls[:min(len(urls), maxMetasPerCall)]
		urls = urls[len(part):]
		args := make([]any, len(part))
		for i, u := range part {
			args[i] = u
		}
		res, err := s.run(ctx, "get metas", scriptGetMetas, site, args...)
		if err != nil {
			return nil, err
		}
		a, _ := res.([]any)
		if len(a) != 3*len(part) {
			return nil, fmt.Errorf("redis %s: get metas %s: unexpected reply of %d values for %d URLs", s.addr, site, len(a), len(part))
		}
		for i, u := range part {
			m, ok, err := s.decodeMeta(u, a[3*i:3*i+3])
			if err != nil {
				return nil, err
			}
			if ok {
				out[u] = m
			}
		}
	}
	return out, nil
}

// encodeMeta is the JSON of m in the meta hash.
func (s *Redis) encodeMeta(u string, m Meta) (string, error) {
	rm := redisMeta{Status: m.Status, ETag: m.ETag, LastModified: m.LastModified, SitemapLastMod: m.SitemapLastMod, Links: m.Links}
	if !m.FetchedAt.IsZero() {
		rm.FetchedAt = m.FetchedAt.UnixNano()
	}
	raw, err := json.Marshal(rm)
	if err != nil {
		return "", fmt.Errorf("redis %s: meta of %s: %w", s.addr, u, err)
	}
	return string(raw), nil
}

// PutMeta implements Store.
func (s *Redis) PutMeta(ctx context.Context, site, u string, m Meta) error {
	raw, err := s.encodeMeta(u, m)
	if err != nil {
		return err
	}
	_, err = s.run(ctx, "put meta", scriptPutMeta, site, u, raw, m.ContentHash)
	return err
}

// Apply implements Store: one script call (atomic).
func (s *Redis) Apply(ctx context.Context, site string, ops Ops) ([]bool, error) {
	if ops.Empty() {
		return nil, nil
	}
	args := make([]any, 0, 4+3*len(ops.Enqueue)+3*len(ops.Meta)+2*len(ops.Ack)+len(ops.Nack))
	args = append(args, len(ops.Enqueue))
	for _, op := range ops.Enqueue {
		args = append(args, op.Key, op.Entry.URL, op.Entry.Data)
	}
	args = append(args, len(ops.Meta))
	for _, op := range ops.Meta {
		raw, err := s.encodeMeta(op.URL, op.Meta)
		if err != nil {
			return nil, err
		}
		args = append(args, op.URL, raw, op.Meta.ContentHash)
	}
	args = append(args, len(ops.Ack))
	for _, op := range ops.Ack {
		code := "d"
		if op.Outcome == Failed {
			code = "f"
		}
		args = append(args, op.URL, code)
	}
	args = append(args, len(ops.Nack))
	for _, u := range ops.Nack {
		args = append(args, u)
	}
	res, err := s.run(ctx, "apply", scriptApply, site, args...)
	if err != nil {
		return nil, err
	}
	a, _ := res.([]any)
	if len(a) != len(ops.Enqueue) {
		return nil, fmt.Errorf("redis %s: apply %s: unexpected reply of %d values for %d enqueues", s.addr, site, len(a), len(ops.Enqueue))
	}
	queued := make([]bool, len(a))
	for i, v := range a {
		queued[i] = asInt(v) == 1
	}
	return queued, nil
}

// EmitOnce implements Store.
func (s *Redis) EmitOnce(ctx context.Context, site, u, hash string) (Change, error) {
	res, err := s.run(ctx, "emit once", scriptEmit, site, u, hash, s.token())
	return s.change(res, err, "emit once", u)
}

// change decodes the verdict replied by the script of op on url.
func (s *Redis) change(res any, err error, op, u string) (Change, error) {
	if err != nil {
		return "", err
	}
	c, _ := res.(string)
	switch ch := Change(c); ch {
	case ChangeNew, ChangeChanged, ChangeUnchanged, ChangeDuplicate:
		return ch, nil
	}
	return "", fmt.Errorf("redis %s: %s %s: unexpected reply %v", s.addr, op, u, res)
}

// Gone implements Store.
func (s *Redis) Gone(ctx context.Context, site, u string) (bool, error) {
	res, err := s.run(ctx, "gone", scriptGone, site, u)
	return asInt(res) == 1, err
}

// Emitted implements Store.
func (s *Redis) Emitted(ctx context.Context, site string) ([]string, error) {
	var out []string
	err := s.do(ctx, "emitted "+site, func() error {
		var err error
		out, err = s.rdb.HKeys(ctx, s.key(site, "emitted")).Result()
		return err
	})
	sort.Strings(out)
	return out, err
}

// EachEmitted implements Store with HSCAN, EmittedPage fields at a time (a URL may
// be given twice when the hash is resized during the walk).
func (s *Redis) EachEmitted(ctx context.Context, site string, fn func(string) error) error {
	var cursor uint64
	for {
		var kv []string // field, value, field, value… (HSCAN NOVALUES needs Redis 7.4)
		err := s.do(ctx, "emitted "+site, func() error {
			var err error
			kv, cursor, err = s.rdb.HScan(ctx, s.key(site, "emitted"), cursor, "", EmittedPage).Result()
			return err
		})
		if err != nil {
			return err
		}
		for i := 0; i < len(kv); i += 2 {
			if err := fn(kv[i]); err != nil {
				return err
			}
		}
		if cursor == 0 {
			return nil
		}
	}
}

// Stats implements Store.
func (s *Redis) Stats(ctx context.Context, site string) (Stats, error) {
	res, err := s.run(ctx, "stats", scriptStats, site)
	if err != nil {
		return Stats{}, err
	}
	a, _ := res.([]any)
	if len(a) != 11 {
		return Stats{}, fmt.Errorf("redis %s: stats %s: unexpected reply %v", s.addr, site, res)
	}
	return Stats{
		Site: site, Run: asInt(a[0]), Running: asInt(a[1]) == 1,
		StartedAt: fromNSString(a[2]), FinishedAt: fromNSString(a[3]),
		Queued: asInt(a[4]), Leased: asInt(a[5]), Done: asInt(a[6]), Failed: asInt(a[7]),
		Seen: asInt(a[8]), Emitted: asInt(a[9]), Pages: asInt(a[10]),
	}, nil
}

// Sites implements Store.
func (s *Redis) Sites(ctx context.Context) ([]string, error) {
	var out []string
	err := s.do(ctx, "sites", func() error {
		var err error
		out, err = s.rdb.SMembers(ctx, s.prefix+":sites").Result()
		return err
	})
	sort.Strings(out)
	return out, err
}

// Reset implements Store.
func (s *Redis) Reset(ctx context.Context, site string) error {
	_, err := s.run(ctx, "reset", scriptReset, site)
	return err
}

// LeasesByWorker returns, for site, how many URLs each worker holds under a live
// lease (the workers of the fleet at work right now).
func (s *Redis) LeasesByWorker(ctx context.Context, site string) (map[string]int64, error) {
	res, err := s.run(ctx, "leases by worker", scriptLeasesByWorker, site)
	if err != nil {
		return nil, err
	}
	a, _ := res.([]any)
	out := map[string]int64{}
	for i := 0; i+1 < len(a); i += 2 {
		w, _ := a[i].(string)
		out[w] = asInt(a[i+1])
	}
	return out, nil
}
