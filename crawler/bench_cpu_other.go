//go:build !unix

package crawler

import "time"

// processCPU is unknown on this system.
func processCPU() time.Duration { return -1 }
