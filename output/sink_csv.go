package output

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
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
	"reference_count", "content_hash", "record_id", "text",
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
		strconv.Itoa(len(a.References)), a.ContentHash, a.RecordID, a.Text,
	}
}

// CSVOptions configure a csv sink.
type CSVOptions struct {
	// Raw writes every cell as it is. By default (false) a cell a spreadsheet would
	// run as a formula is neutralised (CSVSafeCell): config output.csv_raw.
	Raw bool
}

// CSVSafeCell neutralises a cell that a spreadsheet (Excel, LibreOffice, Google
// Sheets) would read as a formula, the "CSV injection" of OWASP: a cell starting
// with '=', '+', '-', '@', a tab or a carriage return gets a leading "'", which
// the spreadsheet shows as text and hides. Any other cell is returned as it is, so
// a cell already neutralised is unchanged.
func CSVSafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// CSVSink writes one row per article under a header row (RFC 4180, via encoding/csv),
// every cell neutralised by CSVSafeCell unless CSVOptions.Raw. The file is written
// under a temporary name and renamed onto its path by Close. Safe for concurrent use.
type CSVSink struct {
	mu     sync.Mutex
	f      *AtomicFile // nil when writing to a caller's writer
	w      *csv.Writer
	raw    bool
	closed bool
	err    error
}

// NewCSVSink starts a CSV file destined for path (created on Close).
func NewCSVSink(path string, o CSVOptions) (*CSVSink, error) {
	f, err := CreateAtomic(path)
	if err != nil {
		return nil, err
	}
	s := NewCSVWriter(f, o)
	s.f = f
	return s, nil
}

// NewCSVWriter writes CSV to w (standard output, say); Close flushes but does not
// close w. Nothing is atomic here.
func NewCSVWriter(w io.Writer, o CSVOptions) *CSVSink {
	s := &CSVSink{w: csv.NewWriter(w), raw: o.Raw}
	_ = s.w.Write(CSVColumns) // buffered; a write error is reported by Close
	return s
}

// writeRow writes row, its cells neutralised unless the sink is raw; s.mu is held.
func (s *CSVSink) writeRow(row []string) error {
	if !s.raw {
		safe := make([]string, len(row))
		for i, c := range row {
			safe[i] = CSVSafeCell(c)
		}
		row = safe
	}
	return s.w.Write(row)
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
	if err := s.writeRow(row); err != nil {
		return fmt.Errorf("write record %s: %w", recordName(a), err)
	}
	return nil
}

// WriteRow appends a row of CSVColumns (rows of an existing file kept by a new
// run), neutralised like a record's unless the sink is raw: a file written raw by
// an earlier run comes out safe; a neutralised cell stays as it is.
func (s *CSVSink) WriteRow(row []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.writeRow(row); err != nil {
		return fmt.Errorf("write csv row: %w", err)
	}
	return nil
}

// ReadCSVRows calls fn with each data row of the csv output at path, mapped onto
// CSVColumns by the file's header: a column the file lacks (written by an earlier
// release) is empty, one CSVColumns lacks is dropped.
func ReadCSVRows(ctx context.Context, path string, fn func(row []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read csv %s: %w", path, err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 64<<10))
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("read csv %s: header: %w", path, err)
	}
	idx := make([]int, len(CSVColumns))
	found := 0
	for i, c := range CSVColumns {
		idx[i] = slices.Index(header, c)
		if idx[i] >= 0 {
			found++
		}
	}
	if found == 0 {
		return fmt.Errorf("read csv %s: the header names none of the columns of the csv format (%s…)", path, strings.Join(CSVColumns[:3], ", "))
	}
	for line := 2; ; line++ {
		if line%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read csv %s: %w", path, err)
		}
		row := make([]string, len(CSVColumns))
		for i, j := range idx {
			if j >= 0 && j < len(rec) {
				row[i] = rec[j]
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
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
