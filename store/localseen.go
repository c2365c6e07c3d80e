package store

// InProcessSeen is implemented by a Store whose visited set is a table in this
// process (the memory engine). A frontier of this process then keeps the keys it
// marks seen (links it found, queued or not yet) as marks in that table, by claiming
// them with ClaimLocalSeen, instead of in a set of its own: for most pages the key
// is the one the store holds anyway, and one table entry of ~13 bytes carries both
// (two sets cost twice, issue 17). The SQLite and redis engines keep their visited
// sets elsewhere and do not implement it.
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

// ClaimLocalSeen implements InProcessSeen.
func (m *Memory) ClaimLocalSeen(site string) (LocalSeen, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.site(site)
	if s.localHeld {
		return nil, false
	}
	s.localHeld = true
	s.vis.ClearAll(visLocal)
	return &memLocalSeen{m: m, s: s}, true
}

// memLocalSeen is the visLocal marks of a memSite. It keeps the memSite it
// claimed: after a Reset of the site, it goes on as a set of its own.
type memLocalSeen struct {
	m        *Memory
	s        *memSite
	released bool // under m.mu: a second Release must not clear another holder's marks
}

func (l *memLocalSeen) MarkSeen(key string) bool {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	return l.s.vis.Update(key, visLocal, 0)&visLocal == 0
}

func (l *memLocalSeen) Seen(key string) bool {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	return l.s.vis.Get(key)&visLocal != 0
}

func (l *memLocalSeen) Release() {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	if l.released {
		return
	}
	l.released = true
	l.s.vis.ClearAll(visLocal)
	l.s.localHeld = false
}

// ClaimLocalSeen implements InProcessSeen for an engine that does.
func (p *prefixed) ClaimLocalSeen(site string) (LocalSeen, bool) {
	if ip, ok := p.st.(InProcessSeen); ok {
		return ip.ClaimLocalSeen(p.ns(site))
	}
	return nil, false
}
