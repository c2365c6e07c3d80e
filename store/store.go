// Package store holds the crawl state of healthcrawl, per site target: the frontier
// (a queue handing out entries under leases), the visited set, per-URL metadata for
// incremental re-crawls, the emitted set that makes output exactly-once across
// resumes and workers, and the bookkeeping of runs.
//
// One interface, several engines, selected by URL with Open:
//
//	memory (or "")               in memory, gone with the process (the default of tests)
//	sqlite:///abs/path/state.db  one SQLite file (pure Go driver, WAL mode)
//	sqlite://relative/state.db
//	redis://HOST:PORT/DB         shared by several workers (registered by the redis engine)
//
// Every engine passes the shared conformance suite in store/storetest.
//
// State of a run versus state of a site: the frontier and the visited set belong to
// the current run of a site and are cleared when a new run begins (BeginRun after
// FinishRun); metadata and the emitted set outlive runs, so the next run is
// incremental. A run that was not finished (the process was killed) is resumed by
// the next BeginRun: nothing is cleared, and entries that were leased by the dead
// process come back to the queue when their lease expires or when the same worker
// calls Release.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Entry is one queued URL. Data is the caller's opaque encoding of whatever it keeps
// with the URL (the crawler stores its depth, kind, parent, sitemap lastmod …).
// A frontier holds at most one entry per URL in a run.
type Entry struct {
	URL  string
	Data []byte
	// Lost counts the times the entry was handed out by Lease and came back to the
	// queue without an Ack or a Nack: its lease expired, or its worker called
	// Release (a restart under the same name). An entry whose handling kills the
	// process (a poison pill) comes back with a higher count on each resume. Nack
	// (the handling was interrupted on purpose) leaves it; Push and Enqueue, which
	// replace the entry, reset it to 0. Lease fills it in; it is ignored on the way in.
	Lost int
}

// Outcome is how a leased entry ended.
type Outcome uint8

// Outcomes passed to Ack.
const (
	Done   Outcome = iota // handled: record written, or filed as not an article, duplicate, …
	Failed                // its failure was recorded (it is not fetched again in this run)
)

// Meta is what the store remembers about one URL across runs.
type Meta struct {
	Status         int       // last HTTP status (304 when the last fetch was conditional and unchanged)
	ETag           string    // ETag of the last 200 response
	LastModified   string    // Last-Modified of the last 200 response, as sent
	SitemapLastMod string    // <lastmod> of the sitemap entry when the page was last fetched
	ContentHash    string    // content_hash of the last record built from the page
	FetchedAt      time.Time // last fetch
	EmittedAt      time.Time // last time a record of the page was written (set by EmitOnce)
	// Links are the absolute links found on the page at its last full fetch, so an
	// unchanged page (304, or sitemap lastmod not moved) still leads to its links.
	Links []string
}

// Change is the verdict of EmitOnce.
type Change string

// Changes returned by EmitOnce. Only ChangeNew and ChangeChanged mean "write it".
const (
	ChangeNew       Change = "new"       // never emitted before: write it
	ChangeChanged   Change = "changed"   // emitted in an earlier run with another content hash: write it
	ChangeUnchanged Change = "unchanged" // emitted in an earlier run with the same content hash
	ChangeDuplicate Change = "duplicate" // already emitted in this run (another alias, or before a crash)
)

// Emit reports whether a record with this change must be written.
func (c Change) Emit() bool { return c == ChangeNew || c == ChangeChanged }

// Run is the run of a site returned by BeginRun.
type Run struct {
	ID        int64     // 1 for the first run of a site, then 2, 3, …
	Resumed   bool      // the run was in progress (not finished): continue it, do not seed again
	StartedAt time.Time // when the run began (its first BeginRun)
}

// Stats is the state of one site.
type Stats struct {
	Site       string
	Run        int64     // current or last run; 0 = never run
	Running    bool      // a run is in progress (begun, not finished)
	StartedAt  time.Time // of the current or last run
	FinishedAt time.Time // of the last run, zero while Running
	Queued     int64     // entries waiting (expired leases included)
	Leased     int64     // entries under a live lease
	Done       int64     // entries acknowledged Done in this run
	Failed     int64     // entries acknowledged Failed in this run
	Seen       int64     // keys in the visited set of this run
	Emitted    int64     // URLs with an emitted record (all runs)
	Pages      int64     // URLs with metadata (all runs)
}

// Store is the crawl state of one crawl configuration, keyed by site name.
// Implementations are safe for concurrent use by several goroutines; the redis
// engine also by several processes.
type Store interface {
	// BeginRun starts a run of site, or resumes the one in progress. A new run clears
	// the site's frontier and visited set (metadata and the emitted set stay).
	BeginRun(ctx context.Context, site string) (Run, error)
	// FinishRun marks the run of site finished: the next BeginRun starts a new run.
	FinishRun(ctx context.Context, site string) error

	// MarkSeen adds key to the visited set and reports whether it was new. Atomic: of
	// concurrent calls with the same key exactly one returns true.
	MarkSeen(ctx context.Context, site, key string) (bool, error)
	// Seen reports whether key is in the visited set, without adding it.
	Seen(ctx context.Context, site, key string) (bool, error)
	// Enqueue marks key seen and, if it was new, queues e, in one atomic step (a crash
	// never leaves key seen but e not queued). It reports whether key was new.
	Enqueue(ctx context.Context, site, key string, e Entry) (bool, error)
	// Push queues entries unconditionally (an entry already in the frontier for the
	// same URL is replaced, its Lost count reset, and queued again).
	Push(ctx context.Context, site string, entries ...Entry) error
	// Lease takes up to n queued entries (oldest first) and holds them for worker
	// until ttl elapses. Entries whose lease expired are queued again first (and
	// their Lost count goes up). An empty result means nothing is queued right now
	// (entries may still be leased). Entries come with their Lost count.
	Lease(ctx context.Context, site, worker string, n int, ttl time.Duration) ([]Entry, error)
	// Extend renews every lease worker holds on site for ttl (the heartbeat).
	Extend(ctx context.Context, site, worker string, ttl time.Duration) error
	// Ack ends the lease of url with its outcome; it is never handed out again in this
	// run. Acking a URL that is not leased is not an error.
	Ack(ctx context.Context, site, url string, o Outcome) error
	// Nack ends the lease of url and queues it again (its Lost count unchanged). It
	// returns once that is stored: a crash after it does not count the lease lost.
	Nack(ctx context.Context, site, url string) error
	// Apply carries out several frontier operations of site (enqueues, metadata,
	// acks, nacks; see Ops) in one step: one round trip for the redis engine. It
	// returns, for each of ops.Enqueue, whether its key was new (and queued).
	Apply(ctx context.Context, site string, ops Ops) (queued []bool, err error)
	// Release queues again every entry worker holds on site (a worker restarting
	// under the same name takes its in-flight pages back at once) and returns how
	// many. Each one's Lost count goes up.
	Release(ctx context.Context, site, worker string) (int, error)

	// GetMeta returns the metadata of url; ok is false when there is none.
	GetMeta(ctx context.Context, site, url string) (m Meta, ok bool, err error)
	// GetMetas returns the metadata of each of urls that has some (one round trip
	// for the redis engine).
	GetMetas(ctx context.Context, site string, urls []string) (map[string]Meta, error)
	// PutMeta replaces the metadata of url. EmittedAt is kept as EmitOnce set it.
	PutMeta(ctx context.Context, site, url string, m Meta) error

	// EmitOnce is the atomic check-and-set of the emitted set on a canonical URL and
	// the content hash of its record. It returns ChangeNew or ChangeChanged (and
	// records url as emitted with hash in this run) when the record must be written,
	// ChangeUnchanged when an earlier run emitted the same hash, and ChangeDuplicate
	// when url was already emitted in this run. Of concurrent calls with the same url
	// exactly one gets a change that emits.
	EmitOnce(ctx context.Context, site, url, hash string) (Change, error)
	// Gone removes url from the emitted set (it answered 404 or 410) and reports
	// whether it was there.
	Gone(ctx context.Context, site, url string) (bool, error)
	// Emitted lists the URLs of the emitted set of site, sorted.
	Emitted(ctx context.Context, site string) ([]string, error)
	// EachEmitted calls fn with each URL of the emitted set of site, in no set order,
	// holding at most a page of them (EmittedPage) in memory at a time, so that a
	// walk of a large set (a re-crawl revisiting the articles no longer linked)
	// costs no memory per URL; fn may call the store. A URL emitted or removed during
	// the walk may or may not be given, and an engine may give a URL twice (Redis'
	// HSCAN). The walk stops at fn's first error and returns it.
	EachEmitted(ctx context.Context, site string, fn func(url string) error) error

	// Write-then-commit (see Committer): reserve a verdict, write the record to every
	// sink and flush them, then Commit.
	Committer

	// Stats reports the state of site.
	Stats(ctx context.Context, site string) (Stats, error)
	// Sites lists the sites that have any state, sorted.
	Sites(ctx context.Context) ([]string, error)
	// Reset deletes every piece of state of site.
	Reset(ctx context.Context, site string) error
	// Engine names the implementation: "memory", "sqlite", "redis".
	Engine() string
	// Close releases the store (flushing anything buffered). Idempotent.
	Close() error
}

// Opener opens a store from its parsed URL.
type Opener func(ctx context.Context, u *url.URL) (Store, error)

var (
	regMu   sync.RWMutex
	openers = map[string]Opener{}
)

// Register makes an engine available to Open under a URL scheme (call from init).
func Register(scheme string, o Opener) {
	regMu.Lock()
	defer regMu.Unlock()
	openers[scheme] = o
}

// Schemes lists the registered URL schemes, sorted ("memory" included).
func Schemes() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := []string{"memory"}
	for s := range openers {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// ErrNotBuilt is returned by Open for an engine that is planned but not compiled in.
var ErrNotBuilt = errors.New("not built yet")

// Open opens the store named by rawURL: "" or "memory" for a new memory store,
// "sqlite:///abs/path.db" or "sqlite://relative.db" for a SQLite file (created with
// its directory), or any scheme registered with Register.
func Open(ctx context.Context, rawURL string) (Store, error) {
	raw := strings.TrimSpace(rawURL)
	if raw == "" || raw == "memory" || raw == "memory://" {
		return NewMemory(), nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("state store %q: %w", rawURL, err)
	}
	regMu.RLock()
	o, ok := openers[u.Scheme]
	regMu.RUnlock()
	if !ok {
		if u.Scheme == "redis" || u.Scheme == "rediss" {
			return nil, fmt.Errorf("state store %q: redis store: %w", rawURL, ErrNotBuilt)
		}
		return nil, fmt.Errorf("state store %q: unknown scheme %q (known: %v)", rawURL, u.Scheme, Schemes())
	}
	s, err := o(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("state store %q: %w", rawURL, err)
	}
	return s, nil
}

// Validate checks a state URL without opening it.
func Validate(rawURL string) error {
	raw := strings.TrimSpace(rawURL)
	if raw == "" || raw == "memory" || raw == "memory://" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	regMu.RLock()
	_, ok := openers[u.Scheme]
	regMu.RUnlock()
	if !ok {
		return fmt.Errorf("unknown scheme %q (known: %v)", u.Scheme, Schemes())
	}
	if u.Scheme == "sqlite" && sqlitePath(u) == "" {
		return errors.New("sqlite URL without a path (want sqlite:///abs/path.db or sqlite://relative.db)")
	}
	return nil
}

// LocalPath returns the file of a sqlite:// state URL; ok is false for other engines.
func LocalPath(rawURL string) (path string, ok bool) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || u.Scheme != "sqlite" {
		return "", false
	}
	p := sqlitePath(u)
	return p, p != ""
}

// Emission is one record made durable by a Commit: the canonical URL key of the
// emitted set with the content hash of its record, the frontier entry whose lease
// the record ends (acknowledged Done by the same commit) and the page's metadata.
type Emission struct {
	Site string
	Key  string // canonical URL in the emitted set (as passed to Reserve)
	Hash string // content hash of the record
	URL  string // frontier entry acknowledged Done by the commit; "" = none
	Meta *Meta  // metadata of URL stored by the commit (PutMeta); nil = none
}

// Batch is what one Commit makes durable at once.
type Batch struct {
	Worker    string
	Emissions []Emission
	// Positions are the committed positions of the worker's sinks once the batch's
	// records are written and flushed, by sink key. Opaque to the store; Positions
	// returns the last committed value of each key.
	Positions map[string]string
	// Stream are records to append to Redis Streams in the same transaction as the
	// emissions (exactly once): only a store implementing StreamCommitter for the
	// streams' server accepts them; the other engines fail a Commit with Stream
	// (ErrStreamCommit). Each entry belongs to the emission with its content hash
	// (and its URL as Key or URL): it is appended only when that emission commits.
	Stream []StreamEntry
}

// StreamEntry is one record appended to a Redis Stream (XADD) by Commit, as a
// stream sink would have appended it.
type StreamEntry struct {
	Target string // server of the stream, "HOST:PORT/DB" (see StreamCommitter)
	Stream string // stream key
	MaxLen int64  // approximate cap of the stream (MAXLEN ~); 0 = none
	// Dedup is the field of the stream's companion hash STREAM:added (record →
	// entry ID) set with the XADD, so the sink's own appends (Flush) skip it.
	Dedup string
	URL   string   // URL of the record (matched with Emission.Key or Emission.URL)
	Hash  string   // content hash of the record (matched with Emission.Hash)
	Field []string // field, value, field, value, … of the entry
}

// StreamBatcher is an output sink appending to a Redis Stream that can hand the
// entries of the records written to it over to a Commit instead of appending them
// itself (fleet.StreamSink). TakeStream returns the entries buffered since the last
// call and forgets them; entries nobody takes are appended by the sink's Flush or
// Close (at least once).
type StreamBatcher interface {
	StreamTarget() string // "HOST:PORT/DB" of the stream's server
	TakeStream() []StreamEntry
}

// StreamCommitter is a store whose Commit appends Batch.Stream in the same
// transaction as the emissions: CommitsStream reports whether it can for a
// stream on target ("HOST:PORT/DB"), i.e. the state lives on that server and DB.
type StreamCommitter interface {
	CommitsStream(target string) bool
}

// ErrStreamCommit is returned by Commit for a Batch.Stream the store cannot append.
var ErrStreamCommit = errors.New("this state store cannot append stream records in a commit")

// LostReservationsError is returned by Commit when some emissions of the batch had
// lost their reservation (it expired and another worker's commit of the same key in
// this run came first, or another worker holds it again). The rest of the batch IS
// committed (other emissions, positions); the lost ones are not recorded as
// emitted by this worker and their stream entries are not appended, but their URLs
// are acknowledged Done and their metadata stored, as for a duplicate. Their
// records were written to this worker's files: they are duplicates there of the
// record the other worker committed (the same record_id).
type LostReservationsError struct {
	Index []int    // indexes in Batch.Emissions
	Keys  []string // their keys
}

func (e *LostReservationsError) Error() string {
	return fmt.Sprintf("commit: %d record(s) lost their reservation to another worker (written twice): %s", len(e.Keys), strings.Join(e.Keys, ", "))
}

// Committer is write-then-commit, the way records reach the outputs exactly once:
//
//  1. Reserve decides the verdict of a record (as EmitOnce) and, when it must be
//     written, holds its key for worker: a concurrent Reserve of the same key in this
//     run gets ChangeDuplicate. Nothing is durable yet.
//  2. The caller writes the record to every sink and flushes them.
//  3. Commit records the batch's keys as emitted in the current run, acknowledges
//     their frontier entries Done, stores their metadata and the sinks' positions,
//     in one transaction. A process killed before Commit leaves the keys not emitted
//     and the entries leased: the resumed run fetches them again, truncates its
//     outputs back to the committed positions and writes them again.
//
// A write that failed is given up with Unreserve (the key can be reserved again).
// Reservations live in the process (memory, sqlite) or, for the redis engine, in
// Redis under the worker's name, renewed by Extend with its leases and expiring no
// later than them (a dead worker's keys become reservable when its pages can be
// leased again); Release(site, worker) drops the worker's reservations together
// with its leases, and so does a new run. A Commit whose emissions lost their
// reservation (a stalled worker's, taken over and committed by another) commits
// the rest and returns a *LostReservationsError listing them.
type Committer interface {
	Reserve(ctx context.Context, site, worker, key, hash string) (Change, error)
	// ReserveMany is Reserve of several records, in order (a key twice in rs:
	// the second is ChangeDuplicate); one round trip per site for the redis engine.
	ReserveMany(ctx context.Context, worker string, rs []Reservation) ([]Change, error)
	Unreserve(ctx context.Context, site, worker, key string) error
	Commit(ctx context.Context, b Batch) error
	// Positions returns the sink positions last committed by worker.
	Positions(ctx context.Context, worker string) (map[string]string, error)
}

// EmittedPage is how many URLs Store.EachEmitted reads at a time.
const EmittedPage = 1000
