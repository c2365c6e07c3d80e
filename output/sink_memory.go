package output

import (
	"context"
	"sync"

	"github.com/healthcrawl/healthcrawl/article"
)

// MemorySink records clones of the written articles, for tests.
type MemorySink struct {
	mu       sync.Mutex
	articles []*article.Article
	closed   bool
}

// Write stores a copy of a.
func (m *MemorySink) Write(ctx context.Context, a *article.Article) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.articles = append(m.articles, a.Clone())
	return nil
}

// Close marks the sink closed; idempotent.
func (m *MemorySink) Close(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

// Articles returns the records written so far, in order.
func (m *MemorySink) Articles() []*article.Article {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*article.Article(nil), m.articles...)
}

// Closed reports whether Close was called.
func (m *MemorySink) Closed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}
