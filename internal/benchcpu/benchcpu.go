// Package benchcpu measures the CPU time of the timed parts of a benchmark: on a
// shared machine, process CPU time (user + system, GC included) varies much less
// than wall time.
package benchcpu

import (
	"syscall"
	"testing"
	"time"
)

// Clock accumulates process CPU time between Start and Stop.
type Clock struct {
	total, mark time.Duration
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Start marks the start of a timed part.
func (c *Clock) Start() { c.mark = processCPU() }

// Stop adds the CPU time since Start.
func (c *Clock) Stop() { c.total += processCPU() - c.mark }

// Report adds the metric cpu-ns/op (the total over b.N).
func (c *Clock) Report(b *testing.B) {
	b.ReportMetric(float64(c.total.Nanoseconds())/float64(b.N), "cpu-ns/op")
}
