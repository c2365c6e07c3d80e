package fleet

import (
	"context"
	"encoding/json"
	"errors"
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
		Name:    StreamFormat,
		Open:    func(path string) (output.Sink, error) { return OpenStreamSink(context.Background(), path) },
		Dir:     true, // not a file: no rotation
		Schemes: []string{"redis", "rediss"},
		Doc:     "appends each record to a Redis Stream (output.path: redis://HOST:PORT/DB?stream=KEY)",
	})
}

// StreamSink appends each record to a Redis Stream as one entry with the fields
// url, content_hash and record (the JSON of the record, as a line of jsonl). Every
// worker of a fleet may append to the same stream; consumers read it with XREAD or
// a consumer group.
//
// Write only buffers the entry. With a redis state on the same server and
// database, the crawler's commit takes the buffered entries (TakeStream, see
// store.StreamBatcher) and appends them in the script that records their URLs as
// emitted: exactly once. Entries nobody takes are appended by Flush (and Close):
// at least once, a retry after a lost reply is not appended twice (the stream's
// companion hash KEY:added, URL and content hash → entry ID, is checked and set in
// the same script as XADD).
type StreamSink struct {
	rdb    *redis.Client
	own    bool // rdb is closed by Close
	stream string
	maxLen int64
	addr   string
	target string // addr/db
	log    *slog.Logger

	mu      sync.Mutex
	closed  bool
	pending []store.StreamEntry
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
	return &StreamSink{rdb: rdb, own: true, stream: stream, maxLen: maxLen, addr: opt.Addr,
		target: opt.Addr + "/" + strconv.Itoa(opt.DB), log: discard()}, nil
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

// Write implements output.Sink: it buffers the record's stream entry.
func (s *StreamSink) Write(ctx context.Context, a *article.Article) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rec, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode record %s: %w", a.Source, err)
	}
	e := store.StreamEntry{Target: s.target, Stream: s.stream, MaxLen: s.maxLen,
		Dedup: a.URL + " " + a.ContentHash, URL: a.URL, Hash: a.ContentHash,
		Field: []string{"url", a.URL, "content_hash", a.ContentHash, "record", string(rec)}}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return output.ErrClosed
	}
	s.pending = append(s.pending, e)
	return nil
}

// StreamTarget implements store.StreamBatcher: "HOST:PORT/DB" of the stream.
func (s *StreamSink) StreamTarget() string { return s.target }

// TakeStream implements store.StreamBatcher: it hands over the entries written
// since the last TakeStream or Flush; the caller appends them (store.Batch.Stream).
func (s *StreamSink) TakeStream() []store.StreamEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.pending
	s.pending = nil
	return out
}

// Flush implements output.Flusher: it appends the entries nobody took. On an error
// the entries not appended stay buffered for the next Flush.
func (s *StreamSink) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked(ctx)
}

func (s *StreamSink) flushLocked(ctx context.Context) error {
	keys := []string{s.stream, s.stream + ":added"}
	for len(s.pending) > 0 {
		e := s.pending[0]
		args := make([]any, 0, 2+len(e.Field))
		args = append(args, e.Dedup, e.MaxLen)
		for _, f := range e.Field {
			args = append(args, f)
		}
		err := retry(ctx, s.log, store.DefaultRedisWait, nil, "append to stream "+s.stream, func() error {
			return scriptXAdd.Run(ctx, s.rdb, keys, args...).Err()
		})
		if err != nil {
			return fmt.Errorf("redis %s: append record %s to stream %s: %w", s.addr, e.URL, s.stream, err)
		}
		s.pending = s.pending[1:]
	}
	s.pending = nil
	return nil
}

// Close implements output.Sink: it appends the entries nobody took (Flush) and
// closes the connection; idempotent.
func (s *StreamSink) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.flushLocked(ctx)
	if s.own {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// TakeStream returns the buffered stream entries of the members of sink that st
// commits in the same script as their emissions (a redis state on the stream's
// server and database), for store.Batch.Stream; nil when there are none. Call it
// after writing a batch of records and before output.SyncAll, whose Flush would
// append them (at least once) instead.
func TakeStream(st store.Store, sink output.Sink) []store.StreamEntry {
	sc, ok := store.Unwrap(st).(store.StreamCommitter)
	if !ok || sink == nil {
		return nil
	}
	var out []store.StreamEntry
	for _, m := range output.Members(sink) {
		if sb, ok := m.(store.StreamBatcher); ok && sc.CommitsStream(sb.StreamTarget()) {
			out = append(out, sb.TakeStream()...)
		}
	}
	return out
}
