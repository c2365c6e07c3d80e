package crawler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/dustin/go-humanize/english"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/internal/keyset"
	"github.com/healthcrawl/healthcrawl/store"
)

// Crawl state (JobOptions.Store): the site's frontier lives in the store under
// leases, so a run killed midway resumes (BeginRun says whether the run is new);
// per-URL metadata makes re-crawls incremental (conditional requests, sitemap
// lastmod, content hash); the store's emitted set makes output exactly-once across
// resumes and workers.

// Incremental categories: only runs with a persistent store file URLs under them.
const (
	// CatUnchanged: an article emitted by an earlier run, not written again: the
	// server answered 304 Not Modified, its sitemap lastmod has not moved, or its
	// content hash is the same.
	CatUnchanged = "unchanged"
	// CatGone: an article emitted by an earlier run that now answers 404 or 410.
	CatGone = "gone"
)

// DefaultWorker is the lease owner name of a crawl process when JobOptions.Worker is
// empty. A process restarted under the same name takes its in-flight pages back at
// once; several processes sharing a store need distinct names.
const DefaultWorker = "local"

// storedEntry is the encoding of an Entry in the store.
type storedEntry struct {
	Depth   int    `json:"d,omitempty"`
	Kind    Kind   `json:"k,omitempty"`
	Seed    bool   `json:"s,omitempty"`
	LastMod string `json:"l,omitempty"`
	Parent  string `json:"p,omitempty"`
	Barren  int    `json:"b,omitempty"`
	Run     int    `json:"r,omitempty"`
	RunSig  uint64 `json:"g,omitempty"`
}

func encodeEntry(e Entry) store.Entry {
	data, _ := json.Marshal(storedEntry{Depth: e.Depth, Kind: e.Kind, Seed: e.Seed, LastMod: e.LastMod, Parent: e.Parent, Barren: e.Barren, Run: e.Run, RunSig: e.RunSig})
	return store.Entry{URL: e.URL, Data: data}
}

func decodeEntry(se store.Entry) (Entry, error) {
	var d storedEntry
	if len(se.Data) > 0 {
		if err := json.Unmarshal(se.Data, &d); err != nil {
			return Entry{}, fmt.Errorf("frontier entry %s: %w", se.URL, err)
		}
	}
	return Entry{URL: se.URL, Depth: d.Depth, Kind: d.Kind, Seed: d.Seed, LastMod: d.LastMod, Parent: d.Parent, Barren: d.Barren, Run: d.Run, RunSig: d.RunSig, Lost: se.Lost}, nil
}

// storeFrontier is the Frontier of one site over a store.Store.
//
// MarkSeen is answered from a process-local set and persisted only by Push, whose
// entry is marked seen and queued by one atomic Enqueue: a crash never leaves a URL
// seen but not queued. Keys marked but never pushed (rejected URLs, redirect
// targets, "emitted …" keys) stay local: after a crash they are decided again.
//
// Round trips. Pushes are not sent one by one: they wait in the frontier and go to
// the store with its next call (store.Apply, one round trip for the redis engine):
// the Ack of a page (Done), a Nack, the next Lease (Pop) or the commit of records
// (flush, called by the committer before its Commit). Metadata of pages without a
// record (putMeta) waits the same way. So a page's links and metadata are stored
// before or with the end of its lease, as before; a crash in between loses them
// with the lease, and the page is fetched again. A key another worker (or the
// process before a restart) queued first is found seen by the store when the push
// is sent: notQueued then takes it back from the run's counts. Leased entries come
// with their metadata (GetMetas, one call per lease batch) when the run reads it.
//
// Pop hands out leased entries, taken from the store in small batches and
// acknowledged with Ack once handled.
//
// Poison pills. The store counts, per entry, the leases that ended without a
// verdict (Entry.Lost): the process died, or its lease expired, while it held the
// entry. A dying process holds more than the page that killed it, though: the
// other pages in flight, and the entries leased but not handed out yet. So an
// entry with Lost > 0 (a suspect) is handed out alone (see alone): only when
// nothing else of the site is in flight, with no other entry leased by this worker
// (the rest of its batch is given back with Nack, which does not count) and the
// records handed to the committer committed first. A process that dies then was
// killed by that page, and only its count goes up. A suspect lost more than
// maxLost times is not handed out: Pop acknowledges it Failed and files it through
// poisoned (see siteRun.beginState).
type storeFrontier struct {
	st     store.Store
	site   string
	worker string
	ttl    time.Duration
	batch  int

	// seenMu guards local alone, apart from mu: Pop holds mu across a Lease (a
	// commit of the store), which must not stall the links other workers are
	// discovering meanwhile (MarkSeen) — on an unchanged re-crawl that wait was a
	// sixth of the workers' time (issue 17).
	seenMu sync.Mutex
	local  keyset.Set // keys marked seen by this process (as hashes)
	// shared, when set, holds those keys instead of local: marks in the store's
	// own visited table (an in-process store, see store.InProcessSeen), so that a
	// page's key is one table entry, not one in each of two sets (issue 17). It is
	// released by endState; then local takes over.
	shared store.LocalSeen

	mu  sync.Mutex
	buf []Entry
	// An empty lease is not asked again until this process pushed something or
	// emptyRetry passed (other workers' pushes, expired leases): an empty Lease is
	// still a write transaction.
	// flushed counts the pushes stored (a push waits in pendPush for the next
	// store call: counting Push calls, a lease that found the queue empty before
	// they were flushed was trusted after, and a worker told "nothing now" waited
	// for a page in flight to end, forever if it hangs).
	flushed    atomic.Int64
	emptyAt    int64 // flushed at the last empty lease
	emptyUntil time.Time
	// pre is the next batch, leased ahead while the workers still have entries (so
	// that they do not all wait for a lease commit when the buffer runs dry); nil
	// when none is asked. ahead, when set, is the context of those leases: the
	// job's hard stop (they outlive the Pop that asks them; giveBack waits for
	// them); nil = no lease ahead.
	pre   *prefetch
	ahead context.Context

	// poisoned, when set, files an entry lost more than maxLost times, after Pop
	// acknowledged it Failed (ackErr: the ack failed). nil: every entry is handed out.
	poisoned func(e Entry, ackErr error)
	maxLost  int
	// alone, when set, reports whether nothing of the site is in flight, and then
	// commits what the committer holds; Pop calls it with the caller's lock held
	// (siteRun.aloneNow). nil: suspects are handed out as any entry.
	alone func() bool
	// isolated: a suspect is in flight alone (nothing else is handed out until it
	// ends). suspects: suspects were given back, to be leased one at a time, alone.
	isolated, suspects bool

	// Operations waiting for the next store call (see flush), under pendMu (not
	// mu: the committer flushes while Pop holds mu and waits for it, see alone).
	pendMu   sync.Mutex
	pendPush []Entry
	pendMeta []store.MetaOp
	// flushMu orders the store calls carrying waiting operations: a call that ends
	// a lease starts only once every push made before it is stored. Its holder
	// takes pendMu, never mu.
	flushMu sync.Mutex
	// notQueued, when set, is called for a pushed entry the store found seen
	// already (queued by another worker, or before a restart).
	notQueued func(e Entry)
	// withMeta: Pop reads the metadata of leased entries (GetMetas) into metas,
	// which takeMeta hands to the page's handler (under metaMu, not mu: Pop holds
	// mu across a lease, and a handler waiting for it there was most of an
	// unchanged re-crawl's blocked time).
	withMeta bool
	metaMu   sync.Mutex
	metas    map[string]*store.Meta
}

// emptyRetry is how long an empty lease answer is trusted without local pushes.
const emptyRetry = 100 * time.Millisecond

// prefetch is a Lease running in the background (see storeFrontier.pre).
type prefetch struct {
	done chan struct{} // closed when got and err are set
	got  []store.Entry
	err  error
}

// startPrefetch leases the next batch in the background. Called with f.mu held.
func (f *storeFrontier) startPrefetch() {
	p := &prefetch{done: make(chan struct{})}
	f.pre = p
	ctx := f.ahead
	go func() {
		defer close(p.done)
		p.got, p.err = f.st.Lease(ctx, f.site, f.worker, f.batch, f.ttl)
	}()
}

// takePrefetch waits for the batch leased ahead, if any, and returns it (ok false
// when none was asked). Called with f.mu held.
func (f *storeFrontier) takePrefetch() (got []store.Entry, ok bool, err error) {
	p := f.pre
	if p == nil {
		return nil, false, nil
	}
	f.pre = nil
	<-p.done
	if p.err == nil && len(p.got) == 0 {
		// Not trusted as "empty" (emptyAt): the lease may have run before the
		// pushes flushed since, and a worker told "nothing now" waits for a page in
		// flight to end, which may be never (a hanging fetch). Pop leases again.
		return nil, false, nil
	}
	return p.got, true, p.err
}

func newStoreFrontier(st store.Store, site, worker string, ttl time.Duration, batch int) *storeFrontier {
	f := &storeFrontier{st: st, site: site, worker: worker, ttl: ttl, batch: max(batch, 1)}
	if ip, ok := st.(store.InProcessSeen); ok {
		// Not ok: another frontier of this process on the site holds the marks;
		// this one keeps its own set, as with any other store.
		f.shared, _ = ip.ClaimLocalSeen(site)
	}
	return f
}

// releaseSeen hands the store's visited marks back (see shared).
func (f *storeFrontier) releaseSeen() {
	f.seenMu.Lock()
	defer f.seenMu.Unlock()
	if f.shared != nil {
		f.shared.Release()
		f.shared = nil
	}
}

// MarkSeen implements Frontier.
func (f *storeFrontier) MarkSeen(ctx context.Context, key string) (bool, error) {
	f.seenMu.Lock()
	defer f.seenMu.Unlock()
	if f.shared != nil {
		return f.shared.MarkSeen(key), nil
	}
	if f.local.Has(key) {
		return false, nil
	}
	// Not asked of the store (a round trip per link): a key seen there only is
	// found so when its push is sent (notQueued).
	f.local.Add(key)
	return true, nil
}

// Seen implements Frontier.
func (f *storeFrontier) Seen(ctx context.Context, key string) (bool, error) {
	f.seenMu.Lock()
	var ok bool
	if f.shared != nil {
		ok = f.shared.Seen(key)
	} else {
		ok = f.local.Has(key)
	}
	f.seenMu.Unlock()
	if ok || strings.HasPrefix(key, "emitted ") {
		return ok, nil
	}
	return f.st.Seen(ctx, f.site, key)
}

// Push implements Frontier: the entry's key is marked seen in the store and the
// entry queued, atomically, with the frontier's next store call (see flush).
// Another worker having queued it first is not an error.
func (f *storeFrontier) Push(ctx context.Context, e Entry) error {
	f.pendMu.Lock()
	f.pendPush = append(f.pendPush, e)
	f.pendMu.Unlock()
	return nil
}

// putMeta stores the metadata of u with the frontier's next store call.
func (f *storeFrontier) putMeta(u string, m store.Meta) {
	f.pendMu.Lock()
	f.pendMeta = append(f.pendMeta, store.MetaOp{URL: u, Meta: m})
	f.pendMu.Unlock()
}

// flush sends the waiting pushes and metadata to the store with the given acks
// and nacks, in one Apply (one round trip for the redis engine); it returns once
// every push made before the call is stored. On failure the waiting operations
// are kept for the next call.
func (f *storeFrontier) flush(ctx context.Context, ack []store.AckOp, nack []string) error {
	f.flushMu.Lock()
	defer f.flushMu.Unlock()
	f.pendMu.Lock()
	pushes, metas := f.pendPush, f.pendMeta
	f.pendPush, f.pendMeta = nil, nil
	f.pendMu.Unlock()
	ops := store.Ops{Meta: metas, Ack: ack, Nack: nack}
	if len(pushes) > 0 {
		ops.Enqueue = make([]store.EnqueueOp, len(pushes))
		for i, e := range pushes {
			ops.Enqueue[i] = store.EnqueueOp{Key: Key(e.URL), Entry: encodeEntry(e)}
		}
	}
	if ops.Empty() {
		return nil
	}
	queued, err := f.st.Apply(ctx, f.site, ops)
	if err != nil {
		f.pendMu.Lock()
		f.pendPush = append(pushes, f.pendPush...)
		f.pendMeta = append(metas, f.pendMeta...)
		f.pendMu.Unlock()
		return err
	}
	f.flushed.Add(int64(len(pushes)))
	if f.notQueued != nil {
		for i, ok := range queued {
			if !ok && i < len(pushes) {
				f.notQueued(pushes[i])
			}
		}
	}
	return nil
}

// takeMeta returns the metadata of u read with its lease; hit is false when it
// was not read (then ask the store).
func (f *storeFrontier) takeMeta(u string) (m store.Meta, ok, hit bool) {
	f.metaMu.Lock()
	defer f.metaMu.Unlock()
	p, hit := f.metas[u]
	if !hit {
		return store.Meta{}, false, false
	}
	delete(f.metas, u)
	if p == nil {
		return store.Meta{}, false, true
	}
	return *p, true, true
}

// Pop implements Frontier. Besides an empty queue, it answers "nothing now" while a
// suspect waits for the pages in flight to end, or runs alone (see storeFrontier).
// Before a lease, waiting pushes are sent, so that they can be leased.
func (f *storeFrontier) Pop(ctx context.Context) (Entry, bool, error) {
	f.mu.Lock()
	lease := len(f.buf) == 0
	f.mu.Unlock()
	f.pendMu.Lock()
	lease = lease && len(f.pendPush) > 0
	f.pendMu.Unlock()
	if lease {
		if err := f.flush(ctx, nil, nil); err != nil {
			return Entry{}, false, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.isolated {
		if !f.alone() {
			return Entry{}, false, nil
		}
		f.isolated = false
	}
	if len(f.buf) == 0 {
		got, ok, err := f.takePrefetch()
		if err != nil {
			return Entry{}, false, err
		}
		if ok {
			if err := f.fill(ctx, got); err != nil {
				return Entry{}, false, err
			}
			if err := f.readMetas(ctx); err != nil {
				return Entry{}, false, err
			}
		}
	}
	if len(f.buf) == 0 {
		n := f.batch
		if f.suspects {
			// The next suspect runs alone: wait for the pages in flight, then lease
			// one entry (the suspects given back come first in the queue).
			if !f.alone() {
				return Entry{}, false, nil
			}
			n = 1
		}
		pushes := f.flushed.Load() // before the lease: a push stored during it makes the next Pop ask again
		if pushes == f.emptyAt && time.Now().Before(f.emptyUntil) {
			return Entry{}, false, nil
		}
		got, err := f.st.Lease(ctx, f.site, f.worker, n, f.ttl)
		if err != nil {
			return Entry{}, false, err
		}
		if len(got) == 0 {
			f.emptyAt, f.emptyUntil = pushes, time.Now().Add(emptyRetry)
			f.suspects = false
		}
		if err := f.fill(ctx, got); err != nil {
			return Entry{}, false, err
		}
		if err := f.readMetas(ctx); err != nil {
			return Entry{}, false, err
		}
	}
	if len(f.buf) == 0 {
		return Entry{}, false, nil
	}
	e := f.buf[0]
	f.buf = f.buf[1:]
	if e.Lost > 0 && f.alone != nil {
		f.isolated = true
	}
	// Half the batch handed out: lease the next one ahead. Not around suspects
	// (they run with nothing else leased here), nor while the queue was just found
	// empty.
	if f.ahead != nil && f.pre == nil && len(f.buf) <= f.batch/2 && !f.isolated && !f.suspects && e.Lost == 0 &&
		(f.flushed.Load() != f.emptyAt || !time.Now().Before(f.emptyUntil)) {
		f.startPrefetch()
	}
	return e, true, nil
}

// fill decodes a leased batch into buf: poison pills are filed, and suspects are
// kept only when the first of the batch is one and can run alone now (the rest of
// the batch is given back); otherwise every suspect is given back, to be leased
// alone later.
func (f *storeFrontier) fill(ctx context.Context, got []store.Entry) error {
	var es []Entry
	for _, se := range got {
		e, err := decodeEntry(se)
		if err != nil {
			_ = f.st.Ack(ctx, f.site, se.URL, store.Failed)
			continue
		}
		if f.poisoned != nil && e.Lost > f.maxLost {
			// Its fetch killed the process (or its worker) that many times: a
			// poison pill, never handed out again in this run.
			f.poisoned(e, f.st.Ack(ctx, f.site, e.URL, store.Failed))
			continue
		}
		es = append(es, e)
	}
	if f.alone == nil {
		f.buf = append(f.buf, es...)
		return nil
	}
	var back []Entry
	switch {
	case len(es) > 0 && es[0].Lost > 0 && f.alone():
		f.buf = append(f.buf, es[0])
		back = es[1:]
		for _, e := range back {
			f.suspects = f.suspects || e.Lost > 0
		}
	default:
		f.suspects = false
		for _, e := range es {
			if e.Lost > 0 {
				back = append(back, e)
				f.suspects = true
			} else {
				f.buf = append(f.buf, e)
			}
		}
	}
	if len(back) == 0 {
		return nil
	}
	// Given back before the suspect is handed out, in one call that returns once
	// they are stored: were the process killed by the suspect with them still
	// leased, they would count it too.
	nack := make([]string, len(back))
	for i, e := range back {
		nack[i] = e.URL
	}
	if _, err := f.st.Apply(ctx, f.site, store.Ops{Nack: nack}); err != nil {
		return fmt.Errorf("give back %s and %d more (they run alone later): %w", back[0].URL, len(back)-1, err)
	}
	return nil
}

// readMetas reads the metadata of the entries in buf (withMeta), under mu.
func (f *storeFrontier) readMetas(ctx context.Context) error {
	if !f.withMeta {
		return nil
	}
	var urls []string
	f.metaMu.Lock()
	for _, e := range f.buf {
		if _, ok := f.metas[e.URL]; !ok && e.Kind == KindPage {
			urls = append(urls, e.URL)
		}
	}
	f.metaMu.Unlock()
	if len(urls) == 0 {
		return nil
	}
	got, err := f.st.GetMetas(ctx, f.site, urls)
	if err != nil {
		return fmt.Errorf("metadata of leased entries: %w", err)
	}
	f.metaMu.Lock()
	defer f.metaMu.Unlock()
	if f.metas == nil {
		f.metas = map[string]*store.Meta{}
	}
	for _, u := range urls {
		if m, ok := got[u]; ok {
			f.metas[u] = &m
		} else {
			f.metas[u] = nil
		}
	}
	return nil
}

// Len implements Frontier: entries queued in the store plus those leased here and
// not handed out yet.
func (f *storeFrontier) Len(ctx context.Context) (int, error) {
	if err := f.flush(ctx, nil, nil); err != nil {
		return 0, err
	}
	st, err := f.st.Stats(ctx, f.site)
	if err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return int(st.Queued) + len(f.buf), nil
}

// Done implements Frontier: it ends the entry's lease.
func (f *storeFrontier) Done(ctx context.Context, e Entry, failed bool) error {
	o := store.Done
	if failed {
		o = store.Failed
	}
	f.dropMeta(e.URL)
	return f.flush(ctx, []store.AckOp{{URL: e.URL, Outcome: o}}, nil)
}

// Retry ends the entry's lease and queues it again (its fetch was interrupted).
func (f *storeFrontier) Retry(ctx context.Context, e Entry) error {
	f.dropMeta(e.URL)
	return f.flush(ctx, nil, []string{e.URL})
}

// dropMeta forgets the metadata read with u's lease.
func (f *storeFrontier) dropMeta(u string) {
	f.metaMu.Lock()
	delete(f.metas, u)
	f.metaMu.Unlock()
}

// retrier is a frontier that can hand an entry out again (see storeFrontier.Retry).
type retrier interface {
	Retry(ctx context.Context, e Entry) error
}

// EmitOnce implements Frontier over the store's emitted set (the crawler calls
// siteRun.emitOnce, which also reads the change).
func (f *storeFrontier) EmitOnce(ctx context.Context, key, contentHash string) (bool, string, error) {
	ch, err := f.st.EmitOnce(ctx, f.site, key, contentHash)
	if err != nil {
		return false, "", err
	}
	return ch.Emit(), changeReason(ch), nil
}

func changeReason(ch store.Change) string {
	switch ch {
	case store.ChangeDuplicate:
		return "canonical URL already emitted"
	case store.ChangeUnchanged:
		return "content hash unchanged"
	}
	return ""
}

// giveBack queues again the entries leased here but not handed out (shutdown),
// those of a batch leased ahead included.
func (f *storeFrontier) giveBack(ctx context.Context) {
	f.mu.Lock()
	buf := f.buf
	f.buf = nil
	pre, _, _ := f.takePrefetch()
	f.mu.Unlock()
	f.metaMu.Lock()
	clear(f.metas)
	f.metaMu.Unlock()
	nack := make([]string, 0, len(buf)+len(pre))
	for _, e := range buf {
		nack = append(nack, e.URL)
	}
	for _, se := range pre {
		nack = append(nack, se.URL)
	}
	// On failure (the store is unreachable) the leases expire on their own.
	_ = f.flush(ctx, nil, nack)
}

// heartbeat renews this worker's leases every ttl/3 until ctx ends.
func (f *storeFrontier) heartbeat(ctx context.Context, log interface{ Warn(string, ...any) }) {
	t := time.NewTicker(max(f.ttl/3, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := f.st.Extend(ctx, f.site, f.worker, f.ttl); err != nil && ctx.Err() == nil {
				log.Warn("lease heartbeat", "err", err)
			}
		}
	}
}

// incremental reports whether the run keeps state across runs (new/changed/gone).
func (s *siteRun) incremental() bool { return s.st != nil && s.st.Engine() != "memory" }

// conditionalHeaders are If-None-Match / If-Modified-Since for a page fetched before.
func conditionalHeaders(m store.Meta) http.Header {
	if m.ETag == "" && m.LastModified == "" {
		return nil
	}
	h := http.Header{}
	if m.ETag != "" {
		h.Set("If-None-Match", m.ETag)
	}
	if m.LastModified != "" {
		h.Set("If-Modified-Since", m.LastModified)
	}
	return h
}

// meta returns the stored metadata of url (zero when none or no store).
func (s *siteRun) meta(ctx context.Context, u string) (store.Meta, bool) {
	if !s.incremental() || s.noPriorMeta {
		return store.Meta{}, false
	}
	if s.sf != nil {
		if m, ok, hit := s.sf.takeMeta(u); hit {
			return m, ok
		}
	}
	m, ok, err := s.st.GetMeta(ctx, s.site.Name, u)
	if err != nil {
		s.log.Warn("state metadata", "url", u, "err", err)
		return store.Meta{}, false
	}
	return m, ok
}

// metas is meta for the pages of es in one store call (those a lease brought in
// already are taken from it); a page without metadata is absent from the map. On a
// store error each page is asked on its own (meta logs the error).
func (s *siteRun) metas(ctx context.Context, es []Entry) map[string]store.Meta {
	if !s.incremental() || s.noPriorMeta {
		return nil
	}
	out := make(map[string]store.Meta, len(es))
	ask := make([]string, 0, len(es))
	for _, e := range es {
		if s.sf != nil {
			if m, ok, hit := s.sf.takeMeta(e.URL); hit {
				if ok {
					out[e.URL] = m
				}
				continue
			}
		}
		ask = append(ask, e.URL)
	}
	if len(ask) == 0 {
		return out
	}
	got, err := s.st.GetMetas(ctx, s.site.Name, ask)
	if err != nil {
		s.log.Warn("state metadata", "urls", len(ask), "err", err)
		for _, u := range ask {
			if m, ok := s.meta(ctx, u); ok {
				out[u] = m
			}
		}
		return out
	}
	for u, m := range got {
		out[u] = m
	}
	return out
}

// putMeta stores the metadata of a page fetched in full.
func (s *siteRun) putMeta(ctx context.Context, e Entry, att *attempt, hash string, links []string) {
	if !s.incremental() {
		return
	}
	s.storeMeta(ctx, e.URL, pageMeta(e, att, hash, links))
}

// storeMeta stores the metadata of u, a page being handled: with the frontier's
// next store call (the end of the page's lease at the latest), else at once.
func (s *siteRun) storeMeta(ctx context.Context, u string, m store.Meta) {
	if s.sf != nil {
		s.sf.putMeta(u, m)
		return
	}
	if err := s.st.PutMeta(ctx, s.site.Name, u, m); err != nil {
		s.log.Warn("state metadata", "url", u, "err", err)
	}
}

// pageMeta is the metadata of a page fetched in full.
func pageMeta(e Entry, att *attempt, hash string, links []string) store.Meta {
	m := store.Meta{Status: att.status, SitemapLastMod: e.LastMod, ContentHash: hash, FetchedAt: time.Now().UTC(), Links: links}
	if att.header != nil {
		m.ETag = att.header.Get("ETag")
		m.LastModified = att.header.Get("Last-Modified")
	}
	return m
}

// unchanged handles a page the server said has not changed (304), or a sitemap
// entry whose lastmod has not moved: its stored links are followed, and it is filed
// as unchanged (an article) or with its earlier outcome's category.
//
// Its metadata is not written again: validators, content hash and links are what
// the store holds already, so the page's metadata stays that of its last fetch
// with a body (Status 200, FetchedAt then). Rewriting it (links included) for the
// sake of the status and the time was a third of the state store's work on an
// unchanged re-crawl (issue 17); nothing reads either.
func (s *siteRun) unchanged(ctx context.Context, e Entry, m store.Meta, status int, why string) {
	if len(m.Links) > 0 {
		if bu, err := parseAbs(e.URL); err == nil {
			s.discoverLinks(ctx, e, bu, m.Links, nil, m.ContentHash != "")
		}
	}
	if m.ContentHash != "" {
		s.job.unchanged.Add(1)
		s.job.acct.record(s.site.Name, e.URL, outcome{Category: CatUnchanged, Reason: why, Stage: "fetch", Status: status})
		return
	}
	s.job.acct.record(s.site.Name, e.URL, outcome{Category: CatNotArticle, Reason: why, Stage: "fetch", Status: status})
}

// gone files a page that answers 404/410 and was emitted by an earlier run.
func (s *siteRun) gone(ctx context.Context, u string, status int) bool {
	if !s.incremental() || (status != http.StatusNotFound && status != http.StatusGone) {
		return false
	}
	was, err := s.st.Gone(ctx, s.site.Name, Key(u))
	if err != nil {
		s.log.Warn("state gone", "url", u, "err", err)
		return false
	}
	if !was {
		return false
	}
	// Forget its validators and content: a page that comes back is new.
	s.storeMeta(ctx, u, store.Meta{Status: status, FetchedAt: time.Now().UTC()})
	s.job.gone.Add(1)
	s.job.acct.record(s.site.Name, u, outcome{Category: CatGone, Reason: fmt.Sprintf("status %d", status), Stage: "fetch", Status: status})
	s.log.Info("article gone", "url", u, "status", status)
	return true
}

// emitRecord writes a (the cleaned record of e) unless the emitted set says it was
// already written (duplicate), filing it then. It returns the content hash to keep
// in the page's metadata ("" when the page is not an emitted article) and, with a
// state store, the record for the job's committer, which reserves its verdict
// (duplicate, unchanged since an earlier run: filed then; new, changed: written
// and committed, a.Change set on incremental runs): the caller hands it over with
// the page's metadata (and does not end the entry's lease: the committer does).
func (s *siteRun) emitRecord(ctx context.Context, e Entry, key string, a *article.Article, status int, fail func(cat, reason, stage string, err error)) (string, *pendingRecord) {
	if s.sf == nil {
		emit, why, err := s.frontier.EmitOnce(ctx, key, a.ContentHash)
		switch {
		case err != nil:
			fail(CatFailed, "state store error", "emit", err)
		case !emit:
			fail(CatDuplicate, why, "emit", nil)
		default:
			s.writeRecord(ctx, e, a, fail)
		}
		return "", nil
	}
	// The verdict is the committer's: it reserves the records of a batch at once
	// (Committer.ReserveMany), files the duplicates and unchanged ones with fail,
	// and writes and commits the others.
	return a.ContentHash, &pendingRecord{s: s, e: e, key: key, a: a, status: status, fail: fail}
}

func (s *siteRun) writeRecord(ctx context.Context, e Entry, a *article.Article, fail func(cat, reason, stage string, err error)) {
	if err := s.job.write(ctx, a); err != nil {
		fail(CatFailed, "sink error", "output", err)
		return
	}
	s.log.Debug("article", "url", e.URL, "title", a.Title)
}

// revisit queues the articles emitted by earlier runs that this run has not reached
// (no longer linked): fetched once more, they are found unchanged, changed or gone.
// It returns how many were queued.
func (s *siteRun) revisit(ctx context.Context) int {
	if !s.incremental() {
		return 0
	}
	// Walked a page at a time: the set has an entry per article ever written, and
	// listing it whole would make the end of a large crawl its peak of memory.
	n := 0
	err := s.st.EachEmitted(ctx, s.site.Name, func(u string) error {
		abs, err := parseAbs(u)
		if err != nil {
			return nil
		}
		if s.discover(ctx, abs, Entry{Kind: KindPage, Parent: "(emitted by an earlier run)"}) == discQueued {
			n++
		}
		return ctx.Err()
	})
	if err != nil && ctx.Err() == nil {
		s.log.Warn("state emitted set", "err", err)
	}
	if n > 0 {
		s.log.Info("revisiting articles no longer linked", "urls", n)
	}
	return n
}

// beginState begins or resumes the site's run in the store (a resumed run keeps its
// frontier and visited set; the entries this worker held are queued again) and
// starts the lease heartbeat, which stop ends.
func (s *siteRun) beginState(ctx context.Context) (stop func(), err error) {
	if s.sf == nil {
		return func() {}, nil
	}
	s.notePrevRun(ctx)
	r, err := s.st.BeginRun(ctx, s.site.Name)
	if err != nil {
		return nil, fmt.Errorf("site %s: state: %w", s.site.Name, err)
	}
	s.runID = r.ID
	if r.Resumed {
		n, err := s.st.Release(ctx, s.site.Name, s.sf.worker)
		if err != nil {
			return nil, fmt.Errorf("site %s: state: %w", s.site.Name, err)
		}
		st, _ := s.st.Stats(ctx, s.site.Name)
		s.job.resumed.Store(true)
		s.job.queued.Add(st.Queued)
		s.log.Info("resuming interrupted run", "run", r.ID, "started", r.StartedAt, "queued", st.Queued, "in_flight_again", n, "done", st.Done+st.Failed)
	} else {
		s.log.Info("run", "run", r.ID, "engine", s.st.Engine())
		if st, err := s.st.Stats(ctx, s.site.Name); err == nil && st.Pages == 0 {
			// The site's first crawl: no page has metadata for a conditional request,
			// so the run skips the per-page metadata look-up.
			s.noPriorMeta = true
		}
	}
	s.sf.maxLost = max(s.job.cfg.Crawl.Retries, 0)
	// Leases ahead run until the job's hard stop, as a page in flight does.
	s.sf.ahead = context.Background()
	if s.job.hard != nil {
		s.sf.ahead = s.job.hard
	}
	s.sf.poisoned = s.poisoned
	s.sf.alone = s.aloneNow
	s.sf.notQueued = s.notQueued
	s.sf.withMeta = s.incremental() && !s.noPriorMeta
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.sf.heartbeat(hctx, s.log)
	}()
	return func() { cancel(); <-done }, nil
}

// poisoned files an entry that was in flight each time the crawler died (or lost its
// lease) more than crawl.retries times: it is failed, not fetched again, so one page
// that kills the process (out of memory, …) cannot stop the crawl from finishing.
func (s *siteRun) poisoned(e Entry, ackErr error) {
	s.job.queued.Add(-1)
	reason := "crashed the crawler " + english.Plural(e.Lost, "time", "")
	err := fmt.Errorf("fetch %s: in flight when the crawler died or lost its lease %d times (crawl.retries %d): not fetched again", e.URL, e.Lost, s.sf.maxLost)
	s.job.acct.record(s.site.Name, e.URL, outcome{Category: CatFailed, Reason: reason, Stage: "fetch", Err: err, Attempts: e.Lost})
	s.log.Warn("not emitted", "url", e.URL, "category", CatFailed, "reason", reason, "attempts", e.Lost)
	if ackErr != nil {
		s.log.Error("frontier done", "url", e.URL, "err", ackErr)
	}
}

// notQueued takes back from the run's counts an entry discover queued that the
// store found seen already (another worker, or the process before a restart,
// queued it first).
func (s *siteRun) notQueued(e Entry) {
	s.job.queued.Add(-1)
	if e.Kind == KindPage {
		s.pages.Add(-1)
	} else {
		s.sitemaps.Add(-1)
	}
}

// aloneNow reports whether no page of the site is in flight and, when so, commits
// the records handed to the committer (their entries stay leased until then), so
// that a crash while a suspect runs alone costs no other entry a loss. The caller
// holds s.mu: the store frontier's Pop, called by siteRun.worker.
func (s *siteRun) aloneNow() bool {
	if s.active != 0 {
		return false
	}
	s.job.commit.flush()
	return true
}

// endState gives back unhandled leases and, when the frontier was drained, marks the
// run finished (the next run is a new, incremental one).
func (s *siteRun) endState(ctx context.Context) error {
	if s.sf == nil {
		return nil
	}
	wctx := context.WithoutCancel(ctx)
	// Records handed to the committer are written and committed (or failed) first:
	// the run is finished only with every record in the outputs.
	s.job.commit.flush()
	if err := s.sf.flush(wctx, nil, nil); err != nil {
		s.log.Warn("state: links and metadata not stored", "err", err)
	}
	s.sf.giveBack(wctx)
	s.sf.releaseSeen()
	if !s.drained || s.finishedElsewhere || ctx.Err() != nil {
		return nil
	}
	if err := s.st.FinishRun(wctx, s.site.Name); err != nil {
		return fmt.Errorf("site %s: state: %w", s.site.Name, err)
	}
	return nil
}

// drainState is called when this worker pool has nothing left: it queues the earlier
// articles not reached yet (once), and waits while other workers hold leases on the
// site. It reports whether there may be more to do.
func (s *siteRun) drainState(ctx context.Context) (bool, error) {
	if !s.revisited {
		s.revisited = true
		if s.revisit(ctx) > 0 {
			return true, nil
		}
	}
	if err := s.sf.flush(ctx, nil, nil); err != nil {
		if ctx.Err() != nil {
			return false, nil
		}
		return false, err
	}
	st, err := s.st.Stats(ctx, s.site.Name)
	if err != nil {
		if ctx.Err() != nil {
			return false, nil
		}
		return false, err
	}
	switch {
	case st.Run > s.runID:
		// Another worker finished this run and a new one began: done here, and the
		// new run is not this worker's to finish.
		s.finishedElsewhere = true
		return false, nil
	case st.Run < s.runID:
		// The run is gone from the store: its state was lost (a Redis restarted
		// without persistence) or reset. Finishing now would pass a partial crawl
		// off as complete.
		return false, fmt.Errorf("site %s: run %d is gone from the state store (now run %d): the state was lost or reset", s.site.Name, s.runID, st.Run)
	}
	if st.Queued+st.Leased == 0 || ctx.Err() != nil {
		return false, nil
	}
	t := time.NewTimer(200 * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return true, nil
}

// absLinks resolves hrefs against base (the links stored with a page's metadata).
func absLinks(base *url.URL, hrefs []string) []string {
	out := make([]string, 0, len(hrefs))
	seen := make(map[string]bool, len(hrefs))
	for _, h := range hrefs {
		if u := resolveLink(base, h); u != nil {
			if v := u.String(); !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}

var errNotAbs = errors.New("not an absolute URL")

func parseAbs(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if !u.IsAbs() {
		return nil, errNotAbs
	}
	return u, nil
}
