package output

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/healthcrawl/healthcrawl/article"
)

// GzipJSONLSink writes JSON Lines compressed with gzip, one gzip member per record:
// each member (header, one line, footer) reaches the file in a single Write. A
// concatenation of gzip members is a valid gzip stream (RFC 1952; gzip -d, zcat,
// Go's gzip.Reader read it whole), so a killed process leaves a readable file of
// whole records. Safe for concurrent use.
type GzipJSONLSink struct {
	mu     sync.Mutex
	w      io.Writer
	c      io.Closer // nil when the caller owns w
	path   string
	n      int64
	buf    bytes.Buffer
	zw     *gzip.Writer
	closed bool
	err    error
}

// NewGzipJSONLSink creates (truncates) path and its directory.
func NewGzipJSONLSink(path string) (*GzipJSONLSink, error) {
	return openGzipJSONLSink(path, os.O_TRUNC)
}

// openGzipJSONLSink opens path with mode os.O_TRUNC or os.O_APPEND (gzip members
// appended to a gzip file make one valid stream).
func openGzipJSONLSink(path string, mode int) (*GzipJSONLSink, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open output %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|mode, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open output %s: %w", path, err)
	}
	s := NewGzipJSONLWriter(f)
	s.c, s.path = f, path
	return s, nil
}

// NewGzipJSONLWriter writes gzip members to w (not closed by Close).
func NewGzipJSONLWriter(w io.Writer) *GzipJSONLSink {
	s := &GzipJSONLSink{w: w, path: "output"}
	s.zw = gzip.NewWriter(&s.buf)
	return s
}

// Write compresses a's line as one gzip member and writes it.
func (s *GzipJSONLSink) Write(ctx context.Context, a *article.Article) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	line, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode record %s: %w", recordName(a), err)
	}
	line = append(line, '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.buf.Reset()
	s.zw.Reset(&s.buf)
	if _, err := s.zw.Write(line); err != nil {
		return fmt.Errorf("compress record %s: %w", recordName(a), err)
	}
	if err := s.zw.Close(); err != nil {
		return fmt.Errorf("compress record %s: %w", recordName(a), err)
	}
	n, err := s.w.Write(s.buf.Bytes())
	s.n += int64(n)
	if err != nil {
		return fmt.Errorf("write record %s to %s: %w", recordName(a), s.path, err)
	}
	return nil
}

// Size is the number of compressed bytes written.
func (s *GzipJSONLSink) Size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Close closes the file it opened; idempotent. Every record is already written.
func (s *GzipJSONLSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.err
	}
	s.closed = true
	if s.c != nil {
		if err := s.c.Close(); err != nil {
			s.err = fmt.Errorf("close output %s: %w", s.path, err)
		}
	}
	return s.err
}
