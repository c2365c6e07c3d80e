package output

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/healthcrawl/healthcrawl/article"
)

// fileMode is how an existing output file is treated when it is opened (see Spec).
type fileMode struct {
	overwrite bool      // truncate / replace it
	resume    *Position // truncate it back to the committed position
}

// modeOf is the fileMode of spec: a resumed run (Append or Resume) never
// overwrites; Overwrite replaces; the default keeps and appends.
func modeOf(spec Spec) fileMode {
	if spec.Append || spec.Resume != nil {
		return fileMode{resume: spec.Resume}
	}
	return fileMode{overwrite: spec.Overwrite}
}

// fileWriter is the file an appendable sink writes: *os.File, or a wrapper of it
// injected by tests (wrapFile) to simulate a full disk.
type fileWriter interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
	Close() error
}

// wrapFile wraps every file an appendable sink writes (tests replace it).
var wrapFile = func(f *os.File) fileWriter { return f }

// truncateTo cuts the file at path back to off, the position committed by an
// interrupted run. A file shorter than off was shrunk or replaced since: it is left
// as it is and the error names the file, its size and the committed offset.
func truncateTo(path string, off int64) error {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && off == 0 {
			return nil
		}
		return fmt.Errorf("resume output %s: %w", path, err)
	}
	return truncateFile(path, st.Size(), off, func(n int64) error { return os.Truncate(path, n) })
}

func truncateFile(path string, size, off int64, trunc func(int64) error) error {
	if size < off {
		return fmt.Errorf("resume output %s: the file holds %d bytes, fewer than the %d the interrupted run committed: it was shrunk or replaced since; restore it, or start a new run with --overwrite", path, size, off)
	}
	if size > off {
		if err := trunc(off); err != nil {
			return fmt.Errorf("resume output %s: truncate to %d bytes: %w", path, off, err)
		}
	}
	return nil
}

// openAppend opens path (and creates its directory) for writing at its end after
// applying m: truncated with m.overwrite, cut back to m.resume.Offset with a resume,
// kept as it is otherwise. It returns the file and the offset writing starts at.
func openAppend(path string, m fileMode) (*os.File, int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, 0, fmt.Errorf("open output %s: %w", path, err)
	}
	flags := os.O_RDWR | os.O_CREATE
	if m.overwrite {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, 0, fmt.Errorf("open output %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, 0, fmt.Errorf("open output %s: %w", path, err)
	}
	size := st.Size()
	if m.resume != nil {
		if err := truncateFile(path, size, m.resume.Offset, f.Truncate); err != nil {
			_ = f.Close()
			return nil, 0, err
		}
		size = m.resume.Offset
	}
	if _, err := f.Seek(size, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, 0, fmt.Errorf("open output %s: %w", path, err)
	}
	return f, size, nil
}

// maxTornTail bounds the bytes after the last newline a JSON Lines file may end
// with when it is appended to without a resume position.
const maxTornTail = 64 << 20

// mendTail makes a JSON Lines file of size bytes end at a line boundary before a
// run without a resume position appends to it: a last line without its newline
// that is a whole JSON value gets its newline; one that is not (a line torn by a
// killed process) is cut off, with a warning. It returns the new size.
func mendTail(f *os.File, path string, size int64) (int64, error) {
	if size == 0 {
		return 0, nil
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, size-1); err != nil {
		return 0, fmt.Errorf("open output %s: %w", path, err)
	}
	if last[0] == '\n' {
		return size, nil
	}
	start, err := lineStart(f, size)
	if err != nil {
		return 0, fmt.Errorf("open output %s: %w", path, err)
	}
	if size-start > maxTornTail {
		return 0, fmt.Errorf("open output %s: the file does not end with a newline and its last %d bytes hold none: not a JSON Lines file? (use --overwrite to replace it)", path, size-start)
	}
	tail := make([]byte, size-start)
	if _, err := f.ReadAt(tail, start); err != nil {
		return 0, fmt.Errorf("open output %s: %w", path, err)
	}
	if json.Valid(bytes.TrimSpace(tail)) {
		if _, err := f.WriteAt([]byte{'\n'}, size); err != nil {
			return 0, fmt.Errorf("open output %s: %w", path, err)
		}
		return size + 1, nil
	}
	slog.Warn("output ends with a torn line; cutting it off before appending", "path", path, "bytes", size-start, "at", start)
	if err := f.Truncate(start); err != nil {
		return 0, fmt.Errorf("open output %s: cut torn last line: %w", path, err)
	}
	return start, nil
}

// lineStart is the offset just after the last '\n' before size (0 if none).
func lineStart(f *os.File, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	end := size
	for end > 0 {
		n := int64(len(buf))
		if end < n {
			n = end
		}
		if _, err := f.ReadAt(buf[:n], end-n); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return end - n + int64(i) + 1, nil
		}
		end -= n
		if size-end > maxTornTail {
			return end, nil
		}
	}
	return 0, nil
}

// JSONLFileSink writes JSON Lines to a file it owns, one Write call per record, and
// is a Syncer: Sync fsyncs and returns the offset after the last whole record. A
// failed write breaks the sink (every later Write and Sync fails) after cutting
// the file back to its last whole record when it can; a resumed run truncates it to
// its committed position anyway. Safe for concurrent use.
type JSONLFileSink struct {
	mu        sync.Mutex
	f         fileWriter
	path      string
	sinkKey         // Key
	start     int64 // offset the run started writing at
	off       int64 // end of the last whole record
	sinkState       // closed; sticky error
}

// openJSONLFile opens the JSON Lines file at path in mode m; key names it (SpecKey).
func openJSONLFile(path string, m fileMode, key string) (*JSONLFileSink, error) {
	f, size, err := openAppend(path, m)
	if err != nil {
		return nil, err
	}
	if m.resume == nil && !m.overwrite {
		if size, err = mendTail(f, path, size); err != nil {
			_ = f.Close()
			return nil, err
		}
		if _, err := f.Seek(size, io.SeekStart); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("open output %s: %w", path, err)
		}
	}
	return &JSONLFileSink{f: wrapFile(f), path: path, sinkKey: sinkKey(key), start: size, off: size}, nil
}

// Write appends a as one line.
func (s *JSONLFileSink) Write(ctx context.Context, a *article.Article) error {
	line, err := encodeLine(ctx, a)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	n, err := s.f.Write(line)
	if err == nil && n < len(line) {
		err = io.ErrShortWrite
	}
	if err != nil {
		s.err = fmt.Errorf("write record %s to %s at byte %d: %w", recordName(a), s.path, s.off, err)
		if terr := s.f.Truncate(s.off); terr != nil {
			slog.Warn("output: cannot cut a failed write back", "path", s.path, "offset", s.off, "err", terr)
		}
		return s.err
	}
	s.off += int64(n)
	return nil
}

// Sync fsyncs the file and returns the offset after the last record.
func (s *JSONLFileSink) Sync(context.Context) (Position, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return Position{}, s.err
	}
	if s.closed {
		return Position{Offset: s.off}, nil
	}
	if err := s.f.Sync(); err != nil {
		s.err = fmt.Errorf("sync output %s: %w", s.path, err)
		return Position{}, s.err
	}
	return Position{Offset: s.off}, nil
}

// Size is the number of bytes this run wrote.
func (s *JSONLFileSink) Size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.off - s.start
}

// Close fsyncs and closes the file; idempotent. It returns the sticky write error.
func (s *JSONLFileSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.err
	}
	s.closed = true
	var err error
	if s.err == nil {
		if serr := s.f.Sync(); serr != nil {
			err = fmt.Errorf("sync output %s: %w", s.path, serr)
		}
	}
	if cerr := s.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close output %s: %w", s.path, cerr)
	}
	if s.err == nil {
		s.err = err
	}
	return s.err
}

// sinkState is the closed flag and sticky error of a sink.
type sinkState struct {
	closed bool
	err    error
}

// usable is ErrClosed after Close, the sticky error after a failure, else nil.
func (st *sinkState) usable() error {
	if st.closed {
		return ErrClosed
	}
	return st.err
}

// sinkKey names a Syncer stably across runs (SpecKey of the spec it was opened from).
type sinkKey string

// Key is the sink's key.
func (k sinkKey) Key() string { return string(k) }
