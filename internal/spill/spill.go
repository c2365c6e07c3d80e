// Package spill keeps the variable-length part of per-URL data (URLs, sketches,
// content hashes) out of the Go heap: a Log appends byte records to a temporary
// file and hands back a fixed-size Ref, so an in-memory set or index holds 8 bytes
// per record instead of a string, and the records are cached by the operating
// system's page cache instead of the process.
//
// The file is removed as soon as it is created (on systems that allow removing an
// open file): a killed process leaves nothing behind. Records are buffered and
// written 64 KiB at a time; a record still in the buffer is read from it.
package spill

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// Ref addresses a record of a Log: its offset (high 40 bits, up to 1 TiB) and
// length (low 24 bits). The zero Ref is the empty record.
type Ref uint64

// MaxRecord is the longest record a Log holds.
const MaxRecord = 1<<24 - 1

const (
	maxOffset = 1<<40 - 1
	bufSize   = 64 << 10
)

// Len is the length of the record r addresses.
func (r Ref) Len() int { return int(r & MaxRecord) }

func (r Ref) off() int64 { return int64(r >> 24) }

// Log is an append-only spill file. The zero value is ready to use: its file is
// created in Dir (os.TempDir when empty) by the first Append that needs it. Safe
// for concurrent use.
type Log struct {
	// Dir is where the file is created; set it before the first Append.
	Dir string

	mu      sync.Mutex
	f       *os.File
	name    string
	buf     []byte
	off     int64        // file offset of buf[0]
	written atomic.Int64 // bytes in the file (records below it are read without mu)
	err     error        // sticky write error
	closed  bool
}

// ErrClosed is returned by a Log used after Close.
var ErrClosed = errors.New("spill: log closed")

// Append adds one record, the concatenation of parts, and returns its Ref.
func (l *Log) Append(parts ...[]byte) (Ref, error) {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ref, err := l.reserveLocked(n)
	if err != nil || n == 0 {
		return ref, err
	}
	for _, p := range parts {
		l.buf = append(l.buf, p...)
	}
	return ref, nil
}

// AppendString adds the record s.
func (l *Log) AppendString(s string) (Ref, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ref, err := l.reserveLocked(len(s))
	if err != nil || len(s) == 0 {
		return ref, err
	}
	l.buf = append(l.buf, s...)
	return ref, nil
}

// reserveLocked makes room for a record of n bytes at the end of the buffer and
// returns its Ref (0 for n = 0).
func (l *Log) reserveLocked(n int) (Ref, error) {
	switch {
	case n > MaxRecord:
		return 0, fmt.Errorf("spill: record of %d bytes (max %d)", n, MaxRecord)
	case l.closed:
		return 0, ErrClosed
	case l.err != nil:
		return 0, l.err
	case n == 0:
		return 0, nil
	}
	if len(l.buf)+n > bufSize && len(l.buf) > 0 {
		if err := l.flushLocked(); err != nil {
			return 0, err
		}
	}
	at := l.off + int64(len(l.buf))
	if at+int64(n) > maxOffset {
		return 0, fmt.Errorf("spill: file %s full (%d bytes)", l.name, at)
	}
	if l.buf == nil {
		l.buf = make([]byte, 0, bufSize)
	}
	return Ref(at)<<24 | Ref(n), nil
}

// flushLocked writes the buffer to the file (created on first use).
func (l *Log) flushLocked() error {
	if len(l.buf) == 0 {
		return nil
	}
	if l.f == nil {
		f, err := os.CreateTemp(l.Dir, "healthcrawl-spill-*")
		if err != nil {
			l.err = fmt.Errorf("spill: create file in %q: %w", l.dirName(), err)
			return l.err
		}
		l.f, l.name = f, f.Name()
		_ = os.Remove(f.Name()) // open files stay readable; nothing is left after a kill
	}
	if _, err := l.f.WriteAt(l.buf, l.off); err != nil {
		l.err = fmt.Errorf("spill: write %s: %w", l.name, err)
		return l.err
	}
	l.off += int64(len(l.buf))
	l.written.Store(l.off)
	if len(l.buf) > bufSize {
		l.buf = make([]byte, 0, bufSize) // an oversized record's buffer is not kept
	} else {
		l.buf = l.buf[:0]
	}
	return nil
}

func (l *Log) dirName() string {
	if l.Dir == "" {
		return os.TempDir()
	}
	return l.Dir
}

// Read returns the record r addresses, appended to dst.
func (l *Log) Read(r Ref, dst []byte) ([]byte, error) {
	n := r.Len()
	if n == 0 {
		return dst, nil
	}
	at := r.off()
	if at+int64(n) <= l.written.Load() {
		return l.readFile(at, n, dst)
	}
	l.mu.Lock()
	if l.closed { // its buffer is gone: say why rather than "beyond the end"
		l.mu.Unlock()
		return dst, ErrClosed
	}
	if at >= l.off {
		i := int(at - l.off)
		if i+n > len(l.buf) {
			l.mu.Unlock()
			return dst, fmt.Errorf("spill: ref %d:%d beyond the log's end", at, n)
		}
		dst = append(dst, l.buf[i:i+n]...)
		l.mu.Unlock()
		return dst, nil
	}
	l.mu.Unlock()
	return l.readFile(at, n, dst)
}

// ReadString returns the record r addresses as a string.
func (l *Log) ReadString(r Ref) (string, error) {
	b, err := l.Read(r, nil)
	return string(b), err
}

func (l *Log) readFile(at int64, n int, dst []byte) ([]byte, error) {
	l.mu.Lock()
	f, closed := l.f, l.closed
	l.mu.Unlock()
	if closed {
		return dst, ErrClosed
	}
	if f == nil {
		return dst, fmt.Errorf("spill: ref %d:%d beyond the log's end", at, n)
	}
	start := len(dst)
	dst = append(dst, make([]byte, n)...)
	if _, err := f.ReadAt(dst[start:], at); err != nil {
		return dst[:start], fmt.Errorf("spill: read %s at %d: %w", l.name, at, err)
	}
	return dst, nil
}

// Size is the number of bytes appended so far.
func (l *Log) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.off + int64(len(l.buf))
}

// Close releases the file; the Log cannot be used after.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	l.buf = nil
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	_ = os.Remove(l.name) // where the open file could not be removed
	return err
}
