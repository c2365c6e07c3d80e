package store

import (
	"sync"

	"github.com/healthcrawl/healthcrawl/internal/keyset"
)

// InProcessSeen is implemented by a Store whose visited set is a table in this
// process (the memory engine, and the SQLite engine, whose cache is authoritative:
// one process uses a file). A frontier of this process then keeps the keys it
// marks seen (links it found, queued or not yet) as marks in that table, by claiming
// them with ClaimLocalSeen, instead of in a set of its own: for most pages the key
// is the one the store holds anyway, and one table entry of ~13 bytes carries both
// (two sets cost twice, issue 17). The redis engine keeps its visited set
// elsewhere and does not implement it.
type InProcessSeen interface {
	// ClaimLocalSeen hands the frontier-local visited marks of site, cleared, to
	// one frontier at a time: ok is false while another frontier holds them (that
	// one keeps a set of its own).
	ClaimLocalSeen(site string) (s LocalSeen, ok bool)
}

// LocalSeen is a frontier's set of keys marked seen, apart from the store's
// visited set (MarkSeen, Enqueue): a key marked here is still queued by Enqueue.
// Safe for concurrent use.
type LocalSeen interface {
	// MarkSeen adds key and reports whether it was new.
	MarkSeen(key string) bool
	// Seen reports whether key was marked.
	Seen(key string) bool
	// Release clears the marks and lets another frontier claim them; the
	// LocalSeen is not used after.
	Release()
}

// ClaimLocalSeen implements InProcessSeen. After a Reset of the site the marks go
// on in the memSite they claimed, as a set of their own.
func (m *Memory) ClaimLocalSeen(site string) (LocalSeen, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	return claimTagged(&m.mu, &s.vis, visLocal, &s.localHeld)
}

// claimTagged hands the marks kept as bit bit of keys (guarded by mu, held) to one
// holder at a time (held), cleared; ok is false while another holder has them.
func claimTagged(mu *sync.Mutex, keys *keyset.Tagged, bit uint8, held *bool) (LocalSeen, bool) {
	if *held {
		return nil, false
	}
	*held = true
	keys.ClearAll(bit)
	return &taggedLocalSeen{mu: mu, keys: keys, bit: bit, held: held}, true
}

// taggedLocalSeen is a LocalSeen kept as one bit of a store's keyset.Tagged table.
type taggedLocalSeen struct {
	mu       *sync.Mutex
	keys     *keyset.Tagged
	bit      uint8
	held     *bool
	released bool // under mu: a second Release must not clear another holder's marks
}

func (l *taggedLocalSeen) MarkSeen(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.keys.Update(key, l.bit, 0)&l.bit == 0
}

func (l *taggedLocalSeen) Seen(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.keys.Get(key)&l.bit != 0
}

func (l *taggedLocalSeen) Release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return
	}
	l.released = true
	l.keys.ClearAll(l.bit)
	*l.held = false
}

// ClaimLocalSeen implements InProcessSeen for an engine that does.
func (p *prefixed) ClaimLocalSeen(site string) (LocalSeen, bool) {
	if ip, ok := p.st.(InProcessSeen); ok {
		return ip.ClaimLocalSeen(p.ns(site))
	}
	return nil, false
}
