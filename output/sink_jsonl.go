package output

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/healthcrawl/healthcrawl/article"
)

func init() { Register("jsonl", func(w io.Writer) Sink { return NewJSONLSink(w) }) }

// JSONLSink writes one JSON record a line. Each record, newline included, goes to
// the writer in a single Write call with nothing buffered in between, so a killed
// process leaves only whole lines. Safe for concurrent use.
type JSONLSink struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

// NewJSONLSink returns a JSON Lines sink writing to w (not closed by Close).
func NewJSONLSink(w io.Writer) *JSONLSink { return &JSONLSink{w: w} }

// Write encodes a and writes it as one line.
func (s *JSONLSink) Write(ctx context.Context, a *article.Article) error {
	line, err := encodeLine(ctx, a)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if _, err := s.w.Write(line); err != nil {
		return fmt.Errorf("write record %s: %w", a.Source, err)
	}
	if f, ok := s.w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			return fmt.Errorf("flush record %s: %w", a.Source, err)
		}
	}
	return nil
}

// Close marks the sink closed; idempotent. Every record is already flushed.
func (s *JSONLSink) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// encodeLine is a as one JSON line, newline included (ctx checked first).
func encodeLine(ctx context.Context, a *article.Article) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	line, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode record %s: %w", recordName(a), err)
	}
	return append(line, '\n'), nil
}
