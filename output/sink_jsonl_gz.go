package output

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/healthcrawl/healthcrawl/article"
)

// GzipJSONLSink writes JSON Lines compressed with gzip. The records written between
// two Syncs form one gzip member: Sync (and Close) ends the member, flushes and
// fsyncs, and returns the offset just after it. A concatenation of gzip members is
// one valid gzip stream (RFC 1952; gzip -d, zcat, Go's gzip.Reader and Read read it
// whole), so a file cut at a committed offset is whole; what a killed process wrote
// after its last Sync is a torn member that a resumed run cuts off. A failed write
// breaks the sink (sticky error). Safe for concurrent use.
type GzipJSONLSink struct {
	mu        sync.Mutex
	f         fileWriter // nil when the caller owns w
	bw        *bufio.Writer
	cw        countWriter // counts the compressed bytes handed to bw
	zw        *gzip.Writer
	member    bool  // a member is open
	mstart    int64 // cw.n when the open member started
	raw       int64 // uncompressed bytes in the open member
	path      string
	sinkKey         // Key
	base      int64 // file offset the run started at
	end       int64 // offset after the last closed member
	sinkState       // closed; sticky error
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// NewGzipJSONLSink creates path and its directory, replacing what the file held.
func NewGzipJSONLSink(path string) (*GzipJSONLSink, error) {
	return openGzipJSONL(path, fileMode{overwrite: true}, SpecKey(Spec{Path: path, Format: "jsonl"}))
}

// openGzipJSONL opens path in mode m. Without a resume position, an existing file
// is appended to only when it ends with a complete gzip member: a torn one (left by
// a killed run) would make everything appended after it unreadable, so it is an
// error telling to resume or overwrite.
func openGzipJSONL(path string, m fileMode, key string) (*GzipJSONLSink, error) {
	f, size, err := openAppend(path, m)
	if err != nil {
		return nil, err
	}
	if m.resume == nil && size > 0 {
		end, err := gzipMembersEnd(f)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("open output %s: %w", path, err)
		}
		if end != size {
			_ = f.Close()
			return nil, fmt.Errorf("open output %s: the file holds %d bytes but its last complete gzip member ends at byte %d (torn by a killed run, or not gzip): resume the crawl to cut it back, or run with --overwrite", path, size, end)
		}
		if _, err := f.Seek(size, io.SeekStart); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("open output %s: %w", path, err)
		}
	}
	s := newGzipJSONL(wrapFile(f))
	s.path, s.sinkKey, s.base, s.end = path, sinkKey(key), size, size
	return s, nil
}

// NewGzipJSONLWriter writes gzip members to w (not closed by Close).
func NewGzipJSONLWriter(w io.Writer) *GzipJSONLSink {
	s := newGzipJSONL(nil)
	s.bw.Reset(w)
	return s
}

func newGzipJSONL(f fileWriter) *GzipJSONLSink {
	s := &GzipJSONLSink{f: f, path: "output"}
	var w io.Writer = io.Discard
	if f != nil {
		w = f
	}
	s.bw = bufio.NewWriterSize(w, 64<<10)
	s.cw.w = s.bw
	s.zw = gzip.NewWriter(&s.cw)
	return s
}

// gzipMembersEnd is the offset just after the last complete gzip member of f
// (read from its start); 0 when the file does not start with one.
func gzipMembersEnd(f *os.File) (int64, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	cr := &countByteReader{r: bufio.NewReaderSize(f, 64<<10)}
	var zr gzip.Reader
	var end int64
	for {
		if err := zr.Reset(cr); err != nil {
			return end, nil // io.EOF after the last member, or a torn header
		}
		zr.Multistream(false)
		if _, err := io.Copy(io.Discard, &zr); err != nil {
			return end, nil // a torn or corrupt member
		}
		end = cr.n
	}
}

// countByteReader counts the bytes read; it is a flate.Reader, so gzip.Reader reads
// exactly the bytes of each member from it.
type countByteReader struct {
	r *bufio.Reader
	n int64
}

func (c *countByteReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countByteReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// Write compresses a's line into the current member.
func (s *GzipJSONLSink) Write(ctx context.Context, a *article.Article) error {
	line, err := encodeLine(ctx, a)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	if !s.member {
		s.zw.Reset(&s.cw)
		s.member, s.mstart, s.raw = true, s.cw.n, 0
	}
	s.raw += int64(len(line))
	if _, err := s.zw.Write(line); err != nil {
		s.fail(fmt.Errorf("write record %s to %s: %w", recordName(a), s.path, err))
		return s.err
	}
	return nil
}

// fail makes err sticky and cuts the file back to its last whole member when it can.
func (s *GzipJSONLSink) fail(err error) {
	s.err = err
	if s.f != nil {
		_ = s.f.Truncate(s.end)
	}
}

// endMember closes the open member and writes out everything buffered.
func (s *GzipJSONLSink) endMember() error {
	if s.member {
		s.member = false
		if err := s.zw.Close(); err != nil {
			s.fail(fmt.Errorf("write output %s: %w", s.path, err))
			return s.err
		}
	}
	if err := s.bw.Flush(); err != nil {
		s.fail(fmt.Errorf("write output %s: %w", s.path, err))
		return s.err
	}
	if s.f != nil {
		if err := s.f.Sync(); err != nil {
			s.fail(fmt.Errorf("sync output %s: %w", s.path, err))
			return s.err
		}
	}
	s.end = s.base + s.cw.n
	return nil
}

// Sync ends the current member, fsyncs the file and returns the offset after it.
func (s *GzipJSONLSink) Sync(context.Context) (Position, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return Position{}, s.err
	}
	if !s.closed {
		if err := s.endMember(); err != nil {
			return Position{}, err
		}
	}
	return Position{Offset: s.end}, nil
}

// Size is the number of compressed bytes written this run; for the open member,
// whose bytes the compressor still holds, at least a quarter of its text.
func (s *GzipJSONLSink) Size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.member {
		return s.mstart + max(s.cw.n-s.mstart, s.raw/4)
	}
	return s.cw.n
}

// Close ends the member, fsyncs and closes the file it opened; idempotent.
func (s *GzipJSONLSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.err
	}
	s.closed = true
	if s.err == nil {
		_ = s.endMember()
	}
	if s.f != nil {
		if err := s.f.Close(); err != nil && s.err == nil {
			s.err = fmt.Errorf("close output %s: %w", s.path, err)
		}
	}
	return s.err
}
