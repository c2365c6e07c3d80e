package output

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/healthcrawl/healthcrawl/article"
)

// RenderText renders a record as a plain-text document in the shape of the seed
// article, without its defects: the title once on the first line, then one line per
// heading and per paragraph, each list item on its own line ("- Label: text", "1. text"),
// table rows as "cell | cell", and the related stubs after a "-" separator line each
// (title line, then snippet line; a truncated snippet ends with "…", an empty
// truncated one is just "…"). Every line ends
// with "\n"; there are no blank lines. Blocks left out of the record's text (a table
// of contents) are left out here too. textingest.Parse reads this layout back.
func RenderText(a *article.Article) string {
	var b strings.Builder
	line := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	line(a.Title)
	for _, s := range a.Sections {
		if s.HeadingInText() {
			line(s.Heading)
		}
		for _, bl := range s.Blocks {
			if !bl.InText() {
				continue // a table of contents: structure, not text
			}
			switch bl.Type {
			case article.BlockList:
				for i, it := range bl.Items {
					marker := "- "
					if bl.Ordered {
						marker = fmt.Sprintf("%d. ", i+1)
					}
					line(strings.Repeat("  ", max(it.Depth, 0)) + marker + it.ItemText())
				}
			case article.BlockCode:
				for _, l := range strings.Split(bl.Text, "\n") {
					b.WriteString(l)
					b.WriteByte('\n')
				}
			case article.BlockTable:
				for _, r := range bl.Rows {
					line(strings.Join(r, " | "))
				}
			default:
				t := bl.Text
				if bl.Truncated && !strings.HasSuffix(t, "…") {
					t += "…"
				}
				line(t)
			}
		}
	}
	for _, r := range a.Related {
		b.WriteString("-\n")
		line(r.Title)
		snip := r.Snippet
		if r.Truncated && !strings.HasSuffix(snip, "…") {
			snip += "…" // an empty truncated snippet shows as "…"
		}
		line(snip)
	}
	return b.String()
}

// NewTextSink returns a sink writing RenderText documents to w, separated by a line
// holding only a form feed ("\f"). Safe for concurrent use; each record is one Write.
func NewTextSink(w io.Writer) Sink {
	return &docSink{w: w, render: RenderText, sep: "\f\n"}
}

// docSink writes rendered documents with a separator between them.
type docSink struct {
	mu     sync.Mutex
	w      io.Writer
	render func(*article.Article) string
	sep    string
	n      int
	closed bool
}

func (s *docSink) Write(ctx context.Context, a *article.Article) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	doc := s.render(a)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.n > 0 {
		doc = s.sep + doc
	}
	if _, err := io.WriteString(s.w, doc); err != nil {
		return fmt.Errorf("write record %s: %w", recordName(a), err)
	}
	s.n++
	if f, ok := s.w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			return fmt.Errorf("flush record %s: %w", recordName(a), err)
		}
	}
	return nil
}

// Close marks the sink closed; idempotent. Every record is already written.
func (s *docSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

func recordName(a *article.Article) string {
	if a.URL != "" {
		return a.URL
	}
	return a.Source
}
