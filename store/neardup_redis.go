package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/healthcrawl/healthcrawl/pipeline"
	"github.com/redis/go-redis/v9"
)

// The near-duplicate index in Redis, shared by every worker of a fleet using the
// prefix: a hash of records (id → page, SimHash, sketch and key packed in about 150
// bytes plus the key), a hash of buckets (8-byte bucket key → comma-separated
// record ids) and an id counter, all under the hash tag {near}. CheckAndAdd is one
// Lua script call (atomic, so two workers never both keep two near copies): for
// each record it reads the record's NearBands buckets, compares each candidate
// exactly as pipeline.NearMatch does, and adds the record when none matches.
//
// Calls are group-committed: a call made while another call of the process is in
// flight waits for it and goes with every other call queued meanwhile in the next
// single script call (the first call is sent at once: no delay is added). The
// script takes the records in order, so a record sees those added before it in the
// same call — the verdicts are those of the calls made one by one in that order. A
// call retried after a lost reply finds its own record (same page), which never
// matches: the record is only indexed twice.

// Packed record layout (the values of the records hash).
const (
	nearPackPage   = 0
	nearPackHi     = 8
	nearPackLo     = 16
	nearPackSketch = 24
	nearPackKey    = nearPackSketch + 2*pipeline.NearBins
)

// maxNearBatch bounds the records of one script call.
const maxNearBatch = 64

// KEYS: records hash, id counter, buckets hash. ARGV: for each record, the packed
// record, max SimHash distance, confirm, the number of bucket keys and the bucket
// keys. Returns, per record, "1" and the key of the match, or "0" when the record
// was added.
var scriptNear = redis.NewScript(`
local REC, SEQ, BKT = KEYS[1], KEYS[2], KEYS[3]
local pop
local function check(rec, maxdist, confirm, b0, b1)
	local page = string.sub(rec, 1, 8)
	local seen = {}
	for i = b0, b1 do
		local ids = redis.call('HGET', BKT, ARGV[i])
		if ids then
			for id in string.gmatch(ids, '[^,]+') do
				if not seen[id] then
					seen[id] = true
					local c = redis.call('HGET', REC, id)
					if c and string.sub(c, 1, 8) ~= page then
						if not pop then
							pop = {}
							for v = 0, 255 do
								local n, x = 0, v
								while x > 0 do n = n + x % 2; x = math.floor(x / 2) end
								pop[v] = n
							end
						end
						local d = 0
						for j = 9, 24 do d = d + pop[bit.bxor(string.byte(rec, j), string.byte(c, j))] end
						if d <= maxdist then
							local n, m = 0, 0
							for j = 25, 151, 2 do
								local a1, a2 = string.byte(rec, j, j + 1)
								local b1, b2 = string.byte(c, j, j + 1)
								if a1 + a2 + b1 + b2 > 0 then
									n = n + 1
									if a1 == b1 and a2 == b2 then m = m + 1 end
								end
							end
							if n == 0 or m / n >= confirm then return string.sub(c, 153) end
						end
					end
				end
			end
		end
	end
	return nil
end
local out = {}
local a = 1
while a <= #ARGV do
	local rec, maxdist, confirm, nb = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
	local b0, b1 = a + 4, a + 3 + nb
	local dup = check(rec, maxdist, confirm, b0, b1)
	if dup then
		out[#out + 1] = '1' .. dup
	else
		local id = tostring(redis.call('INCR', SEQ))
		redis.call('HSET', REC, id, rec)
		for i = b0, b1 do
			local ids = redis.call('HGET', BKT, ARGV[i])
			if ids then ids = ids .. ',' .. id else ids = id end
			redis.call('HSET', BKT, ARGV[i], ids)
		end
		out[#out + 1] = '0'
	end
	a = b1 + 1
end
return out
`)

type redisNear struct {
	s    *Redis
	keys []string

	mu       sync.Mutex
	inFlight bool        // a script call is on its way: new calls queue
	queue    []*nearCall // the calls of the next script call
}

// nearCall is one CheckAndAdd waiting for its verdict.
type nearCall struct {
	ctx   context.Context
	args  []any // the record's part of the script's ARGV
	dup   string
	found bool
	err   error
	done  chan struct{}
}

// NearIndex returns the near-duplicate index kept on the Redis server.
func (s *Redis) NearIndex() (pipeline.NearIndex, error) {
	p := s.prefix + ":{near}:"
	return &redisNear{s: s, keys: []string{p + "rec", p + "seq", p + "bkt"}}, nil
}

// CheckAndAdd implements pipeline.NearIndex: one script call, shared with the
// calls made while another was in flight.
func (n *redisNear) CheckAndAdd(ctx context.Context, r *pipeline.NearRecord, p pipeline.NearParams) (string, bool, error) {
	packed := make([]byte, nearPackKey, nearPackKey+len(r.Key))
	binary.BigEndian.PutUint64(packed[nearPackPage:], r.Page)
	binary.BigEndian.PutUint64(packed[nearPackHi:], r.Hi)
	binary.BigEndian.PutUint64(packed[nearPackLo:], r.Lo)
	for i, v := range r.Sketch {
		binary.BigEndian.PutUint16(packed[nearPackSketch+2*i:], v)
	}
	packed = append(packed, r.Key...)
	args := make([]any, 0, 4+len(r.Bands))
	args = append(args, packed, p.MaxDist, strconv.FormatFloat(p.Confirm, 'g', -1, 64), len(r.Bands))
	for _, b := range r.Bands {
		args = append(args, binary.BigEndian.AppendUint64(nil, b))
	}
	c := &nearCall{ctx: ctx, args: args, done: make(chan struct{})}
	n.mu.Lock()
	if n.inFlight {
		n.queue = append(n.queue, c)
		n.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			// The record may still be added by the call it went with: as after a
			// lost reply, it is only indexed.
			return "", false, fmt.Errorf("near-duplicate look-up of %s: %w", r.Key, ctx.Err())
		}
	} else {
		n.inFlight = true
		n.mu.Unlock()
		n.send(ctx, []*nearCall{c})
	}
	if c.err != nil {
		return "", false, fmt.Errorf("near-duplicate look-up of %s: %w", r.Key, c.err)
	}
	return c.dup, c.found, nil
}

// send makes one script call for batch, then hands the calls queued meanwhile to
// a goroutine of its own (the next script call), or lets the next call send.
func (n *redisNear) send(ctx context.Context, batch []*nearCall) {
	n.call(ctx, batch)
	for _, c := range batch {
		close(c.done)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.queue) == 0 {
		n.inFlight = false
		return
	}
	k := min(len(n.queue), maxNearBatch)
	next := n.queue[:k:k]
	n.queue = n.queue[k:]
	// The calls' own contexts end their waits; one ending does not fail the others.
	go n.send(context.WithoutCancel(next[0].ctx), next)
}

// call sends batch in one script call and fills in its verdicts.
func (n *redisNear) call(ctx context.Context, batch []*nearCall) {
	var args []any
	for _, c := range batch {
		args = append(args, c.args...)
	}
	var out []string
	err := n.s.do(ctx, "near-duplicate index", func() error {
		var err error
		out, err = scriptNear.Run(ctx, n.s.rdb, n.keys, args...).StringSlice()
		if err == nil && len(out) != len(batch) {
			err = fmt.Errorf("near-duplicate script returned %d verdicts for %d records", len(out), len(batch))
		}
		return err
	})
	for i, c := range batch {
		switch {
		case err != nil:
			c.err = err
		case strings.HasPrefix(out[i], "1"):
			c.dup, c.found = out[i][1:], true
		}
	}
}
