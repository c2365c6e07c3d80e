package store

import (
	"context"
	"encoding/hex"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/healthcrawl/healthcrawl/internal/keyset"
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
}

type memItem struct {
	e       Entry
	gen     uint64 // bumped at each (re)queue: the queue reference with the same gen is live
	state   int
	worker  string
	expires time.Time
	lost    int // Entry.Lost
}

// memEmit is a URL of the emitted set: the hash of its record's content hash and the
// run that emitted it. Memory engine only: when it was emitted, and where its URL
// (n bytes) and content hash (hn bytes) are, back to back at at in memSite.urls.
type memEmit struct {
	hash      uint64
	run       int64
	emittedAt int64 // unix ns
	at        uint32
	n, hn     uint16
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
// hashes, not strings: the visited set, the entries acknowledged (finished: their
// entry is dropped), the metadata and the emitted set are keyed by the URL's 128-bit
// hash; the emitted URLs themselves (Emitted lists them) are packed in one byte
// slice. Only queued and leased entries keep their URL and data.
type memSite struct {
	run               int64
	running           bool
	started, finished time.Time
	items             map[string]*memItem   // queued and leased entries
	acked             map[keyset.Hash]uint8 // URL → stDone or stFailed: acknowledged in this run
	queue             []qref                // queue order; stale references are skipped
	leased            map[string]*memItem
	seen              keyset.Set
	// meta holds the metadata given by PutMeta or a Commit with Meta; a URL only
	// emitted has none here: its EmittedAt and ContentHash are its memEmit's
	// (emitOnly counts those URLs).
	meta     map[keyset.Hash]memMeta
	emitted  map[keyset.Hash]memEmit
	emitOnly int
	// urls holds the URLs of the emitted set back to back (memEmit.at, n); a URL
	// removed by Gone leaves its bytes (garbage, counted in urlGarbage) until the
	// garbage outweighs the live URLs and compactURLs copies the live ones.
	urls                []byte
	urlGarbage          int
	reserved            map[string]string // key → worker holding it (Reserve)
	doneCount, failedCt int64
}

// emitURL and emitHash are the URL and the content hash of e.
func (s *memSite) emitURL(e memEmit) string {
	return string(s.urls[e.at : e.at+uint32(e.n)])
}

func (s *memSite) emitHash(e memEmit) string {
	at := e.at + uint32(e.n)
	b := s.urls[at : at+uint32(e.hn&^hexPacked)]
	if e.hn&hexPacked != 0 {
		return hex.EncodeToString(b)
	}
	return string(b)
}

// hexPacked marks a content hash packed as bytes (memEmit.hn): a hash in lower-case
// hex (the records' sha256, 64 digits) takes half the room.
const hexPacked = 1 << 15

// packHash is h as packed in memSite.urls, with its memEmit.hn.
func packHash(h string) ([]byte, uint16) {
	if len(h) > 0 && len(h)%2 == 0 && len(h) < 2*hexPacked && h == strings.ToLower(h) {
		if b, err := hex.DecodeString(h); err == nil {
			return b, uint16(len(b)) | hexPacked
		}
	}
	h = h[:min(len(h), hexPacked-1)]
	return []byte(h), uint16(len(h))
}

// addEmitted records u in the emitted set with the content hash h in run; emitted
// is the time of the commit (0 = keep the earlier one: an unchanged record).
func (s *memSite) addEmitted(u, h string, run, emitted int64) {
	k := keyset.Of(u)
	prev, ok := s.emitted[k]
	if ok && s.emitHash(prev) == h {
		prev.hash, prev.run = contentHash(h), run
		if emitted != 0 {
			prev.emittedAt = emitted
		}
		s.emitted[k] = prev
		return
	}
	// A URL longer than any a crawl queues is listed cut (it is kept by its hash).
	u = u[:min(len(u), math.MaxUint16)]
	hb, hn := packHash(h)
	if ok {
		s.urlGarbage += int(prev.n) + int(prev.hn&^hexPacked)
		if emitted == 0 {
			emitted = prev.emittedAt
		}
	} else if _, hasMeta := s.meta[k]; !hasMeta {
		s.emitOnly++
	}
	if len(s.urls)+len(u)+len(hb) > math.MaxUint32 {
		s.compactURLs()
	}
	s.emitted[k] = memEmit{hash: contentHash(h), run: run, emittedAt: emitted, at: uint32(len(s.urls)), n: uint16(len(u)), hn: hn}
	s.urls = append(append(s.urls, u...), hb...)
	s.maybeCompact()
}

// removeEmitted removes u from the emitted set and reports whether it was there. A
// URL without metadata of its own keeps its emission's (EmittedAt, ContentHash).
func (s *memSite) removeEmitted(u string) bool {
	k := keyset.Of(u)
	e, ok := s.emitted[k]
	if !ok {
		return false
	}
	if _, hasMeta := s.meta[k]; !hasMeta {
		s.meta[k] = memMeta{emitted: e.emittedAt, hash: s.emitHash(e)}
		s.emitOnly--
	}
	delete(s.emitted, k)
	s.urlGarbage += int(e.n) + int(e.hn&^hexPacked)
	s.maybeCompact()
	return true
}

// hasMetaFor notes that k gets metadata of its own (PutMeta, Commit with Meta).
func (s *memSite) hasMetaFor(k keyset.Hash) {
	if _, hasMeta := s.meta[k]; hasMeta {
		return
	}
	if _, ok := s.emitted[k]; ok {
		s.emitOnly--
	}
}

// metaOf is the metadata of k: its own, or its emission's.
func (s *memSite) metaOf(k keyset.Hash) (memMeta, bool) {
	if p, ok := s.meta[k]; ok {
		return p, true
	}
	if e, ok := s.emitted[k]; ok {
		return memMeta{emitted: e.emittedAt, hash: s.emitHash(e)}, true
	}
	return memMeta{}, false
}

func (s *memSite) maybeCompact() {
	if s.urlGarbage > 4096 && s.urlGarbage > len(s.urls)/2 {
		s.compactURLs()
	}
}

// compactURLs rewrites urls with the live URLs only.
func (s *memSite) compactURLs() {
	urls := make([]byte, 0, len(s.urls)-s.urlGarbage)
	for k, e := range s.emitted {
		at := len(urls)
		urls = append(urls, s.urls[e.at:e.at+uint32(e.n)+uint32(e.hn&^hexPacked)]...)
		e.at = uint32(at)
		s.emitted[k] = e
	}
	s.urls, s.urlGarbage = urls, 0
}

// NewMemory returns an empty memory store.
func NewMemory() *Memory {
	return &Memory{sites: map[string]*memSite{}, positions: map[string]map[string]string{}, now: time.Now}
}

func (m *Memory) site(name string) *memSite {
	s, ok := m.sites[name]
	if !ok {
		s = &memSite{meta: map[keyset.Hash]memMeta{}, emitted: map[keyset.Hash]memEmit{}, reserved: map[string]string{}}
		s.clearRun()
		m.sites[name] = s
	}
	return s
}

func (s *memSite) clearRun() {
	s.items = map[string]*memItem{}
	s.acked = map[keyset.Hash]uint8{}
	s.queue = nil
	s.leased = map[string]*memItem{}
	s.seen = keyset.New()
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
	return m.site(site).seen.Add(key), nil
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
	return s.seen.Has(key), nil
}

// Enqueue implements Store.
func (m *Memory) Enqueue(ctx context.Context, site, key string, e Entry) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	if !s.seen.Add(key) {
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
	if len(s.acked) > 0 {
		k := keyset.Of(e.URL)
		if st, ok := s.acked[k]; ok {
			// Acknowledged in this run and pushed again: out of the done/failed counts.
			s.unstate(&memItem{state: int(st)})
			delete(s.acked, k)
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
	// The entry is dropped: only its verdict is kept, under the URL's hash.
	delete(s.leased, u)
	delete(s.items, u)
	st := uint8(stDone)
	if o == Failed {
		st = stFailed
		s.failedCt++
	} else {
		s.doneCount++
	}
	s.acked[keyset.Of(u)] = st
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
	p, ok := s.metaOf(keyset.Of(u))
	if !ok {
		return Meta{}, false, nil
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
	prev, _ := s.metaOf(k)
	p.emitted = prev.emitted
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
	return m.site(site).removeEmitted(u), nil
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
	out := make([]string, 0, len(s.emitted))
	for _, e := range s.emitted {
		out = append(out, s.emitURL(e))
	}
	sort.Strings(out)
	return out, nil
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
	st.Seen = int64(s.seen.Len())
	st.Emitted = int64(len(s.emitted))
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

// Close implements Store.
func (m *Memory) Close() error { return nil }
