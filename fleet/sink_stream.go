package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/output"
	"github.com/healthcrawl/healthcrawl/store"
)

// StreamFormat is the output format appending records to a Redis Stream.
const StreamFormat = "redis-stream"

// DefaultStream is the stream key when the output URL names none.
const DefaultStream = "healthcrawl:records"

func init() {
	output.RegisterPath(output.PathFormat{
		Name: StreamFormat,
		Open: func(path string) (output.Sink, error) { return OpenStreamSink(context.Background(), path) },
		Dir:  true, // not a file: no rotation
		Doc:  "appends each record to a Redis Stream (output.path: redis://HOST:PORT/DB?stream=KEY)",
	})
}

// StreamSink appends each record to a Redis Stream as one entry with the fields
// url, content_hash and record (the JSON of the record, as a line of jsonl). Every
// worker of a fleet may append to the same stream; consumers read it with XREAD or
// a consumer group. A write retried after a lost reply is not appended twice: the
// stream's companion hash KEY:added (URL and content hash → entry ID) is checked
// and set in the same script as XADD.
type StreamSink struct {
	rdb    *redis.Client
	own    bool // rdb is closed by Close
	stream string
	maxLen int64
	addr   string
	log    *slog.Logger

	mu     sync.Mutex
	closed bool
}

// OpenStreamSink connects to the Redis server of rawURL,
// redis://[user:pass@]HOST:PORT/DB?stream=KEY[&maxlen=N] (stream default
// DefaultStream; maxlen caps the stream approximately, 0 = no cap), and pings it.
func OpenStreamSink(ctx context.Context, rawURL string) (*StreamSink, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("output redis-stream: %w", err)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("output redis-stream %q: want a redis://HOST:PORT/DB?stream=KEY URL", u.Redacted())
	}
	q := u.Query()
	stream := q.Get("stream")
	if stream == "" {
		stream = DefaultStream
	}
	var maxLen int64
	if m := q.Get("maxlen"); m != "" {
		if maxLen, err = strconv.ParseInt(m, 10, 64); err != nil || maxLen < 0 {
			return nil, fmt.Errorf("output redis-stream %s: maxlen=%q: want an integer ≥ 0", u.Redacted(), m)
		}
	}
	q.Del("stream")
	q.Del("maxlen")
	u.RawQuery = q.Encode()
	opt, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("output redis-stream %s: %w", u.Redacted(), err)
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("output redis-stream %s: ping: %w", opt.Addr, err)
	}
	return &StreamSink{rdb: rdb, own: true, stream: stream, maxLen: maxLen, addr: opt.Addr, log: discard()}, nil
}

// ARGV: dedup field, maxlen (0 = none), then field/value pairs → the entry ID.
var scriptXAdd = redis.NewScript(`
local id = redis.call('HGET', KEYS[2], ARGV[1])
if id then return id end
local args = {'XADD', KEYS[1]}
local maxlen = tonumber(ARGV[2])
if maxlen > 0 then
	args[#args + 1] = 'MAXLEN'
	args[#args + 1] = '~'
	args[#args + 1] = maxlen
end
args[#args + 1] = '*'
for i = 3, #ARGV do args[#args + 1] = ARGV[i] end
id = redis.call(unpack(args))
redis.call('HSET', KEYS[2], ARGV[1], id)
return id
`)

// Write implements output.Sink.
func (s *StreamSink) Write(ctx context.Context, a *article.Article) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return output.ErrClosed
	}
	rec, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode record %s: %w", a.Source, err)
	}
	keys := []string{s.stream, s.stream + ":added"}
	err = retry(ctx, s.log, store.DefaultRedisWait, nil, "append to stream "+s.stream, func() error {
		return scriptXAdd.Run(ctx, s.rdb, keys, a.URL+" "+a.ContentHash, s.maxLen,
			"url", a.URL, "content_hash", a.ContentHash, "record", rec).Err()
	})
	if err != nil {
		return fmt.Errorf("redis %s: append record %s to stream %s: %w", s.addr, a.URL, s.stream, err)
	}
	return nil
}

// Close implements output.Sink; idempotent.
func (s *StreamSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.own {
		return s.rdb.Close()
	}
	return nil
}
