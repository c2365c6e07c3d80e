package redistest

import (
	"os/exec"
	"syscall"
)

// processAlive reports whether cmd's process still exists (signal 0).
func processAlive(cmd *exec.Cmd) bool {
	return cmd.Process.Signal(syscall.Signal(0)) == nil
}
