package output

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/healthcrawl/healthcrawl/article"
)

// Rotate starts a new numbered file when the current one holds MaxRecords records or
// MaxBytes bytes (0 = no limit). Sizes are the bytes the sink has written (for
// parquet, an estimate until a row group is flushed); a file may exceed MaxBytes by
// one record.
type Rotate struct {
	MaxRecords int
	MaxBytes   int64
}

// Enabled reports whether either limit is set.
func (r Rotate) Enabled() bool { return r.MaxRecords > 0 || r.MaxBytes > 0 }

// Validate rejects negative limits.
func (r Rotate) Validate() error {
	var errs []error
	if r.MaxRecords < 0 {
		errs = append(errs, fmt.Errorf("rotate.max_records: %d: must be ≥ 0", r.MaxRecords))
	}
	if r.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("rotate.max_bytes: %d: must be ≥ 0", r.MaxBytes))
	}
	return errors.Join(errs...)
}

// NumberedPath is the path of file n (1-based) of a rotated output: "out.jsonl" →
// "out-00001.jsonl", "out.jsonl.gz" → "out-00001.jsonl.gz", "out" → "out-00001".
func NumberedPath(path string, n int) string {
	dir, base := filepath.Split(path)
	ext := filepath.Ext(base)
	if strings.EqualFold(ext, ".gz") {
		ext = filepath.Ext(strings.TrimSuffix(base, ext)) + ext
	}
	stem := strings.TrimSuffix(base, ext)
	if stem == "" { // ".jsonl": a hidden-file name, not an extension
		stem, ext = base, ""
	}
	return filepath.Join(dir, fmt.Sprintf("%s-%05d%s", stem, n, ext))
}

// sizer is a sink that knows how many bytes it has written.
type sizer interface{ Size() int64 }

// RotatingSink writes numbered files (NumberedPath) and moves to the next when a
// limit of Rotate is reached. The next file is opened when the record that does not
// fit arrives, so no empty file is left at the end; the previous one is closed first,
// which finalises whole-file formats (json, csv, parquet) atomically. Safe for
// concurrent use.
type RotatingSink struct {
	mu     sync.Mutex
	path   string
	rot    Rotate
	open   func(path string) (Sink, error)
	cur    Sink
	n      int // number of the current file
	count  int // records in the current file
	paths  []string
	closed bool
	err    error
}

// NewRotating opens file 1 of path with open.
func NewRotating(path string, rot Rotate, open func(path string) (Sink, error)) (*RotatingSink, error) {
	return newRotatingFrom(path, rot, 0, open)
}

// newRotatingFrom is NewRotating whose first file is number after+1.
func newRotatingFrom(path string, rot Rotate, after int, open func(path string) (Sink, error)) (*RotatingSink, error) {
	r := &RotatingSink{path: path, rot: rot, open: open, n: after}
	if err := r.next(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *RotatingSink) next() error {
	p := NumberedPath(r.path, r.n+1)
	s, err := r.open(p)
	if err != nil {
		return err
	}
	r.n++
	r.cur, r.count = s, 0
	r.paths = append(r.paths, p)
	return nil
}

func (r *RotatingSink) full() bool {
	if r.rot.MaxRecords > 0 && r.count >= r.rot.MaxRecords {
		return true
	}
	if r.rot.MaxBytes > 0 && r.count > 0 {
		if sz, ok := r.cur.(sizer); ok && sz.Size() >= r.rot.MaxBytes {
			return true
		}
	}
	return false
}

// Write writes a to the current file, rotating first when it is full.
func (r *RotatingSink) Write(ctx context.Context, a *article.Article) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	var closeErr error
	if r.full() {
		// A failure to finalise one file is reported, and the crawl goes on in the next.
		if err := r.cur.Close(ctx); err != nil {
			closeErr = fmt.Errorf("rotate %s: %w", r.path, err)
		}
		if err := r.next(); err != nil {
			r.closed = true // no current file to write to
			return errors.Join(closeErr, fmt.Errorf("rotate %s: %w", r.path, err))
		}
	}
	if err := r.cur.Write(ctx, a); err != nil {
		return errors.Join(closeErr, err)
	}
	r.count++
	return closeErr
}

// Paths lists the files opened so far, in order.
func (r *RotatingSink) Paths() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.paths...)
}

// Close closes the current file; idempotent.
func (r *RotatingSink) Close(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.err
	}
	r.closed = true
	r.err = r.cur.Close(ctx)
	return r.err
}

// Abort aborts the current file (whole-file formats leave it unwritten).
func (r *RotatingSink) Abort() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	Abort(context.Background(), r.cur)
	return nil
}

// lastNumbered is the highest n for which NumberedPath(path, n) exists (0 = none).
func lastNumbered(path string) int {
	last := 0
	for n := 1; ; n++ {
		if _, err := os.Stat(NumberedPath(path, n)); err != nil {
			return last
		}
		last = n
	}
}

// Flush flushes the current file when it is a Flusher (sqlite parts).
func (r *RotatingSink) Flush(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.err
	}
	if f, ok := r.cur.(Flusher); ok {
		return f.Flush(ctx)
	}
	return nil
}

// syncRotating is a RotatingSink of Syncer parts (JSON Lines, plain or gzip): its
// position is the number of the part being written and the offset in it.
type syncRotating struct {
	*RotatingSink
	sinkKey // Key
}

// Sync syncs the current part. The parts before it were fsynced when closed.
func (s *syncRotating) Sync(ctx context.Context) (Position, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sy, ok := s.cur.(Syncer)
	if !ok {
		return Position{}, fmt.Errorf("output %s: part %d cannot sync", s.path, s.n)
	}
	p, err := sy.Sync(ctx)
	if err != nil {
		return Position{}, err
	}
	return Position{Part: s.n, Offset: p.Offset}, nil
}

// openRotating opens the numbered parts of spec. Overwrite removes the parts
// present; a resume position removes the parts above Resume.Part and cuts that
// part back to Resume.Offset (removing it when the offset is 0); writing goes on in
// a new part after the highest one left.
func (r *Registry) openRotating(spec Spec, m fileMode, key string) (Sink, error) {
	last := lastNumbered(spec.Path)
	if m.overwrite {
		if err := removeParts(spec.Path, 1, last); err != nil {
			return nil, err
		}
		last = 0
	}
	if p := m.resume; p != nil {
		if p.Part < 1 {
			return nil, fmt.Errorf("resume output %s: position %s names no part of a rotated output", spec.Path, p)
		}
		if err := removeParts(spec.Path, p.Part+1, last); err != nil {
			return nil, err
		}
		last = p.Part
		part := NumberedPath(spec.Path, p.Part)
		if err := truncateTo(part, p.Offset); err != nil {
			return nil, err
		}
		if p.Offset == 0 {
			if err := os.Remove(part); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("resume output %s: %w", part, err)
			}
			last = p.Part - 1
		}
	}
	open := func(path string) (Sink, error) { return r.openPath(spec.Format, path, fileMode{}, key) }
	rs, err := newRotatingFrom(spec.Path, spec.Rotate, last, open)
	if err != nil {
		return nil, err
	}
	if _, ok := rs.cur.(Syncer); ok {
		return &syncRotating{RotatingSink: rs, sinkKey: sinkKey(key)}, nil
	}
	return rs, nil
}

// removeParts removes the numbered parts from..to of path.
func removeParts(path string, from, to int) error {
	for n := from; n <= to; n++ {
		p := NumberedPath(path, n)
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove output part %s: %w", p, err)
		}
	}
	return nil
}
