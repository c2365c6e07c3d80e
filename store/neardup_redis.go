package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/healthcrawl/healthcrawl/pipeline"
	"github.com/redis/go-redis/v9"
)

// The near-duplicate index in Redis, shared by every worker of a fleet using the
// prefix: a hash of records (id → page, SimHash, sketch and key packed in about 150
// bytes plus the key), a hash of buckets (8-byte bucket key → comma-separated
// record ids) and an id counter, all under the hash tag {near}. CheckAndAdd is one
// Lua script (one round trip per record, atomic, so two workers never both keep
// two near copies): it reads the record's NearBands buckets, compares each
// candidate exactly as pipeline.NearMatch does, and adds the record when none
// matches. A call retried after a lost reply finds its own record (same page),
// which never matches: the record is only indexed twice.

// Packed record layout (ARGV[1] and the values of the records hash).
const (
	nearPackPage   = 0
	nearPackHi     = 8
	nearPackLo     = 16
	nearPackSketch = 24
	nearPackKey    = nearPackSketch + 2*pipeline.NearBins
)

// KEYS: records hash, id counter, buckets hash. ARGV: packed record, max SimHash
// distance, confirm, then the bucket keys. Returns the key of the match, or nil.
var scriptNear = redis.NewScript(`
local REC, SEQ, BKT = KEYS[1], KEYS[2], KEYS[3]
local rec, maxdist, confirm = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local page = string.sub(rec, 1, 8)
local pop
local seen = {}
for i = 4, #ARGV do
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
local id = tostring(redis.call('INCR', SEQ))
redis.call('HSET', REC, id, rec)
for i = 4, #ARGV do
	local ids = redis.call('HGET', BKT, ARGV[i])
	if ids then ids = ids .. ',' .. id else ids = id end
	redis.call('HSET', BKT, ARGV[i], ids)
end
return false
`)

type redisNear struct {
	s    *Redis
	keys []string
}

// NearIndex returns the near-duplicate index kept on the Redis server.
func (s *Redis) NearIndex() (pipeline.NearIndex, error) {
	p := s.prefix + ":{near}:"
	return &redisNear{s: s, keys: []string{p + "rec", p + "seq", p + "bkt"}}, nil
}

// CheckAndAdd implements pipeline.NearIndex with one script call.
func (n *redisNear) CheckAndAdd(ctx context.Context, r *pipeline.NearRecord, p pipeline.NearParams) (string, bool, error) {
	packed := make([]byte, nearPackKey, nearPackKey+len(r.Key))
	binary.BigEndian.PutUint64(packed[nearPackPage:], r.Page)
	binary.BigEndian.PutUint64(packed[nearPackHi:], r.Hi)
	binary.BigEndian.PutUint64(packed[nearPackLo:], r.Lo)
	for i, v := range r.Sketch {
		binary.BigEndian.PutUint16(packed[nearPackSketch+2*i:], v)
	}
	packed = append(packed, r.Key...)
	args := make([]any, 0, 3+len(r.Bands))
	args = append(args, packed, p.MaxDist, strconv.FormatFloat(p.Confirm, 'g', -1, 64))
	for _, b := range r.Bands {
		args = append(args, binary.BigEndian.AppendUint64(nil, b))
	}
	var dup string
	var found bool
	err := n.s.do(ctx, "near-duplicate index", func() error {
		v, err := scriptNear.Run(ctx, n.s.rdb, n.keys, args...).Text()
		if errors.Is(err, redis.Nil) {
			dup, found = "", false
			return nil
		}
		if err != nil {
			return err
		}
		dup, found = v, true
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("near-duplicate look-up of %s: %w", r.Key, err)
	}
	return dup, found, nil
}
