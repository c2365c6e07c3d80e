package crawler

import (
	"context"
	"sync"

	"github.com/healthcrawl/healthcrawl/internal/keyset"
)

// Kind says how a fetched URL is handled.
type Kind uint8

// Kinds of frontier entries.
const (
	KindPage    Kind = iota // an HTML page: extracted and/or followed
	KindSitemap             // a sitemap, sitemap index, or RSS/Atom feed: its URLs become seeds
)

func (k Kind) String() string {
	if k == KindSitemap {
		return "sitemap"
	}
	return "page"
}

// Entry is one queued URL and the metadata the crawler keeps with it.
type Entry struct {
	URL     string // canonical, fetchable URL (see Canonicalize)
	Depth   int    // link hops from a seed (start URLs and sitemap URLs are 0)
	Kind    Kind
	Seed    bool   // a start URL: always fetched and followed, whatever the follow rules
	LastMod string // <lastmod> from the sitemap that listed the URL, as written
	Parent  string // URL of the page the link was found on ("" for seeds)
	// Run counts consecutive non-article ancestors with the same URL shape (see trapGuard).
	Run int
	// Barren counts consecutive ancestors of the run that linked to the same other-shape
	// URLs as their predecessor (see trapGuard).
	Barren int
	// RunSig is the signature of the other-shape links of the parent, when the parent
	// has the same URL shape.
	RunSig uint64
	// Lost counts the times a persistent frontier handed the entry out and got it
	// back without a verdict: the process died (or its lease expired) while the
	// entry was in flight, see store.Entry.Lost. Filled by the store frontier's Pop,
	// which fails an entry lost more than crawl.retries times (a poison pill); never
	// stored in Entry data, always 0 in the memory frontier.
	Lost int
}

// Frontier is the crawl state of one site: the set of URLs already seen and the
// queue of URLs still to fetch. Implementations must be safe for concurrent use.
// The memory implementation is NewMemoryFrontier; persistent stores (SQLite, Redis)
// (store package) implement the same methods through an adapter, so an interrupted
// crawl can resume. Keys are visited-set keys (see Key).
type Frontier interface {
	// MarkSeen records key as seen and reports whether it was new. It is atomic:
	// of several concurrent calls with the same key exactly one returns true.
	MarkSeen(ctx context.Context, key string) (bool, error)
	// Seen reports whether key was marked seen, without marking it.
	Seen(ctx context.Context, key string) (bool, error)
	// Push queues e for fetching. Callers push only entries they have just marked seen.
	Push(ctx context.Context, e Entry) error
	// Pop removes and returns the next entry (FIFO for the memory frontier);
	// ok is false when nothing can be handed out now: the queue is empty, or (the
	// store frontier) an entry that must run alone waits for the pages in flight.
	Pop(ctx context.Context) (e Entry, ok bool, err error)
	// Done tells the frontier that a popped entry has been handled (failed: its
	// failure was recorded). A persistent frontier ends the entry's lease here, so a
	// crash before Done hands the entry out again on resume.
	Done(ctx context.Context, e Entry, failed bool) error
	// EmitOnce is the check-and-set of the emitted set: it reports whether the record
	// of canonical key (with this content hash) must be written. Of concurrent calls
	// with the same key at most one returns true. When it returns false, reason says
	// why (e.g. "canonical URL already emitted"; an incremental store may answer
	// "unchanged since the last run").
	EmitOnce(ctx context.Context, key, contentHash string) (emit bool, reason string, err error)
	// Len reports how many entries are queued.
	Len(ctx context.Context) (int, error)
}

// FrontierFactory opens the frontier of one site target of a job.
type FrontierFactory func(ctx context.Context, site string) (Frontier, error)

// MemoryFrontier is the in-memory Frontier: a FIFO queue and two sets (visited,
// emitted) that hold 64-bit hashes of the keys, not the keys: ~12 bytes per URL
// whatever its length (see keyset).
type MemoryFrontier struct {
	mu      sync.Mutex
	seen    keyset.Set
	emitted keyset.Set
	queue   []Entry
	head    int
}

// NewMemoryFrontier returns an empty in-memory frontier.
func NewMemoryFrontier() *MemoryFrontier {
	return &MemoryFrontier{seen: keyset.New(), emitted: keyset.New()}
}

// MarkSeen implements Frontier.
func (f *MemoryFrontier) MarkSeen(_ context.Context, key string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen.Add(key), nil
}

// Seen implements Frontier.
func (f *MemoryFrontier) Seen(_ context.Context, key string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen.Has(key), nil
}

// Push implements Frontier.
func (f *MemoryFrontier) Push(_ context.Context, e Entry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, e)
	return nil
}

// Pop implements Frontier.
func (f *MemoryFrontier) Pop(_ context.Context) (Entry, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.head >= len(f.queue) {
		return Entry{}, false, nil
	}
	e := f.queue[f.head]
	f.queue[f.head] = Entry{}
	f.head++
	// Compact once the consumed prefix dominates, so memory follows the queue length.
	if f.head > 1024 && f.head*2 >= len(f.queue) {
		n := copy(f.queue, f.queue[f.head:])
		clear(f.queue[n:])
		f.queue = f.queue[:n]
		f.head = 0
	}
	return e, true, nil
}

// Done implements Frontier (nothing to do in memory).
func (f *MemoryFrontier) Done(context.Context, Entry, bool) error { return nil }

// EmitOnce implements Frontier.
func (f *MemoryFrontier) EmitOnce(_ context.Context, key, _ string) (bool, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.emitted.Add(key) {
		return false, "canonical URL already emitted", nil
	}
	return true, "", nil
}

// Len implements Frontier.
func (f *MemoryFrontier) Len(context.Context) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.queue) - f.head, nil
}
