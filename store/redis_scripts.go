package store

import "github.com/redis/go-redis/v9"

// Lua scripts of the redis engine. Every script gets the same KEYS (the keys of one
// site, in the order of redisKeyNames) and ARGV[1] = the site name; so a multi-key
// step is one atomic EVALSHA. Times come from the server's clock (TIME), so the
// lease expiries of workers on several machines agree.
const redisPrelude = `
local RUN, Q, SEQ, LEASES, OWNER, DATA, DONE, FAILED, SEEN, META, MHASH, EMAT, EMITTED, LTOK, POS, RESV, HB, LOST, SITES = unpack(KEYS)
local function now_ms()
	local t = redis.call('TIME')
	return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function now_ns()
	local t = redis.call('TIME')
	return t[1] .. string.format('%06d', tonumber(t[2])) .. '000'
end
-- requeue puts url back in the queue at its first position, ending any lease on
-- it (an entry taken back from a dead worker is not sent behind everything queued
-- since).
local function requeue(url)
	redis.call('ZREM', LEASES, url)
	redis.call('HDEL', OWNER, url)
	local pos = redis.call('HGET', POS, url)
	if not pos then
		pos = redis.call('INCR', SEQ)
		redis.call('HSET', POS, url, pos)
	end
	redis.call('ZADD', Q, pos, url)
end
-- lose requeues url whose lease ended without Ack or Nack (expired, released) and
-- counts it in LOST (Entry.Lost).
local function lose(url)
	redis.call('HINCRBY', LOST, url, 1)
	requeue(url)
end
-- leased appends url, its data and its Lost count to the reply of a lease.
local function leased(out, url)
	out[#out + 1] = url
	out[#out + 1] = redis.call('HGET', DATA, url) or ''
	out[#out + 1] = tonumber(redis.call('HGET', LOST, url) or '0')
end
-- verdict is EmitOnce's decision on url with hash in the current run: it returns
-- the run id, the change and whether the change is final (a duplicate, or the
-- verdict given before to the same token: a retried call).
local function verdict(url, hash, tok)
	local run = redis.call('HGET', RUN, 'id') or '0'
	local prev = redis.call('HGET', EMITTED, url)
	if not prev then return run, 'new', false end
	local prun, pchange, ptok, phash = string.match(prev, '^(%d*)\t(%a*)\t([^\t]*)\t(.*)$')
	if prun == run then
		if ptok == tok then return run, pchange, true end
		return run, 'duplicate', true
	elseif phash == hash then
		return run, 'unchanged', false
	end
	return run, 'changed', false
end
-- ack ends the entry of url with code 'd' (done) or 'f' (failed); 1 when it was
-- queued or leased. DATA holds exactly the URLs queued or leased (push sets it,
-- ack deletes it): a URL without data is unknown, done or failed already.
local function ack(url, code)
	if redis.call('HEXISTS', DATA, url) == 0 then return 0 end
	redis.call('ZREM', Q, url)
	redis.call('ZREM', LEASES, url)
	redis.call('HDEL', OWNER, url)
	redis.call('HDEL', DATA, url)
	redis.call('HDEL', POS, url)
	redis.call('HDEL', LOST, url)
	if code == 'f' then redis.call('SADD', FAILED, url) else redis.call('SADD', DONE, url) end
	return 1
end
-- reserve is the verdict of Reserve on url with hash for worker (see scriptReserve
-- in redis_commit.go); now is the server's time in ms, hb the worker's heartbeat
-- (no reservation outlives it; nil = none).
local function reserve(worker, url, hash, ttl, tok, now, hb)
	local run, change, final = verdict(url, hash, tok)
	if final then return change end
	local exp = now + ttl
	if hb and hb < exp then exp = hb end
	local r = redis.call('HGET', RESV, url)
	if r then
		local rw, rexp, rtok, rchange = string.match(r, '^([^\t]*)\t(%d+)\t([^\t]*)\t(%a*)$')
		if rtok == tok then return rchange end
		if tonumber(rexp) > now then return 'duplicate' end
		redis.call('HDEL', RESV, url)
	end
	if change == 'unchanged' then
		redis.call('HSET', EMITTED, url, run .. '\t' .. change .. '\t' .. tok .. '\t' .. hash)
		return change
	end
	redis.call('HSET', RESV, url, worker .. '\t' .. exp .. '\t' .. tok .. '\t' .. change)
	return change
end
-- push queues url with data, whatever its state.
local function push(url, data)
	redis.call('HSET', DATA, url, data)
	redis.call('SREM', DONE, url)
	redis.call('SREM', FAILED, url)
	redis.call('HDEL', LOST, url)
	requeue(url)
end
`

// redisKeyNames are the per-site keys, in the order of the scripts' KEYS (the
// last one, the set of sites, is per prefix).
var redisKeyNames = []string{"run", "q", "seq", "leases", "owner", "data", "done", "failed", "seen", "meta", "mhash", "emat", "emitted", "ltok", "pos", "resv", "hb", "lost"}

func newScript(body string) *redis.Script { return redis.NewScript(redisPrelude + body) }

var (
	// ARGV: site → {id, resumed (0/1), started ns}
	scriptBegin = newScript(`
if redis.call('HGET', RUN, 'running') == '1' then
	return {tonumber(redis.call('HGET', RUN, 'id')), 1, redis.call('HGET', RUN, 'started')}
end
redis.call('DEL', Q, SEQ, LEASES, OWNER, DATA, DONE, FAILED, SEEN, LTOK, POS, RESV, HB, LOST)
local id = redis.call('HINCRBY', RUN, 'id', 1)
local ns = now_ns()
redis.call('HSET', RUN, 'running', '1', 'started', ns, 'finished', '0')
redis.call('SADD', SITES, ARGV[1])
return {id, 0, ns}
`)

	// ARGV: site
	scriptFinish = newScript(`
if redis.call('HGET', RUN, 'running') == '1' then
	redis.call('HSET', RUN, 'running', '0', 'finished', now_ns())
end
return 1
`)

	// ARGV: site, key → 1 when key was new
	scriptMarkSeen = newScript(`
redis.call('SADD', SITES, ARGV[1])
return redis.call('SADD', SEEN, ARGV[2])
`)

	// ARGV: site, key, url, data → 1 when key was new (and the entry queued)
	scriptEnqueue = newScript(`
redis.call('SADD', SITES, ARGV[1])
if redis.call('SADD', SEEN, ARGV[2]) == 0 then return 0 end
push(ARGV[3], ARGV[4])
return 1
`)

	// ARGV: site, url1, data1, url2, data2, …
	scriptPush = newScript(`
redis.call('SADD', SITES, ARGV[1])
for i = 2, #ARGV, 2 do push(ARGV[i], ARGV[i + 1]) end
return 1
`)

	// ARGV: site, worker, n, ttl ms, token → {url1, data1, lost1, …}
	//
	// The token makes a retried call (its reply was lost with the connection) hand
	// out the entries of the first attempt again instead of leasing more, which the
	// worker would never ack and, heartbeat after heartbeat, never let expire.
	scriptLease = newScript(`
local worker, n, ttl, tok = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local last = redis.call('HGET', LTOK, worker)
if last then
	local sep = string.find(last, '\n', 1, true)
	if string.sub(last, 1, sep - 1) == tok then
		local out = {}
		for url in string.gmatch(string.sub(last, sep + 1), '[^\n]+') do
			if redis.call('HGET', OWNER, url) == worker then leased(out, url) end
		end
		return out
	end
end
local now = now_ms()
-- HB: no live lease of the worker expires before it (see Reserve).
redis.call('HSETNX', HB, worker, now + ttl)
local expired = redis.call('ZRANGEBYSCORE', LEASES, '-inf', now)
table.sort(expired)
for _, url in ipairs(expired) do lose(url) end
local got = redis.call('ZPOPMIN', Q, n)
local out, urls = {}, {}
for i = 1, #got, 2 do
	local url = got[i]
	redis.call('ZADD', LEASES, now + ttl, url)
	redis.call('HSET', OWNER, url, worker)
	leased(out, url)
	urls[#urls + 1] = url
end
redis.call('HSET', LTOK, worker, tok .. '\n' .. table.concat(urls, '\n'))
return out
`)

	// ARGV: site, worker, ttl ms → number of leases renewed (the worker's
	// reservations are renewed too)
	scriptExtend = newScript(`
local exp = now_ms() + tonumber(ARGV[3])
local all = redis.call('HGETALL', OWNER)
local c = 0
for i = 1, #all, 2 do
	if all[i + 1] == ARGV[2] then
		redis.call('ZADD', LEASES, 'XX', exp, all[i])
		c = c + 1
	end
end
redis.call('HSET', HB, ARGV[2], exp)
local rs = redis.call('HGETALL', RESV)
for i = 1, #rs, 2 do
	local w, _, rest = string.match(rs[i + 1], '^([^\t]*)\t(%d+)\t(.*)$')
	if w == ARGV[2] then redis.call('HSET', RESV, rs[i], w .. '\t' .. exp .. '\t' .. rest) end
end
return c
`)

	// ARGV: site, url, "d"|"f" → 1 when the entry was ended
	scriptAck = newScript(`
return ack(ARGV[2], ARGV[3])
`)

	// ARGV: site, nenq, (key, url, data)…, nmeta, (url, meta json, content hash)…,
	// nack, (url, "d"|"f")…, nnack, url… → {1 when the key was new and queued, else
	// 0, per enqueue}
	//
	// Store.Apply: Enqueue, PutMeta, Ack and Nack of several entries in one step, in
	// that order (a page's links and metadata are stored with the end of its lease).
	scriptApply = newScript(`
redis.call('SADD', SITES, ARGV[1])
local i = 2
local out = {}
local n = tonumber(ARGV[i]); i = i + 1
for j = 1, n do
	if redis.call('SADD', SEEN, ARGV[i]) == 1 then
		push(ARGV[i + 1], ARGV[i + 2])
		out[j] = 1
	else
		out[j] = 0
	end
	i = i + 3
end
n = tonumber(ARGV[i]); i = i + 1
for j = 1, n do
	redis.call('HSET', META, ARGV[i], ARGV[i + 1])
	redis.call('HSET', MHASH, ARGV[i], ARGV[i + 2])
	i = i + 3
end
n = tonumber(ARGV[i]); i = i + 1
for j = 1, n do
	ack(ARGV[i], ARGV[i + 1])
	i = i + 2
end
n = tonumber(ARGV[i]); i = i + 1
for j = 1, n do
	if redis.call('HEXISTS', OWNER, ARGV[i]) == 1 then requeue(ARGV[i]) end
	i = i + 1
end
return out
`)

	// ARGV: site, url → 1 when a lease was ended
	scriptNack = newScript(`
if redis.call('HEXISTS', OWNER, ARGV[2]) == 0 then return 0 end
requeue(ARGV[2])
return 1
`)

	// ARGV: site, worker → number of entries queued again
	scriptRelease = newScript(`
local all = redis.call('HGETALL', OWNER)
local mine = {}
for i = 1, #all, 2 do
	if all[i + 1] == ARGV[2] then mine[#mine + 1] = all[i] end
end
table.sort(mine)
for _, url in ipairs(mine) do lose(url) end
redis.call('HDEL', LTOK, ARGV[2])
redis.call('HDEL', HB, ARGV[2])
local rs = redis.call('HGETALL', RESV)
for i = 1, #rs, 2 do
	if string.match(rs[i + 1], '^([^\t]*)\t') == ARGV[2] then redis.call('HDEL', RESV, rs[i]) end
end
return #mine
`)

	// ARGV: site, url → {meta json or false, content hash or false, emitted_at ns or false}
	scriptGetMeta = newScript(`
return {redis.call('HGET', META, ARGV[2]), redis.call('HGET', MHASH, ARGV[2]), redis.call('HGET', EMAT, ARGV[2])}
`)

	// ARGV: site, url… → {meta json or false, content hash or false, emitted_at ns
	// or false, …} (three values per url)
	scriptGetMetas = newScript(`
local out = {}
for i = 2, #ARGV do
	local u = ARGV[i]
	out[#out + 1] = redis.call('HGET', META, u)
	out[#out + 1] = redis.call('HGET', MHASH, u)
	out[#out + 1] = redis.call('HGET', EMAT, u)
end
return out
`)

	// ARGV: site, url, meta json, content hash
	scriptPutMeta = newScript(`
redis.call('SADD', SITES, ARGV[1])
redis.call('HSET', META, ARGV[2], ARGV[3])
redis.call('HSET', MHASH, ARGV[2], ARGV[4])
return 1
`)

	// ARGV: site, url, hash, token → change
	//
	// The emitted set holds "run \t change \t token \t hash" per URL. The token makes
	// a retried call (its reply was lost) get the verdict of its first attempt, not
	// "duplicate": a record is never dropped because a connection broke.
	scriptEmit = newScript(`
local url, hash, tok = ARGV[2], ARGV[3], ARGV[4]
redis.call('SADD', SITES, ARGV[1])
local run, change, final = verdict(url, hash, tok)
if final then return change end
redis.call('HSET', EMITTED, url, run .. '\t' .. change .. '\t' .. tok .. '\t' .. hash)
if change == 'new' or change == 'changed' then
	redis.call('HSET', MHASH, url, hash)
	redis.call('HSET', EMAT, url, now_ns())
	redis.call('HSETNX', META, url, '{}')
end
return change
`)

	// ARGV: site, url → 1 when url was in the emitted set
	scriptGone = newScript(`
return redis.call('HDEL', EMITTED, ARGV[2])
`)

	// ARGV: site → {run id, running, started ns, finished ns, queued, leased, done, failed, seen, emitted, pages}
	scriptStats = newScript(`
local now = now_ms()
local expired = redis.call('ZCOUNT', LEASES, '-inf', now)
return {
	tonumber(redis.call('HGET', RUN, 'id') or '0'),
	tonumber(redis.call('HGET', RUN, 'running') or '0'),
	redis.call('HGET', RUN, 'started') or '0',
	redis.call('HGET', RUN, 'finished') or '0',
	redis.call('ZCARD', Q) + expired,
	redis.call('ZCARD', LEASES) - expired,
	redis.call('SCARD', DONE),
	redis.call('SCARD', FAILED),
	redis.call('SCARD', SEEN),
	redis.call('HLEN', EMITTED),
	redis.call('HLEN', META),
}
`)

	// ARGV: site → {worker1, live leases, worker2, …}
	scriptLeasesByWorker = newScript(`
local live = redis.call('ZRANGEBYSCORE', LEASES, '(' .. now_ms(), '+inf')
local n, order = {}, {}
for _, url in ipairs(live) do
	local w = redis.call('HGET', OWNER, url)
	if w then
		if not n[w] then n[w] = 0; order[#order + 1] = w end
		n[w] = n[w] + 1
	end
end
local out = {}
for _, w in ipairs(order) do
	out[#out + 1] = w
	out[#out + 1] = n[w]
end
return out
`)

	// ARGV: site
	scriptReset = newScript(`
redis.call('DEL', RUN, Q, SEQ, LEASES, OWNER, DATA, DONE, FAILED, SEEN, META, MHASH, EMAT, EMITTED, LTOK, POS, RESV, HB, LOST)
redis.call('SREM', SITES, ARGV[1])
return 1
`)
)
