package output

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/healthcrawl/healthcrawl/article"
)

// Spec says where one sink writes: a path ("-" = standard output; a directory for
// the files format), a format ("" = from the path's extension, see FormatForPath)
// and an optional rotation.
type Spec struct {
	Path   string
	Format string
	Rotate Rotate
	// Append marks a resumed run: it continues what the interrupted run wrote, and
	// Overwrite is ignored. Without Append and without Overwrite, what the output
	// holds is kept too (a new run never destroys earlier records): JSON Lines files
	// (plain or gzip) are appended to, a sqlite database keeps its rows (upserted on
	// url), the files directory keeps its files and its slug map, numbered files
	// continue after the highest number present, and whole-file formats (json, csv,
	// parquet) merge the records of the existing file with the new ones on Close.
	Append bool
	// Resume, with Append, is the position committed by the interrupted run for the
	// sink of this spec (SyncAll's map under SpecKey(spec)): the file (the spool of
	// a whole-file format; the part numbered Resume.Part under rotation) is cut back
	// to it before writing, and parts numbered above it are removed. A file shorter
	// than the committed offset is an error naming it. Nil: nothing is cut.
	Resume *Position
	// Overwrite replaces what the output holds (crawl run --overwrite): a file is
	// truncated, a database recreated, numbered parts and a whole-file output
	// removed, the files the files format wrote (by its index) deleted.
	Overwrite bool
	// CSVRaw, for the csv format, writes every cell as it is: without it a cell a
	// spreadsheet would run as a formula is neutralised (CSVSafeCell).
	CSVRaw bool
}

// withOptions is pf as spec asks for it: the csv format writes raw cells when
// spec.CSVRaw.
func (spec Spec) withOptions(pf PathFormat) PathFormat {
	if pf.Name == "csv" && spec.CSVRaw {
		o := CSVOptions{Raw: true}
		pf.Open = func(p string) (Sink, error) { return NewCSVSink(p, o) }
		pf.Stream = func(w io.Writer) Sink { return NewCSVWriter(w, o) }
	}
	return pf
}

// PathFormat is a format that writes to a path (the formats of the registry write
// to an io.Writer).
type PathFormat struct {
	Name string
	// Open creates the sink writing to path.
	Open func(path string) (Sink, error)
	// Stream, when set, writes the format to a caller's writer (standard output).
	Stream func(w io.Writer) Sink
	// Whole formats are only readable complete (json, csv, parquet): OpenSpec
	// writes their records to a JSON Lines spool beside the path (a Syncer) and
	// Close converts the spool into the final file (see openSpooled); Open builds
	// one file, written under a temporary name and renamed onto the path on Close.
	Whole bool
	// Dir formats write a directory tree (files); they do not rotate.
	Dir bool
	// Exts are the file extensions that select the format when none is given.
	Exts []string
	// Schemes are the URL schemes of paths that select the format (redis for
	// redis://HOST:PORT/DB?stream=KEY).
	Schemes []string
	// Doc is a one-line description.
	Doc string
}

// OpenSpec opens the sink of spec from the default registry.
func OpenSpec(ctx context.Context, spec Spec) (Sink, error) {
	return defaultRegistry.OpenSpec(ctx, spec)
}

// OpenSpec opens the sink of spec: the format's file (or directory), numbered files
// under rotation, a spool for whole-file formats, or standard output for "-". What
// the output already holds is kept unless spec.Overwrite (see Spec).
func (r *Registry) OpenSpec(ctx context.Context, spec Spec) (Sink, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	format := spec.Format
	if format == "" {
		format = FormatForPath(spec.Path)
	}
	if spec.Path == "" {
		return nil, fmt.Errorf("output format %s: empty path", format)
	}
	if !r.Has(format) {
		return nil, fmt.Errorf("%w %q (known: %v)", ErrUnknownFormat, format, r.Formats())
	}
	if spec.Path == "-" {
		spec.Format = format
		return r.NewSpec(spec, os.Stdout)
	}
	if err := spec.Rotate.Validate(); err != nil {
		return nil, fmt.Errorf("output %s: %w", spec.Path, err)
	}
	spec.Format = format
	key := SpecKey(spec)
	m := modeOf(spec)
	pf, isPath := r.PathFormat(format)
	pf = spec.withOptions(pf)
	if isPath && pf.Whole {
		return r.openSpooled(ctx, spec, pf, m, key)
	}
	if spec.Rotate.Enabled() {
		if isPath && pf.Dir {
			return nil, fmt.Errorf("output %s: format %s writes a directory and does not rotate", spec.Path, format)
		}
		return r.openRotating(spec, m, key)
	}
	return r.openPath(format, spec.Path, m, key)
}

// openPath opens one file of format at path in mode m; key names the sink (SpecKey).
func (r *Registry) openPath(format, path string, m fileMode, key string) (Sink, error) {
	switch {
	case format == "sqlite" && m.overwrite:
		return NewSQLiteSink(path)
	case format == "sqlite":
		return OpenSQLiteSink(path)
	case format == "files":
		return openFilesSink(path, m.overwrite)
	}
	if pf, ok := r.PathFormat(format); ok {
		return pf.Open(path)
	}
	if format == "jsonl" && IsGzipPath(path) {
		return openGzipJSONL(path, m, key)
	}
	if format == "jsonl" {
		return openJSONLFile(path, m, key)
	}
	// text, markdown and other writer formats: appended to unless overwritten
	f, size, err := openAppend(path, fileMode{overwrite: m.overwrite})
	if err != nil {
		return nil, err
	}
	cf := &countingFile{f: f}
	s, err := r.New(format, cf)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if ds, ok := s.(*docSink); ok && size > 0 {
		ds.n = 1 // documents already in the file: the first one written gets the separator
	}
	return &countedFileSink{Sink: s, cf: cf, path: path}, nil
}

// countingFile counts the bytes written to a file.
type countingFile struct {
	mu sync.Mutex
	f  *os.File
	n  int64
}

func (c *countingFile) Write(p []byte) (int, error) {
	n, err := c.f.Write(p)
	c.mu.Lock()
	c.n += int64(n)
	c.mu.Unlock()
	return n, err
}

// countedFileSink closes the file after the sink and reports its size.
type countedFileSink struct {
	Sink
	cf   *countingFile
	path string
	once sync.Once
	err  error
}

func (s *countedFileSink) Size() int64 {
	s.cf.mu.Lock()
	defer s.cf.mu.Unlock()
	return s.cf.n
}

func (s *countedFileSink) Close(ctx context.Context) error {
	s.once.Do(func() {
		err := s.Sink.Close(ctx)
		if cerr := s.cf.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close output %s: %w", s.path, cerr)
		}
		s.err = err
	})
	return s.err
}

// OpenSpecs opens every spec; several are written together through a MultiSink. When
// one fails to open, those already open are aborted (whole-file formats leave no file).
func OpenSpecs(ctx context.Context, specs []Spec) (Sink, error) {
	var sinks []Sink
	for _, sp := range specs {
		s, err := OpenSpec(ctx, sp)
		if err != nil {
			for _, o := range sinks {
				Abort(ctx, o)
			}
			return nil, err
		}
		sinks = append(sinks, s)
	}
	return NewMulti(sinks...), nil
}

// aborter is a sink that can be dropped without finalising its file.
type aborter interface{ Abort() error }

// Abort drops s without finalising it when it can be aborted (whole-file formats
// leave no file, rotation leaves the files already finished), else closes it.
func Abort(ctx context.Context, s Sink) {
	if a, ok := s.(aborter); ok {
		_ = a.Abort()
		return
	}
	_ = s.Close(ctx)
}

// MultiSink writes every record to several sinks in turn. A failing sink does not
// stop the others: Write and Close return the errors of all of them joined.
type MultiSink struct {
	sinks []Sink
	once  sync.Once
	err   error
}

// NewMulti returns a sink writing to each of sinks; one sink is returned as is.
func NewMulti(sinks ...Sink) Sink {
	if len(sinks) == 1 {
		return sinks[0]
	}
	return &MultiSink{sinks: sinks}
}

// Write writes a to every sink.
func (m *MultiSink) Write(ctx context.Context, a *article.Article) error {
	var errs []error
	for _, s := range m.sinks {
		if err := s.Write(ctx, a); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close closes every sink; idempotent.
func (m *MultiSink) Close(ctx context.Context) error {
	m.once.Do(func() {
		var errs []error
		for _, s := range m.sinks {
			if err := s.Close(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		m.err = errors.Join(errs...)
	})
	return m.err
}

// Abort aborts every sink that can be aborted and closes the others.
func (m *MultiSink) Abort() error {
	m.once.Do(func() {
		for _, s := range m.sinks {
			Abort(context.Background(), s)
		}
	})
	return nil
}
