//go:build unix

package crawler

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the process used so far; -1 if unknown.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
