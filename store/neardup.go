package store

import (
	"context"

	"github.com/healthcrawl/healthcrawl/pipeline"
)

// NearIndexer is implemented by the engines that keep the dedupe stage's
// near-duplicate index with the crawl state, so that resumed and incremental runs
// (and the workers of a fleet sharing the state) find the records kept before.
type NearIndexer interface {
	NearIndex() (pipeline.NearIndex, error)
}

// NearIndexOf returns the near-duplicate index of s, or nil when its engine keeps
// none (the dedupe stage then uses an index of its own, for the run). Decorators
// are looked through (Unwrapper); under WithPrefix the index is the engine's, with
// every bucket key salted by the prefix, so configs sharing a state file never
// find each other's records (two buckets of different prefixes coincide with
// probability 2⁻⁶⁴, and a candidate still has to pass the content comparison).
func NearIndexOf(s Store) (pipeline.NearIndex, error) {
	ns := ""
	for s != nil {
		if p, ok := s.(*prefixed); ok {
			ns += p.pre
			s = p.st
			continue
		}
		if n, ok := s.(NearIndexer); ok {
			x, err := n.NearIndex()
			if err != nil || ns == "" {
				return x, err
			}
			return saltedNear{x: x, salt: pipeline.NearPage(ns)}, nil
		}
		u, ok := s.(Unwrapper)
		if !ok {
			return nil, nil
		}
		s = u.Unwrap()
	}
	return nil, nil
}

// saltedNear is a namespace of an index: bucket keys XOR salt.
type saltedNear struct {
	x    pipeline.NearIndex
	salt uint64
}

func (s saltedNear) CheckAndAdd(ctx context.Context, r *pipeline.NearRecord, p pipeline.NearParams) (string, bool, error) {
	c := *r
	for i := range c.Bands {
		c.Bands[i] ^= s.salt
	}
	return s.x.CheckAndAdd(ctx, &c, p)
}
