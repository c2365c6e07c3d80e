package main

// Profiling a slow crawl: --cpuprofile FILE and --memprofile FILE on `crawl run`
// and `crawl schedule` write runtime/pprof profiles, read with `go tool pprof`.
// The CPU profile covers the whole command and is stopped (and its file closed
// whole) when the command returns, also when a stop signal ended it (the first
// and second SIGINT/SIGTERM let the command return; only a third one kills the
// process, losing the profile). The heap profile is written when the command
// returns, after a garbage collection, so it shows what is still live and what
// was allocated in all.

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// withProfiling adds --cpuprofile and --memprofile to cmd: its RunE runs between
// the start of the profiles and their writing. It returns cmd.
func withProfiling(cmd *cobra.Command) *cobra.Command {
	var cpu, mem string
	cmd.Flags().StringVar(&cpu, "cpuprofile", "", "write a CPU profile of the command to this file (go tool pprof FILE); stopped when\nthe command ends, also when a signal stops it")
	cmd.Flags().StringVar(&mem, "memprofile", "", "write a heap profile to this file when the command ends, after a garbage\ncollection (go tool pprof -sample_index=alloc_space FILE)")
	run := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) (err error) {
		stop, err := startProfiles(cpu, mem)
		if err != nil {
			return err
		}
		defer func() {
			if perr := stop(); perr != nil {
				if err == nil {
					err = failure(perr)
				} else {
					fmt.Fprintln(c.ErrOrStderr(), "error:", perr)
				}
			}
		}()
		return run(c, args)
	}
	return cmd
}

// startProfiles creates the profile files (an empty name: none) and starts the
// CPU profile; stop ends the CPU profile and writes the heap profile. Both files
// are created at once, so a path that cannot be written fails before the crawl.
func startProfiles(cpuPath, memPath string) (stop func() error, err error) {
	var cpuFile, memFile *os.File
	if cpuPath != "" {
		if cpuFile, err = os.Create(cpuPath); err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
	}
	if memPath != "" {
		if memFile, err = os.Create(memPath); err != nil {
			closeQuietly(cpuFile)
			return nil, fmt.Errorf("--memprofile: %w", err)
		}
	}
	if cpuFile != nil {
		if err := pprof.StartCPUProfile(cpuFile); err != nil {
			closeQuietly(cpuFile)
			closeQuietly(memFile)
			return nil, fmt.Errorf("--cpuprofile %s: %w", cpuPath, err)
		}
	}
	return func() error {
		var errs []error
		if cpuFile != nil {
			pprof.StopCPUProfile()
			if err := cpuFile.Close(); err != nil {
				errs = append(errs, fmt.Errorf("--cpuprofile %s: %w", cpuPath, err))
			}
		}
		if memFile != nil {
			runtime.GC() // the live heap as of now, not as of the last cycle
			err := pprof.Lookup("heap").WriteTo(memFile, 0)
			if cerr := memFile.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("--memprofile %s: %w", memPath, err))
			}
		}
		return errors.Join(errs...)
	}, nil
}

func closeQuietly(f *os.File) {
	if f != nil {
		_ = f.Close()
	}
}
