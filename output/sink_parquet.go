package output

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/healthcrawl/healthcrawl/article"
	"github.com/healthcrawl/healthcrawl/internal/datetext"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// ParquetRecord is the row layout of the parquet format: the record with its nested
// parts (sections → blocks → items and rows, related, references) as nested columns
// (LIST of STRUCT). Column names are the record's JSON field names.
//
// Dates are typed: published_at, modified_at and reviewed_at are DATE columns, set
// whenever the record has the day (the UTC day when it has a time); the
// published_at_ts, modified_at_ts and reviewed_at_ts columns are TIMESTAMP
// (microseconds, adjusted to UTC), set when the record has the time of day too. A
// missing value is null in both.
type ParquetRecord struct {
	SchemaVersion int64            `parquet:"schema_version"`
	Source        string           `parquet:"source"`
	URL           string           `parquet:"url"`
	CanonicalURL  string           `parquet:"canonical_url"`
	Site          string           `parquet:"site"`
	FetchedAt     *time.Time       `parquet:"fetched_at,optional,timestamp(nanosecond)"`
	PageType      string           `parquet:"page_type"`
	Change        string           `parquet:"change"`
	Title         string           `parquet:"title"`
	Description   string           `parquet:"description"`
	Authors       []string         `parquet:"authors,list"`
	PublishedAt   *int32           `parquet:"published_at,optional,date"`
	PublishedTS   *time.Time       `parquet:"published_at_ts,optional,timestamp(microsecond)"`
	ModifiedAt    *int32           `parquet:"modified_at,optional,date"`
	ModifiedTS    *time.Time       `parquet:"modified_at_ts,optional,timestamp(microsecond)"`
	Language      string           `parquet:"language"`
	SiteName      string           `parquet:"site_name"`
	Tags          []string         `parquet:"tags,list"`
	Image         string           `parquet:"image"`
	ReviewedBy    string           `parquet:"reviewed_by"`
	ReviewedAt    *int32           `parquet:"reviewed_at,optional,date"`
	ReviewedTS    *time.Time       `parquet:"reviewed_at_ts,optional,timestamp(microsecond)"`
	Sections      []ParquetSection `parquet:"sections,list"`
	Related       []ParquetRelated `parquet:"related,list"`
	References    []ParquetRef     `parquet:"references,list"`
	Text          string           `parquet:"text"`
	WordCount     int64            `parquet:"word_count"`
	ContentHash   string           `parquet:"content_hash"`
	RecordID      string           `parquet:"record_id,optional"`
}

// ParquetSection is article.Section as a nested column.
type ParquetSection struct {
	Heading string         `parquet:"heading"`
	Level   int32          `parquet:"level"`
	Blocks  []ParquetBlock `parquet:"blocks,list"`
}

// ParquetBlock is article.Block as a nested column; a table row is a struct holding
// its cells (a list of lists).
type ParquetBlock struct {
	Type      string        `parquet:"type"`
	Text      string        `parquet:"text"`
	Ordered   bool          `parquet:"ordered"`
	Items     []ParquetItem `parquet:"items,list"`
	Rows      []ParquetRow  `parquet:"rows,list"`
	Truncated bool          `parquet:"truncated"`
	Role      string        `parquet:"role,optional"`
}

// ParquetItem is article.ListItem.
type ParquetItem struct {
	Label string `parquet:"label"`
	Text  string `parquet:"text"`
	Depth int32  `parquet:"depth"`
}

// ParquetRow is one table row.
type ParquetRow struct {
	Cells []string `parquet:"cells,list"`
}

// ParquetRelated is article.Related.
type ParquetRelated struct {
	Title     string `parquet:"title"`
	URL       string `parquet:"url"`
	Snippet   string `parquet:"snippet"`
	Truncated bool   `parquet:"truncated"`
}

// ParquetRef is article.Reference.
type ParquetRef struct {
	Text string `parquet:"text"`
	URL  string `parquet:"url"`
	DOI  string `parquet:"doi"`
	PMID string `parquet:"pmid"`
}

// ToParquet converts a record to its parquet row.
func ToParquet(a *article.Article) ParquetRecord {
	r := ParquetRecord{
		SchemaVersion: int64(a.SchemaVersion), Source: a.Source, URL: a.URL, CanonicalURL: a.CanonicalURL,
		Site: a.Site, PageType: a.PageType, Change: a.Change, Title: a.Title, Description: a.Description,
		Authors: a.Authors, Language: a.Language,
		SiteName: a.SiteName, Tags: a.Tags, Image: a.Image, ReviewedBy: a.ReviewedBy,
		Text: a.Text, WordCount: int64(a.WordCount), ContentHash: a.ContentHash, RecordID: a.RecordID,
	}
	r.PublishedAt, r.PublishedTS = typedDate(a.PublishedAt)
	r.ModifiedAt, r.ModifiedTS = typedDate(a.ModifiedAt)
	r.ReviewedAt, r.ReviewedTS = typedDate(a.ReviewedAt)
	if a.FetchedAt != nil {
		t := a.FetchedAt.UTC()
		r.FetchedAt = &t
	}
	for _, s := range a.Sections {
		ps := ParquetSection{Heading: s.Heading, Level: int32(s.Level)}
		for _, b := range s.Blocks {
			pb := ParquetBlock{Type: b.Type, Text: b.Text, Ordered: b.Ordered, Truncated: b.Truncated, Role: b.Role}
			for _, it := range b.Items {
				pb.Items = append(pb.Items, ParquetItem{Label: it.Label, Text: it.Text, Depth: int32(it.Depth)})
			}
			for _, row := range b.Rows {
				pb.Rows = append(pb.Rows, ParquetRow{Cells: row})
			}
			ps.Blocks = append(ps.Blocks, pb)
		}
		r.Sections = append(r.Sections, ps)
	}
	for _, x := range a.Related {
		r.Related = append(r.Related, ParquetRelated(x))
	}
	for _, x := range a.References {
		r.References = append(r.References, ParquetRef(x))
	}
	return r
}

// Article converts a parquet row back to a record.
func (r *ParquetRecord) Article() *article.Article {
	a := &article.Article{
		SchemaVersion: int(r.SchemaVersion), Source: r.Source, URL: r.URL, CanonicalURL: r.CanonicalURL,
		Site: r.Site, PageType: r.PageType, Change: r.Change, Title: r.Title, Description: r.Description,
		Authors: r.Authors, PublishedAt: dateText(r.PublishedAt, r.PublishedTS),
		ModifiedAt: dateText(r.ModifiedAt, r.ModifiedTS), Language: r.Language,
		SiteName: r.SiteName, Tags: r.Tags, Image: r.Image, ReviewedBy: r.ReviewedBy,
		ReviewedAt: dateText(r.ReviewedAt, r.ReviewedTS),
		Text:       r.Text, WordCount: int(r.WordCount), ContentHash: r.ContentHash, RecordID: r.RecordID,
	}
	if r.FetchedAt != nil {
		t := *r.FetchedAt
		a.FetchedAt = &t
	}
	for _, ps := range r.Sections {
		s := article.Section{Heading: ps.Heading, Level: int(ps.Level)}
		for _, pb := range ps.Blocks {
			b := article.Block{Type: pb.Type, Text: pb.Text, Ordered: pb.Ordered, Truncated: pb.Truncated, Role: pb.Role}
			for _, it := range pb.Items {
				b.Items = append(b.Items, article.ListItem{Label: it.Label, Text: it.Text, Depth: int(it.Depth)})
			}
			for _, row := range pb.Rows {
				b.Rows = append(b.Rows, row.Cells)
			}
			s.Blocks = append(s.Blocks, b)
		}
		a.Sections = append(a.Sections, s)
	}
	for _, x := range r.Related {
		a.Related = append(a.Related, article.Related(x))
	}
	for _, x := range r.References {
		a.References = append(a.References, article.Reference(x))
	}
	return a
}

// typedDate splits a record date ("2024-03-18" or "2024-03-18T09:12:00Z") into
// its day (days since 1970-01-01, parquet's DATE) and, when it has one, its
// instant. A value in another layout is first brought to the record format; one
// that holds no date gives nils.
func typedDate(s string) (day *int32, ts *time.Time) {
	if s == "" {
		return nil, nil
	}
	if len(s) == 10 {
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			n := int32(d.Unix() / 86400)
			return &n, nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if s = datetext.Normalize(s); s == "" {
			return nil, nil
		}
		return typedDate(s)
	}
	t = t.UTC()
	n := int32(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400)
	return &n, &t
}

// dateText is typedDate's inverse: the record format.
func dateText(day *int32, ts *time.Time) string {
	switch {
	case ts != nil:
		return ts.UTC().Format("2006-01-02T15:04:05.999999Z07:00")
	case day != nil:
		return time.Unix(int64(*day)*86400, 0).UTC().Format(time.DateOnly)
	}
	return ""
}

// ParquetSink writes records as rows of one parquet file (zstd-compressed, row groups
// of ParquetRowGroup rows). The file is written under a temporary name and renamed
// onto its path by Close: a parquet file is only readable with its footer, so the
// path never holds a partial one. Safe for concurrent use.
type ParquetSink struct {
	mu     sync.Mutex
	f      *AtomicFile
	w      *parquet.GenericWriter[ParquetRecord]
	buf    []ParquetRecord
	est    int64 // estimated bytes of buffered rows (their JSON size / 4)
	closed bool
	err    error
}

// ParquetRowGroup is the number of rows buffered before they are written as a row group.
const ParquetRowGroup = 1024

// NewParquetSink starts a parquet file destined for path (created on Close).
func NewParquetSink(path string) (*ParquetSink, error) {
	f, err := CreateAtomic(path)
	if err != nil {
		return nil, err
	}
	w := parquet.NewGenericWriter[ParquetRecord](f,
		parquet.Compression(&zstd.Codec{}),
		parquet.CreatedBy("healthcrawl", "", ""),
		parquet.KeyValueMetadata("healthcrawl.schema_version", fmt.Sprint(article.SchemaVersion)),
	)
	return &ParquetSink{f: f, w: w}, nil
}

// Write buffers a's row; every ParquetRowGroup rows become a row group.
func (s *ParquetSink) Write(ctx context.Context, a *article.Article) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	row := ToParquet(a)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.buf = append(s.buf, row)
	s.est += int64(len(a.Text)+len(a.Title)+len(a.URL)+256) / 4
	if len(s.buf) >= ParquetRowGroup {
		return s.flushLocked()
	}
	return nil
}

func (s *ParquetSink) flushLocked() error {
	if len(s.buf) == 0 {
		return nil
	}
	if _, err := s.w.Write(s.buf); err != nil {
		return fmt.Errorf("write parquet %s: %w", s.f.Path(), err)
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("write parquet %s: %w", s.f.Path(), err)
	}
	s.buf = s.buf[:0]
	s.est = 0
	return nil
}

// Size estimates the bytes of the file so far: bytes written plus an estimate of the
// buffered rows (compressed text is about a quarter of its size).
func (s *ParquetSink) Size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Size() + s.est
}

// Close writes the buffered rows and the footer and renames the file onto its path;
// idempotent.
func (s *ParquetSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.err
	}
	s.closed = true
	s.buf = append(s.buf[:0:0], s.buf...)
	if err := s.flushLocked(); err != nil {
		s.err = err
	} else if err := s.w.Close(); err != nil {
		s.err = fmt.Errorf("close parquet %s: %w", s.f.Path(), err)
	}
	s.err = s.f.Finish(s.err)
	return s.err
}

// Abort drops the file: the path is left as it was. Close after Abort does nothing.
func (s *ParquetSink) Abort() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.buf = nil
	return s.f.Abort()
}

// ReadParquet calls fn with each record of the parquet file at path, in order.
func ReadParquet(ctx context.Context, path string, fn func(*article.Article) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read parquet %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read parquet %s: %w", path, err)
	}
	var pf *parquet.File
	v0 := false
	err = parquetCall(path, func() error {
		var err error
		if pf, err = parquet.OpenFile(f, st.Size()); err != nil {
			return err
		}
		c, ok := pf.Schema().Lookup("published_at")
		v0 = ok && c.Node.Type().Kind() == parquet.ByteArray
		return nil
	})
	if err != nil {
		return fmt.Errorf("read parquet %s: %w", path, err)
	}
	if v0 {
		// written before dates were typed: ISO strings
		return readParquetRows(ctx, path, pf, (*parquetRecordV0).Article, fn)
	}
	return readParquetRows(ctx, path, pf, (*ParquetRecord).Article, fn)
}

// parquetCall runs call, a call into parquet-go, turning a panic into an error:
// the library panics on some corrupt files (a slice bound out of range in a page
// index, say) where it should return an error, and a bad file must never stop the
// process reading it.
func parquetCall(path string, call func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			slog.Debug("parquet-go panicked on a corrupt file", "path", path, "panic", p)
			err = fmt.Errorf("corrupt parquet file (%v)", p)
		}
	}()
	return call()
}

// parquetRecordV0 is the row layout of files written before dates were typed
// (published_at, modified_at, reviewed_at as strings).
type parquetRecordV0 struct {
	SchemaVersion int64            `parquet:"schema_version"`
	Source        string           `parquet:"source"`
	URL           string           `parquet:"url"`
	CanonicalURL  string           `parquet:"canonical_url"`
	Site          string           `parquet:"site"`
	FetchedAt     *time.Time       `parquet:"fetched_at,optional,timestamp(nanosecond)"`
	PageType      string           `parquet:"page_type"`
	Change        string           `parquet:"change"`
	Title         string           `parquet:"title"`
	Description   string           `parquet:"description"`
	Authors       []string         `parquet:"authors,list"`
	PublishedAt   string           `parquet:"published_at"`
	ModifiedAt    string           `parquet:"modified_at"`
	Language      string           `parquet:"language"`
	SiteName      string           `parquet:"site_name"`
	Tags          []string         `parquet:"tags,list"`
	Image         string           `parquet:"image"`
	ReviewedBy    string           `parquet:"reviewed_by"`
	ReviewedAt    string           `parquet:"reviewed_at"`
	Sections      []ParquetSection `parquet:"sections,list"`
	Related       []ParquetRelated `parquet:"related,list"`
	References    []ParquetRef     `parquet:"references,list"`
	Text          string           `parquet:"text"`
	WordCount     int64            `parquet:"word_count"`
	ContentHash   string           `parquet:"content_hash"`
}

func (r *parquetRecordV0) Article() *article.Article {
	cur := ParquetRecord{
		SchemaVersion: r.SchemaVersion, Source: r.Source, URL: r.URL, CanonicalURL: r.CanonicalURL, Site: r.Site,
		FetchedAt: r.FetchedAt, PageType: r.PageType, Change: r.Change, Title: r.Title, Description: r.Description,
		Authors: r.Authors, Language: r.Language, SiteName: r.SiteName, Tags: r.Tags, Image: r.Image,
		ReviewedBy: r.ReviewedBy, Sections: r.Sections, Related: r.Related, References: r.References,
		Text: r.Text, WordCount: r.WordCount, ContentHash: r.ContentHash,
	}
	a := cur.Article()
	a.PublishedAt, a.ModifiedAt, a.ReviewedAt = r.PublishedAt, r.ModifiedAt, r.ReviewedAt
	return a
}

func readParquetRows[R any](ctx context.Context, path string, pf *parquet.File, conv func(*R) *article.Article, fn func(*article.Article) error) error {
	var r *parquet.GenericReader[R]
	if err := parquetCall(path, func() error { r = parquet.NewGenericReader[R](pf); return nil }); err != nil {
		return fmt.Errorf("read parquet %s: %w", path, err)
	}
	defer func() { _ = parquetCall(path, r.Close) }()
	rows := make([]R, 64)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		clear(rows) // fresh slices for every batch: records outlive the batch
		var n int
		err := parquetCall(path, func() error {
			var err error
			n, err = r.Read(rows)
			return err
		})
		for i := range n {
			if ferr := fn(conv(&rows[i])); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read parquet %s: %w", path, err)
		}
	}
}
