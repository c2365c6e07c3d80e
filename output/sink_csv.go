package output

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
)

// CSVColumns are the columns of the csv format, in order. Lists are joined with
// CSVListSep; nested parts (sections, related, references) are not carried, only
// counted (related_count, section_count); text holds the whole body.
var CSVColumns = []string{
	"schema_version", "source", "url", "canonical_url", "site", "fetched_at", "page_type", "change",
	"title", "description", "authors", "published_at", "modified_at", "language", "site_name", "tags",
	"image", "reviewed_by", "reviewed_at", "word_count", "section_count", "related_count",
	"reference_count", "content_hash", "text",
}

// CSVListSep joins list values (authors, tags) in one cell.
const CSVListSep = "; "

// CSVRow renders a as a row of CSVColumns.
func CSVRow(a *article.Article) []string {
	fetched := ""
	if a.FetchedAt != nil {
		fetched = a.FetchedAt.UTC().Format(time.RFC3339Nano)
	}
	return []string{
		strconv.Itoa(a.SchemaVersion), a.Source, a.URL, a.CanonicalURL, a.Site, fetched, a.PageType, a.Change,
		a.Title, a.Description, strings.Join(a.Authors, CSVListSep), a.PublishedAt, a.ModifiedAt, a.Language,
		a.SiteName, strings.Join(a.Tags, CSVListSep), a.Image, a.ReviewedBy, a.ReviewedAt,
		strconv.Itoa(a.WordCount), strconv.Itoa(len(a.Sections)), strconv.Itoa(len(a.Related)),
		strconv.Itoa(len(a.References)), a.ContentHash, a.Text,
	}
}

// CSVSink writes one row per article under a header row (RFC 4180, via encoding/csv).
// The file is written under a temporary name and renamed onto its path by Close.
// Safe for concurrent use.
type CSVSink struct {
	mu     sync.Mutex
	f      *AtomicFile // nil when writing to a caller's writer
	w      *csv.Writer
	closed bool
	err    error
}

// NewCSVSink starts a CSV file destined for path (created on Close).
func NewCSVSink(path string) (*CSVSink, error) {
	f, err := CreateAtomic(path)
	if err != nil {
		return nil, err
	}
	s := NewCSVWriter(f)
	s.f = f
	return s, nil
}

// NewCSVWriter writes CSV to w (standard output, say); Close flushes but does not
// close w. Nothing is atomic here.
func NewCSVWriter(w io.Writer) *CSVSink {
	s := &CSVSink{w: csv.NewWriter(w)}
	_ = s.w.Write(CSVColumns) // buffered; a write error is reported by Close
	return s
}

// Write appends a's row.
func (s *CSVSink) Write(ctx context.Context, a *article.Article) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	row := CSVRow(a)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.w.Write(row); err != nil {
		return fmt.Errorf("write record %s: %w", recordName(a), err)
	}
	return nil
}

// Size is the number of bytes of the file so far.
func (s *CSVSink) Size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return 0
	}
	s.w.Flush() // a write error, if any, is reported by Close
	return s.f.Size()
}

// Close flushes the rows and renames the file onto its path; idempotent.
func (s *CSVSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.err
	}
	s.closed = true
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		s.err = fmt.Errorf("write csv: %w", err)
	}
	s.err = s.f.Finish(s.err)
	return s.err
}

// Abort drops the file: the path is left as it was. Close after Abort does nothing.
func (s *CSVSink) Abort() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.f.AbortIfAny()
}
