package output

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// AtomicFile is a file written under a temporary name in the directory of its final
// path and renamed onto that path by Commit: a reader, or a process killed mid-write,
// never sees a half-written file under the final name. Abort removes the temporary.
// Write is not safe for concurrent use; Commit and Abort are idempotent and only the
// first of them has an effect.
type AtomicFile struct {
	f     *os.File
	path  string
	n     int64
	once  sync.Once
	err   error
	keep  bool // committed
	fsync bool
}

// tempPrefix starts the name of every temporary file; whatever a killed process
// leaves behind is named ".NAME.tmp-*" next to NAME.
func tempPattern(path string) string { return "." + filepath.Base(path) + ".tmp-*" }

// CreateAtomic creates the directory of path and a temporary file in it. Commit
// renames the temporary onto path (replacing what was there), after syncing it.
func CreateAtomic(path string) (*AtomicFile, error) {
	if path == "" {
		return nil, errors.New("open output: empty path")
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open output %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, tempPattern(path))
	if err != nil {
		return nil, fmt.Errorf("open output %s: %w", path, err)
	}
	// CreateTemp makes 0600 files; records are for sharing.
	if err := f.Chmod(0o644); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("open output %s: %w", path, err)
	}
	return &AtomicFile{f: f, path: path, fsync: true}, nil
}

// Path is the final path; TempPath the temporary one.
func (a *AtomicFile) Path() string { return a.path }

// TempPath is the name the data is written under until Commit.
func (a *AtomicFile) TempPath() string { return a.f.Name() }

// Write writes to the temporary file.
func (a *AtomicFile) Write(p []byte) (int, error) {
	n, err := a.f.Write(p)
	a.n += int64(n)
	if err != nil {
		return n, fmt.Errorf("write output %s: %w", a.f.Name(), err)
	}
	return n, nil
}

// Size is the number of bytes written so far.
func (a *AtomicFile) Size() int64 { return a.n }

// Commit syncs and closes the temporary file and renames it onto the final path.
// On failure the temporary file is removed.
func (a *AtomicFile) Commit() error {
	a.once.Do(func() {
		err := error(nil)
		if a.fsync {
			if serr := a.f.Sync(); serr != nil {
				err = fmt.Errorf("sync output %s: %w", a.path, serr)
			}
		}
		if cerr := a.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close output %s: %w", a.path, cerr)
		}
		if err == nil {
			if rerr := os.Rename(a.f.Name(), a.path); rerr != nil {
				err = fmt.Errorf("finalise output %s: %w", a.path, rerr)
			}
		}
		if err != nil {
			_ = os.Remove(a.f.Name())
			a.err = err
			return
		}
		a.keep = true
		syncDir(filepath.Dir(a.path))
	})
	return a.err
}

// Abort closes and removes the temporary file; the final path is left untouched.
func (a *AtomicFile) Abort() error {
	a.once.Do(func() {
		_ = a.f.Close()
		if err := os.Remove(a.f.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
			a.err = fmt.Errorf("remove temporary output %s: %w", a.f.Name(), err)
		}
	})
	return a.err
}

// Finish ends a whole-file write: it commits the file when writeErr is nil and
// aborts it otherwise, returning writeErr or the commit's error. A nil a (a sink
// streaming to a writer, not a file) only returns writeErr.
func (a *AtomicFile) Finish(writeErr error) error {
	switch {
	case a == nil:
		return writeErr
	case writeErr != nil:
		_ = a.Abort()
		return writeErr
	}
	return a.Commit()
}

// AbortIfAny aborts a when it is not nil (a streaming sink has no file to drop).
func (a *AtomicFile) AbortIfAny() error {
	if a == nil {
		return nil
	}
	return a.Abort()
}

// WriteFileAtomic writes data to path through a temporary file and a rename.
func WriteFileAtomic(path string, data []byte) error {
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Abort()
		return err
	}
	return f.Commit()
}

// syncDir makes a rename durable; best effort (not every platform syncs directories).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
