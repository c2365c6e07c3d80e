package main

import (
	"errors"
	"fmt"
)

// Exit statuses.
const (
	exitOK      = 0 // everything worked
	exitPartial = 1 // some inputs or pages failed; every other record was written
	exitUsage   = 2 // bad usage or bad config
	// A stop asked with a signal exits 128 + its number, as shells report a
	// process the signal killed (signals.go).
	exitSIGINT  = 130 // stopped by SIGINT (Ctrl-C)
	exitSIGTERM = 143 // stopped by SIGTERM
)

// exitError carries the exit status of a failed command. silent means the problems
// were already printed.
type exitError struct {
	code   int
	err    error
	silent bool
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError is exit status 2: bad flags, arguments or config.
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// failure is exit status 1: the run did its work but something failed.
func failure(err error) error { return &exitError{code: exitPartial, err: err} }

// errPartial: some inputs failed, each already reported on stderr.
var errPartial = &exitError{code: exitPartial, silent: true}

// exitCode maps a command's error to the process exit status. Plain errors come from
// cobra's command, flag and argument parsing (RunE errors are wrapped by wrapRunE):
// usage errors.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitUsage
}
