package store

import (
	"runtime"
	"sync"
	"weak"

	"github.com/healthcrawl/healthcrawl/pipeline"
)

// memoryNear holds the near-duplicate index of each live Memory store (kept out of
// the Memory struct; an entry goes when its store is garbage collected).
var memoryNear sync.Map // weak.Pointer[Memory] → *pipeline.MemoryNearIndex

// NearIndex returns the store's near-duplicate index: one for the life of the
// store, shared by every run and job that uses it.
func (m *Memory) NearIndex() (pipeline.NearIndex, error) {
	k := weak.Make(m)
	if x, ok := memoryNear.Load(k); ok {
		return x.(*pipeline.MemoryNearIndex), nil
	}
	x, loaded := memoryNear.LoadOrStore(k, pipeline.NewMemoryNearIndex())
	if !loaded {
		// The index is not closed here: a run may still hold it when the store
		// is collected. NewMemoryNearIndex registered a cleanup that closes its
		// spill file once the index itself is unreachable (the file is unlinked:
		// process exit reclaims it as well).
		runtime.AddCleanup(m, func(k weak.Pointer[Memory]) { memoryNear.Delete(k) }, k)
	}
	return x.(*pipeline.MemoryNearIndex), nil
}
