package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/healthcrawl/healthcrawl/internal/keyset"
	"github.com/healthcrawl/healthcrawl/internal/spill"
	"github.com/zeebo/xxh3"
)

// entry states in a frontier.
const (
	stQueued = 0
	stLeased = 1
	stDone   = 2
	stFailed = 3
)

// Memory is the in-memory Store: everything is lost with the process.
type Memory struct {
	mu        sync.Mutex
	sites     map[string]*memSite
	positions map[string]map[string]string // worker → sink key → position
	now       func() time.Time
	// log holds the URLs and content hashes of the emitted sets (see emitSet), out
	// of the Go heap.
	log *spill.Log
}

type memItem struct {
	e       Entry
	gen     uint64 // bumped at each (re)queue: the queue reference with the same gen is live
	state   int
	worker  string
	expires time.Time
	lost    int // Entry.Lost
}

// contentHash is what the emitted sets keep of a record's content hash: equal
// content hashes give equal values.
func contentHash(h string) uint64 { return xxh3.HashString(h) }

type qref struct {
	url string
	gen uint64
}

// memMeta is Meta as the memory engine keeps it: a page emitted (the common case)
// holds its times, status and content hash; the validators and links, when any,
// are in more.
type memMeta struct {
	status           int32
	fetched, emitted int64 // unix ns, 0 = zero time
	hash             string
	more             *metaMore
}

type metaMore struct {
	etag, lastModified, sitemapLastMod string
	links                              []string
}

func packMeta(m Meta) memMeta {
	p := memMeta{status: int32(m.Status), fetched: ns(m.FetchedAt), emitted: ns(m.EmittedAt), hash: m.ContentHash}
	if m.ETag != "" || m.LastModified != "" || m.SitemapLastMod != "" || len(m.Links) > 0 {
		p.more = &metaMore{etag: m.ETag, lastModified: m.LastModified, sitemapLastMod: m.SitemapLastMod, links: slices.Clone(m.Links)}
	}
	return p
}

func (p memMeta) unpack() Meta {
	m := Meta{Status: int(p.status), FetchedAt: fromNS(p.fetched), EmittedAt: fromNS(p.emitted), ContentHash: p.hash}
	if p.more != nil {
		m.ETag, m.LastModified, m.SitemapLastMod = p.more.etag, p.more.lastModified, p.more.sitemapLastMod
		m.Links = slices.Clone(p.more.links)
	}
	return m
}

// memSite is the state of one site. Per URL for the whole run it holds fixed-size
// hashes, not strings: the visited set and the entries acknowledged (finished: their
// entry is dropped) share one keyset.Tagged table, the metadata is keyed by the
// URL's 64-bit hash, and the emitted set is an emitSet (its URLs in the spill
// file). Only queued and leased entries keep their URL and data.
type memSite struct {
	run               int64
	running           bool
	started, finished time.Time
	items             map[string]*memItem // queued and leased entries
	queue             []qref              // queue order; stale references are skipped
	leased            map[string]*memItem
	// vis holds, by hash, the visited keys (visSeen: MarkSeen, Enqueue), the keys
	// a frontier of this process marked seen (visLocal, see LocalSeen) and the URLs
	// acknowledged in this run (visDone, visFailed): for most pages the key is the
	// URL, so one entry carries all. seenN counts the visSeen keys, ackedN the
	// acknowledged URLs.
	vis           keyset.Tagged
	seenN, ackedN int
	// localHeld: a frontier holds the visLocal marks (ClaimLocalSeen).
	localHeld bool
	// meta holds the metadata given by PutMeta or a Commit with Meta; a URL only
	// emitted has none here: its EmittedAt and ContentHash are its emission's
	// (emitOnly counts those URLs).
	meta                map[keyset.Hash]memMeta
	em                  emitSet
	emitOnly            int
	log                 *spill.Log
	buf                 []byte            // scratch for spill records
	reserved            map[string]string // key → worker holding it (Reserve)
	doneCount, failedCt int64
}

// Tags of memSite.vis.
const (
	visSeen   = 1
	visLocal  = 2
	visDone   = 4
	visFailed = 8
	visAcked  = visDone | visFailed
)

// NewMemory returns an empty memory store.
func NewMemory() *Memory {
	return &Memory{sites: map[string]*memSite{}, positions: map[string]map[string]string{}, now: time.Now, log: &spill.Log{}}
}

func (m *Memory) site(name string) *memSite {
	s, ok := m.sites[name]
	if !ok {
		s = &memSite{meta: map[keyset.Hash]memMeta{}, log: m.log, reserved: map[string]string{}}
		s.clearRun()
		m.sites[name] = s
	}
	return s
}

func (s *memSite) clearRun() {
	s.items = map[string]*memItem{}
	s.queue = nil
	s.leased = map[string]*memItem{}
	// The visited keys and acknowledgements belong to the run; a frontier's marks
	// (visLocal) to the frontier, which may have begun before.
	s.vis.ClearAll(visSeen | visAcked)
	s.seenN, s.ackedN = 0, 0
	s.reserved = map[string]string{} // reservations belong to the run
	s.doneCount, s.failedCt = 0, 0
}

// Engine implements Store.
func (m *Memory) Engine() string { return "memory" }

// BeginRun implements Store.
func (m *Memory) BeginRun(ctx context.Context, site string) (Run, error) {
	if err := ctx.Err(); err != nil {
		return Run{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	if s.running {
		return Run{ID: s.run, Resumed: true, StartedAt: s.started}, nil
	}
	s.clearRun()
	s.run++
	s.running = true
	s.started = m.now()
	s.finished = time.Time{}
	return Run{ID: s.run, StartedAt: s.started}, nil
}

// FinishRun implements Store.
func (m *Memory) FinishRun(ctx context.Context, site string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	if s.running {
		s.running = false
		s.finished = m.now()
	}
	return nil
}

// MarkSeen implements Store.
func (m *Memory) MarkSeen(ctx context.Context, site, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.site(site).markSeen(key), nil
}

// markSeen adds key to the visited set and reports whether it was new.
func (s *memSite) markSeen(key string) bool {
	if s.vis.Update(key, visSeen, 0)&visSeen != 0 {
		return false
	}
	s.seenN++
	return true
}

// Seen implements Store.
func (m *Memory) Seen(ctx context.Context, site, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sites[site]
	if !ok {
		return false, nil
	}
	return s.vis.Get(key)&visSeen != 0, nil
}

// Enqueue implements Store.
func (m *Memory) Enqueue(ctx context.Context, site, key string, e Entry) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	if !s.markSeen(key) {
		return false, nil
	}
	s.push(e)
	return true, nil
}

func (s *memSite) push(e Entry) {
	e.Data = slices.Clone(e.Data)
	e.Lost = 0 // counted in memItem.lost
	if it, ok := s.items[e.URL]; ok {
		s.unstate(it)
		delete(s.leased, e.URL)
		it.e, it.state, it.worker, it.lost = e, stQueued, "", 0
		it.gen++
		s.queue = append(s.queue, qref{e.URL, it.gen})
		return
	}
	if s.ackedN > 0 {
		if tag := s.vis.Update(e.URL, 0, visAcked); tag&visAcked != 0 {
			// Acknowledged in this run and pushed again: out of the done/failed counts.
			st := stDone
			if tag&visFailed != 0 {
				st = stFailed
			}
			s.unstate(&memItem{state: st})
			s.ackedN--
		}
	}
	s.items[e.URL] = &memItem{e: e}
	s.queue = append(s.queue, qref{e.URL, 0})
}

// unstate removes it from the done/failed counts before its state changes.
func (s *memSite) unstate(it *memItem) {
	switch it.state {
	case stDone:
		s.doneCount--
	case stFailed:
		s.failedCt--
	}
}

// Push implements Store.
func (m *Memory) Push(ctx context.Context, site string, entries ...Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	for _, e := range entries {
		s.push(e)
	}
	return nil
}

// requeue puts it back at the end of the queue; lost counts a lease that ended
// without Ack or Nack (expired, or released).
func (s *memSite) requeue(it *memItem, lost bool) {
	if lost {
		it.lost++
	}
	delete(s.leased, it.e.URL)
	it.state, it.worker = stQueued, ""
	it.gen++
	s.queue = append(s.queue, qref{it.e.URL, it.gen})
}

// Lease implements Store.
func (m *Memory) Lease(ctx context.Context, site, worker string, n int, ttl time.Duration) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	now := m.now()
	var expired []*memItem
	for _, it := range s.leased {
		if !it.expires.After(now) {
			expired = append(expired, it)
		}
	}
	sort.Slice(expired, func(a, b int) bool { return expired[a].e.URL < expired[b].e.URL })
	for _, it := range expired {
		s.requeue(it, true)
	}
	var out []Entry
	i := 0
	for ; i < len(s.queue) && len(out) < n; i++ {
		it, ok := s.items[s.queue[i].url]
		if !ok || it.state != stQueued || it.gen != s.queue[i].gen {
			continue
		}
		it.state, it.worker, it.expires = stLeased, worker, now.Add(ttl)
		s.leased[it.e.URL] = it
		out = append(out, Entry{URL: it.e.URL, Data: slices.Clone(it.e.Data), Lost: it.lost})
	}
	clear(s.queue[:i])
	s.queue = s.queue[i:]
	return out, nil
}

// Extend implements Store.
func (m *Memory) Extend(ctx context.Context, site, worker string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	exp := m.now().Add(ttl)
	for _, it := range s.leased {
		if it.worker == worker {
			it.expires = exp
		}
	}
	return nil
}

// Ack implements Store.
func (m *Memory) Ack(ctx context.Context, site, u string, o Outcome) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.site(site).ack(u, o)
	return nil
}

func (s *memSite) ack(u string, o Outcome) {
	_, ok := s.items[u]
	if !ok {
		return
	}
	// The entry is dropped: only its verdict is kept, a tag on the URL's hash.
	delete(s.leased, u)
	delete(s.items, u)
	tag, other := uint8(visDone), uint8(visFailed)
	if o == Failed {
		tag, other = visFailed, visDone
		s.failedCt++
	} else {
		s.doneCount++
	}
	if s.vis.Update(u, tag, other)&visAcked == 0 {
		s.ackedN++
	}
}

// Nack implements Store.
func (m *Memory) Nack(ctx context.Context, site, u string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	if it, ok := s.leased[u]; ok {
		s.requeue(it, false)
	}
	return nil
}

// Release implements Store.
func (m *Memory) Release(ctx context.Context, site, worker string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	var mine []*memItem
	for _, it := range s.leased {
		if it.worker == worker {
			mine = append(mine, it)
		}
	}
	sort.Slice(mine, func(a, b int) bool { return mine[a].e.URL < mine[b].e.URL })
	for _, it := range mine {
		s.requeue(it, true)
	}
	for k, w := range s.reserved {
		if w == worker {
			delete(s.reserved, k)
		}
	}
	return len(mine), nil
}

// GetMeta implements Store.
func (m *Memory) GetMeta(ctx context.Context, site, u string) (Meta, bool, error) {
	if err := ctx.Err(); err != nil {
		return Meta{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sites[site]
	if !ok {
		return Meta{}, false, nil
	}
	p, ok, err := s.metaOf(keyset.Of(u))
	if err != nil || !ok {
		return Meta{}, false, err
	}
	return p.unpack(), true, nil
}

// PutMeta implements Store.
func (m *Memory) PutMeta(ctx context.Context, site, u string, md Meta) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	k := keyset.Of(u)
	p := packMeta(md)
	// Only the emission time of the earlier metadata is kept (no spill read).
	if prev, ok := s.meta[k]; ok {
		p.emitted = prev.emitted
	} else if e, ok := s.em.get(k); ok {
		p.emitted = e.emittedAt
	}
	s.hasMetaFor(k)
	s.meta[k] = p
	return nil
}

// EmitOnce implements Store: Reserve and Commit in one call (the reservation keeps
// concurrent calls with the same url out until the commit).
func (m *Memory) EmitOnce(ctx context.Context, site, u, hash string) (Change, error) {
	ch, err := m.Reserve(ctx, site, "", u, hash)
	if err != nil || !ch.Emit() {
		return ch, err
	}
	return ch, m.Commit(ctx, Batch{Emissions: []Emission{{Site: site, Key: u, Hash: hash}}})
}

// decide is the EmitOnce verdict shared by the engines.
func decide(exists bool, prevHash uint64, prevRun int64, hash uint64, run int64) Change {
	switch {
	case !exists:
		return ChangeNew
	case prevRun == run:
		return ChangeDuplicate
	case prevHash == hash:
		return ChangeUnchanged
	default:
		return ChangeChanged
	}
}

// Gone implements Store.
func (m *Memory) Gone(ctx context.Context, site, u string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.site(site).removeEmitted(u)
}

// Emitted implements Store.
func (m *Memory) Emitted(ctx context.Context, site string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sites[site]
	if !ok {
		return nil, nil
	}
	out, err := s.emittedURLs()
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

// EachEmitted implements Store. The memory engine keeps no state between runs,
// so no re-crawl walks its set: it is listed whole.
func (m *Memory) EachEmitted(ctx context.Context, site string, fn func(string) error) error {
	urls, err := m.Emitted(ctx, site)
	if err != nil {
		return err
	}
	for _, u := range urls {
		if err := fn(u); err != nil {
			return err
		}
	}
	return nil
}

// Stats implements Store.
func (m *Memory) Stats(ctx context.Context, site string) (Stats, error) {
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	st := Stats{Site: site}
	s, ok := m.sites[site]
	if !ok {
		return st, nil
	}
	now := m.now()
	st.Run, st.Running, st.StartedAt, st.FinishedAt = s.run, s.running, s.started, s.finished
	for _, it := range s.items {
		switch it.state {
		case stQueued:
			st.Queued++
		case stLeased:
			if it.expires.After(now) {
				st.Leased++
			} else {
				st.Queued++
			}
		}
	}
	st.Done, st.Failed = s.doneCount, s.failedCt
	st.Seen = int64(s.seenN)
	st.Emitted = int64(s.em.len())
	st.Pages = int64(len(s.meta) + s.emitOnly)
	return st, nil
}

// Sites implements Store.
func (m *Memory) Sites(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.sites))
	for n := range m.sites {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// Reset implements Store.
func (m *Memory) Reset(ctx context.Context, site string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sites, site)
	return nil
}

// Close implements Store: the spill file is released; the store is not usable after.
func (m *Memory) Close() error {
	if err := m.log.Close(); err != nil {
		return fmt.Errorf("memory store: close spill file: %w", err)
	}
	return nil
}
