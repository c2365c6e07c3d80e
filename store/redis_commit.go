package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Write-then-commit in Redis (see Committer).
//
// A reservation is a field of the site's hash resv: key → "worker \t expiry ms \t
// token \t change", the expiry on the server's clock. It must never outlive the
// lease of the page its record comes from: were the worker to die, the page
// leased again by another worker would find its key reserved and drop its record
// as a duplicate — lost. So a reservation expires with the worker's heartbeat:
// the hash hb holds per worker a time no live lease of the worker expires before
// (set by its first Lease, moved by each Extend, which sets all its leases and
// reservations to it; dropped by Release and a new run), and a reservation gets
// min(hb, now + ttl) (ttl: the worker's last lease ttl in this process,
// DefaultReserveTTL before any). A live reservation makes the key a duplicate for
// any worker; an expired one is taken. Unreserve, Release and a new run drop them.
//
// Commit is one script (one round trip, atomic): for each emission it records the
// key as emitted in the run, drops the reservation, acknowledges the URL Done and
// stores its metadata; it stores the worker's sink positions in PREFIX:positions:
// {WORKER} and appends Batch.Stream with XADD. The keys of several sites (and the
// stream) are touched by the one script: fine on a standalone server or a
// replicated one, not on Redis Cluster (cross-slot), which the engine does not
// support anyway (PREFIX:sites is shared by every site).

// DefaultReserveTTL is how long a reservation of the redis engine lives when its
// worker has not leased in this process yet.
const DefaultReserveTTL = 5 * time.Minute

// reserveTTL returns the ttl of worker's reservations.
func (s *Redis) reserveTTL(worker string) time.Duration {
	s.ttlMu.Lock()
	defer s.ttlMu.Unlock()
	if d, ok := s.ttls[worker]; ok {
		return d
	}
	return DefaultReserveTTL
}

func (s *Redis) setTTL(worker string, ttl time.Duration) {
	s.ttlMu.Lock()
	defer s.ttlMu.Unlock()
	if s.ttls == nil {
		s.ttls = map[string]time.Duration{}
	}
	s.ttls[worker] = ttl
}

// Reserve implements Committer.
func (s *Redis) Reserve(ctx context.Context, site, worker, key, hash string) (Change, error) {
	ttl := max(s.reserveTTL(worker).Milliseconds(), 1)
	res, err := s.run(ctx, "reserve", scriptReserve, site, worker, key, hash, ttl, s.token())
	return s.change(res, err, "reserve", key)
}

// ReserveMany implements Committer: one script call per site of rs.
func (s *Redis) ReserveMany(ctx context.Context, worker string, rs []Reservation) ([]Change, error) {
	out := make([]Change, len(rs))
	ttl := max(s.reserveTTL(worker).Milliseconds(), 1)
	done := make([]bool, len(rs))
	for i := range rs {
		if done[i] {
			continue
		}
		site := rs[i].Site
		var idx []int
		args := []any{worker, ttl, s.token()}
		for j := i; j < len(rs); j++ {
			if !done[j] && rs[j].Site == site {
				done[j] = true
				idx = append(idx, j)
				args = append(args, rs[j].Key, rs[j].Hash)
			}
		}
		res, err := s.run(ctx, "reserve", scriptReserveMany, site, args...)
		if err != nil {
			return nil, err
		}
		a, _ := res.([]any)
		if len(a) != len(idx) {
			return nil, fmt.Errorf("redis %s: reserve %s: unexpected reply of %d values for %d keys", s.addr, site, len(a), len(idx))
		}
		for k, j := range idx {
			ch, err := s.change(a[k], nil, "reserve", rs[j].Key)
			if err != nil {
				return nil, err
			}
			out[j] = ch
		}
	}
	return out, nil
}

// Unreserve implements Committer.
func (s *Redis) Unreserve(ctx context.Context, site, worker, key string) error {
	_, err := s.run(ctx, "unreserve", scriptUnreserve, site, worker, key)
	return err
}

func (s *Redis) positionsKey(worker string) string {
	return s.prefix + ":positions:{" + worker + "}"
}

// Positions implements Committer.
func (s *Redis) Positions(ctx context.Context, worker string) (map[string]string, error) {
	var out map[string]string
	err := s.do(ctx, "positions of "+worker, func() error {
		var err error
		out, err = s.rdb.HGetAll(ctx, s.positionsKey(worker)).Result()
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// CommitsStream implements StreamCommitter: a stream on the state's own server and
// database is appended by Commit.
func (s *Redis) CommitsStream(target string) bool { return target == s.target() }

func (s *Redis) target() string {
	o := s.rdb.Options()
	return o.Addr + "/" + strconv.Itoa(o.DB)
}

// Commit implements Committer. It returns a *LostReservationsError (the rest of the
// batch committed) when emissions lost their reservation to another worker.
func (s *Redis) Commit(ctx context.Context, b Batch) error {
	if len(b.Emissions) == 0 && len(b.Positions) == 0 && len(b.Stream) == 0 {
		return nil
	}
	keys, argv, err := s.commitArgs(b)
	if err != nil {
		return err
	}
	var res any
	err = s.do(ctx, "commit", func() error {
		var err error
		res, err = scriptCommit.Run(ctx, s.rdb, keys, argv...).Result()
		return err
	})
	if err != nil {
		return err
	}
	lost, _ := res.([]any)
	if len(lost) == 0 {
		return nil
	}
	le := &LostReservationsError{}
	for _, v := range lost {
		i := int(asInt(v)) - 1
		if i < 0 || i >= len(b.Emissions) {
			return fmt.Errorf("redis %s: commit: unexpected reply %v", s.addr, res)
		}
		le.Index = append(le.Index, i)
		le.Keys = append(le.Keys, b.Emissions[i].Key)
	}
	return le
}

// commitArgs lays out the KEYS and ARGV of scriptCommit (described there).
func (s *Redis) commitArgs(b Batch) ([]string, []any, error) {
	keys := []string{s.positionsKey(b.Worker)}
	argv := []any{b.Worker, s.token(), len(redisKeyNames) + 1}
	block := map[string]int{}
	var sites []string
	for _, em := range b.Emissions {
		if em.Key == "" {
			return nil, nil, fmt.Errorf("redis %s: commit: emission of site %q without a key", s.addr, em.Site)
		}
		if _, ok := block[em.Site]; !ok {
			sites = append(sites, em.Site)
			block[em.Site] = len(sites)
			keys = append(keys, s.siteKeys(em.Site)...)
		}
	}
	argv = append(argv, len(sites))
	for _, site := range sites {
		argv = append(argv, site)
	}
	argv = append(argv, len(b.Positions))
	for k, v := range b.Positions {
		argv = append(argv, k, v)
	}
	argv = append(argv, len(b.Emissions))
	for _, em := range b.Emissions {
		meta, mhash := "", ""
		if em.Meta != nil {
			raw, err := s.encodeMeta(em.URL, *em.Meta)
			if err != nil {
				return nil, nil, err
			}
			meta, mhash = raw, em.Meta.ContentHash
		}
		hasMeta := "0"
		if em.Meta != nil {
			hasMeta = "1"
		}
		argv = append(argv, block[em.Site], em.Key, em.Hash, em.URL, hasMeta, meta, mhash)
	}
	argv = append(argv, len(b.Stream))
	streamKey := map[string]int{}
	for _, se := range b.Stream {
		if !s.CommitsStream(se.Target) {
			return nil, nil, fmt.Errorf("redis %s: commit: stream %s is on %s, not on the state's server %s: %w", s.addr, se.Stream, se.Target, s.target(), ErrStreamCommit)
		}
		if se.Stream == "" || len(se.Field) == 0 || len(se.Field)%2 != 0 {
			return nil, nil, fmt.Errorf("redis %s: commit: stream entry of %s: want a stream key and field/value pairs", s.addr, se.URL)
		}
		e := streamEmission(b.Emissions, se)
		if e < 0 {
			return nil, nil, fmt.Errorf("redis %s: commit: stream entry of %s (hash %s) belongs to no emission of the batch", s.addr, se.URL, se.Hash)
		}
		k, ok := streamKey[se.Stream]
		if !ok {
			keys = append(keys, se.Stream, se.Stream+":added")
			k = len(keys) - 1
			streamKey[se.Stream] = k
		}
		argv = append(argv, e+1, k, k+1, se.MaxLen, se.Dedup, len(se.Field))
		for _, f := range se.Field {
			argv = append(argv, f)
		}
	}
	return keys, argv, nil
}

// streamEmission returns the index of the emission se belongs to: same content
// hash and se.URL its key or URL (else the first with the same hash); -1 = none.
func streamEmission(ems []Emission, se StreamEntry) int {
	first := -1
	for i, em := range ems {
		if em.Hash != se.Hash {
			continue
		}
		if se.URL == em.Key || se.URL == em.URL {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

var (
	// ARGV: site, worker, key, hash, ttl ms, token → change
	//
	// The verdict of EmitOnce; a verdict that emits holds the key for worker in RESV
	// instead of recording it emitted. A live reservation (of any worker, this one
	// included: two aliases of one page) makes the key a duplicate; an expired one is
	// taken. The token makes a retried call (its reply lost) get its first verdict.
	scriptReserve = newScript(`
redis.call('SADD', SITES, ARGV[1])
local hb = tonumber(redis.call('HGET', HB, ARGV[2]) or '')
return reserve(ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], now_ms(), hb)
`)

	// ARGV: site, worker, ttl ms, token, (key, hash)… → {change, …}
	//
	// ReserveMany of the keys of one site: Reserve of each in order, with one token;
	// a key already reserved by this call is a duplicate (two aliases of one page),
	// also when the call is retried (the first one gets its first verdict again).
	scriptReserveMany = newScript(`
local worker, ttl, tok = ARGV[2], tonumber(ARGV[3]), ARGV[4]
redis.call('SADD', SITES, ARGV[1])
local now = now_ms()
local hb = tonumber(redis.call('HGET', HB, worker) or '')
local out, seen = {}, {}
for i = 5, #ARGV, 2 do
	local url = ARGV[i]
	if seen[url] then
		out[#out + 1] = 'duplicate'
	else
		seen[url] = true
		out[#out + 1] = reserve(worker, url, ARGV[i + 1], ttl, tok, now, hb)
	end
end
return out
`)

	// ARGV: site, worker, key → 1 when the worker's reservation was dropped
	scriptUnreserve = newScript(`
local r = redis.call('HGET', RESV, ARGV[3])
if r and string.match(r, '^([^\t]*)\t') == ARGV[2] then
	redis.call('HDEL', RESV, ARGV[3])
	return 1
end
return 0
`)

	// KEYS: [1] the worker's positions hash; then one block of NK keys per site
	// (redisKeyNames, then PREFIX:sites); then per stream its key and STREAM:added.
	// ARGV: worker, token, NK, nsites, site…, npos, (sink key, position)…, nem,
	// (site block, key, hash, url, has meta 0/1, meta json, meta content hash)…,
	// nstream, (emission index, stream KEYS index, added KEYS index, maxlen, dedup
	// field, nfields, field…)… → the indexes (1-based) of the emissions that lost
	// their reservation.
	//
	// An emission already in the emitted set of the run with this commit's token is
	// a retry of this commit (its reply was lost): skipped, so nothing is done twice.
	// One emitted in the run otherwise, or whose key another worker holds under a
	// live reservation, lost: it is not recorded as emitted nor appended to the
	// stream, but its URL is acknowledged and its metadata stored (a duplicate).
	scriptCommit = redis.NewScript(`
local worker, tok, NK = ARGV[1], ARGV[2], tonumber(ARGV[3])
local RUN, DATA, Q, LEASES, OWNER, POS, DONE = 1, 6, 2, 4, 5, 15, 7
local META, MHASH, EMAT, EMITTED, RESV, LOST, SITES = 10, 11, 12, 13, 16, 18, 19
local function K(b, j) return KEYS[1 + (b - 1) * NK + j] end
local t = redis.call('TIME')
local nowms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowns = t[1] .. string.format('%06d', tonumber(t[2])) .. '000'
local i = 4
local nsites = tonumber(ARGV[i]); i = i + 1
local runs = {}
for b = 1, nsites do
	redis.call('SADD', K(b, SITES), ARGV[i]); i = i + 1
	runs[b] = redis.call('HGET', K(b, RUN), 'id') or '0'
end
local npos = tonumber(ARGV[i]); i = i + 1
local pos = {}
for p = 1, 2 * npos do pos[p] = ARGV[i]; i = i + 1 end
local nem = tonumber(ARGV[i]); i = i + 1
local ems = {}
for e = 1, nem do
	ems[e] = {b = tonumber(ARGV[i]), key = ARGV[i + 1], hash = ARGV[i + 2], url = ARGV[i + 3],
		hasmeta = ARGV[i + 4], meta = ARGV[i + 5], mhash = ARGV[i + 6]}
	i = i + 7
end
local nst = tonumber(ARGV[i]); i = i + 1
local sts = {}
for s = 1, nst do
	local nf = tonumber(ARGV[i + 5])
	local st = {e = tonumber(ARGV[i]), sk = tonumber(ARGV[i + 1]), ak = tonumber(ARGV[i + 2]),
		maxlen = tonumber(ARGV[i + 3]), dedup = ARGV[i + 4], fields = {}}
	i = i + 6
	for f = 1, nf do st.fields[f] = ARGV[i]; i = i + 1 end
	sts[s] = st
end
-- Verdicts first: nothing is written before every emission is judged.
local taken, lost = {}, {}
for e, em in ipairs(ems) do
	local b = em.b
	local id = b .. '\n' .. em.key
	local prev = redis.call('HGET', K(b, EMITTED), em.key)
	local prun, ptok
	if prev then prun, ptok = string.match(prev, '^(%d*)\t%a*\t([^\t]*)\t') end
	if prev and prun == runs[b] then
		if ptok == tok then em.st = 'done' else em.st = 'lost' end
	elseif taken[id] then
		em.st = 'lost'
	else
		local r = redis.call('HGET', K(b, RESV), em.key)
		local rw, rexp, rchange
		if r then rw, rexp, rchange = string.match(r, '^([^\t]*)\t(%d+)\t[^\t]*\t(%a*)$') end
		if r and rw ~= worker and tonumber(rexp) > nowms then
			em.st = 'lost'
		else
			em.st = 'win'
			if r and rw == worker and rchange ~= '' then em.change = rchange
			elseif prev then em.change = 'changed'
			else em.change = 'new' end
		end
	end
	if em.st == 'lost' then lost[#lost + 1] = e end
	taken[id] = true
end
for _, em in ipairs(ems) do
	local b = em.b
	if em.st == 'win' then
		redis.call('HSET', K(b, EMITTED), em.key, runs[b] .. '\t' .. em.change .. '\t' .. tok .. '\t' .. em.hash)
		redis.call('HDEL', K(b, RESV), em.key)
		redis.call('HSET', K(b, MHASH), em.key, em.hash)
		redis.call('HSET', K(b, EMAT), em.key, nowns)
		redis.call('HSETNX', K(b, META), em.key, '{}')
	end
	if em.st ~= 'done' and em.url ~= '' then
		if em.hasmeta == '1' then
			redis.call('HSET', K(b, META), em.url, em.meta)
			redis.call('HSET', K(b, MHASH), em.url, em.mhash)
		end
		-- As Ack Done.
		if redis.call('HEXISTS', K(b, DATA), em.url) == 1 then
			redis.call('ZREM', K(b, Q), em.url)
			redis.call('ZREM', K(b, LEASES), em.url)
			redis.call('HDEL', K(b, OWNER), em.url)
			redis.call('HDEL', K(b, DATA), em.url)
			redis.call('HDEL', K(b, POS), em.url)
			redis.call('HDEL', K(b, LOST), em.url)
			redis.call('SADD', K(b, DONE), em.url)
		end
	end
end
for _, st in ipairs(sts) do
	if ems[st.e].st == 'win' then
		local args = {'XADD', KEYS[st.sk]}
		if st.maxlen > 0 then
			args[#args + 1] = 'MAXLEN'
			args[#args + 1] = '~'
			args[#args + 1] = st.maxlen
		end
		args[#args + 1] = '*'
		for _, f in ipairs(st.fields) do args[#args + 1] = f end
		local id = redis.call(unpack(args))
		redis.call('HSET', KEYS[st.ak], st.dedup, id)
	end
end
if npos > 0 then redis.call('HSET', KEYS[1], unpack(pos)) end
return lost
`)
)
