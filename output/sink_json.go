package output

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/healthcrawl/healthcrawl/article"
)

// JSONSink writes every record into one JSON array ("[\n{…},\n{…}\n]\n"). The array
// is written to a temporary file next to the path and renamed onto it by Close, so
// the path only ever holds a whole, parseable array. Safe for concurrent use.
type JSONSink struct {
	mu     sync.Mutex
	f      *AtomicFile // nil when writing to a caller's writer
	size   func() int64
	bw     *bufio.Writer
	n      int
	closed bool
	err    error
}

// NewJSONSink starts a JSON array destined for path (created on Close).
func NewJSONSink(path string) (*JSONSink, error) {
	f, err := CreateAtomic(path)
	if err != nil {
		return nil, err
	}
	s := NewJSONWriter(f)
	s.f, s.size = f, f.Size
	return s, nil
}

// NewJSONWriter writes a JSON array to w (standard output, say); Close ends the
// array and flushes, but does not close w. Nothing is atomic here.
func NewJSONWriter(w io.Writer) *JSONSink {
	s := &JSONSink{bw: bufio.NewWriterSize(w, 64<<10), size: func() int64 { return 0 }}
	_, _ = s.bw.WriteString("[") // a write error on a bufio.Writer is sticky: Close reports it
	return s
}

// Write appends a to the array.
func (s *JSONSink) Write(ctx context.Context, a *article.Article) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode record %s: %w", recordName(a), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	sep := ",\n"
	if s.n == 0 {
		sep = "\n"
	}
	if _, err := s.bw.WriteString(sep); err != nil {
		return fmt.Errorf("write record %s: %w", recordName(a), err)
	}
	if _, err := s.bw.Write(b); err != nil {
		return fmt.Errorf("write record %s: %w", recordName(a), err)
	}
	s.n++
	return nil
}

// Size is the number of bytes of the array so far.
func (s *JSONSink) Size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.size() + int64(s.bw.Buffered())
}

// Close ends the array and renames the file onto its path; idempotent.
func (s *JSONSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.err
	}
	s.closed = true
	end := "\n]\n"
	if s.n == 0 {
		end = "]\n"
	}
	if _, err := s.bw.WriteString(end); err != nil {
		s.err = err
	} else if err := s.bw.Flush(); err != nil {
		s.err = err
	}
	s.err = s.f.Finish(s.err)
	return s.err
}

// Abort drops the array: the path is left as it was. Close after Abort does nothing.
func (s *JSONSink) Abort() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.f.AbortIfAny()
}
