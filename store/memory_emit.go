package store

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/healthcrawl/healthcrawl/internal/keyset"
	"github.com/healthcrawl/healthcrawl/internal/spill"
)

// emitSet is the emitted set of a site in the memory engine, laid out so that a URL
// costs ~45 bytes of Go heap and nothing for the garbage collector to scan (a map
// of structs and the URLs in a byte slice cost ~160, issue 17):
//
//   - index is an open-addressing table (linear probing, backward-shift deletion)
//     of slot+1 by the URL's 64-bit hash (0 = empty), 4 bytes a slot;
//   - a slot's fixed-size fields are in parallel slices (key is the URL's hash,
//     which the index compares and moves by);
//   - its URL and content hash, needed only to list the set (Emitted) and to answer
//     GetMeta for a URL without metadata of its own, are one record of the store's
//     spill file, addressed by ref.
//
// Slots are dense: removing one moves the last slot into its place, so listing the
// set walks len(key) slots. A record replaced or removed stays in the spill file
// (disk, not heap); it is not compacted.
//
// Two URLs whose 64-bit hashes are equal are one entry (see keyset for the odds).
type emitSet struct {
	index []uint32
	key   []uint64    // URL hash (never 0: see emitKey)
	hash  []uint64    // contentHash of the record's content hash
	run   []uint32    // run that emitted or confirmed it (a memory store counts runs from 1 in a process)
	at    []int64     // emittedAt, unix ns
	ref   []spill.Ref // URL and content hash (see encodeEmit)
}

// memEmit is one entry of an emitSet.
type memEmit struct {
	hash      uint64
	run       int64
	emittedAt int64 // unix ns
	ref       spill.Ref
}

// emitKey is the index form of a URL's hash: 0 marks an empty index slot.
func emitKey(h keyset.Hash) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

// The index grows (×2) past 4/5 full: 4 bytes a slot, 5 to 10 bytes a URL.
const (
	emitLoadNum = 4
	emitLoadDen = 5
)

func (e *emitSet) len() int { return len(e.key) }

// find returns the index position of k and whether it is there (else the empty
// position where it would go). The index must not be empty.
func (e *emitSet) find(k uint64) (int, bool) {
	mask := uint64(len(e.index) - 1)
	i := k & mask
	for {
		s := e.index[i]
		if s == 0 {
			return int(i), false
		}
		if e.key[s-1] == k {
			return int(i), true
		}
		i = (i + 1) & mask
	}
}

// slot returns the slot of the URL hash h, or -1.
func (e *emitSet) slot(h keyset.Hash) int {
	if len(e.key) == 0 {
		return -1
	}
	if i, ok := e.find(emitKey(h)); ok {
		return int(e.index[i]) - 1
	}
	return -1
}

// get returns the entry of the URL hash h.
func (e *emitSet) get(h keyset.Hash) (memEmit, bool) {
	s := e.slot(h)
	if s < 0 {
		return memEmit{}, false
	}
	return memEmit{hash: e.hash[s], run: int64(e.run[s]), emittedAt: e.at[s], ref: e.ref[s]}, true
}

// set writes the entry of the URL hash h, adding a slot when it has none.
func (e *emitSet) set(h keyset.Hash, m memEmit) {
	k := emitKey(h)
	if s := e.slot(h); s >= 0 {
		e.hash[s], e.run[s], e.at[s], e.ref[s] = m.hash, uint32(m.run), m.emittedAt, m.ref
		return
	}
	if (len(e.key)+1)*emitLoadDen > len(e.index)*emitLoadNum {
		e.grow()
	}
	i, _ := e.find(k)
	e.key = append(e.key, k)
	e.hash = append(e.hash, m.hash)
	e.run = append(e.run, uint32(m.run))
	e.at = append(e.at, m.emittedAt)
	e.ref = append(e.ref, m.ref)
	e.index[i] = uint32(len(e.key))
}

func (e *emitSet) grow() {
	size := max(2*len(e.index), 16)
	e.index = make([]uint32, size)
	mask := uint64(size - 1)
	for s, k := range e.key {
		i := k & mask
		for e.index[i] != 0 {
			i = (i + 1) & mask
		}
		e.index[i] = uint32(s + 1)
	}
}

// remove deletes the entry of the URL hash h and returns it.
func (e *emitSet) remove(h keyset.Hash) (memEmit, bool) {
	if len(e.key) == 0 {
		return memEmit{}, false
	}
	i, ok := e.find(emitKey(h))
	if !ok {
		return memEmit{}, false
	}
	s := int(e.index[i]) - 1
	old := memEmit{hash: e.hash[s], run: int64(e.run[s]), emittedAt: e.at[s], ref: e.ref[s]}
	// Backward shift: the entries after i whose probe sequence passes over it move
	// back, so that every entry stays reachable from its home position.
	mask := len(e.index) - 1
	j := i
	for {
		j = (j + 1) & mask
		t := e.index[j]
		if t == 0 {
			break
		}
		if keyset.Stays(i, j, int(e.key[t-1]&uint64(mask))) {
			continue
		}
		e.index[i] = t
		i = j
	}
	e.index[i] = 0
	// The last slot moves into s, and its index position is pointed there.
	last := len(e.key) - 1
	if s != last {
		p, _ := e.find(e.key[last])
		e.index[p] = uint32(s + 1)
		e.key[s], e.hash[s], e.run[s], e.at[s], e.ref[s] = e.key[last], e.hash[last], e.run[last], e.at[last], e.ref[last]
	}
	e.key, e.hash, e.run, e.at, e.ref = e.key[:last], e.hash[:last], e.run[:last], e.at[:last], e.ref[:last]
	return old, true
}

// A spill record of the emitted set: a flags byte, the URL's length (uvarint), the
// URL and the content hash (packed: see packHash).
const (
	emitHexHash = 1 // the content hash is lower-case hex, stored as its bytes
	// maxEmitHash is the longest content hash kept; a longer one is cut.
	maxEmitHash = 1 << 16
	// maxEmitURL is the longest URL listed; a longer one (no crawl queues any) is
	// listed cut, and still kept by its hash.
	maxEmitURL = spill.MaxRecord - maxEmitHash - 1 - binary.MaxVarintLen64
)

// encodeEmit is the spill record of u with the content hash h, appended to dst.
func encodeEmit(dst []byte, u, h string) []byte {
	u = u[:min(len(u), maxEmitURL)]
	flags := byte(0)
	var hb []byte
	if len(h) > 0 && len(h)%2 == 0 && len(h) <= 2*maxEmitHash && h == strings.ToLower(h) {
		if b, err := hex.DecodeString(h); err == nil {
			flags, hb = emitHexHash, b
		}
	}
	dst = append(dst, flags)
	dst = binary.AppendUvarint(dst, uint64(len(u)))
	dst = append(dst, u...)
	if flags&emitHexHash != 0 {
		return append(dst, hb...)
	}
	return append(dst, h[:min(len(h), maxEmitHash)]...)
}

var errEmitRecord = errors.New("corrupt emitted-set record")

// decodeEmit splits a spill record into its URL and content hash.
func decodeEmit(rec []byte) (u, h string, err error) {
	if len(rec) == 0 {
		return "", "", errEmitRecord
	}
	flags := rec[0]
	n, w := binary.Uvarint(rec[1:])
	if w <= 0 || n > uint64(len(rec)-1-w) {
		return "", "", errEmitRecord
	}
	rest := rec[1+w:]
	u = string(rest[:n])
	if flags&emitHexHash != 0 {
		return u, hex.EncodeToString(rest[n:]), nil
	}
	return u, string(rest[n:]), nil
}

// readEmit reads the URL and content hash of e from the spill file.
func (s *memSite) readEmit(e memEmit) (u, h string, err error) {
	rec, err := s.log.Read(e.ref, nil)
	if err != nil {
		return "", "", fmt.Errorf("memory store: read emitted url: %w", err)
	}
	u, h, err = decodeEmit(rec)
	if err != nil {
		return "", "", fmt.Errorf("memory store: read emitted url at %d: %w", e.ref, err)
	}
	return u, h, nil
}

// addEmitted records u in the emitted set with the content hash h in run; emitted
// is the time of the commit (0 = keep the earlier one: an unchanged record). The
// entry is changed only once its record is in the spill file.
func (s *memSite) addEmitted(u, h string, run, emitted int64) error {
	if run < 0 || run > math.MaxUint32 {
		return fmt.Errorf("memory store: emitted url in run %d: out of the kept range", run)
	}
	k := keyset.Of(u)
	ch := contentHash(h)
	prev, ok := s.em.get(k)
	if ok && prev.hash == ch {
		// The same content hash (as the emitted sets compare them): the URL and
		// hash written with it still hold.
		prev.run = run
		if emitted != 0 {
			prev.emittedAt = emitted
		}
		s.em.set(k, prev)
		return nil
	}
	s.buf = encodeEmit(s.buf[:0], u, h)
	ref, err := s.log.Append(s.buf)
	if err != nil {
		return fmt.Errorf("memory store: spill emitted url: %w", err)
	}
	if ok {
		if emitted == 0 {
			emitted = prev.emittedAt
		}
	} else if _, hasMeta := s.meta[k]; !hasMeta {
		s.emitOnly++
	}
	s.em.set(k, memEmit{hash: ch, run: run, emittedAt: emitted, ref: ref})
	return nil
}

// removeEmitted removes u from the emitted set and reports whether it was there. A
// URL without metadata of its own keeps its emission's (EmittedAt, ContentHash).
func (s *memSite) removeEmitted(u string) (bool, error) {
	k := keyset.Of(u)
	e, ok := s.em.get(k)
	if !ok {
		return false, nil
	}
	if _, hasMeta := s.meta[k]; !hasMeta {
		// Read before the removal: on failure the URL stays emitted.
		_, h, err := s.readEmit(e)
		if err != nil {
			return false, err
		}
		s.meta[k] = memMeta{emitted: e.emittedAt, hash: h}
		s.emitOnly--
	}
	s.em.remove(k)
	return true, nil
}

// hasMetaFor notes that k gets metadata of its own (PutMeta, Commit with Meta).
func (s *memSite) hasMetaFor(k keyset.Hash) {
	if _, hasMeta := s.meta[k]; hasMeta {
		return
	}
	if s.em.slot(k) >= 0 {
		s.emitOnly--
	}
}

// metaOf is the metadata of k: its own, or its emission's.
func (s *memSite) metaOf(k keyset.Hash) (memMeta, bool, error) {
	if p, ok := s.meta[k]; ok {
		return p, true, nil
	}
	e, ok := s.em.get(k)
	if !ok {
		return memMeta{}, false, nil
	}
	_, h, err := s.readEmit(e)
	if err != nil {
		return memMeta{}, false, err
	}
	return memMeta{emitted: e.emittedAt, hash: h}, true, nil
}

// emittedURLs lists the URLs of the emitted set (unsorted).
func (s *memSite) emittedURLs() ([]string, error) {
	out := make([]string, 0, s.em.len())
	var rec []byte
	for i, ref := range s.em.ref {
		var err error
		rec, err = s.log.Read(ref, rec[:0])
		if err != nil {
			return nil, fmt.Errorf("memory store: read emitted url %d of %d: %w", i, s.em.len(), err)
		}
		u, _, err := decodeEmit(rec)
		if err != nil {
			return nil, fmt.Errorf("memory store: read emitted url %d of %d: %w", i, s.em.len(), err)
		}
		out = append(out, u)
	}
	return out, nil
}
