package output

import "os"

// FileWriter is fileWriter for tests.
type FileWriter = fileWriter

// SetFileWrapper makes every appendable sink write its file through wrap (to
// simulate a full disk); the returned function restores the default.
func SetFileWrapper(wrap func(f *os.File) FileWriter) (restore func()) {
	prev := wrapFile
	wrapFile = wrap
	return func() { wrapFile = prev }
}
