// Package keyset holds sets of strings (URLs, visited-set keys) as 128-bit hashes,
// so a set of n keys costs a fixed ~20 bytes per key whatever their length. Two
// different keys collide with probability about n²/2¹²⁹ (1e-27 for a billion keys).
package keyset

import "github.com/zeebo/xxh3"

// Hash is the 128-bit XXH3 hash of a key.
type Hash = xxh3.Uint128

// Of returns the hash of key.
func Of(key string) Hash { return xxh3.HashString128(key) }

// Set is a set of keys held by their hashes. The zero value is not usable: make one
// with New. Not safe for concurrent use.
type Set struct{ m map[Hash]struct{} }

// New returns an empty set.
func New() Set { return Set{m: map[Hash]struct{}{}} }

// Add adds key and reports whether it was new.
func (s Set) Add(key string) bool {
	h := Of(key)
	if _, ok := s.m[h]; ok {
		return false
	}
	s.m[h] = struct{}{}
	return true
}

// Has reports whether key is in the set.
func (s Set) Has(key string) bool {
	_, ok := s.m[Of(key)]
	return ok
}

// Delete removes key and reports whether it was there.
func (s Set) Delete(key string) bool {
	h := Of(key)
	if _, ok := s.m[h]; !ok {
		return false
	}
	delete(s.m, h)
	return true
}

// Len is the number of keys.
func (s Set) Len() int { return len(s.m) }
