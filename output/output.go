// Package output writes records: JSON Lines (default) and other formats, each a Sink.
package output

import (
	"context"

	"github.com/healthcrawl/healthcrawl/article"
)

// Sink writes whole records. Write is never called after Close; Close flushes and is
// idempotent. A killed process leaves only whole records behind.
type Sink interface {
	Write(ctx context.Context, a *article.Article) error
	Close(ctx context.Context) error
}
