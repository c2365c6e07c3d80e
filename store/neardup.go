package store

import "github.com/healthcrawl/healthcrawl/pipeline"

// NearIndexer is implemented by the engines that keep the dedupe stage's
// near-duplicate index with the crawl state, so that resumed and incremental runs
// (and the workers of a fleet sharing the state) find the records kept before.
type NearIndexer interface {
	NearIndex() (pipeline.NearIndex, error)
}

// NearIndexOf returns the near-duplicate index of s, or nil when s keeps none (the
// dedupe stage then uses an index of its own, for the run).
func NearIndexOf(s Store) (pipeline.NearIndex, error) {
	if n, ok := s.(NearIndexer); ok {
		return n.NearIndex()
	}
	return nil, nil
}
