// Package keyset holds sets of strings (URLs, visited-set keys) as 64-bit hashes in
// a pointer-free open-addressing table, so a set of n keys costs about 12 bytes per
// key whatever their length, and the garbage collector has nothing to scan in it
// (a Go map of 128-bit hashes cost ~90 bytes a key, issue 17).
//
// Two different keys collide — the second one is taken for the first — with
// probability about n²/2⁶⁵: 2.4e-9 for 300,000 keys, 2.7e-8 for a million, 2.7e-2
// for a billion. A crawl's visited and emitted sets stay far below the point where
// that matters; a collision costs one page not crawled (or taken as emitted).
package keyset

import (
	"math/bits"

	"github.com/zeebo/xxh3"
)

// Hash is the 64-bit XXH3 hash of a key.
type Hash = uint64

// Of returns the hash of key.
func Of(key string) Hash { return xxh3.HashString(key) }

// slotOf is the table form of h: 0 marks an empty slot, so the hash 0 is taken as 1.
func slotOf(h Hash) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

// Load factor: a table grows (×1.5) when an insert would fill more than maxLoadNum
// / maxLoadDen of its slots, so it is between 57% and 85% full; with 8 bytes a
// slot, 9.4 to 14 bytes a key (×2 growth and 80% kept it 40–80% full: 10 to 20).
// Linear probing stays short at 85%: a look-up of an absent key reads ~23 slots,
// three cache lines, on average when the table is fullest.
const (
	maxLoadNum = 17
	maxLoadDen = 20
	minSlots   = 8
)

// home is the first slot probed for h in a table of m slots: multiply-shift, since
// m is not a power of two after a ×1.5 growth.
func home(h uint64, m int) int {
	hi, _ := bits.Mul64(h, uint64(m))
	return int(hi)
}

// table is an open-addressing hash table of non-zero 64-bit keys with linear
// probing and backward-shift deletion (no tombstones: a lookup never walks over
// deleted slots). tags and vals, when not nil, hold one byte and one 64-bit value
// per slot, moved with its key.
type table struct {
	keys   []uint64
	tags   []uint8
	vals   []uint64
	n      int
	tagged bool
	valued bool
}

// find returns the slot of h, or the empty slot where it would go.
func (t *table) find(h uint64) (int, bool) {
	m := len(t.keys)
	i := home(h, m)
	for {
		switch t.keys[i] {
		case h:
			return i, true
		case 0:
			return i, false
		}
		if i++; i == m {
			i = 0
		}
	}
}

// lookup is find on a table that may be empty: -1 when h is absent.
func (t *table) lookup(h uint64) int {
	if t == nil || t.n == 0 {
		return -1
	}
	if i, ok := t.find(h); ok {
		return i
	}
	return -1
}

// insert adds h (absent) with tag and returns its slot.
func (t *table) insert(h uint64, tag uint8) int {
	if (t.n+1)*maxLoadDen > len(t.keys)*maxLoadNum {
		t.grow()
	}
	i, _ := t.find(h)
	t.keys[i] = h
	if t.tags != nil {
		t.tags[i] = tag
	}
	t.n++
	return i
}

// set puts h (absent or not) with tag and value v, and returns its slot.
func (t *table) set(h uint64, tag uint8, v uint64) int {
	i := t.lookup(h)
	if i < 0 {
		i = t.insert(h, tag)
	}
	if t.tags != nil {
		t.tags[i] = tag
	}
	t.vals[i] = v
	return i
}

func (t *table) grow() {
	size := max(len(t.keys)*3/2, minSlots)
	keys, tags, vals := t.keys, t.tags, t.vals
	t.keys = make([]uint64, size)
	if t.tagged {
		t.tags = make([]uint8, size)
	}
	if t.valued {
		t.vals = make([]uint64, size)
	}
	for j, h := range keys {
		if h == 0 {
			continue
		}
		i := home(h, size)
		for t.keys[i] != 0 {
			if i++; i == size {
				i = 0
			}
		}
		t.keys[i] = h
		if tags != nil {
			t.tags[i] = tags[j]
		}
		if vals != nil {
			t.vals[i] = vals[j]
		}
	}
}

// remove empties slot i, shifting back the keys after it whose probe sequence
// passes over i, so that every key stays reachable from its home slot.
func (t *table) remove(i int) {
	m := len(t.keys)
	j := i
	for {
		if j++; j == m {
			j = 0
		}
		h := t.keys[j]
		if h == 0 {
			break
		}
		if Stays(i, j, home(h, m)) {
			continue
		}
		t.keys[i] = h
		if t.tags != nil {
			t.tags[i] = t.tags[j]
		}
		if t.vals != nil {
			t.vals[i] = t.vals[j]
		}
		i = j
	}
	t.keys[i] = 0
	if t.tags != nil {
		t.tags[i] = 0
	}
	if t.vals != nil {
		t.vals[i] = 0
	}
	t.n--
}

// Stays reports whether, in an open-addressing table with linear probing whose
// slot i was emptied, the entry at slot j (reached from i by probing on) with
// home slot home stays where it is: its home is cyclically in (i, j]. Otherwise
// backward-shift deletion moves it to i, so that it stays reachable from home.
func Stays(i, j, home int) bool {
	if i <= j {
		return i < home && home <= j
	}
	return i < home || home <= j
}

// Set is a set of keys held by their hashes. The zero value is an empty set ready
// to use; copies of a set share its keys once it has one. Not safe for concurrent
// use.
type Set struct{ t *table }

// New returns an empty set.
func New() Set { return Set{t: &table{}} }

// Add adds key and reports whether it was new.
func (s *Set) Add(key string) bool { return s.AddHash(Of(key)) }

// AddHash adds the key of hash h and reports whether it was new.
func (s *Set) AddHash(h Hash) bool {
	if s.t == nil {
		s.t = &table{}
	}
	h = slotOf(h)
	if s.t.lookup(h) >= 0 {
		return false
	}
	s.t.insert(h, 0)
	return true
}

// Has reports whether key is in the set.
func (s *Set) Has(key string) bool { return s.HasHash(Of(key)) }

// HasHash reports whether the key of hash h is in the set.
func (s *Set) HasHash(h Hash) bool { return s.t.lookup(slotOf(h)) >= 0 }

// Delete removes key and reports whether it was there.
func (s *Set) Delete(key string) bool {
	i := s.t.lookup(slotOf(Of(key)))
	if i < 0 {
		return false
	}
	s.t.remove(i)
	return true
}

// Len is the number of keys.
func (s *Set) Len() int {
	if s.t == nil {
		return 0
	}
	return s.t.n
}

// Bytes is the memory the set's table takes.
func (s *Set) Bytes() int {
	if s.t == nil {
		return 0
	}
	return 8 * len(s.t.keys)
}

// Tagged maps keys (by their hashes) to a non-zero byte of flags: a key is in the
// set while its tag has a bit set. It lets one table carry several sets of mostly
// the same keys (the memory store's visited keys and acknowledged URLs) at ~13
// bytes a key. The zero value is empty and ready to use; copies share the keys once
// there are some. Not safe for concurrent use.
type Tagged struct{ t *table }

func (s *Tagged) init() {
	if s.t == nil {
		s.t = &table{tagged: true}
	}
}

// Get returns the tag of key: 0 when it is not in the set.
func (s *Tagged) Get(key string) uint8 {
	i := s.t.lookup(slotOf(Of(key)))
	if i < 0 {
		return 0
	}
	return s.t.tags[i]
}

// Update sets the bits set and clears the bits clear of key's tag, and returns the
// tag it had (0: absent). A key whose tag becomes 0 leaves the set.
func (s *Tagged) Update(key string, set, clear uint8) (old uint8) {
	s.init()
	h := slotOf(Of(key))
	i := s.t.lookup(h)
	if i >= 0 {
		old = s.t.tags[i]
	}
	tag := old&^clear | set
	switch {
	case tag == old:
	case i < 0:
		s.t.insert(h, tag)
	case tag == 0:
		s.t.remove(i)
	default:
		s.t.tags[i] = tag
	}
	return old
}

// ClearAll clears the bits bits of every tag; keys left with no bit leave the set.
func (s *Tagged) ClearAll(bits uint8) {
	if s.t != nil {
		s.t = s.t.clearAll(bits)
	}
}

// clearAll returns t with the bits bits of every tag cleared and the keys left
// with no bit gone. The bits are cleared in place; when keys leave, the keys that
// stay are moved to a new table sized for them (70 % full), in one pass.
func (t *table) clearAll(bits uint8) *table {
	stay, leave := 0, 0
	for i, h := range t.keys {
		if h == 0 || t.tags[i]&bits == 0 {
			if h != 0 {
				stay++
			}
			continue
		}
		if t.tags[i] &^= bits; t.tags[i] == 0 {
			leave++
		} else {
			stay++
		}
	}
	if leave == 0 {
		return t
	}
	nt := &table{tagged: true}
	if stay > 0 {
		size := max(stay*10/7, minSlots)
		nt.keys, nt.tags = make([]uint64, size), make([]uint8, size)
	}
	for i, h := range t.keys {
		if h != 0 && t.tags[i] != 0 {
			nt.insert(h, t.tags[i])
		}
	}
	return nt
}

// Len is the number of keys with a non-zero tag.
func (s *Tagged) Len() int {
	if s.t == nil {
		return 0
	}
	return s.t.n
}

// Bytes is the memory the set's table takes.
func (s *Tagged) Bytes() int {
	if s.t == nil {
		return 0
	}
	return 9 * len(s.t.keys)
}

// Map maps 64-bit hashes (of texts, of keys: the caller hashes) to 64-bit values,
// ~19 bytes an entry where a Go map of them took 22–45 (it grows ×2 by halves of
// its tables). The zero value is empty and ready to use. Not safe for concurrent
// use.
type Map struct{ t *table }

// Get returns the value of h and whether h is in the map.
func (m *Map) Get(h Hash) (uint64, bool) {
	i := m.t.lookup(slotOf(h))
	if i < 0 {
		return 0, false
	}
	return m.t.vals[i], true
}

// Put sets the value of h.
func (m *Map) Put(h Hash, v uint64) {
	if m.t == nil {
		m.t = &table{valued: true}
	}
	m.t.set(slotOf(h), 0, v)
}

// Len is the number of entries.
func (m *Map) Len() int {
	if m.t == nil {
		return 0
	}
	return m.t.n
}

// Bytes is the memory the map's table takes.
func (m *Map) Bytes() int {
	if m.t == nil {
		return 0
	}
	return 16 * len(m.t.keys)
}
