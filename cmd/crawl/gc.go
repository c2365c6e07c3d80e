package main

import (
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcPolicy paces Go's collector when the environment sets no GOGC. Go's default
// (GOGC=100) lets the heap grow to twice what is live before a collection; on a
// long crawl, whose per-URL state (visited and emitted sets, the near-duplicate
// index) grows with the pages, that headroom becomes the largest part of the peak
// RSS. The policy collects at GOGC 50 (1.5× the live heap) while the heap is small
// and keeps the headroom at about headroom bytes once it is larger, as a GC
// percent between min and max:
//
//	percent = clamp(100 × headroom / live heap, min, max)
//
// With the defaults: up to 48 MiB live GOGC 50, 70 MiB 1.34×, from 96 MiB on
// 1.25×. The state's tables hold no pointers, so the collector does not scan them:
// collecting more often as they grow costs little CPU, and the peak RSS of a
// 300,000-page crawl drops by about a tenth (BENCHMARKS.md, scale benchmark).
type gcPolicy struct {
	headroom uint64 // bytes
	min, max int    // GC percent
	every    time.Duration
}

var defaultGCPolicy = gcPolicy{headroom: 24 << 20, min: 25, max: 50, every: 100 * time.Millisecond}

// percent is the GC percent for a live heap of live bytes.
func (p gcPolicy) percent(live uint64) int {
	if live == 0 {
		return p.max
	}
	return int(min(max(p.headroom*100/live, uint64(p.min)), uint64(p.max)))
}

// startGCPolicy applies defaultGCPolicy for the life of the process, unless GOGC is
// set (the user's setting wins): the GC percent is recomputed after each collection
// (checked every p.every) from the live heap it measured. stop ends the policy
// (the GC percent stays as it was last set); crawl never calls it.
func startGCPolicy(lookup func(string) (string, bool)) (stop func()) {
	if _, ok := lookup("GOGC"); ok {
		return func() {}
	}
	p := defaultGCPolicy
	cur := p.max
	debug.SetGCPercent(cur)
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/live:bytes"}}
		var cycles uint64
		tick := time.NewTicker(p.every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(s)
			if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
				return // not measured by this Go runtime: Go's own pacing stays
			}
			if c := s[0].Value.Uint64(); c == cycles {
				continue
			} else {
				cycles = c
			}
			if pct := p.percent(s[1].Value.Uint64()); pct != cur {
				cur = pct
				debug.SetGCPercent(pct)
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}
